"""A year of a busy hall moved into PostgreSQL, and the reports' reads there against SQLite.

    .venv/bin/python bench/pg_year_bench.py                    # 250 days × 1,500 tickets
    .venv/bin/python bench/pg_year_bench.py --days 20 --repeat 2

Builds bench/report_year.py's year (the full-launch hall, 375,000 tickets and their history) in a
SQLite file, starts a PostgreSQL server of its own (tests/postgres.py, PostgreSQL's default
durability), and times:

- `run.py copy-database`'s work (server/dbcopy.py: the file copied and brought forward, every
  table written in one transaction, the counts compared);
- the reports' SQL over the whole year (reports/queries.py) on the reports' read-only connection
  (server.database.connect_reader) to each database, `--repeat` times, in one read transaction
  each: the rows a year's report reads, before any counting in Python.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report_year import build  # noqa: E402
from reports import queries  # noqa: E402
from server.database import connect_reader  # noqa: E402
from server.dbcopy import copy_to_postgres  # noqa: E402
from tests.postgres import PostgresServer  # noqa: E402

READS = {
    "tickets (one call, from their rows)": lambda db, a, b: queries.tickets(db, a, b),
    "histories (the others, aggregated)": lambda db, a, b: queries.histories(db, a, b),
    "histories of every ticket (by officer)": lambda db, a, b: queries.histories(db, a, b, every=True),
    "issued per day and service (recap)": lambda db, a, b: queries.issued_per_day(db, a, b),
}


def timed_reads(database: str, first: str, last: str, repeat: int) -> dict[str, tuple[float, float, int]]:
    """Each read over the period: (median ms, max ms, rows)."""
    db = connect_reader(database)
    found = {}
    try:
        for label, read in READS.items():
            times, rows = [], 0
            for _ in range(repeat):
                db.execute("BEGIN")
                start = time.perf_counter()
                rows = len(read(db, first, last))
                times.append((time.perf_counter() - start) * 1000)
                db.execute("ROLLBACK")
            found[label] = (statistics.median(times), max(times), rows)
    finally:
        db.close()
    return found


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=250)
    p.add_argument("--per-day", type=int, default=1500)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="mpp-year-") as folder, PostgresServer(durable=True) as server:
        source = Path(folder) / "mpp.sqlite3"
        facts = build(source, args.days, args.per_day)
        print(f"built {facts['tickets']} tickets, {facts['history']} history rows in {facts['seconds']} s; "
              f"{source.stat().st_size / 1e6:.0f} MB")
        url = server.create_database("mpp_year")
        start = time.perf_counter()
        copied = asyncio.run(copy_to_postgres(source, url, report=lambda line: None))
        print(f"copy-database: {sum(copied.values())} rows in {len(copied)} tables in "
              f"{time.perf_counter() - start:.1f} s")
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")  # autovacuum would within a minute of the copy
        first, last = "2025-01-01", "2025-12-31"
        results = {"sqlite": timed_reads(str(source), first, last, args.repeat),
                   "postgresql": timed_reads(url, first, last, args.repeat)}
        print(f"{'a year read (' + first + ' .. ' + last + ')':<42} {'rows':>9} {'SQLite p50 / max ms':>22} "
              f"{'PostgreSQL p50 / max ms':>26}")
        for label in READS:
            lite, pg = results["sqlite"][label], results["postgresql"][label]
            print(f"{label:<42} {lite[2]:>9} {lite[0]:>10.0f} / {lite[1]:>7.0f} {pg[0]:>13.0f} / {pg[1]:>7.0f}")


if __name__ == "__main__":
    main()
