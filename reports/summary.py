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

from collections.abc import Iterable
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
class Tally:
    """What is added up for one row, before it becomes Measures."""

    issued: int = 0
    served: int = 0
    no_show: int = 0
    transferred: int = 0
    over_target: int = 0
    waits: list[float] = field(default_factory=list)
    service_times: list[float] = field(default_factory=list)

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


def _group(groups: dict, key) -> Tally:
    tally = groups.get(key)
    if tally is None:
        tally = groups[key] = Tally()
    return tally


def _by_ticket(visits: Iterable[Visit], by: str, labels: Labels) -> dict[str | None, Tally]:
    """Every measure of a ticket in the row of its service, agency, day or hour."""
    # Tickets are first added up by service (or day, or hour as a number), then rows merged: one dict
    # look-up per ticket (a year is about 375,000 of them; docs/benchmarks.md).
    field_of = {"service": 0, "agency": 0, "day": 1, "hour": 2}[by]
    targets = labels.targets
    default = labels.target(None)
    raw: dict = {}
    for v in visits:
        key = v[field_of]
        tally = raw.get(key)
        if tally is None:
            tally = raw[key] = Tally()
        tally.issued += v.taken
        wait = v.wait
        if wait is not None:
            tally.waits.append(wait)
            if wait > targets.get(v.service, default):
                tally.over_target += 1
        if v.done_place is not None:
            tally.served += 1
            if v.service_time is not None:
                tally.service_times.append(v.service_time)
        if v.no_show_place is not None:
            tally.no_show += 1
        if v.transfer_place is not None:
            tally.transferred += 1
    if by == "service" or by == "day":
        return raw
    groups: dict[str | None, Tally] = {}
    for key, tally in raw.items():
        _group(groups, labels.agency_of.get(key) if by == "agency" else hour_key(key)).merge(tally)
    return groups


def _by_place(visits: Iterable[Visit], place: int, labels: Labels, total: Tally) -> dict[str | None, Tally]:
    """Each measure in the row of the counter (place 0) or officer (place 1) where it happened; every measure
    in `total` too."""
    groups: dict[str | None, Tally] = {}
    targets = labels.targets
    default = labels.target(None)
    for v in visits:
        total.issued += v.taken
        wait = v.wait
        if wait is not None:
            over = wait > targets.get(v.service, default)
            total.waits.append(wait)
            total.over_target += over
            tally = _group(groups, v.wait_place[place])
            tally.waits.append(wait)
            tally.over_target += over
        if v.done_place is not None:
            tally = _group(groups, v.done_place[place])
            tally.served += 1
            total.served += 1
            if v.service_time is not None:
                tally.service_times.append(v.service_time)
                total.service_times.append(v.service_time)
        if v.no_show_place is not None:
            _group(groups, v.no_show_place[place]).no_show += 1
            total.no_show += 1
        if v.transfer_place is not None:
            _group(groups, v.transfer_place[place]).transferred += 1
            total.transferred += 1
    return groups


def summarize(visits: Iterable[Visit], by: str, labels: Labels) -> Summary:
    """Rows of `by` (one of reports.labels.BY), in the labels' order, and the total. Rows are the keys that have
    at least one ticket (or, by counter and officer, one thing that happened there)."""
    total = Tally()
    if by in PLACES:
        groups = _by_place(visits, PLACES.index(by), labels, total)
    else:
        groups = _by_ticket(visits, by, labels)
    rows = [Row(key, labels.label(by, key), tally.measures(with_issued=by not in PLACES))
            for key, tally in sorted(groups.items(), key=lambda item: labels.order(by, item[0]))]
    if by not in PLACES:
        for tally in groups.values():
            total.merge(tally)
    return Summary(by, rows, Row(None, TOTAL, total.measures()))
