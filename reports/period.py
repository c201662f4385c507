"""The period of a report, read from its query: `from`/`to` dates or a `month`, as local days of the site;
and the period picker's shortcuts (`quick_periods`), the same on the reports page and the IKM page.

Every refusal is a 422 whose Indonesian message says what to write instead. The IKM report
(survey/api.py) reads its period here too, with the same rules and words.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from server.errors import HubError
from server.opening import MONTH_NAMES

MAX_DAYS = 366  # a report covers at most one (leap) year
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """Local days `first` to `last`, both included (the days of `tickets.day`)."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days)]


def invalid(code: str, message: str) -> HubError:
    return HubError(code, message, status=422)


def parse_date(text: str | None, name: str) -> date:
    """A date written YYYY-MM-DD; 422 `missing_field` or `invalid_field` otherwise."""
    example = "misalnya 2026-03-01"
    if text is None or text == "":
        raise invalid("missing_field", f"Parameter '{name}' wajib diisi dengan tanggal TTTT-BB-HH ({example}).")
    try:
        if not DATE_RE.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise invalid("invalid_field", f"Parameter '{name}' bukan tanggal yang sah: '{text[:40]}'. Tulis tanggal "
                      f"TTTT-BB-HH ({example}).") from None


def parse_period(first: str | None, last: str | None) -> Period:
    """`from` and `to` as a period of at most MAX_DAYS days; 422 otherwise (`invalid_range` when the dates
    are valid but `from` is after `to` or the period is too long)."""
    period = Period(parse_date(first, "from"), parse_date(last, "to"))
    if period.first > period.last:
        raise invalid("invalid_range", f"Tanggal awal (from) {period.first:%d-%m-%Y} sesudah tanggal akhir (to) "
                      f"{period.last:%d-%m-%Y}. Tukar kedua tanggal itu.")
    if period.days > MAX_DAYS:
        raise invalid("invalid_range", f"Laporan paling panjang {MAX_DAYS} hari; yang diminta {period.days} hari. "
                      "Perpendek rentang tanggalnya.")
    return period


def parse_month(text: str | None) -> Period:
    """`month` written YYYY-MM as the period of its days; 422 otherwise."""
    example = "misalnya 2026-03"
    if text is None or text == "":
        raise invalid("missing_field", f"Parameter 'month' wajib diisi dengan bulan TTTT-BB ({example}).")
    match = MONTH_RE.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise invalid("invalid_field", f"Parameter 'month' bukan bulan yang sah: '{text[:40]}'. Tulis bulan "
                      f"TTTT-BB ({example}).")
    year, month = int(match.group(1)), int(match.group(2))
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class QuickPeriod:
    """A shortcut of the period picker: `key` (the page's data-range), its Indonesian label, its days."""

    key: str
    label: str
    period: Period


def quick_periods(today: date) -> list[QuickPeriod]:
    """The period picker's shortcuts from the site's local `today`: today, the last 7 days (today included),
    this month and this year so far, and the whole of last month. Pages show these, never work dates out."""
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return [
        QuickPeriod("today", "Hari ini", Period(today, today)),
        QuickPeriod("week", "7 hari", Period(today - timedelta(days=6), today)),
        QuickPeriod("month", "Bulan ini", Period(first_of_month, today)),
        QuickPeriod("last-month", "Bulan lalu", Period(last_month_end.replace(day=1), last_month_end)),
        QuickPeriod("year", "Tahun ini", Period(today.replace(month=1, day=1), today)),
    ]


def month_name(period: Period) -> str:
    """'Maret 2026'."""
    return f"{MONTH_NAMES[period.first.month - 1]} {period.first.year}"
