"""What the reports' worker process runs (reports/reader.py): the SQL of reports/queries.py on its read-only
connection, then the pure computation. Module-level functions of plain values, so that they travel by pickle.

A closed day (before the hall's current day) no longer changes: its parts (reports/stored.py) are worked out
once. The worker takes them, in this order, from what it keeps in memory (`_kept`), from the table the hub
stores them in (`report_parts`, filled by reports/keeper.py with what `parts_to_store` works out here), and
only then from the tickets and their history. The hall's current day, and any later one, is read afresh.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from reports import queries, stored
from reports.heatmap import HourGrid, hour_grid
from reports.labels import Labels
from reports.period import Period
from reports.recap import Recap, recap
from reports.stored import COUNTER, OFFICER, SERVICE, Rows
from reports.summary import Summary, assemble, split
from reports.visits import visits_of

log = logging.getLogger("mpp.reports")

# Closed days' facets kept by the worker between reports, by (facet, local day): a second report over a day, or
# over a period that includes it, neither reads nor decodes it again. Labels, wait targets and the reader's scope
# are applied when the parts are put together, so a configuration change or another agency's koordinator uses them
# as they are.
_kept: OrderedDict[tuple[str, str], Rows] = OrderedDict()
MAX_KEPT = 2000  # (facet, day) entries: a year of the four facets is about 1,460 (docs/benchmarks.md: memory)


def _recall(names: tuple[str, ...], day: str) -> dict[str, Rows] | None:
    found = {}
    for name in names:
        rows = _kept.get((name, day))
        if rows is None:
            return None
        found[name] = rows
    for name in names:
        _kept.move_to_end((name, day))
    return found


def _keep(day: str, found: dict[str, Rows]) -> None:
    for name, rows in found.items():
        _kept[(name, day)] = rows
        _kept.move_to_end((name, day))
    while len(_kept) > MAX_KEPT:
        _kept.popitem(last=False)


def _between(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def _runs(days: list[str]) -> list[tuple[str, str]]:
    """Sorted ISO days as runs of consecutive days: (first, last) each."""
    runs: list[tuple[str, str]] = []
    for day in days:
        if runs and date.fromisoformat(day) - date.fromisoformat(runs[-1][1]) == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _computed(db, first: str, last: str, names: tuple[str, ...], tz: ZoneInfo) -> dict[str, dict[str, Rows]]:
    """The facets `names` of every local day `first` to `last`, worked out from the tickets and their history:
    {day: {facet: rows}} (a day without tickets: empty rows)."""
    days: dict[str, dict[str, Rows]] = {d: {} for d in _between(first, last)}
    covered: set[str] = set()
    if OFFICER in names:  # only the history names the officers: every ticket read from it
        visits = visits_of((), queries.histories(db, first, last, None, every=True), None)
        for day, parts in split(visits, OFFICER).items():
            days[day].update(stored.of_day(parts, OFFICER))
        covered |= {OFFICER, SERVICE}
    rest = [name for name in names if name not in covered]
    if rest:  # most tickets from their row, the others from their history (reports/queries.py)
        hours = any(stored.breakdown(name) == "hour" for name in rest)
        tickets = queries.tickets(db, first, last, None, counters=COUNTER in rest)
        visits = visits_of(tickets, queries.histories(db, first, last, None), tz if hours else None)
        for name in sorted(rest, key=lambda n: n != COUNTER):  # the counter facet's totals are the service facet
            if name in covered:
                continue
            for day, parts in split(visits, stored.breakdown(name)).items():
                days[day].update(stored.of_day(parts, name))
            covered |= {name, SERVICE} if name == COUNTER else {name}
    for found in days.values():
        for name in names:
            found.setdefault(name, {})
    return days


def _stored(db, days: list[str], names: tuple[str, ...]) -> dict[str, dict[str, Rows]]:
    """The days of `days` whose facets `names` are all stored (of this computation's VERSION), decoded."""
    wanted = set(days)
    found: dict[str, dict[str, Rows]] = {}
    for day, facet, entries, durations in queries.stored(db, stored.VERSION, days[0], days[-1], names):
        if day in wanted:
            try:
                found.setdefault(day, {})[facet] = stored.decode(entries, durations)
            except ValueError as exc:  # never written so; worked out again from the tickets
                log.warning("the stored %s parts of %s are damaged (%s); reading the tickets", facet, day, exc)
                wanted.discard(day)
    return {day: facets for day, facets in found.items() if day in wanted and len(facets) == len(names)}


def facets_of(db, days: list[str], names: tuple[str, ...], tz: ZoneInfo, live_from: str) -> dict[str, dict[str, Rows]]:
    """The facets `names` of `days` (sorted ISO days): {day: {facet: rows}}. Closed days (before `live_from`, the
    hall's current day) come from memory, else from the stored parts, else from the tickets, and are kept; the
    others are read from the tickets every time."""
    found: dict[str, dict[str, Rows]] = {}
    closed = [d for d in days if d < live_from]
    for day in closed:
        kept = _recall(names, day)
        if kept is not None:
            found[day] = kept
    missing = [d for d in closed if d not in found]
    if missing:
        for day, facets in _stored(db, missing, names).items():
            found[day] = facets
            _keep(day, facets)
        missing = [d for d in closed if d not in found]
    for first, last in _runs(missing):
        for day, facets in _computed(db, first, last, names, tz).items():
            found[day] = facets
            _keep(day, facets)
    live = [d for d in days if d >= live_from]
    if live:
        found.update(_computed(db, live[0], live[-1], names, tz))
    return found


def summary_of(db, period: Period, by: str, services: frozenset[str] | None, labels: Labels, tz: ZoneInfo,
               live_from: str) -> Summary:
    """The summary of `period` by `by` for `services` (None: all), read on `db` (a DB-API connection).

    `live_from`: the hall's current day (ISO): days before it are closed (`facets_of`); it and later days are
    read every time."""
    days = [d.isoformat() for d in period.dates()]
    found = facets_of(db, days, stored.needed(by, tz), tz, live_from)
    return assemble([stored.day_parts(by, day, found[day], tz) for day in days], by, labels, services)


def parts_to_store(db, days: list[str], tz: ZoneInfo) -> list[tuple[str, list[tuple[str, str, bytes]]]]:
    """Every facet (reports/stored.py) of the closed local `days` (sorted ISO days), encoded for the table:
    [(day, [(facet, entries, durations), ...]), ...] in the order of `days`. What the worker keeps already is not
    worked out again. The caller (reports/keeper.py) passes closed days only."""
    names = stored.facets(tz)
    after = (date.fromisoformat(days[-1]) + timedelta(days=1)).isoformat()
    found = facets_of(db, days, names, tz, live_from=after)
    return [(day, [(name, *stored.encode(found[day][name])) for name in names]) for day in days]


def hours_of(db, period: Period, services: frozenset[str] | None, tz: ZoneInfo) -> HourGrid:
    """Tickets taken per local day and hour of `period` for `services` (None: all), read on `db`."""
    return hour_grid(queries.taken(db, period.first.isoformat(), period.last.isoformat(), services), tz)


def recap_of(db, period: Period, services: frozenset[str] | None, labels: Labels, listed: list[str]) -> Recap:
    """The recap of `period` (a month) for `services` (None: all), listing `listed` even without tickets."""
    counts = queries.issued_per_day(db, period.first.isoformat(), period.last.isoformat(), services)
    return recap(counts, period, labels, listed)
