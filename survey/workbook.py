"""The IKM as an XLSX workbook, in the tabulation of PermenPANRB No. 14 Tahun 2017 (openpyxl).

Sheet "Tabulasi IKM" follows the regulation's "Pengolahan Data Survei Kepuasan Masyarakat per
Responden dan per Unsur Pelayanan": one row per respondent with the nine scores U1–U9 (and,
after them, the ticket it answers), then the rows Σ nilai per unsur, NRR per unsur, NRR
tertimbang per unsur (NRR × 1/9), the IKM on the 1–4 scale (Σ NRR tertimbang), the IKM
converted (× 25, rounded to 2 decimals), its mutu and the unit's kinerja; and the mutu of
each unsur. Sheet "Saran" lists every saran, sheet "Profil responden" the profile counts.

Cells hold values, typed (numbers as numbers), computed by survey/ikm.py: the workbook and
the JSON report always agree. openpyxl is the well-kept library for XLSX in Python (the
project's rule: a library beats our own code outside what the project is for).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from config.site import SiteConfig
from survey.answers import PROFILE
from survey.ikm import KINERJA, PRINTED_INTERVALS, UNSUR, index_of_responses, sample_target
from survey.storage import Respondent, Scope

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEAD = PatternFill("solid", fgColor="DDE7F3")
SUMMARY = PatternFill("solid", fgColor="F3F6FA")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


def long_date(day: str) -> str:
    """ "2026-03-02" as "2 Maret 2026"."""
    d = date.fromisoformat(day)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def scope_words(config: SiteConfig, named: Mapping[str, str | None]) -> str:
    """The unit a report covers, in words: the hall, then the agency, service and counter chosen."""
    parts = [config.site.name]
    if named.get("agency"):
        parts.append(config.agencies[named["agency"]].name)
    if named.get("service"):
        parts.append(f"Layanan {config.services[named['service']].name}")
    if named.get("counter"):
        parts.append(config.counters[named["counter"]].name)
    return " · ".join(parts)


def tabulation(config: SiteConfig, scope: Scope, named: Mapping[str, str | None], respondents: list[Respondent],
               population: int) -> bytes:
    """The workbook's bytes (see the module's docstring)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Tabulasi IKM"
    _tabulation(sheet, config, scope, named, respondents, population)
    _saran(book.create_sheet("Saran"), config, respondents)
    _profile(book.create_sheet("Profil responden"), respondents)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tabulation(sheet, config, scope, named, respondents, population) -> None:
    index = index_of_responses([r.scores for r in respondents])
    info = [
        ("Pengolahan Data Survei Kepuasan Masyarakat per Responden dan per Unsur Pelayanan", TITLE),
        (f"Unit pelayanan: {scope_words(config, named)}", None),
        (f"Periode: {long_date(scope.first)} – {long_date(scope.last)}", None),
        ("Dasar: Peraturan Menteri PANRB Nomor 14 Tahun 2017 tentang Pedoman Penyusunan Survei Kepuasan "
         "Masyarakat Unit Penyelenggara Pelayanan Publik", None),
        (f"Populasi (tiket selesai dilayani): {population} · Target sampel (Krejcie–Morgan): "
         f"{sample_target(population)} · Jumlah responden: {len(respondents)}", None),
    ]
    for row, (text, font) in enumerate(info, start=1):
        sheet.cell(row, 1, text).font = font or Font()
    head = len(info) + 2
    first_score = 2
    last_score = first_score + len(UNSUR) - 1
    headers = ["No. Responden", *(f"U{i}" for i in range(1, len(UNSUR) + 1)), "Nomor antrian", "Tanggal",
               "Layanan", "Loket", "Diisi melalui"]
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(head, col, text)
        cell.font, cell.fill = BOLD, HEAD
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    names = [index.unsur[i].name for i in range(len(UNSUR))]
    for i, name in enumerate(names):
        cell = sheet.cell(head + 1, first_score + i, name)
        cell.font, cell.fill = Font(italic=True, size=9), HEAD
        cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
    sheet.row_dimensions[head + 1].height = 54
    sheet.freeze_panes = sheet.cell(head + 2, first_score)
    row = head + 2
    for number, r in enumerate(respondents, start=1):
        sheet.cell(row, 1, number)
        for i, key in enumerate(UNSUR):
            sheet.cell(row, first_score + i, r.scores[key])
        counter = config.counters.get(r.counter) if r.counter else None
        service = config.services.get(r.service)
        extra = [r.number, date.fromisoformat(r.day), service.name if service else r.service,
                 counter.name if counter else (r.counter or ""), "Tablet loket" if r.channel == "tablet" else "Ponsel"]
        for col, value in enumerate(extra, start=last_score + 1):
            cell = sheet.cell(row, col, value)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
        row += 1
    row += 1
    summary = [
        ("Σ Nilai per unsur", [u.total for u in index.unsur], "0"),
        ("NRR per unsur", [_number(u.nrr) for u in index.unsur], "0.000"),
        ("NRR tertimbang per unsur", [_number(u.weighted) for u in index.unsur], "0.000"),
        ("Mutu per unsur", [u.mutu for u in index.unsur], None),
    ]
    for label, values, number_format in summary:
        sheet.cell(row, 1, label).font = BOLD
        for i, value in enumerate(values):
            cell = sheet.cell(row, first_score + i, value)
            cell.fill = SUMMARY
            cell.alignment = Alignment(horizontal="center")
            if number_format and isinstance(value, int | float):
                cell.number_format = number_format
        row += 1
    row += 1
    results = [
        ("IKM unit pelayanan (Σ NRR tertimbang, skala 1–4)", _number(index.index), "0.000"),
        ("IKM unit pelayanan × 25 (nilai konversi)", float(index.ikm) if index.ikm is not None else None, "0.00"),
        ("Mutu pelayanan", index.mutu, None),
        ("Kinerja unit pelayanan", index.kinerja, None),
    ]
    for label, value, number_format in results:
        sheet.cell(row, 1, label).font = BOLD
        cell = sheet.cell(row, first_score, value if value is not None else "— (belum ada responden)")
        cell.font = BOLD
        if number_format and isinstance(value, float):
            cell.number_format = number_format
        row += 1
    row += 1
    sheet.cell(row, 1, "Keterangan").font = BOLD
    row += 1
    for i, name in enumerate(names, start=1):
        sheet.cell(row, 1, f"U{i}")
        sheet.cell(row, first_score, f"{name} ({UNSUR[i - 1]})")
        row += 1
    row += 1
    sheet.cell(row, 1, "Mutu").font = BOLD
    sheet.cell(row, first_score, "Nilai interval (NRR per unsur, skala 1–4)").font = BOLD
    sheet.cell(row, first_score + 4, "Nilai interval konversi (IKM, skala 25–100)").font = BOLD
    sheet.cell(row, first_score + 8, "Kinerja unit pelayanan").font = BOLD
    row += 1
    for letter, (nrr, ikm) in PRINTED_INTERVALS.items():
        sheet.cell(row, 1, letter)
        sheet.cell(row, first_score, nrr)
        sheet.cell(row, first_score + 4, ikm)
        sheet.cell(row, first_score + 8, KINERJA[letter])
        row += 1
    sheet.column_dimensions["A"].width = 30
    for col in range(first_score, last_score + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 13
    for col, width in zip(range(last_score + 1, last_score + 6), (14, 12, 30, 14, 14), strict=True):
        sheet.column_dimensions[get_column_letter(col)].width = width


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _saran(sheet, config: SiteConfig, respondents: list[Respondent]) -> None:
    headers = ("No.", "Tanggal", "Nomor antrian", "Layanan", "Loket", "Saran")
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(1, col, text)
        cell.font, cell.fill = BOLD, HEAD
    row = 2
    for r in respondents:
        if not r.saran:
            continue
        service = config.services.get(r.service)
        counter = config.counters.get(r.counter) if r.counter else None
        values = (row - 1, date.fromisoformat(r.day), r.number, service.name if service else r.service,
                  counter.name if counter else (r.counter or ""), r.saran)
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row, col, value)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
        sheet.cell(row, 6).alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
    sheet.freeze_panes = "A2"
    for col, width in zip("ABCDEF", (6, 12, 14, 30, 14, 80), strict=True):
        sheet.column_dimensions[col].width = width


def _profile(sheet, respondents: list[Respondent]) -> None:
    for col, text in enumerate(("Data responden", "Pilihan", "Jumlah"), start=1):
        cell = sheet.cell(1, col, text)
        cell.font, cell.fill = BOLD, HEAD
    row = 2
    for key, (label, choices) in PROFILE.items():
        given = [r.profile.get(key) for r in respondents]
        for code, text in (*choices, (None, "Tidak diisi")):
            sheet.cell(row, 1, label)
            sheet.cell(row, 2, text)
            sheet.cell(row, 3, sum(1 for g in given if g == code))
            row += 1
    sheet.freeze_panes = "A2"
    for col, width in zip("ABC", (22, 26, 10), strict=True):
        sheet.column_dimensions[col].width = width
