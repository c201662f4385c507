"""What the reports' worker process runs (reports/reader.py): the SQL of reports/queries.py on its read-only
connection, then the pure computation. Module-level functions of plain values, so that they travel by pickle."""

from __future__ import annotations

from collections import OrderedDict
from zoneinfo import ZoneInfo

from reports import queries
from reports.heatmap import HourGrid, hour_grid
from reports.labels import Labels
from reports.period import Period
from reports.recap import Recap, recap
from reports.summary import PLACES, DayParts, Summary, assemble, split
from reports.visits import visits_of

# Closed days, as reports/summary.py's parts, kept by the worker between reports: a day before the hall's current
# day no longer changes (its open tickets expired when the day changed, and a ticket of another day cannot be
# called back), so a second report over it, or over a period that includes it, reads only the days it has not seen.
# Labels, wait targets and the reader's scope are applied when the parts are put together, so a configuration
# change or another agency's koordinator uses them as they are. Keyed by (what the breakdown adds up, day).
_kept: OrderedDict[tuple, DayParts] = OrderedDict()
MAX_KEPT_DAYS = 2000  # (breakdown, day) entries: a year of each breakdown is about 1,250, some 60 MB


def _variant(by: str, tz: ZoneInfo) -> tuple:
    """What a breakdown's parts depend on: service and agency add up the same parts; hours depend on the zone."""
    return ("service",) if by == "agency" else ("hour", tz.key) if by == "hour" else (by,)


def summary_of(db, period: Period, by: str, services: frozenset[str] | None, labels: Labels, tz: ZoneInfo,
               live_from: str) -> Summary:
    """The summary of `period` by `by` for `services` (None: all), read on `db` (a DB-API connection).

    `live_from`: the hall's current day (ISO): days before it are kept once read (`_kept`); it and later days
    are read every time."""
    variant = _variant(by, tz)
    days = [d.isoformat() for d in period.dates()]
    kept = {d: _kept.get((variant, d)) for d in days if d < live_from}
    for d, parts in kept.items():
        if parts is not None:
            _kept.move_to_end((variant, d))
    read = [d for d in days if kept.get(d) is None]
    parts = [p for p in kept.values() if p is not None]
    if read:
        every = by == "officer"  # only the history names the officers
        first, last = read[0], read[-1]
        tickets = [] if every else queries.tickets(db, first, last, None, counters=by == "counter")
        histories = queries.histories(db, first, last, None, every=every)
        fresh = split(visits_of(tickets, histories, tz if by == "hour" else None), by)
        for d in read:
            day = fresh.get(d, DayParts(totals=None if by not in PLACES else {}))
            parts.append(day)
            if d < live_from:
                _kept[(variant, d)] = day.frozen()
        while len(_kept) > MAX_KEPT_DAYS:
            _kept.popitem(last=False)
    return assemble(parts, by, labels, services)


def hours_of(db, period: Period, services: frozenset[str] | None, tz: ZoneInfo) -> HourGrid:
    """Tickets taken per local day and hour of `period` for `services` (None: all), read on `db`."""
    return hour_grid(queries.taken(db, period.first.isoformat(), period.last.isoformat(), services), tz)


def recap_of(db, period: Period, services: frozenset[str] | None, labels: Labels, listed: list[str]) -> Recap:
    """The recap of `period` (a month) for `services` (None: all), listing `listed` even without tickets."""
    counts = queries.issued_per_day(db, period.first.isoformat(), period.last.isoformat(), services)
    return recap(counts, period, labels, listed)
