"""CSV and XLSX downloads: the same rows as the JSON, read back (csv module, openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from reports.columns import summary_columns
from tests.reports.support import DAY

BY = ("service", "agency", "counter", "officer", "day", "hour")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get(client, headers, path: str, **params):
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response


def as_json(value):
    """A cell read back by openpyxl, as the JSON has it: durations in seconds, days as ISO dates."""
    if isinstance(value, timedelta):
        return round(value.total_seconds())
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@pytest.mark.parametrize("by", BY)
def test_csv_is_the_json(day, by):
    """format=csv: a header of the JSON field names, the rows, then the total; empty for null."""
    client, admin, _ = day
    query = {"from": DAY, "to": DAY, "by": by}
    answer = get(client, admin, "/api/reports/summary", **query).json()
    response = get(client, admin, "/api/reports/summary", **query, format="csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="laporan-{by}-{DAY}_{DAY}.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    fields = [c.field for c in summary_columns(by)]
    assert lines[0] == fields
    expected = [["" if r[f] is None else str(r[f]) for f in fields] for r in (*answer["rows"], answer["total"])]
    assert lines[1:] == expected


@pytest.mark.parametrize("by", BY)
def test_xlsx_is_the_json(day, by):
    """format=xlsx: typed cells (numbers, durations, dates) equal to the JSON, a header row, frozen panes, filters,
    widths that fit what each column shows, and a sheet saying what the report is."""
    client, admin, _ = day
    query = {"from": DAY, "to": DAY, "by": by}
    answer = get(client, admin, "/api/reports/summary", **query).json()
    response = get(client, admin, "/api/reports/summary", **query, format="xlsx")
    assert response.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Laporan", "Keterangan"]
    sheet = book["Laporan"]
    columns = summary_columns(by)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [c.title for c in columns]
    expected = [[r[c.field] for c in columns] for r in (*answer["rows"], answer["total"])]
    assert [[as_json(v) for v in line] for line in rows[1:]] == expected
    durations = [i for i, c in enumerate(columns) if c.kind == "duration"]
    first = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert all(first[i].number_format == "[m]:ss" for i in durations if first[i].value is not None)
    assert all(isinstance(first[i].value, int) for i, c in enumerate(columns) if c.kind == "count" and first[i].value
               is not None)
    if by == "day":
        assert isinstance(first[0].value, datetime)
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(columns)).column_letter}{len(rows)}"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    for i, title in enumerate(rows[0]):  # wide enough for the heading and every text or number shown
        shown = [len(title)] + [len(str(as_json(line[i]))) for line in rows[1:]
                                if line[i] is not None and i not in durations]
        width = sheet.column_dimensions[sheet.cell(1, i + 1).column_letter].width
        assert width >= max(shown), (title, width)
    assert sheet.cell(len(rows), 2).value == "Jumlah" and sheet.cell(len(rows), 2).font.bold
    about = dict((r[0], r[1]) for r in book["Keterangan"].iter_rows(values_only=True) if r[0] and r[1])
    assert about["MPP"] == "MPP Uji Coba" and about["Periode"] == "Senin, 2 Maret 2026"
    assert about["Cakupan"] == "Semua instansi" and about["Oleh"] == "Koordinator MPP (koordinator)"


def test_recap_files_are_the_json(day):
    """The recap as CSV and XLSX: the same lines (agencies, their services, the total), day by day."""
    client, admin, _ = day
    answer = get(client, admin, "/api/reports/recap", month="2026-03").json()
    lines = [*answer["rows"], answer["total"]]
    text = get(client, admin, "/api/reports/recap", month="2026-03", format="csv").content.decode("utf-8")
    read = list(csv.reader(io.StringIO(text)))
    assert read[0] == ["kind", "key", "label", "agency", *map(str, range(1, 32)), "total"]
    assert read[1:] == [[r["kind"], r["key"] or "", r["label"], r["agency"] or "", *map(str, r["days"]),
                         str(r["total"])] for r in lines]
    response = get(client, admin, "/api/reports/recap", month="2026-03", format="xlsx")
    assert response.headers["content-disposition"] == 'attachment; filename="rekap-2026-03.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content))["Rekap"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ["Kode", "Instansi / Layanan", *map(str, range(1, 32)), "Jumlah"]
    assert [list(r) for r in rows[1:]] == [[r["key"], r["label"], *r["days"], r["total"]] for r in lines]
    assert sheet.freeze_panes == "C2"
    agency_rows = [i + 2 for i, r in enumerate(lines) if r["kind"] == "agency"]
    assert all(sheet.cell(i, 2).font.bold and sheet.cell(i, 2).fill.fgColor.rgb.endswith("DDEBF7") for i in agency_rows)


def test_a_download_right_after_is_the_report_on_the_screen(tmp_path):
    """The day goes on between showing a report and downloading it: the file within 15 minutes is the numbers
    shown; a new JSON request is computed afresh, and so is a file later than that."""
    from tests.hub.support import MORNING, Clock, issue, login, running
    from tests.reports.support import report_site

    clock = Clock(MORNING)
    with running(tmp_path / "data", clock, report_site()) as client:
        admin = login(client, "koordinator", "1111")
        issue(client, "A")
        query = {"from": DAY, "to": DAY, "by": "service"}

        def issued(fmt: str | None = None, path: str = "/api/reports/summary", params=query) -> int:
            response = get(client, admin, path, **params, **({"format": fmt} if fmt else {}))
            if fmt == "csv":
                return int(list(csv.reader(io.StringIO(response.text)))[-1][2 if path.endswith("summary") else -1])
            if fmt == "xlsx":
                sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
                return sheet.cell(sheet.max_row, 3 if path.endswith("summary") else sheet.max_column).value
            return response.json()["total"]["issued" if path.endswith("summary") else "total"]

        month = {"month": DAY[:7]}
        assert issued() == 1 and issued(path="/api/reports/recap", params=month) == 1
        clock.advance(minutes=5)
        issue(client, "B")
        assert issued("csv") == issued("xlsx") == 1  # what the page shows
        assert issued("xlsx", "/api/reports/recap", month) == issued("csv", "/api/reports/recap", month) == 1
        assert issued() == 2  # shown again: afresh, and the files follow
        assert issued("xlsx") == 2
        clock.advance(minutes=16)
        issue(client, "C")
        assert issued("csv") == 3 and issued("csv", "/api/reports/recap", month) == 3  # shown too long ago
