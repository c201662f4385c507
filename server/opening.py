"""Is the hall handing out tickets at a given moment; if not, why and when again (pure: no I/O).

The rule reads the site's `[calendar]` (config/calendar.py): a holiday or a closure
closes the whole day; with `[[calendar.hours]]` a weekday not listed is closed and a
listed one is open from `open` to `close`; a break (`[[calendar.breaks]]`) pauses it.
A service's own `open`/`close` applies on top of this (server/queue.py).

Every refusal is worded here once, in Indonesian, for the kiosk and the TVs:
`HallClosed.message` is the sentence a 409 carries, `label` the short line a tile
or a TV header shows. Moments are aware datetimes in the site's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from config.calendar import WEEKDAYS, Break, Calendar

DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
MONTH_NAMES = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
               "November", "Desember")
LOOK_AHEAD_DAYS = 400  # how far next_opening() searches (a closure may last weeks, a calendar may have no day open)


@dataclass(frozen=True)
class HallClosed:
    """Why the hall hands out no ticket now.

    `code`: hall_holiday, hall_closure, hall_closed_day (weekday not open), hall_not_open (before
    the day's opening), hall_closed (after closing) or hall_break. `reopens`: the next moment
    tickets are handed out (site time), None when the calendar opens on no day within a year.
    """

    code: str
    label: str
    message: str
    reopens: datetime | None

    def to_json(self) -> dict:
        return {"code": self.code, "label": self.label, "message": self.message,
                "reopens": self.reopens.isoformat() if self.reopens else None}


def day_closed(calendar: Calendar, day: date) -> tuple[str, str] | None:
    """(code, reason) when the hall is closed all of `day`, else None."""
    holiday = calendar.holidays.get(day)
    if holiday is not None:
        return "hall_holiday", holiday.name
    for closure in calendar.closures.values():
        if closure.covers(day):
            return "hall_closure", closure.reason
    if calendar.hours and WEEKDAYS[day.weekday()] not in calendar.hours:
        return "hall_closed_day", DAY_NAMES[day.weekday()]
    return None


def day_hours(calendar: Calendar, day: date) -> tuple[time, time] | None:
    """The weekday's opening hours of `day` (ignoring holidays), None when the calendar has no weekly hours."""
    hours = calendar.hours.get(WEEKDAYS[day.weekday()])
    return (hours.open, hours.close) if hours is not None else None


def day_breaks(calendar: Calendar, day: date) -> list[Break]:
    weekday = WEEKDAYS[day.weekday()]
    return sorted((b for b in calendar.breaks if b.days is None or weekday in b.days), key=lambda b: b.start)


def is_open(calendar: Calendar, local: datetime) -> bool:
    """Whether tickets are handed out at `local` (the calendar only; services' hours aside)."""
    return _reason(calendar, local) is None


def within_hours(calendar: Calendar, local: datetime) -> bool:
    """Whether `local` falls within the day's opening hours, breaks included: when the hall's screens and
    kiosks are expected to be on (a TV that goes dark during Friday prayers is still a TV gone dark).
    Without weekly hours, every day the hall is not closed all day."""
    day = local.date()
    if day_closed(calendar, day) is not None:
        return False
    hours = day_hours(calendar, day)
    return hours is None or hours[0] <= local.time() < hours[1]


def _reason(calendar: Calendar, local: datetime) -> tuple[str, object] | None:
    day, now = local.date(), local.time()
    closed = day_closed(calendar, day)
    if closed is not None:
        return closed
    hours = day_hours(calendar, day)
    if hours is not None and now < hours[0]:
        return "hall_not_open", hours[0]
    if hours is not None and now >= hours[1]:
        return "hall_closed", hours[1]
    for pause in day_breaks(calendar, day):
        if pause.start <= now < pause.end:
            return "hall_break", pause
    return None


def next_opening(calendar: Calendar, local: datetime) -> datetime | None:
    """The first moment at or after `local` at which tickets are handed out; None if none within a year.

    The hall opens at a day's opening time (midnight without weekly hours) or at the end of a break,
    so only those moments are tried.
    """
    tz = local.tzinfo
    for offset in range(LOOK_AHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        if day_closed(calendar, day) is not None:
            continue
        hours = day_hours(calendar, day)
        starts = sorted({hours[0] if hours else time(0), *(b.end for b in day_breaks(calendar, day))})
        for start in starts:
            moment = datetime.combine(day, start, tzinfo=tz)
            if offset == 0 and moment < local:
                moment = local
            if is_open(calendar, moment):
                return moment
    return None


def next_change(calendar: Calendar, local: datetime) -> datetime:
    """The next moment after `local` at which the hall may open or close (an opening or closing time,
    a break's start or end, or the next midnight): when to look again."""
    day = local.date()
    hours = day_hours(calendar, day)
    moments = [t for b in day_breaks(calendar, day) for t in (b.start, b.end)] + (list(hours) if hours else [])
    later = [datetime.combine(day, t, tzinfo=local.tzinfo) for t in moments]
    later.append(datetime.combine(day + timedelta(days=1), time(0), tzinfo=local.tzinfo))
    return min(m for m in later if m > local)


def closure(calendar: Calendar, site_name: str, local: datetime) -> HallClosed | None:
    """Why the hall hands out no ticket at `local`, worded for the kiosk and the TVs; None when it is open."""
    reason = _reason(calendar, local)
    if reason is None:
        return None
    code, detail = reason
    zone = local.tzname() or ""
    reopens = next_opening(calendar, local)
    again = f" Pengambilan nomor dibuka kembali {when(reopens, local)}." if reopens else ""
    if code == "hall_holiday":
        return HallClosed(code, f"Libur: {detail}", f"{site_name} tutup hari ini, {detail}.{again}", reopens)
    if code == "hall_closure":
        return HallClosed(code, f"Tutup: {detail}", f"{site_name} tutup hari ini: {detail}.{again}", reopens)
    if code == "hall_closed_day":
        return HallClosed(code, f"Tutup hari {detail}", f"{site_name} tutup pada hari {detail}.{again}", reopens)
    if code == "hall_not_open":
        return HallClosed(code, f"Belum buka · mulai pukul {clock(detail)} {zone}",
                          f"{site_name} belum buka. Pengambilan nomor mulai pukul {clock(detail)} {zone}.", reopens)
    if code == "hall_closed":
        back = f" Silakan datang kembali {when(reopens, local)}." if reopens else ""
        return HallClosed(code, f"Sudah tutup · {short_when(reopens, local)}" if reopens else "Sudah tutup",
                          f"Pengambilan nomor di {site_name} hari ini sudah ditutup pukul {clock(detail)} "
                          f"{zone}.{back}", reopens)
    pause: Break = detail  # hall_break
    return HallClosed(code, f"{pause.name} · sampai pukul {clock(pause.end)} {zone}",
                      f"{pause.name}. Pengambilan nomor dilanjutkan pukul {clock(pause.end)} {zone}.", reopens)


def status(calendar: Calendar, site_name: str, local: datetime) -> dict:
    """The snapshot's `hall`: open now or not (and why), and today's hours and breaks.

    `{"open": bool, "closed": HallClosed JSON or null, "hours": {"open", "close"} or null (no weekly
    hours, or closed all day), "breaks": [{"name", "start", "end"}]}`; times "HH:MM", site time.
    """
    shut = closure(calendar, site_name, local)
    day = local.date()
    hours = None if day_closed(calendar, day) else day_hours(calendar, day)
    return {
        "open": shut is None,
        "closed": shut.to_json() if shut else None,
        "hours": {"open": f"{hours[0]:%H:%M}", "close": f"{hours[1]:%H:%M}"} if hours else None,
        "breaks": [] if day_closed(calendar, day) else [
            {"name": b.name, "start": f"{b.start:%H:%M}", "end": f"{b.end:%H:%M}"} for b in day_breaks(calendar, day)],
    }


# ---------------------------------------------------------------- wording


def clock(t: time) -> str:
    """08.00: Indonesian writes the time with a dot."""
    return f"{t:%H.%M}"


def long_date(day: date) -> str:
    """Senin, 18 Agustus 2026."""
    return f"{DAY_NAMES[day.weekday()]}, {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def when(moment: datetime, local: datetime) -> str:
    """When `moment` is, said from `local`: "pukul 13.00 WIB", "besok, Selasa, pukul 08.00 WIB",
    "Senin, 24 Agustus 2026, pukul 08.00 WIB" (no time when it is midnight: the hall has no hours)."""
    at = "" if moment.time() == time(0) else f"pukul {clock(moment.time())} {moment.tzname() or ''}".strip()
    if moment.date() == local.date():
        return at or "hari ini"
    if moment.date() == local.date() + timedelta(days=1):
        day = f"besok, {DAY_NAMES[moment.weekday()]}"
    else:
        day = long_date(moment.date())
    return f"{day}, {at}" if at else day


def short_when(moment: datetime, local: datetime) -> str:
    """A tile's "buka lagi besok 08.00" / "buka lagi Senin 08.00" / "buka lagi 24 Agustus"."""
    at = "" if moment.time() == time(0) else f" {clock(moment.time())}"
    if moment.date() == local.date() + timedelta(days=1):
        return f"buka lagi besok{at}"
    if moment.date() - local.date() < timedelta(days=7):
        return f"buka lagi {DAY_NAMES[moment.weekday()]}{at}"
    return f"buka lagi {moment.day} {MONTH_NAMES[moment.month - 1]}{at}"
