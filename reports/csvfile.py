"""Reports as CSV: RFC 4180, UTF-8, comma-separated, one header row of the JSON field names.

For programs (the city's data desk, a spreadsheet import): counts as integers, times in
whole seconds as in the JSON, empty for null. The summary's last line is the total
(label "Jumlah"); the recap's last line is the total of everything. People open the XLSX.
"""

from __future__ import annotations

import csv
import io

from reports.columns import summary_columns
from reports.views import RecapAnswer, SummaryAnswer


def _text(rows: list[list]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([["" if value is None else value for value in row] for row in rows])
    return out.getvalue().encode("utf-8")


def summary_csv(answer: SummaryAnswer) -> bytes:
    """The summary's rows then its total, one line each."""
    fields = [c.field for c in summary_columns(answer.by)]
    lines = [fields]
    for row in (*answer.rows, answer.total):
        values = row.model_dump()
        lines.append([values[f] for f in fields])
    return _text(lines)


def recap_csv(answer: RecapAnswer) -> bytes:
    """The recap's lines then its total: kind, key, label, agency, one column per day (1, 2, …), total."""
    lines = [["kind", "key", "label", "agency", *map(str, range(1, answer.days + 1)), "total"]]
    for row in (*answer.rows, answer.total):
        lines.append([row.kind, row.key, row.label, row.agency, *row.days, row.total])
    return _text(lines)
