"""How a ticket reads, in Indonesian, on paper.

Waits and people ahead are phrased once, by the hub (server/wording.py), for
paper, screens and phones alike.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from server.wording import ahead_text, wait_text

__all__ = ["ahead_text", "local_time", "wait_text"]

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def local_time(moment: datetime | str, tz: ZoneInfo) -> str:
    """'Jumat, 28 November 2025 · 09.41 WIB' in the site's time zone (the printed ticket; screens use Intl)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(tz)
    return (f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year}"
            f" · {local:%H.%M} {local.tzname() or ''}").rstrip()
