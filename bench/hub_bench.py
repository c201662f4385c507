"""Fan-out benchmark: N display WebSockets and one counter calling next.

    .venv/bin/python bench/hub_bench.py                  # 300 and 1,000 displays
    .venv/bin/python bench/hub_bench.py --displays 1000 --calls 300

For each N it runs two servers with the same display side:
- floor: a bare `websockets` server (on uvloop, as the hub) that fans the same
  message a call produces (one ticket.called, which also names the finished
  ticket) out with `websockets.broadcast()`: no HTTP, no database;
- hub: `run.py` (SQLite FULL durability, no audio) and a counter calling
  POST /api/counters/1/call-next.
It reports p50/p99/max of the time from sending the call to the ticket.called
frame having reached every display, calls per second, and the server's RSS.

The display side is one separate process reading raw sockets with a minimal
frame parser (epoll), so that it is not the bottleneck.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import re
import resource
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NUMBER_RE = re.compile(rb'"number":"([A-Z]+\d+)"')
CALLED = b'{"type":"ticket.called"'

BENCH_CONFIG = """
[site]
name = "MPP Benchmark"
timezone = "Asia/Jakarta"
tickets_per_minute = 0
[[zones]]
id = "lantai-2"
name = "Lantai 2"
[[services]]
code = "A"
name = "Perekaman KTP-el"
[[counters]]
id = "1"
name = "Loket 1"
services = ["A"]
zone = "lantai-2"
[[officers]]
username = "koordinator"
name = "Koordinator"
pin_hash = "scrypt$16384$8$1$B1Mf2cXIZI1NW2Ar8Nr6zQ==$E3jaOAQxCztJJJQD0NaDrgmC1u8oyWZ3j4WToTvf8IM="
"""


# ---------------------------------------------------------------- display side


def _handshake(host: str, port: int, path: str) -> tuple[socket.socket, bytearray]:
    s = socket.create_connection((host, port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed during handshake")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise ConnectionError(head.split(b"\r\n")[0].decode())
    s.setblocking(False)
    return s, bytearray(rest)


def _pong(sock: socket.socket, payload: bytes) -> None:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    try:
        sock.send(bytes((0x8A, 0x80 | len(payload))) + mask + masked)
    except BlockingIOError:
        pass


def called_number(payload: bytes) -> bytes | None:
    """The ticket number of a ticket.called frame, None for any other frame."""
    return NUMBER_RE.search(payload).group(1) if payload.startswith(CALLED) else None


def displays(host: str, port: int, path: str, n: int, pipe, match=called_number) -> None:
    """Open n WebSockets (`path`: one path, or a list of paths used in turn), then report ("all", key,
    monotonic time) when every one has got a text frame for which `match(payload)` gives that key."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 1024), hard))
    sel = selectors.DefaultSelector()
    buffers: dict[int, bytearray] = {}
    socks = {}
    paths = [path] if isinstance(path, str) else list(path)
    for i in range(n):
        s, rest = _handshake(host, port, paths[i % len(paths)])
        buffers[s.fileno()] = rest
        socks[s.fileno()] = s
        sel.register(s, selectors.EVENT_READ)
    pipe.send(("ready", len(socks)))
    counts: dict[bytes, int] = {}
    closed = 0
    while True:
        if pipe.poll():
            if pipe.recv() == "stop":
                break
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(1 << 18)
            except (BlockingIOError, ConnectionError):
                continue
            if not data:
                sel.unregister(s)
                closed += 1
                pipe.send(("closed", closed))
                continue
            buf = buffers[s.fileno()]
            buf += data
            while len(buf) >= 2:
                length = buf[1] & 0x7F
                header = 2
                if length == 126:
                    if len(buf) < 4:
                        break
                    length, header = int.from_bytes(buf[2:4], "big"), 4
                elif length == 127:
                    if len(buf) < 10:
                        break
                    length, header = int.from_bytes(buf[2:10], "big"), 10
                if len(buf) < header + length:
                    break
                opcode = buf[0] & 0x0F
                payload = bytes(buf[header:header + length])
                del buf[:header + length]
                number = match(payload) if opcode == 1 else None
                if number is not None:
                    seen = counts.get(number, 0) + 1
                    counts[number] = seen
                    if seen == n:
                        pipe.send(("all", number.decode(), time.monotonic()))
                        del counts[number]
                elif opcode == 9:
                    _pong(s, payload)
    for s in socks.values():
        s.close()


# ---------------------------------------------------------------- floor server


def floor_server(port: int, messages: list[str]) -> None:
    """A bare websockets server: /control triggers one call's messages, broadcast to every other client."""
    import asyncio

    import uvloop
    import websockets
    from websockets.asyncio.server import serve

    clients: set = set()

    async def handler(connection):
        if connection.request.path == "/control":
            async for message in connection:
                for template in messages:
                    websockets.broadcast(clients, template.replace("A000", message))
                await connection.send("ok")
            return
        clients.add(connection)
        try:
            await connection.wait_closed()
        finally:
            clients.discard(connection)

    async def main():
        async with serve(handler, "127.0.0.1", port, compression=None, max_queue=16, backlog=4096):
            await asyncio.Future()

    # The same event loop as the hub (uvicorn picks uvloop): a floor, not a handicap.
    uvloop.run(main())


