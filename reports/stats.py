"""Averages and percentiles as the reports define them (docs/reports.md)."""

from __future__ import annotations

from collections.abc import Sequence


def nearest_rank(ordered: Sequence[float], percent: int) -> float | None:
    """The nearest-rank percentile of `ordered` (sorted ascending): the value at rank ⌈percent/100 × n⌉
    (1-based, at least 1); None for no values. `percent` is a whole number from 1 to 100.

    Source: the nearest-rank method (NIST/SEMATECH e-Handbook; Wikipedia "Percentile"). Integer
    arithmetic, so that 90 % of 10 values is rank 9 exactly (0.9 × 10 in floating point is above 9).
    """
    if not 1 <= percent <= 100:
        raise ValueError(f"percent must be 1 to 100, got {percent}")
    n = len(ordered)
    if n == 0:
        return None
    rank = max(1, (percent * n + 99) // 100)
    return ordered[rank - 1]


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean; None for no values."""
    return sum(values) / len(values) if values else None


def whole(seconds: float | None) -> int | None:
    """Seconds rounded to the nearest whole second, halves up (what the API, the pages and the files show)."""
    return None if seconds is None else int(seconds + 0.5)
