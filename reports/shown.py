"""The reports just shown, so that a download right after is the same numbers.

The page shows a report (JSON), then its reader downloads it as XLSX or CSV. The
day's tickets move on meanwhile; computing the file again could give other numbers
than the cards and the table on the screen. So each report computed for the page is
kept for a while, keyed by what it counts (kind, period, breakdown, tickets,
configuration version); a download of the same report within that time is built
from it. A JSON request is always computed afresh.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any

KEEP = timedelta(minutes=15)  # how long a shown report is what its download gives
MAX_KEPT = 32  # reports kept at once (each is a few KB: rows, not tickets)


class Shown:
    """Recently shown reports: `remember(key, result, now)`, `recall(key, now)` (None when not shown recently)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, tuple[datetime, Any]] = OrderedDict()

    def remember(self, key: Hashable, result: Any, now: datetime) -> None:
        self._kept[key] = (now, result)
        self._kept.move_to_end(key)
        while len(self._kept) > MAX_KEPT:
            self._kept.popitem(last=False)

    def recall(self, key: Hashable, now: datetime) -> Any | None:
        found = self._kept.get(key)
        if found is None or not timedelta(0) <= now - found[0] <= KEEP:
            return None
        return found[1]
