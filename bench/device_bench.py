"""Health board benchmark: how soon a TV that goes dark turns red, and what the pages' status reports cost.

    .venv/bin/python bench/device_bench.py                     # 5 trials of each kind, 1,000 reporting pages
    .venv/bin/python bench/device_bench.py --trials 10 --pages 1000 --seconds 40

- **Dark TV**: a registered TV (the real display page in headless Chromium) reaches the hub (`run.py`,
  no audio) through `tests/linkproxy.py`. Each trial cuts the TV off the way a power cut or a dead
  switch does: its connection is black-holed (nothing passes, nothing is closed) and new connections
  are held, so it cannot come back. Times from the cut to `alert: true` for that TV in
  `GET /api/admin/health` (polled every 0.1 s) and to the row turning red on the board page
  (`/admin/health` in Chromium, which asks every 2 s). Then the link is restored and the time until
  the TV is online again is measured too.
- **Closed TV**: the TV's page is closed (the socket closes with FIN): times to red, the same way.
- **Report cost**: N raw WebSocket pages on `/ws/display?page=display` (one asyncio process), first
  silent for S seconds, then each sending `{"type": "status", ...}` every 4 s for S seconds; the hub
  process's CPU time per second of each phase (psutil), and its RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import websockets  # noqa: E402

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, HubProcess  # noqa: E402
from tests.linkproxy import LinkProxy  # noqa: E402

REPORT = {"type": "status", "sound": "on",
          "last_call": {"number": "A012", "counter": "Loket 1", "at": "2026-03-02T01:59:58+00:00",
                        "sound": "announcement"}}


def alert_of(hub: HubProcess, token: str, device_id: int) -> tuple[bool, bool]:
    status, board = hub.request("GET", "/api/admin/health", token=token)
    row = next(r for r in board["devices"] if r["id"] == device_id)
    return row["online"], row["alert"]


def wait(condition, timeout: float = 60, step: float = 0.1) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError("condition not met")
        time.sleep(step)
    return time.monotonic()


def dark_trials(browser, hub: HubProcess, token: str, trials: int) -> dict:
    status, answer = hub.request("POST", "/api/admin/devices", {"kind": "display", "name": "TV Bench",
                                                               "zone": "lantai-2"}, token=token)
    device = answer["device"]
    proxy = LinkProxy(hub.port)
    board = browser.new_page(viewport={"width": 1366, "height": 768})
    board.goto(hub.url + "/admin/health")
    board.fill("#username", "koordinator")
    board.fill("#pin", "1111")
    board.click("#login-button")
    row = f"#board-rows tr[data-key=device-{device['id']}]"
    results = {"dark_api": [], "dark_board": [], "back": [], "closed_api": [], "closed_board": []}
    try:
        tv = browser.new_page()
        tv.goto(f"http://127.0.0.1:{proxy.port}{device['url']}")
        for n in range(trials):
            wait(lambda: alert_of(hub, token, device["id"]) == (True, False))
            board.wait_for_selector(f"{row}[data-online=true]", timeout=60_000)
            time.sleep(random.uniform(0, 4))  # any moment between two reports
            proxy.frozen.set()
            proxy.blackhole()
            cut = time.monotonic()
            results["dark_api"].append(wait(lambda: alert_of(hub, token, device["id"])[1]) - cut)
            board.wait_for_selector(f"{row}[data-alert=true]", timeout=60_000)
            results["dark_board"].append(time.monotonic() - cut)
            restored = time.monotonic()
            proxy.frozen.clear()
            results["back"].append(wait(lambda: alert_of(hub, token, device["id"])[0]) - restored)
            print(f"dark {n + 1}: api {results['dark_api'][-1]:.2f} s, board {results['dark_board'][-1]:.2f} s, "
                  f"back {results['back'][-1]:.2f} s", flush=True)
        for n in range(trials):
            wait(lambda: alert_of(hub, token, device["id"]) == (True, False))
            board.wait_for_selector(f"{row}[data-online=true]", timeout=60_000)
            time.sleep(random.uniform(0, 4))
            tv.close()
            cut = time.monotonic()
            results["closed_api"].append(wait(lambda: alert_of(hub, token, device["id"])[1], step=0.02) - cut)
            board.wait_for_selector(f"{row}[data-alert=true]", timeout=60_000)
            results["closed_board"].append(time.monotonic() - cut)
            print(f"closed {n + 1}: api {results['closed_api'][-1]:.2f} s, board {results['closed_board'][-1]:.2f} s",
                  flush=True)
            tv = browser.new_page()
            tv.goto(f"http://127.0.0.1:{proxy.port}{device['url']}")
    finally:
        proxy.close()
    return results


async def report_load(hub: HubProcess, pages: int, seconds: float) -> dict:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, pages + 256)), hard))
    process = psutil.Process(hub.proc.pid)
    sockets = []
    for _ in range(pages):
        ws = await websockets.connect(f"{hub.ws_url}/ws/display?zone=lantai-2&page=display&v=bench",
                                      max_size=None, ping_interval=None)
        sockets.append(ws)
    readers = [asyncio.create_task(_drain(ws)) for ws in sockets]
    await asyncio.sleep(5)  # snapshots delivered, connections settled

    async def phase(report: bool) -> float:
        before = process.cpu_times()
        start = time.monotonic()
        tasks = [asyncio.create_task(_report(ws, seconds, i * 4 / pages)) for i, ws in enumerate(sockets)] \
            if report else []
        await asyncio.sleep(seconds)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        after = process.cpu_times()
        return (after.user + after.system - before.user - before.system) / (time.monotonic() - start)

    silent = await phase(False)
    reporting = await phase(True)
    rss = process.memory_info().rss / 1e6
    for task in readers:
        task.cancel()
    for ws in sockets:
        await ws.close()
    return {"pages": pages, "seconds": seconds, "cpu_silent": silent, "cpu_reporting": reporting, "rss_mb": rss}


async def _drain(ws) -> None:
    try:
        async for _ in ws:
            pass
    except Exception:
        pass


async def _report(ws, seconds: float, offset: float) -> None:
    text = json.dumps(REPORT)
    await asyncio.sleep(offset)
    while True:
        await ws.send(text)
        await asyncio.sleep(4)


def summary(name: str, values: list[float]) -> str:
    return (f"{name:13} min {min(values):5.2f} s  median {statistics.median(values):5.2f} s  "
            f"max {max(values):5.2f} s  (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=40)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        hub = HubProcess(Path(tmp) / "data").start()
        try:
            token = hub.login("koordinator", "1111")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                results = dark_trials(browser, hub, token, args.trials)
                browser.close()
            load = asyncio.run(report_load(hub, args.pages, args.seconds))
        finally:
            hub.stop()
    print()
    for name, values in results.items():
        print(summary(name, values))
    print(f"{load['pages']} pages, {load['seconds']:.0f} s per phase: hub CPU {load['cpu_silent'] * 100:.1f} % silent, "
          f"{load['cpu_reporting'] * 100:.1f} % reporting every 4 s; RSS {load['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
