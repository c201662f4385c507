"""Survey tablets as registered devices at full-launch size: the health board, the survey's offer, the reports.

    .venv/bin/python bench/tablet_bench.py                     # 80 tablets, 200 board requests, 100 offers
    .venv/bin/python bench/tablet_bench.py --tablets 80 --boards 200 --offers 100 --seconds 30

The site is bench/admin_bench.py's full-launch hall (22 agencies, 150 services, 80 counters in 4 zones,
200 officers); the hub is `run.py` as `make run` starts it (SQLite FULL, no audio). One survey tablet per
counter is registered (`POST /api/admin/devices`, kind survey, its counter) and connected as its page
connects (`/ws/survey/{counter}?page=survey&device=<token>`, one asyncio process of raw websockets),
each reporting `{"type": "status"}` every 4 s as /static/common/hubclient.js does.

- **Board**: `GET /api/admin/health` round trips (an admin's keep-alive connection) with every tablet
  connected and reporting: the board's rows for 80 registered devices.
- **Offer**: a ticket issued, called and finished (Selesai) at a random counter; the time from sending
  `POST /api/counters/{id}/done` to `survey.offer` arriving at that counter's tablet.
- **Reports**: the hub process's CPU per second while the tablets only report, and its RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import websockets  # noqa: E402

from bench.admin_bench import big_site, percentile, start_hub  # noqa: E402
from bench.hub_bench import stop, wait_port  # noqa: E402

REPORT_SECONDS = 4  # server/devices.py REPORT_SECONDS


class Api:
    """One keep-alive HTTP connection to the hub (opened again after uvicorn closes it when idle)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.token: str | None = None

    def call(self, method: str, path: str, body: object = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
                response = self.conn.getresponse()
                return response.status, json.loads(response.read() or b"null")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def login(self, username: str, pin: str) -> Api:
        status, answer = self.call("POST", "/api/login", {"username": username, "pin": pin})
        assert status == 200, answer
        self.token = answer["token"]
        return self


def ms_summary(seconds: list[float]) -> str:
    ms = sorted(x * 1000 for x in seconds)
    return (f"n={len(ms)} p50 {statistics.median(ms):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms, "
            f"max {max(ms):.1f} ms")


async def tablets(port: int, devices: list[dict], offers: dict[str, asyncio.Queue], ready: asyncio.Event,
                  stop_at: asyncio.Event) -> None:
    """Every tablet connected, reporting every REPORT_SECONDS (spread), each offer timed into `offers`."""
    waiting = [len(devices)]  # tablets not connected yet

    async def one(device: dict) -> None:
        counter = device["counter"]
        url = f"ws://127.0.0.1:{port}/ws/survey/{counter}?page=survey&v=bench&device={device['token']}"
        async with websockets.connect(url, max_size=None) as ws:
            assert json.loads(await ws.recv())["type"] == "survey.tablet"
            waiting[0] -= 1
            if waiting[0] == 0:
                ready.set()
            await asyncio.sleep(random.random() * REPORT_SECONDS)

            async def report() -> None:
                while not stop_at.is_set():
                    await ws.send('{"type":"status"}')
                    await asyncio.sleep(REPORT_SECONDS)

            reporter = asyncio.create_task(report())
            try:
                while not stop_at.is_set():
                    try:
                        message = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    if json.loads(message).get("type") == "survey.offer":
                        offers[counter].put_nowait(time.perf_counter())
            finally:
                reporter.cancel()

    await asyncio.gather(*(one(d) for d in devices))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tablets", type=int, default=80)
    parser.add_argument("--boards", type=int, default=200)
    parser.add_argument("--offers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30, help="reporting-only phase for the CPU measure")
    args = parser.parse_args()
    site = big_site()
    hub, port, tmp = start_hub(site, "mpp-tablet-bench-")
    try:
        wait_port(port)
        admin = Api(port).login("admin", "1111")
        counters = [c["id"] for c in site["counters"]][:args.tablets]
        devices = []
        for counter in counters:
            status, made = admin.call("POST", "/api/admin/devices", {"kind": "survey", "name": f"Tablet {counter}",
                                                                     "counter": counter})
            assert status == 201, made
            devices.append(made["device"])
        results = asyncio.run(measure(port, admin, devices, site, hub.pid, args))
        print(f"{args.tablets} registered survey tablets connected and reporting every {REPORT_SECONDS} s")
        for line in results:
            print("  " + line)
    finally:
        stop(hub)


async def measure(port: int, admin: Api, devices: list[dict], site: dict, pid: int, args) -> list[str]:
    offers = {d["counter"]: asyncio.Queue() for d in devices}
    ready, done = asyncio.Event(), asyncio.Event()
    runner = asyncio.create_task(tablets(port, devices, offers, ready, done))
    await asyncio.wait_for(ready.wait(), 60)
    loop = asyncio.get_running_loop()
    proc = psutil.Process(pid)
    cpu0, t0 = proc.cpu_times(), time.perf_counter()
    await asyncio.sleep(args.seconds)
    cpu1, t1 = proc.cpu_times(), time.perf_counter()
    busy = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / (t1 - t0)
    rss = proc.memory_info().rss / 1e6

    def board() -> tuple[float, int]:
        start = time.perf_counter()
        status, answer = admin.call("GET", "/api/admin/health")
        assert status == 200, answer
        online = sum(r["online"] for r in answer["devices"] if r["kind"] == "survey")
        return time.perf_counter() - start, online

    boards = [await loop.run_in_executor(None, board) for _ in range(args.boards)]
    officer = Api(port).login("admin", "1111")  # admin: any counter
    services = {c["id"]: c["services"][0] for c in site["counters"]}
    waits = []
    for _ in range(args.offers):
        counter = random.choice([d["counter"] for d in devices])

        def serve(counter=counter) -> float:
            assert officer.call("POST", "/api/tickets", {"service": services[counter]})[0] == 201
            assert officer.call("POST", f"/api/counters/{counter}/call-next")[0] == 200
            sent = time.perf_counter()
            assert officer.call("POST", f"/api/counters/{counter}/done")[0] == 200
            return sent

        sent = await loop.run_in_executor(None, serve)
        arrived = await asyncio.wait_for(offers[counter].get(), 10)
        waits.append(arrived - sent)
    done.set()
    await runner
    return [
        f"hub CPU while the tablets report: {busy * 100:.1f} % of one core, RSS {rss:.0f} MB",
        f"GET /api/admin/health ({min(o for _, o in boards)}–{max(o for _, o in boards)} tablets online): "
        + ms_summary([s for s, _ in boards]),
        "Selesai to survey.offer at the counter's tablet: " + ms_summary(waits),
    ]


if __name__ == "__main__":
    main()
