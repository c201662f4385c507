"""How a ticket reads, in Indonesian, on paper and on screen.

kiosk.js and status.js phrase the same things for live updates; keep them alike.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def local_time(moment: datetime | str, tz: ZoneInfo) -> str:
    """'Jumat, 28 November 2025 · 09.41 WIB' in the site's time zone."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = moment.astimezone(tz)
    return (f"{DAYS[local.weekday()]}, {local.day} {MONTHS[local.month - 1]} {local.year}"
            f" · {local:%H.%M} {local.tzname() or ''}").rstrip()


def wait_text(seconds: int | None) -> str:
    """An estimated wait as people say it; '—' when the hub cannot estimate yet."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 1:
        return "kurang dari 1 menit"
    if minutes < 60:
        return f"± {minutes} menit"
    hours, rest = divmod(minutes, 60)
    return f"± {hours} jam {rest} menit" if rest else f"± {hours} jam"


def ahead_text(ahead: int) -> str:
    """Who is ahead of a new ticket, after the label 'Di depan Anda'."""
    return "tidak ada, Anda berikutnya" if ahead == 0 else f"{ahead} orang"
