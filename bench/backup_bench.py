"""Backup benchmark: a year of a full hall backed up while the kiosks keep issuing.

    .venv/bin/python bench/backup_bench.py                       # 250 days x 2,000 tickets
    .venv/bin/python bench/backup_bench.py --days 250 --per-day 2000 --seconds 30

The database is made the way the hub makes it (`run.py` starts once on an empty data folder), then
filled directly with a synthetic year: each ticket issued, called and served (four history rows)
and its events, 2,000 tickets a day on 250 working days by default (MPP Among Warga at full launch
and then some). Then `run.py` (SQLite FULL, no audio) runs on it and:

- **download**: `GET /api/admin/backup` one after another; the time from the request to the last
  byte (the online backup, its integrity check, the transfer over loopback), and the file's size;
- **issuing**: one kiosk issues tickets back to back over a keep-alive connection; the latency of
  `POST /api/tickets` for `--seconds` with nothing else going on, then for `--seconds` while
  backups are downloaded back to back: what the hall feels while a backup runs.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server.store import TICKET_INSERT  # noqa: E402
from tests.conftest import HubProcess  # noqa: E402

SERVICES = ("A", "B", "C")
COUNTERS = ("1", "2", "3", "4")


def fill(database: Path, days: int, per_day: int) -> int:
    """Append a synthetic year before today to the hub's database; returns the tickets written."""
    start = date.today() - timedelta(days=days * 7 // 5 + 7)
    ticket_id = 0
    seq = 0
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode=WAL")
        day = start
        for _ in range(days):
            while day.weekday() >= 5:
                day += timedelta(days=1)
            tickets, history, events = [], [], []
            base = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
            numbers = dict.fromkeys(SERVICES, 0)
            for n in range(per_day):
                ticket_id += 1
                service = SERVICES[n % len(SERVICES)]
                numbers[service] += 1
                counter = COUNTERS[n % len(COUNTERS)]
                issued = base + timedelta(seconds=n * 12)
                called = issued + timedelta(minutes=14)
                done = called + timedelta(minutes=6)
                tickets.append((ticket_id, f"{service}{numbers[service]:03d}", service, day.isoformat(), n % 9 == 0,
                                "done", issued.isoformat(), issued.isoformat(), f"t{ticket_id:022d}", counter,
                                called.isoformat(), done.isoformat(), 1, None))
                history += [(ticket_id, issued.isoformat(), "issued", None, None, service),
                            (ticket_id, called.isoformat(), "called", counter, "budi", service),
                            (ticket_id, done.isoformat(), "done", counter, "budi", service)]
                for kind, at in (("ticket.issued", issued), ("ticket.called", called)):
                    seq += 1
                    events.append((seq, kind, "lantai-2", at.isoformat(),
                                   json.dumps({"type": kind, "seq": seq, "ticket": {"id": ticket_id}})))
            db.execute("BEGIN")
            db.executemany(TICKET_INSERT, tickets)
            db.executemany("INSERT INTO ticket_history(ticket_id, at, action, counter, officer, service) "
                           "VALUES (?,?,?,?,?,?)", history)
            db.executemany("INSERT OR IGNORE INTO events(seq, type, zone, at, body) VALUES (?,?,?,?,?)",
                           events[-20_000:])
            db.execute("COMMIT")
            day += timedelta(days=1)
        db.execute("DELETE FROM events WHERE seq <= ?", (seq - 20_000,))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return ticket_id


def download(port: int, token: str) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    start = time.perf_counter()
    conn.request("GET", "/api/admin/backup", headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    size = len(response.read())
    elapsed = time.perf_counter() - start
    conn.close()
    assert response.status == 200, response.status
    return elapsed, size


def issuing(port: int, seconds: float) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        conn.request("POST", "/api/tickets", body=b'{"service": "A"}', headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        assert response.status == 201, response.status
        latencies.append((time.perf_counter() - start) * 1000)
    conn.close()
    return latencies


def describe(name: str, values: list[float]) -> str:
    values = sorted(values)
    p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
    return (f"{name:22} n={len(values):5}  p50 {statistics.median(values):7.2f} ms  p99 {p99:7.2f} ms  "
            f"max {values[-1]:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        hub = HubProcess(data).start()
        hub.stop()
        made = time.perf_counter()
        tickets = fill(data / "mpp.sqlite3", args.days, args.per_day)
        size = (data / "mpp.sqlite3").stat().st_size
        print(f"database: {tickets:,} tickets, {size / 1e6:.0f} MB (made in {time.perf_counter() - made:.0f} s)")
        hub = HubProcess(data).start()
        try:
            token = hub.login("koordinator", "1111")
            downloads = [download(hub.port, token) for _ in range(3)]
            for elapsed, bytes_ in downloads:
                print(f"download: {elapsed:.2f} s, {bytes_ / 1e6:.0f} MB")
            quiet = issuing(hub.port, args.seconds)
            stop = threading.Event()
            during: list[tuple[float, int]] = []

            def backups() -> None:
                while not stop.is_set():
                    during.append(download(hub.port, token))

            worker = threading.Thread(target=backups)
            worker.start()
            busy = issuing(hub.port, args.seconds)
            stop.set()
            worker.join()
        finally:
            hub.stop()
    print(describe("issue, nothing else", quiet))
    print(describe(f"issue, {len(during)} backups", busy))
    print(f"downloads during the load: median {statistics.median(e for e, _ in during):.2f} s")


if __name__ == "__main__":
    main()
