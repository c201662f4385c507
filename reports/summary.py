"""The summary report: tickets grouped by one breakdown, with counts, waits and service times (pure).

`summarize(visits, by, labels)` gives the rows and the total of
`GET /api/reports/summary` (reports/api.py). What each measure means is in
reports/visits.py and docs/reports.md. Which row a ticket counts in:

- by `service`, `agency`, `day`, `hour`: the ticket's service, that service's agency,
  its local day, the local hour it arrived in the service; every measure goes there.
- by `counter`, `officer`: where it happened. The wait (and `over_target`) goes to the
  counter and officer of the first call, `served` and the service time to those of `done`,
  a no-show to those of the last skip, `transferred` to those of the transfer. A ticket is
  not issued at a counter: `issued` is null in these rows (the total has it).

The total is worked out over all the tickets, not added up from the rows (a percentile
cannot be added; by counter, a ticket never called is in no row but is in the total).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from reports.labels import TOTAL, Labels, hour_key
from reports.stats import mean, nearest_rank, whole
from reports.visits import Visit

PLACES = ("counter", "officer")  # breakdowns by where something happened


@dataclass(frozen=True)
class Measures:
    """One row's numbers: counts, and times in whole seconds (None when there is nothing to measure)."""

    issued: int | None
    served: int
    no_show: int
    transferred: int
    wait_avg_s: int | None
    wait_p50_s: int | None
    wait_p90_s: int | None
    wait_max_s: int | None
    service_avg_s: int | None
    service_p90_s: int | None
    over_target: int


@dataclass(frozen=True)
class Row:
    key: str | None
    label: str
    measures: Measures


@dataclass(frozen=True)
class Summary:
    by: str
    rows: list[Row]
    total: Row


@dataclass(slots=True)
class Part:
    """What one day's tickets of one service add to one row: counts, and the durations (seconds) measured."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    waits: list[float] | array = field(default_factory=list)
    service_times: list[float] | array = field(default_factory=list)

    def frozen(self) -> Part:
        """The same, with its durations sorted in compact arrays (8 bytes each), to be kept (and stored:
        reports/stored.py). `Tally.absorb` counts a frozen part's waits over target by bisection."""
        return Part(self.issued, self.served, self.no_show, self.transferred, array("d", sorted(self.waits)),
                    array("d", sorted(self.service_times)))


@dataclass(slots=True)
class DayParts:
    """One local day of a breakdown: `rows` by (raw key, service), and by place breakdowns, `totals` by service
    (there, a ticket's measures go to different rows and some to none). Raw keys: the service, the day, the hour
    (0-23), the counter id or officer username."""

    rows: dict[tuple, Part] = field(default_factory=dict)
    totals: dict[str, Part] | None = None

    def frozen(self) -> DayParts:
        return DayParts({k: p.frozen() for k, p in self.rows.items()},
                        None if self.totals is None else {k: p.frozen() for k, p in self.totals.items()})


@dataclass(slots=True)
class Tally:
    """What is added up for one row, before it becomes Measures."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    over_target: int = 0
    waits: list[float] = field(default_factory=list)
    service_times: list[float] = field(default_factory=list)

    def absorb(self, part: Part, target: int) -> None:
        """Add a part; `target`: its service's wait target in seconds."""
        self.issued += part.issued
        self.served += part.served
        self.no_show += part.no_show
        self.transferred += part.transferred
        waits = part.waits
        if type(waits) is array:  # frozen: sorted
            self.over_target += len(waits) - bisect_right(waits, target)
        else:
            self.over_target += sum(1 for wait in waits if wait > target)
        self.waits += part.waits
        self.service_times += part.service_times

    def merge(self, other: Tally) -> None:
        self.issued += other.issued
        self.served += other.served
        self.no_show += other.no_show
        self.transferred += other.transferred
        self.over_target += other.over_target
        self.waits += other.waits
        self.service_times += other.service_times

    def measures(self, with_issued: bool = True) -> Measures:
        # Sorted in place: a total merged from sorted rows then sorts in one pass over the runs.
        self.waits.sort()
        self.service_times.sort()
        waits, services = self.waits, self.service_times
        return Measures(
            issued=self.issued if with_issued else None, served=self.served, no_show=self.no_show,
            transferred=self.transferred,
            wait_avg_s=whole(mean(waits)), wait_p50_s=whole(nearest_rank(waits, 50)),
            wait_p90_s=whole(nearest_rank(waits, 90)), wait_max_s=whole(waits[-1] if waits else None),
            service_avg_s=whole(mean(services)), service_p90_s=whole(nearest_rank(services, 90)),
            over_target=self.over_target,
        )


