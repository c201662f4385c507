"""Reports benchmark: a year of history at a busy hall, the reports' answer times, and calls meanwhile.

    .venv/bin/python bench/reports_bench.py                       # builds the year in a temporary folder
    .venv/bin/python bench/reports_bench.py --data /tmp/year      # keeps (or reuses) the year there
    .venv/bin/python bench/reports_bench.py --data /tmp/year --postgresql   # the same year in PostgreSQL
    .venv/bin/python bench/reports_bench.py --repeat 5 --json results.json
    .venv/bin/python bench/reports_bench.py --data /tmp/year0 --program ../main   # another version's hub

The year is bench/report_year.py's: 250 working days × 1,500 tickets (about 390,000
tickets with the transfers' new tickets, 1.2 million history rows) at bench/admin_bench.py's
full-launch hall (22 agencies, 150 services, 80 counters). The hub is `run.py` as `make run`
starts it (SQLite FULL, no audio); with `--postgresql`, `run.py --database URL` on a
PostgreSQL server the bench starts (tests/postgres.py, default durability), the year moved
there by `run.py copy-database`'s code (server/dbcopy.py).

1. **Storing the parts** (when they are not stored yet: the first start of this program on
   the year): the hub stores every closed day's parts (reports/keeper.py) while a petugas
   calls the next ticket every 50 ms; reported: how long, and the calls meanwhile.
2. **The whole year, first after a restart**: for each breakdown, a hub started afresh (its
   reports' worker not running, keeping nothing) is asked for the summary of the whole year,
   once (the first report also starts the worker) and `--repeat` times more; by counter also
   as XLSX right after it was shown. A petugas calls every 50 ms meanwhile.
3. **A month**, on one more fresh hub: the call alone, then the monthly recap (March 2025,
   about 31,000 tickets) as XLSX and JSON, the month's summary by service as XLSX and by
   every breakdown as JSON, each first and again.

Reported: each answer's round trip in milliseconds (p50, p99, max), the hub's and the
worker's memory, the database's size and the stored parts' size.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.admin_bench import big_site, report  # noqa: E402
from bench.hub_bench import free_port, rss_mb, stop, wait_port  # noqa: E402
from bench.report_year import build  # noqa: E402
from reports import stored  # noqa: E402

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


class Year:
    """Where the year is: the SQLite file in the data folder, or a PostgreSQL database (`url`)."""

    def __init__(self, data: Path, url: str | None, program: Path = ROOT) -> None:
        self.data = data
        self.url = url
        self.program = program
        self.sqlite = data / "data" / "mpp.sqlite3"

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.url is not None:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                try:
                    return conn.execute(sql.replace("?", "%s"), params).fetchall()
                except psycopg.errors.UndefinedTable:
                    return []
        with contextlib.closing(sqlite3.connect(f"file:{self.sqlite}?mode=ro", uri=True)) as db:
            db.execute("PRAGMA busy_timeout = 5000")
            try:
                return db.execute(sql, params).fetchall()
            except sqlite3.OperationalError:  # the hub has not migrated yet
                return []

    def stored_days(self) -> int:
        """Days with every facet stored (reports/stored.py)."""
        return len(self.query("SELECT day FROM report_parts WHERE version = ? GROUP BY day HAVING COUNT(*) = 4",
                              (stored.VERSION,)))

    def closed_days(self) -> int:
        """Days from the first with tickets to the hall's day (today: the year is in the past)."""
        today = datetime.now(ZoneInfo(big_site()["site"]["timezone"])).date()
        return (today - date.fromisoformat(self.query("SELECT MIN(day) FROM tickets")[0][0])).days

    @contextlib.contextmanager
    def hub(self):
        """A hub started on the year (its log appended to hub.log), stopped afterwards: (process, port)."""
        log = open(self.data / "hub.log", "ab")
        process = None
        try:
            port = free_port()
            database = ["--database", self.url] if self.url else []
            process = subprocess.Popen(
                [sys.executable, "run.py", "--config", str(self.data / "site.toml"), "--data-dir",
                 str(self.data / "data"), *database, "--host", "127.0.0.1", "--port", str(port), "--no-audio",
                 "--log-level", "warning"], cwd=self.program, stdout=log, stderr=subprocess.STDOUT)
            wait_port(port, timeout=60)
            yield process, port
        except Exception:
            print((self.data / "hub.log").read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            if process is not None:
                stop(process)
            log.close()


def _take_tickets(port: int) -> None:
    kiosk = Client(port)
    for service in ("A", "W", "AS"):  # counter 1's services, up to their daily quotas
        for _ in range(100):
            try:
                kiosk.call("POST", "/api/tickets", {"service": service})
            except RuntimeError:
                break


def _calls(officer: Client, n: int | None, until: threading.Event | None = None) -> list[float]:
    """call-next at counter 1 every 50 ms: `n` times, or until `until` is set."""
    took = []
    while (n is None or len(took) < n) and not (until is not None and until.is_set()):
        took.append(officer.call("POST", "/api/counters/1/call-next")[0])
        time.sleep(0.05)
    return took


def _worker_rss(hub: subprocess.Popen) -> list[float]:
    """RSS (MB) of the hub's child processes: the reports' spawn helper and worker."""
    children = Path(f"/proc/{hub.pid}/task/{hub.pid}/children").read_text().split()
    return [round(rss_mb(int(pid)), 1) for pid in children]


def backfill(hall: Year, results: list[dict], facts: dict) -> None:
    """The first start of this program on the year: the hub stores every closed day's parts (reports/keeper.py)
    while a petugas calls every 50 ms; how long it takes, and the calls meanwhile."""
    closed = hall.closed_days()
    started = time.perf_counter()
    with hall.hub() as (hub, port):
        officer = Client(port).login("petugas001")
        _take_tickets(port)
        done = threading.Event()
        during: list[float] = []
        caller = threading.Thread(target=lambda: during.extend(_calls(officer, None, done)))
        caller.start()
        try:
            while hall.stored_days() < closed:
                if hub.poll() is not None:
                    raise RuntimeError("the hub ended")
                time.sleep(0.5)
        finally:
            done.set()
            caller.join()
        facts["backfill_seconds"] = round(time.perf_counter() - started, 1)
        facts["backfill_days"] = closed
        facts["report_worker_rss_mb_after_backfill"] = _worker_rss(hub)
    results.append(stats("call-next while the hub stores the parts of every closed day (first start)", during))


def run(data: Path, repeat: int, url: str | None, program: Path = ROOT) -> tuple[list[dict], dict]:
    import tomli_w

    facts: dict = {}
    results: list[dict] = []
    hall = Year(data, url, program)
    if not hall.sqlite.exists():
        made = build(hall.sqlite)
        facts.update({k: v for k, v in made.items() if k != "site"})
    if url is not None:  # moved by the program's own `run.py copy-database` (its schema)
        import psycopg

        started = time.perf_counter()
        subprocess.run([sys.executable, "run.py", "copy-database", "--data-dir", str(data / "data"), "--database", url],
                       cwd=program, check=True, stdout=subprocess.DEVNULL)
        facts["copy_database_seconds"] = round(time.perf_counter() - started, 1)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    (data / "site.toml").write_text(tomli_w.dumps(big_site()))
    if program == ROOT and hall.stored_days() < hall.closed_days():
        backfill(hall, results, facts)
    year = f"from={YEAR[0]}&to={YEAR[1]}"
    month = f"from={MONTH[0]}&to={MONTH[1]}"
    # The whole year by each breakdown on a hub just (re)started: its first report starts the reports' worker,
    # which keeps nothing yet. A petugas calls every 50 ms meanwhile, on another connection.
    during: list[float] = []
    for by in BY:
        with hall.hub() as (hub, port):
            admin, officer = Client(port).login("admin"), Client(port).login("petugas001")
            _take_tickets(port)
            reporting = threading.Event()
            caller = threading.Thread(target=lambda o=officer, r=reporting: during.extend(_calls(o, None, r)))
            caller.start()
            path = f"/api/reports/summary?{year}&by={by}"
            results.append(stats(f"summary, whole year, by {by}: first after a restart", [admin.call("GET", path)[0]]))
            results.append(stats(f"summary, whole year, by {by}: again",
                                 [admin.call("GET", path)[0] for _ in range(repeat)]))
            reporting.set()
            caller.join()
            print(results[-2:], file=sys.stderr)
            if by == "counter":
                results.append(stats("summary, whole year, by counter, XLSX, right after it was shown",
                                     [admin.call("GET", path + "&format=xlsx")[0] for _ in range(repeat)]))
            facts.setdefault("report_worker_rss_mb_after_the_year", {})[by] = _worker_rss(hub)
    results.append(stats("call-next during the whole-year reports above", during))
    with hall.hub() as (hub, port):
        admin, officer = Client(port).login("admin"), Client(port).login("petugas001")
        _take_tickets(port)
        results.append(stats("call-next alone", _calls(officer, 100)))
        results.append(stats("recap, one month, JSON, starting the worker", [
            admin.call("GET", "/api/reports/recap?month=2025-01")[0]]))

        def timed(name: str, path: str) -> None:
            """The first answer (nothing kept yet: "cold"), then `repeat` more (the worker keeps closed days)."""
            first = admin.call("GET", path)[0]
            results.append(stats(f"{name}: first", [first]))
            results.append(stats(f"{name}: again", [admin.call("GET", path)[0] for _ in range(repeat)]))
            print(results[-2:], file=sys.stderr)

        # Files first: a file right after the same report was shown is built from that report (reports/shown.py).
        timed("recap, one month, XLSX", "/api/reports/recap?month=2025-03&format=xlsx")
        timed("recap, one month, JSON", "/api/reports/recap?month=2025-03")
        timed("summary, one month, by service, XLSX", f"/api/reports/summary?{month}&by=service&format=xlsx")
        for by in BY:
            timed(f"summary, one month, by {by}", f"/api/reports/summary?{month}&by={by}")
        facts["rss_mb"] = round(rss_mb(hub.pid), 1)
    facts["tickets"] = hall.query("SELECT COUNT(*) FROM tickets")[0][0]
    facts["history_rows"] = hall.query("SELECT COUNT(*) FROM ticket_history")[0][0]
    if program == ROOT:
        facts["report_parts_rows"] = hall.query("SELECT COUNT(*) FROM report_parts")[0][0]
        facts["report_parts_mb"] = round(hall.query(
            "SELECT SUM(LENGTH(entries) + LENGTH(durations)) FROM report_parts")[0][0] / 1e6, 1)
    if url is None:
        facts["database_mb"] = round(hall.sqlite.stat().st_size / 1e6, 1)
    else:
        facts["database_mb"] = round(hall.query("SELECT pg_database_size(current_database())")[0][0] / 1e6, 1)
    return results, facts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, help="folder for the year's database (kept; reused when it is there)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--postgresql", action="store_true",
                   help="the year in PostgreSQL (a server of the bench's own, the SQLite year copied into it)")
    p.add_argument("--json", type=Path, help="also write the results to this file")
    p.add_argument("--program", type=Path, default=ROOT,
                   help="the checkout whose run.py serves (another version, to compare; default: this one)")
    args = p.parse_args()
    data = args.data or Path(tempfile.mkdtemp(prefix="mpp-reports-bench-"))
    data.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        url = None
        if args.postgresql:
            from tests.postgres import PostgresServer

            url = stack.enter_context(PostgresServer(durable=True)).create_database("mpp_year")
        results, facts = run(data, args.repeat, url, args.program.resolve())
    report(results, facts, args.json)


if __name__ == "__main__":
    main()
