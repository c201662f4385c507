"""Every statement the reports run, in portable SQL (SQLite and PostgreSQL, server/database.py).

Each function takes an open DB-API connection and returns plain rows; nothing here
knows about a request, a breakdown or a time zone (that is `reports.visits` and
`reports.summary`). The SQL is ANSI: `CASE`, `COALESCE`, `||`, `MIN`/`MAX`,
`GROUP BY`, `IN`; no `julianday`, `strftime` or other functions of one database.
Durations are worked out in Python from the stored times.

Two reads make a summary (reports/visits.py says why this is the same as reading the
history of every ticket):

- `tickets`: most tickets of the period, from the tickets table, which already holds their
  one call, their counter and how they ended;
- `histories`: the others, whose table row cannot tell it all (called more than once, or
  put back after a skip), from their history; or every ticket when the officers are asked
  for (only the history names them). One row per ticket, aggregated.

Times in `ticket_history.at` are ISO-8601 UTC strings as the hub writes them
(`datetime.isoformat()` of its UTC clock): they sort as text in time order, which
is what `MIN`/`MAX` over them rely on. Where a time travels with the counter and
officer of that moment, the three are joined as `at|counter|officer` so that
one `MIN`/`MAX` picks all three from the same row (counter ids cannot hold `|`;
the officer comes last, so a `|` in a username is kept).

Placeholders are qmark style (`?`), as in server/store.py; the reports' connection
(server.database.connect_reader) takes them on both databases. `GROUP BY t.id` with other
columns of `t` is standard SQL (they depend on the primary key), which PostgreSQL checks.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

# The tickets whose row in `tickets` is not the whole story: more than one call (a recall, a call
# back after a skip), or one call and now waiting or expired (skipped, then put back in line).
NEEDS_HISTORY = "(t.calls > 1 OR (t.calls = 1 AND t.status IN ('waiting', 'expired')))"

# The other tickets, from their row alone. Columns: service, day, issued_at, origin, status, counter,
# called_at, finished_at (`done` only). `day` and `counter` are left out (NULL) when a report does not
# need them: a year is about 375,000 rows, and each text value read costs (docs/benchmarks.md).
TICKETS = f"""
SELECT t.service, {{day}}, t.issued_at, t.origin, t.status, {{counter}}, t.called_at,
       CASE WHEN t.status = 'done' THEN t.finished_at END
FROM tickets t
WHERE t.day >= ? AND t.day <= ?{{services}} AND NOT {NEEDS_HISTORY}
"""

# One row per ticket with the moments the reports measure, from its history. Columns:
#   service, day, issued_at, origin (as in TICKETS)
#   first_call  "at|counter|officer" of the first `called`
#   last_call   "at" of the last `called` or `recalled` (the service starts at the last call)
#   done        "at|counter|officer" of `done`
#   last_skip   "at|counter|officer" of the last `skipped`
#   transfer    "at|counter|officer" of `transferred`
_PLACE = "h.at || '|' || COALESCE(h.counter, '') || '|' || COALESCE(h.officer, '')"
HISTORIES = f"""
SELECT t.service, t.day, t.issued_at, t.origin,
       MIN(CASE WHEN h.action = 'called' THEN {_PLACE} END),
       MAX(CASE WHEN h.action = 'called' OR h.action = 'recalled' THEN h.at END),
       MAX(CASE WHEN h.action = 'done' THEN {_PLACE} END),
       MAX(CASE WHEN h.action = 'skipped' THEN {_PLACE} END),
       MAX(CASE WHEN h.action = 'transferred' THEN {_PLACE} END)
