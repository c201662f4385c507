"""The IKM report at a busy hall's scale: a year of tickets, a tenth of them answered.

    .venv/bin/python bench/ikm_bench.py                     # 250 days × 1,500 tickets, 10 % answered
    .venv/bin/python bench/ikm_bench.py --days 20 --per-day 500
    .venv/bin/python bench/ikm_bench.py --postgresql          # the same on a PostgreSQL server of its own

Builds a real SQLite file with the hub's schema (server/store.py migrations) holding
`--days` working days of `--per-day` served tickets each over the test site's
services and counters, and a response for every `--share`-th of them; then times,
`--repeat` times each, what GET /api/reports/ikm runs: in the reports' worker process
(reports/reader.py, its read-only connection), the survey's reads (survey/work.py,
survey/storage.py) and, for the XLSX, the workbook; then survey/ikm.py's index. The JSON
report for one month and for the whole year, for the hall and for one agency, and the XLSX
tabulation for one month and for the year. Meanwhile the hub's own connection (the store)
writes a small row every 20 ms, as calls do: reported, how long those writes take while the
reports run (a report on the hub's connection would hold them until it ends). With
`--postgresql`, the same database in PostgreSQL (tests/postgres.py starts a server of its
own, with PostgreSQL's default durability), analysed after filling (autovacuum would within
a minute; SQLite's planner needs no statistics here).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.site import load_config  # noqa: E402
from reports.reader import Reader  # noqa: E402
from server.database import open_database  # noqa: E402
from server.store import TICKET_INSERT, Store  # noqa: E402
from survey.answers import PROFILE  # noqa: E402
from survey.api import SARAN_SHOWN  # noqa: E402
from survey.ikm import UNSUR, index_of, sample_target  # noqa: E402
from survey.storage import INSERT, Scope  # noqa: E402
from survey.work import ikm_of, tabulation_of  # noqa: E402


async def build(store: Store, days: int, per_day: int, share: int) -> tuple[str, str]:
    """The tickets and responses; returns the first and last day."""
    config = load_config(ROOT / "tests" / "site.toml")
    counters = {code: [c.id for c in config.counters.values() if code in c.services] for code in config.services}
    rng = random.Random(12)
    day = date(2026, 1, 5)
    first = day
    ticket_id = 0
    async with store.db.writing() as tx:
        for _ in range(days):
            while day.weekday() >= 5:
                day += timedelta(days=1)
            tickets, responses = [], []
            for i in range(per_day):
                ticket_id += 1
                service = rng.choice(list(counters))
                at = datetime(day.year, day.month, day.day, 1, tzinfo=UTC) + timedelta(seconds=20 * i)
                tickets.append((ticket_id, f"{service}{i:03d}", service, day.isoformat(), 0, "done", at.isoformat(),
                                at.isoformat(), f"t{ticket_id}", rng.choice(counters[service]),
                                (at + timedelta(minutes=10)).isoformat(), (at + timedelta(minutes=15)).isoformat(),
                                1, None))
                if ticket_id % share == 0:
                    scores = [rng.choice((2, 3, 3, 4, 4)) for _ in UNSUR]
                    profile = [rng.choice(choices)[0] if rng.random() < 0.7 else None
                               for _, choices in PROFILE.values()]
                    saran = "Pelayanan cepat, ruang tunggu nyaman." if rng.random() < 0.3 else None
                    responses.append((ticket_id, (at + timedelta(minutes=17)).isoformat(), "tablet", *scores,
                                      *profile, saran))
            await tx.executemany(TICKET_INSERT, tickets)
            await tx.executemany(INSERT, responses)
            last = day
            day += timedelta(days=1)
    return first.isoformat(), last.isoformat()


async def report(reader: Reader, scope: Scope) -> None:
    """What the JSON report asks the worker and computes (survey/api.py)."""
    figures = await reader.run(ikm_of, scope, SARAN_SHOWN)
    index_of(figures.totals.sums, figures.totals.respondents)
    sample_target(figures.population)


async def xlsx(reader: Reader, scope: Scope, config) -> int:
    return len(await reader.run(tabulation_of, config, scope, {}))


async def timed(label: str, repeat: int, work) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{label:<48} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")


async def writes(store: Store, until: asyncio.Event) -> list[float]:
    """A small write on the hub's connection every 20 ms until `until`: each one's time, in ms."""
    took = []
    while not until.is_set():
        start = time.perf_counter()
        await store.execute("UPDATE meta SET value = value WHERE key = 'epoch'")
        took.append((time.perf_counter() - start) * 1000)
        await asyncio.sleep(0.02)
    return took


def _writes(label: str, took: list[float]) -> None:
    took = sorted(took)
    print(f"{label:<48} median {statistics.median(took):8.1f} ms   p99 {took[int(0.99 * (len(took) - 1))]:.1f} ms"
          f"   max {took[-1]:8.1f} ms   ({len(took)} writes)")


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--days", type=int, default=250)
    p.add_argument("--per-day", type=int, default=1500)
    p.add_argument("--share", type=int, default=10, help="one ticket in this many has a response")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--postgresql", action="store_true", help="in PostgreSQL (a server of its own) instead of SQLite")
    args = p.parse_args()
    with contextlib.ExitStack() as stack:
        url = None
        if args.postgresql:
            from tests.postgres import PostgresServer

            url = stack.enter_context(PostgresServer(durable=True)).create_database()
        await run(args, url)


async def run(args, url: str | None) -> None:
    config = load_config(ROOT / "tests" / "site.toml")
    with tempfile.TemporaryDirectory() as folder:
        store = Store(open_database(url, Path(folder) / "hub.sqlite3"))
        await store.open()
        start = time.perf_counter()
        first, last = await build(store, args.days, args.per_day, args.share)
        if url is not None:
            await store.execute("ANALYZE")
        else:  # the build's write-ahead log into the file now, not at the first write measured
            await store.fetch("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"built {args.days} days × {args.per_day} tickets, 1 in {args.share} answered, {first} .. {last}, "
              f"in {time.perf_counter() - start:.1f} s on {store.dialect}")
        database = url or str(Path(folder) / "hub.sqlite3")
        reader = Reader(database)
        month = Scope(last[:8] + "01", last)
        year = Scope(first, last)
        agency = Scope(first, last, services=("A", "B"))
        figures = await reader.run(ikm_of, month, SARAN_SHOWN)  # also starts the worker
        print(f"respondents: month {figures.totals.respondents}, "
              f"year {(await reader.run(ikm_of, year, SARAN_SHOWN)).totals.respondents}")
        done = asyncio.Event()
        writing = asyncio.create_task(writes(store, done))
        await asyncio.sleep(5)
        done.set()
        _writes("the hub connection writes, no report running", await writing)
        done = asyncio.Event()
        writing = asyncio.create_task(writes(store, done))
        await timed("JSON report, one month, the hall", args.repeat, lambda: report(reader, month))
        await timed("JSON report, the year, the hall", args.repeat, lambda: report(reader, year))
        await timed("JSON report, the year, one agency", args.repeat, lambda: report(reader, agency))
        for label, scope in (("one month", month), ("the year", year)):
            size = await xlsx(reader, scope, config)
            await timed(f"XLSX tabulation, {label} ({size // 1024} KiB)", max(1, args.repeat // 2),
                        lambda s=scope: xlsx(reader, s, config))
        done.set()
        _writes("the hub connection writes meanwhile", await writing)
        reader.close()
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
