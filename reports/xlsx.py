"""Reports as XLSX workbooks (openpyxl), for people: typed cells, a header row, frozen panes, widths that fit.

- Counts are numbers; times are Excel durations shown as minutes:seconds (`[m]:ss`), so the
  sheet shows what the page shows and still adds up; a day is a date cell.
- Row 1 is the header; the panes are frozen below it and right of the name column; the
  header has filters; the total line is bold. The sheet prints on A4 landscape, one page wide.
- A second sheet, "Keterangan", says what the report is: the hall, the period, the scope, when
  it was made, and the definitions (docs/reports.md).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.columns import Column, summary_columns
from reports.views import RecapAnswer, SummaryAnswer

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DURATION = "[m]:ss"
DAY = "dd-mm-yyyy"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SUBTOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)
TOP_LINE = Border(top=Side(style="thin"))
MAX_WIDTH = 60


@dataclass(frozen=True)
class Heading:
    """What a file says about itself: its title (also the printed page's header) and the facts of the
    "Keterangan" sheet as (label, value) pairs, then notes (the definitions)."""

    title: str
    facts: Sequence[tuple[str, str]]
    notes: Sequence[str] = field(default_factory=tuple)


def _shown(value: Any, kind: str) -> str:
    """The text a cell shows, to size its column."""
    if value is None:
        return ""
    if kind == "duration":
        minutes, seconds = divmod(int(value.total_seconds()), 60)
        return f"{minutes}:{seconds:02d}"
    if isinstance(value, date):
        return "00-00-0000"
    return str(value)


def _cell_value(value: Any, column: Column, by: str) -> Any:
    if value is None:
        return None
    if column.kind == "duration":
        return timedelta(seconds=value)
    if column.kind == "key" and by == "day":
        return date.fromisoformat(value)
    return value


def _table(ws: Worksheet, titles: list[str], rows: list[list[tuple[Any, str]]], freeze: str,
           strong: set[int] = frozenset(), shaded: set[int] = frozenset(), indent: dict[int, int] | None = None,
           ) -> None:
    """Write a header and rows of (value, kind) cells; size the columns to what they show. `strong`/`shaded`:
    0-based row indexes written bold / with a subtotal fill; `indent`: column index -> indent of non-strong rows."""
    ws.append(titles)
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [len(t) for t in titles]
    for i, row in enumerate(rows):
        ws.append([value for value, _ in row])
        line = ws[ws.max_row]
        for j, (value, kind) in enumerate(row):
            cell = line[j]
            if kind == "duration":
                cell.number_format = DURATION
            elif kind == "date":
                cell.number_format = DAY
            if i in strong:
                cell.font = BOLD
            if i in shaded:
                cell.fill = SUBTOTAL_FILL
            if indent and j in indent and i not in strong:
                cell.alignment = Alignment(indent=indent[j])
            widths[j] = max(widths[j], len(_shown(value, kind)) + (indent or {}).get(j, 0) * 2)
    for j, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(j + 1)].width = min(MAX_WIDTH, width + 3)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(titles))}{ws.max_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _about(wb: Workbook, heading: Heading) -> None:
    ws = wb.create_sheet("Keterangan")
    ws.append([heading.title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    for label, value in heading.facts:
        ws.append([label, value])
        ws.cell(ws.max_row, 1).font = BOLD
    if heading.notes:
        ws.append([])
        ws.append(["Definisi"])
        ws.cell(ws.max_row, 1).font = BOLD
        for note in heading.notes:
            ws.append([note])
    ws.column_dimensions["A"].width = max([len(label) for label, _ in heading.facts] + [12]) + 3
    ws.column_dimensions["B"].width = min(MAX_WIDTH, max([len(v) for _, v in heading.facts] + [12]) + 3)


def _save(wb: Workbook, heading: Heading) -> bytes:
    main = wb.worksheets[0]
    main.oddHeader.center.text = heading.title
    main.oddFooter.right.text = "Halaman &P dari &N"
    _about(wb, heading)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def summary_xlsx(answer: SummaryAnswer, heading: Heading) -> bytes:
    """The summary as a workbook: sheet "Laporan" (the rows, then the total in bold) and "Keterangan"."""
    columns = summary_columns(answer.by)
    wb = Workbook()
    ws = wb.active
    ws.title = "Laporan"
    rows = []
    for row in (*answer.rows, answer.total):
        values = row.model_dump()
        rows.append([(_cell_value(values[c.field], c, answer.by),
                      "date" if c.kind == "key" and answer.by == "day" and values[c.field] else c.kind)
                     for c in columns])
    _table(ws, [c.title for c in columns], rows, freeze="C2", strong={len(rows) - 1})
    for cell in ws[ws.max_row]:
        cell.border = TOP_LINE
    return _save(wb, heading)


def recap_xlsx(answer: RecapAnswer, heading: Heading) -> bytes:
    """The recap as a workbook: sheet "Rekap" (agencies as shaded subtotal lines, their services indented,
    days 1 to the month's last, the month's total, then the total of everything) and "Keterangan"."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Rekap"
    titles = ["Kode", "Instansi / Layanan", *map(str, range(1, answer.days + 1)), "Jumlah"]
    lines = [*answer.rows, answer.total]
    rows = [[(line.key, "text"), (line.label, "text"), *[(n, "count") for n in line.days], (line.total, "count")]
            for line in lines]
    heads = {i for i, line in enumerate(lines) if line.kind != "service"}
    _table(ws, titles, rows, freeze="C2", strong=heads,
           shaded={i for i, line in enumerate(lines) if line.kind == "agency"}, indent={1: 2})
    for j in range(3, answer.days + 4):
        ws.column_dimensions[get_column_letter(j)].width = max(ws.column_dimensions[get_column_letter(j)].width, 5)
    for cell in ws[ws.max_row]:
        cell.border = TOP_LINE
    return _save(wb, heading)
