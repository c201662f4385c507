"""A year of history at a busy hall, written straight into a hub database (for bench/reports_bench.py).

    .venv/bin/python bench/report_year.py /tmp/year/mpp.sqlite3          # 250 days × 1,500 tickets

The site is bench/admin_bench.py's full-launch hall (22 agencies, 150 services, 80
counters, 200 officers). The tickets and their history rows are what the hall writes
(server/queue.py, docs/operations.md "Ticket history"), with seeded random times:

- 250 working days (Monday to Friday from 2025-01-06, skipping 10 public holidays),
  1,500 tickets a day on the services that have a counter, most in the morning;
- wait ~ exponential (mean 14 min, at most 3 h), service ~ gamma (mean 7 min);
- 10 % recalled once; 5 % skipped, of which 40 % come back and are served; 4 % transferred
  to another service of the same agency (a new ticket, called and served there); 2 % still
  waiting at closing time (expired at midnight).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sqlite3
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.admin_bench import big_site  # noqa: E402
from server.store import TICKET_INSERT, Store  # noqa: E402

TZ = ZoneInfo("Asia/Jakarta")
HOLIDAYS = {date(2025, 1, 27), date(2025, 1, 29), date(2025, 3, 31), date(2025, 4, 1), date(2025, 4, 18),
            date(2025, 5, 1), date(2025, 5, 12), date(2025, 5, 29), date(2025, 6, 6), date(2025, 8, 18)}


def working_days(count: int, start: date = date(2025, 1, 6)) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5 and day not in HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def _arrival(rng: random.Random, day: date) -> datetime:
    # Most citizens come early: a peak at 08:30, a long tail to 14:30 local.
    minutes = min(max(rng.gauss(95, 75), 0), 420) + 7 * 60 + 30
    local = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(minutes=minutes, seconds=rng.random() * 60)
    return local.astimezone(UTC)


def build(path: Path, days: int = 250, per_day: int = 1500, seed: int = 11) -> dict:
    """Create the database at `path` (schema by server/store.py) and fill it; returns the site (JSON shape) and
    the counts written."""
    site = big_site()
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Store(path, synchronous="OFF")
    asyncio.run(_migrate(store))
    rng = random.Random(seed)
    served = {code for c in site["counters"] for code in c["services"]}
    services = [s for s in site["services"] if s["code"] in served]
    weights = [1 / (i + 1) ** 0.7 for i in range(len(services))]
    counters_of = {s["code"]: [c for c in site["counters"] if s["code"] in c["services"]] for s in services}
    officer_at = {}
    for o in site["officers"]:
        for cid in o.get("counters", []):
            officer_at.setdefault(cid, o["username"])
    same_agency = {s["code"]: [t["code"] for t in services if t["agency"] == s["agency"] and t["code"] != s["code"]]
                   for s in services}
    tickets, history = [], []
    next_id = 1

    def place(code: str) -> tuple[str, str | None]:
        counter = rng.choice(counters_of[code])["id"]
        return counter, officer_at.get(counter)

    def serve(tid: int, code: str, since: datetime, row: list, arrived: datetime, token: str) -> None:
        """Call (maybe recall, skip, transfer) and finish a ticket that is waiting since `since`."""
        nonlocal next_id
        counter, officer = place(code)
        called = since + timedelta(seconds=min(rng.expovariate(1 / 840), 3 * 3600))
        history.append((tid, called.isoformat(), "called", counter, officer, code))
        last = called
        calls = 1
        if rng.random() < 0.10:
            last = called + timedelta(seconds=rng.uniform(20, 90))
            history.append((tid, last.isoformat(), "recalled", counter, officer, code))
            calls += 1
        fate = rng.random()
        if fate < 0.05:  # tidak hadir
            skipped = last + timedelta(seconds=rng.uniform(60, 180))
            history.append((tid, skipped.isoformat(), "skipped", counter, officer, code))
            if rng.random() < 0.4:  # came back: called back, then served
                back = skipped + timedelta(seconds=rng.uniform(300, 3600))
                history.append((tid, back.isoformat(), "called", counter, officer, code))
                done = back + timedelta(seconds=rng.gammavariate(4, 105))
                history.append((tid, done.isoformat(), "done", counter, officer, code))
                row[5:] = ["done", counter, back.isoformat(), done.isoformat(), calls + 1]
            else:
                row[5:] = ["skipped", counter, last.isoformat(), skipped.isoformat(), calls]
            return
        done = last + timedelta(seconds=rng.gammavariate(4, 105))
        if fate < 0.09 and same_agency[code]:  # sent on to another service of the agency
            history.append((tid, done.isoformat(), "transferred", counter, officer, code))
            row[5:] = ["transferred", counter, last.isoformat(), done.isoformat(), calls]
            target = rng.choice(same_agency[code])
            new_id = next_id
            next_id += 1
            moved = [new_id, row[1], target, row[3], row[4], "waiting", None, None, None, None]
            serve(new_id, target, done, moved, arrived, token)
            tickets.append(_ticket(moved, {"issued_at": done, "arrived_at": arrived, "token": token, "origin": tid}))
            return
        history.append((tid, done.isoformat(), "done", counter, officer, code))
        row[5:] = ["done", counter, last.isoformat(), done.isoformat(), calls]

    started = time.perf_counter()
    for day in working_days(days):
        numbers: dict[str, int] = {}
        midnight = datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(days=1)
        for arrived in sorted(_arrival(rng, day) for _ in range(per_day)):
            code = rng.choices(services, weights)[0]["code"]
            numbers[code] = numbers.get(code, 0) + 1
            tid = next_id
            next_id += 1
            row = [tid, f"{code}{numbers[code]:03d}", code, day.isoformat(), int(rng.random() < 0.08), "waiting",
                   None, None, None, 0]
            history.append((tid, arrived.isoformat(), "issued", None, None, code))
            token = secrets.token_urlsafe(9)
            if rng.random() < 0.02:  # still waiting when the hall closed
                expired = midnight.astimezone(UTC) + timedelta(seconds=5)
                history.append((tid, expired.isoformat(), "expired", None, None, code))
                row[5:] = ["expired", None, None, expired.isoformat(), 0]
            else:
                serve(tid, code, arrived, row, arrived, token)
            tickets.append(_ticket(row, {"issued_at": arrived, "arrived_at": arrived, "token": token, "origin": None}))
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    db.executemany(TICKET_INSERT, tickets)
    db.executemany("INSERT INTO ticket_history(ticket_id, at, action, counter, officer, service) VALUES (?,?,?,?,?,?)",
                   history)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("ANALYZE")
    db.close()
    return {"site": site, "tickets": len(tickets), "history": len(history), "days": days,
            "seconds": round(time.perf_counter() - started, 1)}


def _ticket(row: list, extra: dict) -> tuple:
    tid, number, service, day, priority, status, counter, called_at, finished_at, calls = row
    return (tid, number, service, day, priority, status, extra["issued_at"].isoformat(),
            extra["arrived_at"].isoformat(), extra["token"], counter, called_at, finished_at, calls, extra["origin"])


async def _migrate(store: Store) -> None:
    await store.open()
    await store.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("database", type=Path)
    p.add_argument("--days", type=int, default=250)
    p.add_argument("--per-day", type=int, default=1500)
    args = p.parse_args()
    if args.database.exists():
        sys.exit(f"{args.database} exists: give a new path")
    facts = build(args.database, args.days, args.per_day)
    print({k: v for k, v in facts.items() if k != "site"})


if __name__ == "__main__":
    main()
