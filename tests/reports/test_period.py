"""The period picker's shortcuts (reports/period.py quick_periods), shared by the reports and the IKM page."""

from __future__ import annotations

from datetime import date

from reports.period import quick_periods


def shortcuts(today: date) -> dict[str, tuple[str, str]]:
    return {q.key: (q.period.first.isoformat(), q.period.last.isoformat()) for q in quick_periods(today)}


def test_the_shortcuts_from_a_day_in_march_of_a_leap_year():
    """7 days include today; last month is the whole of February (29 days in 2028); month and year end today."""
    assert shortcuts(date(2028, 3, 5)) == {
        "today": ("2028-03-05", "2028-03-05"), "week": ("2028-02-28", "2028-03-05"),
        "month": ("2028-03-01", "2028-03-05"), "last-month": ("2028-02-01", "2028-02-29"),
        "year": ("2028-01-01", "2028-03-05")}


def test_in_january_last_month_is_the_previous_years_december():
    """On 1 January, last month is December of the year before; this month and this year are today alone."""
    found = shortcuts(date(2027, 1, 1))
    assert found["last-month"] == ("2026-12-01", "2026-12-31")
    assert found["month"] == found["year"] == found["today"] == ("2027-01-01", "2027-01-01")
    assert [q.label for q in quick_periods(date(2027, 1, 1))] == [
        "Hari ini", "7 hari", "Bulan ini", "Bulan lalu", "Tahun ini"]
