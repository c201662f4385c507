"""Tickets taken per local day and hour: the page's heat map of busy hours (pure).

Counts tickets taken at a kiosk (not arrivals by transfer: the same tickets as `issued`
in the summary), on the local day and at the local hour they were taken. The hours run
from the earliest to the latest hour with a ticket in the period, without gaps, so that a
quiet hour shows as 0 rather than disappearing; the days are those with a ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class HourGrid:
    """`hours`: local hours (0-23) in order; `days`: (ISO day, counts per hour of `hours`) in day order."""

    hours: list[int]
    days: list[tuple[str, list[int]]]


def hour_grid(taken: Iterable[tuple[str, str]], tz: ZoneInfo) -> HourGrid:
    """The grid of tickets taken: (local day, ISO issue time) rows (reports.queries.taken); `tz`: the site's."""
    counts: dict[str, dict[int, int]] = {}
    for day, issued_at in taken:
        hour = datetime.fromisoformat(issued_at).astimezone(tz).hour
        per_hour = counts.setdefault(day, {})
        per_hour[hour] = per_hour.get(hour, 0) + 1
    seen = {hour for per_hour in counts.values() for hour in per_hour}
    hours = list(range(min(seen), max(seen) + 1)) if seen else []
    return HourGrid(hours, [(day, [counts[day].get(h, 0) for h in hours]) for day in sorted(counts)])
