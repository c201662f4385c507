"""Several hub processes on PostgreSQL against one hub on SQLite, in the same run (docs/benchmarks.md,
"Several hub processes on PostgreSQL").

    .venv/bin/python bench/scaleout_bench.py                       # 2,000 displays, 100 calls, 20 counters
    .venv/bin/python bench/scaleout_bench.py --displays 2000 --calls 100 --tickets 2000 --counters 20

1. Fan-out: a counter calls next on process A; the time until the ticket.called frame has reached
   every display: 2 processes x N/2 displays (half on A, half on B) on one PostgreSQL database, and
   one SQLite hub (FULL durability) with all N displays. p50/p99/max over `--calls` calls.
2. Call-next throughput: `--tickets` waiting tickets, `--counters` counters pressing call-next as
   fast as they are answered until nobody waits; on PostgreSQL half the counters are on A and half
   on B, on SQLite all on the one hub. Calls per second, and the per-call latency.

PostgreSQL is a server of the bench's own (tests/postgres.py: initdb + pg_ctl in a temporary folder)
with its default durability (fsync and synchronous_commit on). The display side is bench/hub_bench.py's
reader process (raw sockets, epoll), one per hub process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub_bench import (  # noqa: E402
    BENCH_CONFIG,
    free_port,
    post_json,
    rss_mb,
    start_displays,
    stop,
    wait_all,
    wait_port,
)


def site(counters: int) -> str:
    import tomli_w

    raw = tomllib.loads(BENCH_CONFIG)
    template = raw["counters"][0]
    raw["counters"] = [{**template, "id": str(n), "name": f"Loket {n}"} for n in range(1, counters + 1)]
    return tomli_w.dumps(raw)


class Hub:
    """One `run.py` process (SQLite in its data folder, or `--database URL`)."""

    def __init__(self, tmp: Path, name: str, database: str | None = None) -> None:
        self.port = free_port()
        args = [sys.executable, "run.py", "--config", str(tmp / "site.toml"), "--data-dir", str(tmp / name),
                "--host", "127.0.0.1", "--port", str(self.port), "--no-audio", "--log-level", "warning"]
        if database:
            args += ["--database", database]
        self.process = subprocess.Popen(args, cwd=ROOT, stdout=open(tmp / f"{name}.log", "wb"),
                                        stderr=subprocess.STDOUT)
        wait_port(self.port)
        self.token = self.post("/api/login", {"username": "koordinator", "pin": "1111"})["token"]

    def post(self, path: str, body: dict | None = None, conn: http.client.HTTPConnection | None = None) -> dict:
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port)
        return post_json(conn, path, body, getattr(self, "token", None))

    def stop(self) -> None:
        stop(self.process)


def percentile(ms: list[float], share: float) -> float:
    ms = sorted(ms)
    return ms[min(len(ms) - 1, int(round(share * (len(ms) - 1))))]


def summary(name: str, seconds: list[float], **extra) -> dict:
    ms = [x * 1000 for x in seconds]
    return {"what": name, "n": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms), 2), **extra}


def fan_out(hubs: list[Hub], displays: int, calls: int, warmup: int, name: str) -> dict:
    """Calls made on hubs[0]; displays split evenly over the hubs; latency until all have the call."""
    caller = hubs[0]
    conn = http.client.HTTPConnection("127.0.0.1", caller.port)
    for _ in range(warmup + calls):
        caller.post("/api/tickets", {"service": "A"}, conn)
    readers = [start_displays(hub.port, "/ws/display?zone=lantai-2", displays // len(hubs)) for hub in hubs]
    latencies = []
    try:
        for i in range(warmup + calls):
            t0 = time.monotonic()
            number = caller.post("/api/counters/1/call-next", conn=conn)["ticket"]["number"]
            arrived = max(wait_all(pipe, number) for _, pipe in readers)
            if i >= warmup:
                latencies.append(arrived - t0)
        rss = [round(rss_mb(hub.process.pid), 1) for hub in hubs]
    finally:
        for proc, pipe in readers:
            pipe.send("stop")
            proc.join(5)
    return summary(name, latencies, displays=displays, rss_mb=rss)


def throughput(hubs: list[Hub], counters: int, tickets: int, name: str) -> dict:
    """`counters` counters (spread over the hubs) call every one of `tickets` waiting tickets."""
    def issue(hub: Hub, n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", hub.port)
        for _ in range(n):
            hub.post("/api/tickets", {"service": "A"}, conn)

    workers = [threading.Thread(target=issue, args=(hubs[i % len(hubs)], tickets // 4)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    called: list[int] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def counter(n: int) -> None:
        hub = hubs[n % len(hubs)]
        conn = http.client.HTTPConnection("127.0.0.1", hub.port)
        while True:
            t0 = time.monotonic()
            ticket = hub.post(f"/api/counters/{n}/call-next", conn=conn)["ticket"]
            with lock:
                latencies.append(time.monotonic() - t0)
                if ticket is None:
                    return
                called.append(ticket["id"])

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(1, counters + 1)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert len(called) == len(set(called)) == tickets // 4 * 4, "a ticket was called twice or not at all"
    return summary(name, latencies, counters=counters, calls=len(called), calls_per_s=round(len(called) / elapsed, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--displays", type=int, default=2000)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--counters", type=int, default=20)
    args = parser.parse_args()
    from tests.postgres import PostgresServer

    results = []
    with PostgresServer(durable=True) as pg:
        for run in ("sqlite", "postgresql"):
            for part in ("fan-out", "throughput"):
                tmp = Path(tempfile.mkdtemp(prefix="mpp-scaleout-"))
                (tmp / "site.toml").write_text(site(args.counters))
                url = pg.create_database() if run == "postgresql" else None
                hubs = [Hub(tmp, "a", url)] + ([Hub(tmp, "b", url)] if url else [])
                label = "2 processes, PostgreSQL" if url else "1 process, SQLite FULL"
                try:
                    if part == "fan-out":
                        result = fan_out(hubs, args.displays, args.calls, args.warmup, f"fan-out, {label}")
                    else:
                        result = throughput(hubs, args.counters, args.tickets, f"call-next, {label}")
                finally:
                    for hub in hubs:
                        hub.stop()
                print(json.dumps(result), flush=True)
                results.append(result)
    print("\n| what | n | p50 ms | p99 ms | max ms | other |\n| --- | --- | --- | --- | --- | --- |")
    for r in results:
        other = {k: v for k, v in r.items() if k not in ("what", "n", "p50_ms", "p99_ms", "max_ms")}
        print(f"| {r['what']} | {r['n']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | {other} |")


if __name__ == "__main__":
    main()
