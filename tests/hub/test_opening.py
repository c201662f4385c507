"""server/opening.py and [calendar]: when the hall hands out tickets, and the refusals' wording (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config.errors import ConfigError
from config.site import parse_config
from server import opening
from server.errors import Conflict
from server.queue import Queue
from tests.hub.test_queue import site

WIB = ZoneInfo("Asia/Jakarta")
WEEK = [{"day": d, "open": "08:00", "close": "15:00"} for d in ("senin", "selasa", "rabu", "kamis", "jumat")]
CALENDAR = {
    "hours": WEEK,
    "breaks": [{"name": "Istirahat salat Jumat", "days": ["jumat"], "start": "11:30", "end": "13:00"}],
    "holidays": [{"date": "2026-08-17", "name": "Hari Kemerdekaan RI"}],
    "closures": [{"date": "2026-03-10", "until": "2026-03-11", "reason": "Pemeliharaan gedung"}],
}


def config(calendar=CALENDAR, **changes):
    return parse_config({**site(), "calendar": calendar, **changes})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WIB)


def closed(when: str, calendar=CALENDAR):
    return opening.closure(config(calendar).calendar, "MPP Uji", at(when))


@pytest.mark.parametrize(("when", "code", "words"), [
    ("2026-03-02T07:59", "hall_not_open", "MPP Uji belum buka. Pengambilan nomor mulai pukul 08.00 WIB."),
    ("2026-03-02T15:00", "hall_closed", "sudah ditutup pukul 15.00 WIB. Silakan datang kembali besok, Selasa, "
                                        "pukul 08.00 WIB."),
    ("2026-03-06T11:30", "hall_break", "Istirahat salat Jumat. Pengambilan nomor dilanjutkan pukul 13.00 WIB."),
    ("2026-03-07T10:00", "hall_closed_day", "MPP Uji tutup pada hari Sabtu. Pengambilan nomor dibuka kembali "
                                            "Senin, 9 Maret 2026, pukul 08.00 WIB."),
    ("2026-08-17T09:00", "hall_holiday", "MPP Uji tutup hari ini, Hari Kemerdekaan RI. Pengambilan nomor dibuka "
                                         "kembali besok, Selasa, pukul 08.00 WIB."),
    ("2026-03-11T09:00", "hall_closure", "MPP Uji tutup hari ini: Pemeliharaan gedung. Pengambilan nomor dibuka "
                                         "kembali besok, Kamis, pukul 08.00 WIB."),
])
def test_each_kind_of_closure_says_why_and_when_again(when, code, words):
    """Before and after hours, a break, a closed weekday, a holiday and a closure each refuse in their own words."""
    shut = closed(when)
    assert shut is not None and shut.code == code
    assert words in shut.message


@pytest.mark.parametrize("when", ["2026-03-02T08:00", "2026-03-02T14:59", "2026-03-06T11:29", "2026-03-06T13:00",
                                  "2026-03-12T08:00"])
def test_open_inside_hours_outside_breaks(when):
    """At opening time, just before closing, either side of a break and the day after a closure it is open."""
    assert closed(when) is None


def test_without_calendar_the_hall_is_always_open():
    """No [calendar]: open every day, all day (only the services' own hours apply)."""
    cfg = parse_config(site())
    assert opening.closure(cfg.calendar, "MPP Uji", at("2026-03-08T03:00")) is None  # a Sunday night
    holiday_only = {"holidays": [{"date": "2026-03-08", "name": "Libur"}]}
    shut = closed("2026-03-08T10:00", holiday_only)
    assert shut.code == "hall_holiday" and shut.reopens == at("2026-03-09T00:00")
    assert shut.message.endswith("dibuka kembali besok, Senin.")


def test_a_long_closure_reopens_after_it_and_a_calendar_open_on_no_day_never():
    """`reopens` skips a closure of several days; a calendar that opens on no day within a year has none."""
    assert closed("2026-03-10T09:00").reopens == at("2026-03-12T08:00")
    renovation = {"date": "2026-03-02", "until": "2027-12-31", "reason": "Renovasi"}
    shut = closed("2026-03-02T09:00", {"hours": [{"day": "senin", "open": "08:00", "close": "15:00"}],
                                       "closures": [renovation]})
    assert shut.reopens is None and shut.message == "MPP Uji tutup hari ini: Renovasi."


def test_status_for_the_snapshot():
    """The snapshot's hall: open or why not, today's hours and breaks."""
    cal = config().calendar
    friday = opening.status(cal, "MPP Uji", at("2026-03-06T12:00"))
    assert friday == {
        "open": False,
        "closed": {"code": "hall_break", "label": "Istirahat salat Jumat · sampai pukul 13.00 WIB",
                   "message": "Istirahat salat Jumat. Pengambilan nomor dilanjutkan pukul 13.00 WIB.",
                   "reopens": "2026-03-06T13:00:00+07:00"},
        "hours": {"open": "08:00", "close": "15:00"},
        "breaks": [{"name": "Istirahat salat Jumat", "start": "11:30", "end": "13:00"}],
    }
    holiday = opening.status(cal, "MPP Uji", at("2026-08-17T09:00"))
    assert holiday["open"] is False and holiday["hours"] is None and holiday["breaks"] == []
    assert opening.status(cal, "MPP Uji", at("2026-03-02T09:00"))["open"] is True


def test_next_change_is_the_next_boundary():
    """The hall is looked at again at the next opening, break or closing time, or at midnight."""
    cal = config().calendar
    assert opening.next_change(cal, at("2026-03-06T07:00")) == at("2026-03-06T08:00")
    assert opening.next_change(cal, at("2026-03-06T11:30")) == at("2026-03-06T13:00")
    assert opening.next_change(cal, at("2026-03-06T15:00")) == at("2026-03-07T00:00")


def test_issuing_is_refused_by_the_calendar_before_the_service_hours():
    """Queue.issue refuses with the calendar's code and message; inside the hall's hours the service's apply."""
    queue = Queue(config(), "2026-03-06")
    with pytest.raises(Conflict) as refused:
        queue.issue("B", False, at("2026-03-06T12:00"), "t1")
    assert refused.value.code == "hall_break" and "dilanjutkan pukul 13.00" in refused.value.message
    with pytest.raises(Conflict) as early:
        queue.issue("A", False, at("2026-03-06T07:00"), "t2")  # A opens at 08:00 too: the hall says it first
    assert early.value.code == "hall_not_open"
    assert queue.issue("B", False, at("2026-03-06T13:00"), "t3").result.number == "B001"


def test_an_inactive_service_issues_nothing():
    """A service with active = false is refused with its own code."""
    raw = site()
    raw["services"][1]["active"] = False
    queue = Queue(parse_config(raw), "2026-03-02")
    with pytest.raises(Conflict) as refused:
        queue.issue("B", False, at("2026-03-02T09:00"), "t")
    assert refused.value.code == "service_inactive"
    assert refused.value.message == "Layanan Kartu Keluarga sedang tidak tersedia."


@pytest.mark.parametrize(("calendar", "path"), [
    ({"hours": [{"day": "senin", "open": "15:00", "close": "08:00"}]}, "calendar.hours[0].close"),
    ({"hours": [{"day": "monday", "open": "08:00", "close": "15:00"}]}, "calendar.hours[0].day"),
    ({"hours": WEEK + [WEEK[0]]}, "calendar.hours[5].day"),
    ({"breaks": [{"start": "12:00", "end": "11:00"}]}, "calendar.breaks[0].end"),
    ({"holidays": [{"date": "2026-02-30", "name": "X"}]}, "calendar.holidays[0].date"),
    ({"holidays": [{"date": "17-08-2026", "name": "X"}]}, "calendar.holidays[0].date"),
    ({"closures": [{"date": "2026-03-10", "until": "2026-03-09", "reason": "X"}]}, "calendar.closures[0].until"),
])
def test_calendar_mistakes_name_the_key(calendar, path):
    """A wrong calendar is refused at the key, like every other setting."""
    with pytest.raises(ConfigError) as refused:
        config(calendar)
    assert refused.value.path == path, refused.value
