"""`[calendar]`: when the hall hands out tickets (keys in docs/configuration.md).

Opening hours per weekday, breaks (Friday prayers), national holidays and one-off
closures. The rule that reads them (is the hall open at this moment, why not, when
does it open again) is `server.opening`; a service's own `open`/`close` still
applies inside the hall's hours.

Weekdays are written in Indonesian, as the hall's staff say them: "senin" ...
"minggu". Dates are ISO dates, `2026-08-17` (a TOML date or a string).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema, model_validator

from config.errors import invalid, shown
from config.fields import Clock, Item, Section, Table, Text, labelled, table

Weekday = Literal["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]
WEEKDAYS: tuple[str, ...] = get_args(Weekday)  # Monday first, as date.weekday() counts
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            # Written right but not a day of the calendar (2026-02-30): say that, not "wrong format".
            raise invalid("date_value", f"{value!r} is not a day of the calendar (month 01-12, a day its month has)",
                          f"tanggal {shown(value)} tidak ada di kalender (bulan 01–12, hari sesuai jumlah hari "
                          "bulannya)") from None
    raise invalid("date_format", f'must be a date "YYYY-MM-DD", got {value!r}',
                  f'harus tanggal "TTTT-BB-HH", bukan {shown(value)}')


# A calendar date, written "YYYY-MM-DD" (a TOML date is accepted too); a `datetime.date` in code.
Day = Annotated[
    date,
    BeforeValidator(_day),
    PlainSerializer(lambda d: d.isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date", "pattern": f"^{DATE_PATTERN}$"}),
]


class OpeningHours(Item):
    """`[[calendar.hours]]`: when tickets are handed out on one weekday."""

    key = "day"
    duplicate = ("opening hours of {key} are given twice", "jam buka hari {key} ditulis dua kali")

    day: Weekday = Field(description='The weekday: "senin", "selasa", "rabu", "kamis", "jumat", "sabtu" or '
                         '"minggu".',
        **labelled("Hari", "Salah satu dari senin, selasa, rabu, kamis, jumat, sabtu, atau minggu."))
    open: Clock = Field(description="Local time from which tickets are handed out.",
        **labelled("Jam buka", "Mulai pukul berapa nomor dibagikan."))
    close: Clock = Field(description="Local time after which no more tickets are handed out (after open).",
        **labelled("Jam tutup", "Sesudah pukul berapa nomor tidak dibagikan lagi (sesudah jam buka)."))

    @model_validator(mode="after")
    def _order(self) -> OpeningHours:
        if self.close <= self.open:
            raise invalid("hours_order",
                          f"closing time {self.close:%H:%M} must be after opening time {self.open:%H:%M}",
                          f"jam tutup {self.close:%H:%M} harus sesudah jam buka {self.open:%H:%M}", at=("close",))
        return self


class Break(Section):
    """`[[calendar.breaks]]`: a pause in handing out tickets, e.g. Friday prayers."""

    name: Text = Field("Istirahat", description='What the kiosk and the TVs say, e.g. "Istirahat salat Jumat".',
        **labelled("Nama", "Yang tampil di kios dan TV, misalnya \"Istirahat salat Jumat\"."))
    days: tuple[Weekday, ...] | None = Field(
        None, strict=False, description='The weekdays it applies to, e.g. ["jumat"]. Unset: every day.',
        **labelled("Hari", "Hari berlakunya, misalnya [\"jumat\"]. Kosong: setiap hari."))
    start: Clock = Field(description="Local time the break starts.",
        **labelled("Mulai", "Pukul berapa istirahat dimulai."))
    end: Clock = Field(description="Local time the break ends (after start).",
        **labelled("Selesai", "Pukul berapa istirahat selesai (sesudah mulai)."))

    @model_validator(mode="after")
    def _order(self) -> Break:
        if self.end <= self.start:
            raise invalid("hours_order", f"the break's end {self.end:%H:%M} must be after its start {self.start:%H:%M}",
                          f"akhir istirahat {self.end:%H:%M} harus sesudah mulainya {self.start:%H:%M}", at=("end",))
        return self


class Holiday(Item):
    """`[[calendar.holidays]]`: a national holiday (hari libur nasional or cuti bersama): closed all day."""

    key = "date"
    duplicate = ("holiday {key} is given twice", "hari libur {key} ditulis dua kali")

    date: Day = Field(description='The date, e.g. "2026-08-17".',
        **labelled("Tanggal", "Misalnya 2026-08-17."))
    name: Text = Field(description='Its name, shown on the kiosk and the TVs, e.g. "Hari Kemerdekaan RI".',
        **labelled("Nama hari libur", "Tampil di kios dan TV, misalnya \"Hari Kemerdekaan RI\"."))


class Closure(Item):
    """`[[calendar.closures]]`: a one-off closure of the hall (a local event, maintenance), one day or several."""

    key = "date"
    duplicate = ("a closure starting on {key} is given twice", "penutupan mulai {key} ditulis dua kali")

    date: Day = Field(description="The first day closed.",
        **labelled("Tanggal mulai", "Hari pertama tutup."))
    until: Day | None = Field(None, description="The last day closed (inclusive). Unset: only `date`.",
        **labelled("Sampai tanggal", "Hari terakhir tutup (termasuk). Kosong: hanya tanggal mulai."))
    reason: Text = Field(description='Shown on the kiosk and the TVs, e.g. "Pemeliharaan gedung".',
        **labelled("Alasan", "Tampil di kios dan TV, misalnya \"Pemeliharaan gedung\"."))

    @model_validator(mode="after")
    def _order(self) -> Closure:
        if self.until is not None and self.until < self.date:
            raise invalid("dates_order", f"until {self.until} must not be before date {self.date}",
                          f"tanggal akhir {self.until} tidak boleh sebelum tanggal mulai {self.date}", at=("until",))
        return self

    def covers(self, day: date) -> bool:
        return self.date <= day <= (self.until or self.date)


class Calendar(Section):
    """`[calendar]`: when the hall hands out tickets. Every key is optional: without it the hall is open
    every day and only the services' own hours apply."""

    hours: Table[OpeningHours] = table(
        "Opening hours per weekday, one [[calendar.hours]] table per day open; a weekday not listed is closed. "
        "No [[calendar.hours]] at all: open every day.",
        "Jam buka per hari", "Jam pembagian nomor untuk setiap hari buka; hari yang tidak tercantum tutup. Tanpa "
        "daftar ini: buka setiap hari.")
    breaks: list[Break] = Field(default_factory=list, strict=False,
                                description="Breaks in handing out tickets, one [[calendar.breaks]] table each.",
                                **labelled("Istirahat", "Jeda pembagian nomor, misalnya istirahat salat Jumat."))
    holidays: Table[Holiday] = table("National holidays: closed all day.", "Hari libur nasional",
                                     "Tutup sepanjang hari.")
    closures: Table[Closure] = table("One-off closures of the hall, one day or several.", "Penutupan",
                                     "Penutupan khusus MPP, satu hari atau beberapa hari.")
