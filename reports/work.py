"""What the reports' worker process runs (reports/reader.py): the SQL of reports/queries.py on its read-only
connection, then the pure computation. Module-level functions of plain values, so that they travel by pickle."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from reports import queries
from reports.heatmap import HourGrid, hour_grid
from reports.labels import Labels
from reports.period import Period
from reports.recap import Recap, recap
from reports.summary import Summary, summarize
from reports.visits import visits_of


def summary_of(db, period: Period, by: str, services: frozenset[str] | None, labels: Labels,
               tz: ZoneInfo) -> Summary:
    """The summary of `period` by `by` for `services` (None: all), read on `db` (a DB-API connection)."""
    first, last = period.first.isoformat(), period.last.isoformat()
    every = by == "officer"  # only the history names the officers
    tickets = [] if every else queries.tickets(db, first, last, services, days=by == "day", counters=by == "counter")
    histories = queries.histories(db, first, last, services, every=every)
    return summarize(visits_of(tickets, histories, tz if by == "hour" else None), by, labels)


def hours_of(db, period: Period, services: frozenset[str] | None, tz: ZoneInfo) -> HourGrid:
    """Tickets taken per local day and hour of `period` for `services` (None: all), read on `db`."""
    return hour_grid(queries.taken(db, period.first.isoformat(), period.last.isoformat(), services), tz)


def recap_of(db, period: Period, services: frozenset[str] | None, labels: Labels, listed: list[str]) -> Recap:
    """The recap of `period` (a month) for `services` (None: all), listing `listed` even without tickets."""
    counts = queries.issued_per_day(db, period.first.isoformat(), period.last.isoformat(), services)
    return recap(counts, period, labels, listed)