def _part(parts: dict, key) -> Part:
    part = parts.get(key)
    if part is None:
        part = parts[key] = Part()
    return part


def split(visits: Iterable[Visit], by: str) -> dict[str, DayParts]:
    """The visits (which carry their `day`) added up per local day, as `by` needs them; pure."""
    days: dict[str, DayParts] = {}
    place = PLACES.index(by) if by in PLACES else None
    field_of = {"service": 0, "agency": 0, "day": 1, "hour": 2}.get(by)
    # One loop, few calls per ticket: a year is about 375,000 of them (docs/benchmarks.md).
    for v in visits:
        day = days.get(v.day)
        if day is None:
            day = days[v.day] = DayParts(totals=None if place is None else {})
        rows = day.rows
        if place is None:
            key = (v[field_of], v.service)
            part = rows.get(key)
            if part is None:
                part = rows[key] = Part()
        else:
            part = _part(day.totals, v.service)
        part.issued += v.taken
        wait = v.wait
        if wait is not None:
            part.waits.append(wait)
            if place is not None:
                _part(rows, (v.wait_place[place], v.service)).waits.append(wait)
        if v.done_place is not None:
            part.served += 1
            if v.service_time is not None:
                part.service_times.append(v.service_time)
            if place is not None:
                there = _part(rows, (v.done_place[place], v.service))
                there.served += 1
                if v.service_time is not None:
                    there.service_times.append(v.service_time)
        if v.no_show_place is not None:
            part.no_show += 1
            if place is not None:
                _part(rows, (v.no_show_place[place], v.service)).no_show += 1
        if v.transfer_place is not None:
            part.transferred += 1
            if place is not None:
                _part(rows, (v.transfer_place[place], v.service)).transferred += 1
    return days


def assemble(days: Iterable[DayParts], by: str, labels: Labels, services: Collection[str] | None = None) -> Summary:
    """The summary of the days' parts (of `split`, possibly kept from earlier), for `services` (None: all): rows of
    `by` in the labels' order, and the total; over_target against each service's target now."""
    groups: dict[str | None, Tally] = {}
    total = Tally()
    place = by in PLACES
    for day in days:
        for (raw, service), part in day.rows.items():
            if services is not None and service not in services:
                continue
            key = labels.agency_of.get(service) if by == "agency" else hour_key(raw) if by == "hour" else raw
            tally = groups.get(key)
            if tally is None:
                tally = groups[key] = Tally()
            tally.absorb(part, labels.target(service))
        if place:
            for service, part in day.totals.items():
                if services is None or service in services:
                    total.absorb(part, labels.target(service))
    rows = [Row(key, labels.label(by, key), tally.measures(with_issued=not place))
            for key, tally in sorted(groups.items(), key=lambda item: labels.order(by, item[0]))]
    if not place:
        for tally in groups.values():
            total.merge(tally)
    return Summary(by, rows, Row(None, TOTAL, total.measures()))


def summarize(visits: Iterable[Visit], by: str, labels: Labels) -> Summary:
    """Rows of `by` (one of reports.labels.BY), in the labels' order, and the total. Rows are the keys that have
    at least one ticket (or, by counter and officer, one thing that happened there). The visits carry their day."""
    return assemble(split(visits, by).values(), by, labels)