FROM tickets t LEFT JOIN ticket_history h ON h.ticket_id = t.id
WHERE t.day >= ? AND t.day <= ?{{services}}{{subset}}
GROUP BY t.id
"""

# Tickets taken (not arrived by a transfer): their local day and when.
TAKEN = """
SELECT t.day, t.issued_at
FROM tickets t
WHERE t.day >= ? AND t.day <= ? AND t.origin IS NULL{services}
"""

# Tickets taken (not arrived by a transfer) per local day and service.
ISSUED_PER_DAY = """
SELECT t.day, t.service, COUNT(*)
FROM tickets t
WHERE t.day >= ? AND t.day <= ? AND t.origin IS NULL{services}
GROUP BY t.day, t.service
"""


def _services(services: Collection[str] | None) -> tuple[str, list[str]]:
    if services is None:
        return "", []
    if not services:
        return " AND 1 = 0", []
    return f" AND t.service IN ({', '.join('?' * len(services))})", sorted(services)


def tickets(db: Any, first: str, last: str, services: Collection[str] | None = None, *, days: bool = True,
            counters: bool = True) -> list[tuple]:
    """Rows of TICKETS: the tickets of local days `first` to `last` (ISO dates, both included), of `services`
    (None: all), that do not need their history; `day` and `counter` None unless `days` / `counters`."""
    where, params = _services(services)
    sql = TICKETS.format(services=where, day="t.day" if days else "NULL", counter="t.counter" if counters else "NULL")
    return db.execute(sql, (first, last, *params)).fetchall()


def histories(db: Any, first: str, last: str, services: Collection[str] | None = None, *,
              every: bool = False) -> list[tuple]:
    """Rows of HISTORIES: the same period's tickets that need their history (NEEDS_HISTORY), or `every` one of
    them (then `tickets()` is not needed). In no particular order."""
    where, params = _services(services)
    sql = HISTORIES.format(services=where, subset="" if every else f" AND {NEEDS_HISTORY}")
    return db.execute(sql, (first, last, *params)).fetchall()


def taken(db: Any, first: str, last: str, services: Collection[str] | None = None) -> list[tuple]:
    """(day, issued_at) of the tickets taken on local days `first` to `last`, of `services` (None: all)."""
    where, params = _services(services)
    return db.execute(TAKEN.format(services=where), (first, last, *params)).fetchall()


def issued_per_day(db: Any, first: str, last: str, services: Collection[str] | None = None) -> list[tuple]:
    """(day, service, tickets taken) for local days `first` to `last`, of `services` (None: all)."""
    where, params = _services(services)
    return db.execute(ISSUED_PER_DAY.format(services=where), (first, last, *params)).fetchall()


# The closed days' parts stored by the hub (reports/stored.py; the table: migration 9 of server/store.py).
STORED = """
SELECT p.day, p.facet, p.entries, p.durations
FROM report_parts p
WHERE p.version = ? AND p.day >= ? AND p.day <= ? AND p.facet IN ({facets})
"""

# The days from `first` to before `until` that have every one of the facets asked for stored (the hub's check of
# what is missing: the first three columns of the primary key, never the parts themselves).
STORED_DAYS = """
SELECT p.day
FROM report_parts p
WHERE p.day >= ? AND p.day < ? AND p.version = ? AND p.facet IN ({facets})
GROUP BY p.day
HAVING COUNT(*) = ?
"""

# The hall's first day with tickets: stored days start there.
FIRST_DAY = "SELECT MIN(t.day) FROM tickets t"


def _marks(values: Collection[str]) -> str:
    return ", ".join("?" * len(values))


def stored(db: Any, version: int, first: str, last: str, facets: Collection[str]) -> list[tuple]:
    """(day, facet, entries, durations) of the parts stored for local days `first` to `last` (ISO dates, both
    included), of `facets`, worked out by the computation `version` (reports/stored.py)."""
    facets = sorted(facets)
    return db.execute(STORED.format(facets=_marks(facets)), (version, first, last, *facets)).fetchall()


def stored_days(version: int, first: str, until: str, facets: Collection[str]) -> tuple[str, tuple]:
    """STORED_DAYS with its parameters, for the hub's own connection (reports/keeper.py)."""
    facets = sorted(facets)
    return STORED_DAYS.format(facets=_marks(facets)), (first, until, version, *facets, len(facets))