def sample_messages() -> list[str]:
    """The message one call-next produces (with a ticket at the desk), as the hub encodes it."""
    from datetime import datetime

    from server.events import TicketCalled
    from server.tickets import CounterState, Status
    from server.views import CounterStatus, ServiceQueue, TicketRef, TicketView

    now = datetime.fromisoformat("2026-11-28T02:41:00.123456+00:00")
    ticket = TicketView(id=2, number="A000", service="A", status=Status.CALLED, priority=False, counter="1",
                        issued_at=now, arrived_at=now, called_at=now, finished_at=None, calls=1, origin=None)
    event = TicketCalled(
        ticket=ticket,
        counter=CounterStatus(id="1", name="Loket 1", zone="lantai-2", state=CounterState.OPEN, served=12),
        finished=TicketRef(id=1, number="A999"),
        services=[ServiceQueue(code="A", waiting=123, priority_waiting=0, estimated_wait=1200,
                               estimated_wait_text="± 20 menit")],
    )
    body = {**event.to_json(), "seq": 100, "at": now.isoformat()}
    return [json.dumps(body, ensure_ascii=False, separators=(",", ":"))]


# ---------------------------------------------------------------- driver


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, as systemd stops the hub; SIGKILL after 10 s."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_displays(port: int, path, n: int, match=called_number):
    parent, child = mp.Pipe()
    proc = mp.Process(target=displays, args=("127.0.0.1", port, path, n, child, match), daemon=True)
    proc.start()
    kind, count = parent.recv()
    assert kind == "ready" and count == n
    return proc, parent


def wait_all(pipe, number: str, timeout: float = 30) -> float:
    """When every display had the frame keyed `number` (monotonic seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not pipe.poll(remaining):
            raise TimeoutError(f"{number} did not reach every display")
        message = pipe.recv()
        if message[0] == "all" and message[1] == number:
            return message[2]
        if message[0] == "closed":
            raise ConnectionError(f"{message[1]} displays were disconnected")


def post_json(conn: http.client.HTTPConnection, path: str, body: dict | None = None, token: str | None = None) -> dict:
    """POST `body` as JSON on `conn` (with the officer's `token`); the answer's JSON. RuntimeError for a status of
    300 or more."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request("POST", path, json.dumps(body or {}), headers)
    resp = conn.getresponse()
    data = json.loads(resp.read())
    if resp.status >= 300:
        raise RuntimeError(f"{path}: {resp.status} {data}")
    return data


def summarise(name: str, n: int, latencies: list[float], elapsed: float, rss: float) -> dict:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    return {"server": name, "displays": n, "calls": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(p99, 2), "max_ms": round(ms[-1], 2), "calls_per_s": round(len(ms) / elapsed, 1),
            "rss_mb": round(rss, 1)}


def run_floor(n: int, calls: int, warmup: int) -> dict:
    from websockets.sync.client import connect

    port = free_port()
    server = mp.Process(target=floor_server, args=(port, sample_messages()), daemon=True)
    server.start()
    wait_port(port)
    proc, pipe = start_displays(port, "/display", n)
    latencies = []
    try:
        with connect(f"ws://127.0.0.1:{port}/control", compression=None) as control:
            started = None
            for i in range(warmup + calls):
                if i == warmup:
                    started = time.monotonic()
                number = f"A{i + 1:03d}"
                t0 = time.monotonic()
                control.send(number)
                arrived = wait_all(pipe, number)
                control.recv()
                if i >= warmup:
                    latencies.append(arrived - t0)
            elapsed = time.monotonic() - started
        rss = rss_mb(server.pid)
    finally:
        pipe.send("stop")
        proc.join(5)
        server.kill()
    return summarise("floor (websockets.broadcast)", n, latencies, elapsed, rss)


def run_hub(n: int, calls: int, warmup: int, durability: str) -> dict:
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="mpp-bench-"))
    (tmp / "site.toml").write_text(BENCH_CONFIG)
    hub = subprocess.Popen(
        [sys.executable, "run.py", "--config", str(tmp / "site.toml"), "--data-dir", str(tmp / "data"),
         "--host", "127.0.0.1", "--port", str(port), "--no-audio", "--log-level", "warning",
         "--durability", durability],
        cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def post(path: str, body: dict | None = None, token: str | None = None) -> dict:
            return post_json(conn, path, body, token)

        for _ in range(warmup + calls):
            post("/api/tickets", {"service": "A"})
        token = post("/api/login", {"username": "koordinator", "pin": "1111"})["token"]
        proc, pipe = start_displays(port, "/ws/display?zone=lantai-2", n)
        rss_connected = rss_mb(hub.pid)
        latencies = []
        started = None
        for i in range(warmup + calls):
            if i == warmup:
                started = time.monotonic()
            t0 = time.monotonic()
            number = post("/api/counters/1/call-next", token=token)["ticket"]["number"]
            arrived = wait_all(pipe, number)
            if i >= warmup:
                latencies.append(arrived - t0)
        elapsed = time.monotonic() - started
        rss = rss_mb(hub.pid)
        pipe.send("stop")
        proc.join(5)
    finally:
        stop(hub)
    result = summarise(f"hub (run.py, SQLite {durability})", n, latencies, elapsed, rss)
    result["rss_connected_mb"] = round(rss_connected, 1)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--displays", type=int, nargs="+", default=[300, 1000])
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--durability", default="FULL", choices=["FULL", "NORMAL"])
    p.add_argument("--json", type=Path, help="also write the results to this file")
    args = p.parse_args()
    results = []
    for n in args.displays:
        for r in (run_floor(n, args.calls, args.warmup), run_hub(n, args.calls, args.warmup, args.durability)):
            results.append(r)
            print(json.dumps(r), flush=True)
    print()
    print("| server | displays | calls | p50 ms | p99 ms | max ms | calls/s | RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['server']} | {r['displays']} | {r['calls']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} "
              f"| {r['calls_per_s']} | {r['rss_mb']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
