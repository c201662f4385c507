"""The IKM report at a busy hall's scale: a year of tickets, a tenth of them answered.

    .venv/bin/python bench/ikm_bench.py                     # 250 days × 1,500 tickets, 10 % answered
    .venv/bin/python bench/ikm_bench.py --days 20 --per-day 500
    .venv/bin/python bench/ikm_bench.py --postgresql          # the same on a PostgreSQL server of its own

Builds a real SQLite file with the hub's schema (server/store.py migrations) holding
`--days` working days of `--per-day` served tickets each over the test site's
services and counters, and a response for every `--share`-th of them; then times,
`--repeat` times each, what GET /api/reports/ikm runs (survey/storage.py queries and
survey/ikm.py): the JSON report for one month and for the whole year, for the hall and
for one agency, and the XLSX tabulation for one month (queries and openpyxl). Reports
run on the hub's one connection, between its writes: these times are how long a
report holds it. With `--postgresql`, the same database in PostgreSQL (tests/postgres.py
starts a server of its own, with PostgreSQL's default durability), analysed after filling
(autovacuum would within a minute; SQLite's planner needs no statistics here).
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
from server.database import open_database  # noqa: E402
from server.store import TICKET_INSERT, Store  # noqa: E402
from survey import workbook  # noqa: E402
from survey.answers import PROFILE  # noqa: E402
from survey.ikm import UNSUR, index_of, sample_target  # noqa: E402
from survey.storage import INSERT, Responses, Scope  # noqa: E402


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


async def report(responses: Responses, scope: Scope) -> None:
    """What the JSON report asks the database and computes."""
    totals = await responses.totals(scope)
    index_of(totals.sums, totals.respondents)
    sample_target(await responses.served(scope))
    await responses.saran(scope, 200)
    await responses.profile_counts(scope)


async def xlsx(responses: Responses, scope: Scope, config) -> int:
    data = workbook.tabulation(config, scope, {}, await responses.respondents(scope), await responses.served(scope))
    return len(data)


async def timed(label: str, repeat: int, work) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        await work()
        times.append((time.perf_counter() - start) * 1000)
    print(f"{label:<44} median {statistics.median(times):8.1f} ms   max {max(times):8.1f} ms")


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
        print(f"built {args.days} days × {args.per_day} tickets, 1 in {args.share} answered, {first} .. {last}, "
              f"in {time.perf_counter() - start:.1f} s on {store.dialect}")
        responses = Responses(store)
        month = Scope(last[:8] + "01", last)
        year = Scope(first, last)
        agency = Scope(first, last, services=("A", "B"))
        print(f"respondents: month {(await responses.totals(month)).respondents}, "
              f"year {(await responses.totals(year)).respondents}")
        await timed("JSON report, one month, the hall", args.repeat, lambda: report(responses, month))
        await timed("JSON report, the year, the hall", args.repeat, lambda: report(responses, year))
        await timed("JSON report, the year, one agency", args.repeat, lambda: report(responses, agency))
        size = await xlsx(responses, month, config)
        await timed(f"XLSX tabulation, one month ({size // 1024} KiB)", args.repeat,
                    lambda: xlsx(responses, month, config))
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
