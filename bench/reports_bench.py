"""Reports benchmark: a year of history at a busy hall, the reports' answer times, and calls meanwhile.

    .venv/bin/python bench/reports_bench.py                       # builds the year in a temporary folder
    .venv/bin/python bench/reports_bench.py --data /tmp/year      # keeps (or reuses) the year there
    .venv/bin/python bench/reports_bench.py --repeat 5 --json results.json

The year is bench/report_year.py's: 250 working days × 1,500 tickets (about 390,000
tickets with the transfers' new tickets, 1.2 million history rows) at bench/admin_bench.py's
full-launch hall (22 agencies, 150 services, 80 counters). The hub is `run.py` as `make run`
starts it (SQLite FULL, no audio). An admin's keep-alive HTTP connection asks, one after
another, `--repeat` times each:

- the monthly recap (March 2025, about 31,000 tickets) as XLSX and as JSON;
- the summary of that month by service as XLSX, and by every breakdown as JSON;
- the summary of the whole year by every breakdown, as JSON, and by counter as XLSX right
  after it was shown.

Reported: the answer's round trip in milliseconds, the first time ("first": the reports'
worker has kept nothing of these days yet) and then again (median and max: the worker
keeps the closed days it has read, reports/work.py). A petugas at counter 1 calls the
next ticket every 50 ms on another connection, first alone, then all through the
whole-year reports; reported: the call's round trip alone and during them (p50, p99, max).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.admin_bench import big_site, report  # noqa: E402
from bench.hub_bench import free_port, rss_mb, stop, wait_port  # noqa: E402
from bench.report_year import build  # noqa: E402

BY = ("service", "agency", "counter", "officer", "day", "hour")
MONTH = ("2025-03-01", "2025-03-31")
YEAR = ("2025-01-01", "2025-12-31")


class Client:
    """One keep-alive HTTP connection to the hub."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[float, bytes]:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):  # idle longer than uvicorn keeps it (5 s)
            self.conn.close()
            t0 = time.perf_counter()
            self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            resp = self.conn.getresponse()
        data = resp.read()
        took = time.perf_counter() - t0
        if resp.status >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:300]!r}")
        return took, data

    def login(self, username: str) -> Client:
        self.token = json.loads(self.call("POST", "/api/login", {"username": username, "pin": "1111"})[1])["token"]
        return self


def stats(name: str, seconds: list[float]) -> dict:
    ms = sorted(x * 1000 for x in seconds)
    return {"what": name, "n": len(ms), "p50_ms": round(statistics.median(ms), 1),
            "p99_ms": round(ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))], 1), "max_ms": round(ms[-1], 1)}


def run(data: Path, repeat: int) -> tuple[list[dict], dict]:
    import tomli_w

    facts: dict = {}
    database = data / "data" / "mpp.sqlite3"
    if not database.exists():
        made = build(database)
        facts.update({k: v for k, v in made.items() if k != "site"})
    (data / "site.toml").write_text(tomli_w.dumps(big_site()))
    port = free_port()
    log = open(data / "hub.log", "wb")
    hub = subprocess.Popen(
        [sys.executable, "run.py", "--config", str(data / "site.toml"), "--data-dir", str(data / "data"),
         "--host", "127.0.0.1", "--port", str(port), "--no-audio", "--log-level", "warning"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    results = []
    try:
        wait_port(port, timeout=60)
        admin = Client(port).login("admin")
        officer = Client(port).login("petugas001")
        kiosk = Client(port)
        for service in ("A", "W", "AS"):  # counter 1's services, up to their daily quotas
            for _ in range(100):
                try:
                    kiosk.call("POST", "/api/tickets", {"service": service})
                except RuntimeError:
                    break

        def calls(n: int | None, until: threading.Event | None = None) -> list[float]:
            took = []
            while (n is None or len(took) < n) and not (until is not None and until.is_set()):
                took.append(officer.call("POST", "/api/counters/1/call-next")[0])
                time.sleep(0.05)
            return took

        results.append(stats("call-next alone", calls(100)))
        admin.call("GET", "/api/reports/recap?month=2025-01")  # starts the reports' worker (keeps no day)

        def timed(name: str, path: str) -> None:
            """The first answer (nothing kept yet: "cold"), then `repeat` more (the worker keeps closed days)."""
            first = admin.call("GET", path)[0]
            results.append(stats(f"{name}: first", [first]))
            results.append(stats(f"{name}: again", [admin.call("GET", path)[0] for _ in range(repeat)]))
            print(results[-2:], file=sys.stderr)

        month = f"from={MONTH[0]}&to={MONTH[1]}"
        year = f"from={YEAR[0]}&to={YEAR[1]}"
        # Files first: a file right after the same report was shown is built from that report (reports/shown.py).
        timed("recap, one month, XLSX", "/api/reports/recap?month=2025-03&format=xlsx")
        timed("recap, one month, JSON", "/api/reports/recap?month=2025-03")
        timed("summary, one month, by service, XLSX", f"/api/reports/summary?{month}&by=service&format=xlsx")
        for by in BY:
            timed(f"summary, one month, by {by}", f"/api/reports/summary?{month}&by={by}")
        # The whole year, with a petugas calling meanwhile (every 50 ms) on another connection.
        reporting = threading.Event()
        during: list[float] = []
        caller = threading.Thread(target=lambda: during.extend(calls(None, reporting)))
        caller.start()
        for by in BY:
            timed(f"summary, whole year, by {by}", f"/api/reports/summary?{year}&by={by}")
        reporting.set()
        caller.join()
        results.append(stats("call-next during the whole-year reports above", during))
        year_file = f"/api/reports/summary?{year}&by=counter&format=xlsx"
        results.append(stats("summary, whole year, by counter, XLSX, right after it was shown",
                             [admin.call("GET", year_file)[0] for _ in range(repeat)]))
        facts["rss_mb"] = round(rss_mb(hub.pid), 1)
        children = Path(f"/proc/{hub.pid}/task/{hub.pid}/children").read_text().split()
        facts["report_worker_rss_mb"] = [round(rss_mb(int(pid)), 1) for pid in children]
    except Exception:
        print((data / "hub.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop(hub)
        log.close()
    with __import__("sqlite3").connect(database) as db:
        facts["tickets"] = db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        facts["history_rows"] = db.execute("SELECT COUNT(*) FROM ticket_history").fetchone()[0]
    facts["database_mb"] = round(database.stat().st_size / 1e6, 1)
    return results, facts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="folder for the year's database (kept; reused when it is there)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", type=Path, help="also write the results to this file")
    args = p.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="mpp-reports-bench-"))
    data.mkdir(parents=True, exist_ok=True)
    results, facts = run(data, args.repeat)
    report(results, facts, args.json)


if __name__ == "__main__":
    main()
