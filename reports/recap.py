"""The monthly recap (rekap jumlah pemohon): tickets taken per agency and service, day by day (pure).

Each agency is a subtotal line followed by its services, in the configuration's order;
services without an agency (or removed from the configuration since) come last under
"Tanpa instansi". The columns are the days of the month, then the month's total; the
last line is the total of everything. A ticket counts on the local day it was taken, in
the service it was taken for: a transfer does not count it again (docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal

from reports.labels import NO_AGENCY, Labels
from reports.period import Period

TOTAL_LABEL = "Jumlah seluruhnya"


@dataclass(frozen=True)
class RecapLine:
    """One line of the matrix: `days[i]` is day i + 1 of the month; `total` their sum."""

    kind: Literal["agency", "service", "total"]
    key: str | None
    label: str
    agency: str | None
    days: list[int]
    total: int


@dataclass(frozen=True)
class Recap:
    period: Period
    lines: list[RecapLine]
    total: RecapLine


def _line(kind, key, label, agency, days: list[int]) -> RecapLine:
    return RecapLine(kind, key, label, agency, days, sum(days))


def _sum(lines: list[RecapLine], n: int) -> list[int]:
    return [sum(line.days[i] for line in lines) for i in range(n)]


def recap(counts: Iterable[tuple[str, str, int]], period: Period, labels: Labels,
          services: Collection[str]) -> Recap:
    """The matrix of `counts` ((ISO day, service, tickets taken) rows for days of `period`, one month).

    `services`: the services to list even without a ticket (those in the reader's scope), in the
    configuration's order; services found in `counts` are listed too.
    """
    n = period.days
    per_service: dict[str, list[int]] = {code: [0] * n for code in services}
    for day, service, count in counts:
        index = (int(day[8:10]) - 1) if day[:7] == period.first.isoformat()[:7] else None
        if index is None or not 0 <= index < n:
            continue
        per_service.setdefault(service, [0] * n)[index] += count
    by_agency: dict[str | None, list[str]] = {}
    for code in sorted(per_service, key=lambda c: labels.order("service", c)):
        agency = labels.agency_of.get(code)
        by_agency.setdefault(agency if agency in labels.agencies else None, []).append(code)
    lines: list[RecapLine] = []
    subtotals: list[RecapLine] = []
    for agency in sorted(by_agency, key=lambda a: labels.order("agency", a)):
        rows = [_line("service", code, labels.label("service", code), agency, per_service[code])
                for code in by_agency[agency]]
        head = _line("agency", agency, NO_AGENCY if agency is None else labels.agencies[agency], agency,
                     _sum(rows, n))
        subtotals.append(head)
        lines += [head, *rows]
    return Recap(period, lines, _line("total", None, TOTAL_LABEL, None, _sum(subtotals, n)))
