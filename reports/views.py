"""The reports' payloads (pydantic, like server/views.py): the answers of /api/reports/* and the page's
start-up data. Built from the pure results of reports/summary.py and reports/recap.py."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field

from reports.heatmap import HourGrid
from reports.labels import BY, Labels, hour_key, hour_label
from reports.recap import Recap, RecapLine
from reports.summary import Row, Summary
from server.views import View

By = Literal[BY]
Seconds = int | None


class SummaryRow(View):
    """One row (or the total) of a summary. Times are whole seconds; null when nothing was measured."""

    key: str | None = Field(description="service or agency code, counter id, officer username, local day "
                                        "(YYYY-MM-DD) or local hour (\"08\"); null: no agency / not recorded / "
                                        "the total")
    label: str = Field(description="name, Indonesian date or hour (\"08.00–09.00\") to show as it is")
    issued: int | None = Field(ge=0, description="tickets taken (not counting arrivals by transfer); null by "
                                                 "counter and by officer")
    served: int = Field(ge=0, description="tickets finished as done")
    no_show: int = Field(ge=0, description="skipped and never served that day")
    transferred: int = Field(ge=0, description="tickets sent on to another service")
    wait_avg_s: Seconds = Field(description="mean wait (first call − arrival)")
    wait_p50_s: Seconds = Field(description="median wait (nearest rank)")
    wait_p90_s: Seconds = Field(description="90th percentile of the wait (nearest rank)")
    wait_max_s: Seconds = Field(description="longest wait")
    service_avg_s: Seconds = Field(description="mean service time (done − last call)")
    service_p90_s: Seconds = Field(description="90th percentile of the service time (nearest rank)")
    over_target: int = Field(ge=0, description="tickets whose wait exceeded their service's target_wait_minutes")

    @classmethod
    def of(cls, row: Row) -> SummaryRow:
        return cls(key=row.key, label=row.label, **vars(row.measures))


class SummaryAnswer(View):
    """Tickets, waits and service times of a period, by one breakdown (docs/reports.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: date = Field(alias="from", description="first local day")
    to: date = Field(description="last local day (included)")
    by: By
    rows: list[SummaryRow]
    total: SummaryRow = Field(description="over every ticket of the period (not the sum of the rows)")

    @classmethod
    def of(cls, first: date, last: date, summary: Summary) -> SummaryAnswer:
        return cls(from_=first, to=last, by=summary.by, rows=[SummaryRow.of(r) for r in summary.rows],
                   total=SummaryRow.of(summary.total))

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class RecapRow(View):
    """One line of the monthly recap: an agency's subtotal, one of its services, or the total."""

    kind: Literal["agency", "service", "total"]
    key: str | None = Field(description="agency or service code; null: no agency, or the total")
    label: str
    agency: str | None = Field(description="the agency code the line belongs to")
    days: list[int] = Field(description="tickets taken on day 1, 2, … of the month (one number per day)")
    total: int = Field(ge=0, description="the month's total: the sum of `days`")

    @classmethod
    def of(cls, line: RecapLine) -> RecapRow:
        return cls(**vars(line))


class RecapAnswer(View):
    """The monthly recap (rekap jumlah pemohon): each agency as a subtotal line, then its services."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$", examples=["2026-03"])
    label: str = Field(examples=["Maret 2026"])
    days: int = Field(ge=28, le=31, description="days in the month: the length of each line's `days`")
    rows: list[RecapRow]
    total: RecapRow

    @classmethod
    def of(cls, recap: Recap, label: str) -> RecapAnswer:
        return cls(month=recap.period.first.isoformat()[:7], label=label, days=recap.period.days,
                   rows=[RecapRow.of(line) for line in recap.lines], total=RecapRow.of(recap.total))


class HourDay(View):
    key: str = Field(description="local day, YYYY-MM-DD")
    label: str = Field(description="the day in Indonesian, to show as it is")
    issued: list[int] = Field(description="tickets taken in each hour of `hours`")


class HoursAnswer(View):
    """Tickets taken per local day and hour (the page's heat map of busy hours)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    hours: list[str] = Field(description="local hours (\"08\"), from the period's first to its last, without gaps")
    hour_labels: list[str] = Field(description="the same as \"08.00–09.00\"")
    days: list[HourDay] = Field(description="the days with tickets, in order")

    @classmethod
    def of(cls, first: date, last: date, grid: HourGrid, labels: Labels) -> HoursAnswer:
        return cls(from_=first, to=last, hours=[hour_key(h) for h in grid.hours],
                   hour_labels=[hour_label(h) for h in grid.hours],
                   days=[HourDay(key=day, label=labels.label("day", day), issued=counts) for day, counts in grid.days])

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
