"""A closed day's parts, as the reports' worker keeps them and the database stores them (pure, no I/O).

A day before the hall's current day no longer changes (docs/reports.md, "How it runs"), so what the
summary adds up of it (reports/summary.py `split`: counts and durations per row key and service) is
worked out once and stored in the table `report_parts` (migration 9 of server/store.py), one row per
day and *facet*:

- `service`: rows by (service, service): every measure of the day's tickets per service. The
  breakdowns by service, agency and day are this facet (by day re-keyed to the day), and so are the
  totals of the breakdowns by counter and officer (a ticket's every measure, per service);
- `counter`, `officer`: rows by (counter id or officer username, None when not recorded; service):
  what happened there (reports/summary.py says which measure goes where);
- `hour <zone>`: rows by (local hour 0-23, service), for the site's time zone (a day's hours
  depend on it: another zone is another facet).

Only codes are stored, never a name, a wait target or a scope: those are applied when the parts are
put together (`assemble`), so a configuration changed since applies to stored days as to today.

A row holds `entries`, JSON `[[key, service, issued, served, no_show, transferred, waits,
service_times], ...]` (the last two: how many durations), and `durations`, every part's waits then
its service times, in entry order, as little-endian IEEE 754 doubles (8 bytes each, the seconds
exactly as computed). Each part's durations are sorted (reports/summary.py `Part.frozen`).

`VERSION` is the computation's: rows of another version are not read, and are replaced. Bump it
with any change to what a part holds (reports/visits.py, `split`, reports/queries.py's reads);
tests/reports/test_stored.py fails on such a change until it is bumped (`fingerprint`).
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import sys
from array import array
from zoneinfo import ZoneInfo

from reports.summary import DayParts, Part

VERSION = 1
SERVICE, COUNTER, OFFICER = "service", "counter", "officer"

Rows = dict[tuple, Part]  # (row key, service) -> the part


def hour_facet(tz: ZoneInfo) -> str:
    """The facet of the local hours in `tz`: 'hour Asia/Jakarta'."""
    return f"hour {tz.key}"


def facets(tz: ZoneInfo) -> tuple[str, ...]:
    """Every facet stored of a closed day, for a site in `tz`."""
    return SERVICE, COUNTER, OFFICER, hour_facet(tz)


def needed(by: str, tz: ZoneInfo) -> tuple[str, ...]:
    """The facets a breakdown (reports.labels.BY) is put together from."""
    if by == "hour":
        return (hour_facet(tz),)
    if by in (COUNTER, OFFICER):
        return by, SERVICE
    return (SERVICE,)


def breakdown(facet: str) -> str:
    """The breakdown (`split`'s `by`) that works a facet out."""
    return "hour" if facet.startswith("hour ") else facet


def frozen(rows: dict) -> Rows:
    return {key: part.frozen() for key, part in rows.items()}


def of_day(parts: DayParts, facet: str) -> dict[str, Rows]:
    """The facets one day's `split(visits, breakdown(facet))` gives, frozen: the facet, and for the place
    breakdowns also `service` (their totals)."""
    found = {facet: frozen(parts.rows)}
    if parts.totals is not None:
        found[SERVICE] = {(service, service): part.frozen() for service, part in parts.totals.items()}
    return found


def day_parts(by: str, day: str, found: dict[str, Rows], tz: ZoneInfo) -> DayParts:
    """What `assemble` takes for one day of breakdown `by`, from the day's facets (`needed(by, tz)`, frozen)."""
    if by == "hour":
        return DayParts(found[hour_facet(tz)])
    service = found[SERVICE]
    if by in (COUNTER, OFFICER):
        return DayParts(found[by], {s: part for (_, s), part in service.items()})
    if by == "day":
        return DayParts({(day, s): part for (_, s), part in service.items()})
    return DayParts(service)


def encode(rows: Rows) -> tuple[str, bytes]:
    """(entries, durations) of one facet of one day, as the table stores them (frozen parts: sorted)."""
    entries = []
    values = array("d")
    for (key, service), part in rows.items():
        entries.append([key, service, part.issued, part.served, part.no_show, part.transferred,
                        len(part.waits), len(part.service_times)])
        values.extend(part.waits)
        values.extend(part.service_times)
    if sys.byteorder == "big":
        values.byteswap()
    return json.dumps(entries, ensure_ascii=False, separators=(",", ":")), values.tobytes()


def decode(entries: str, durations: bytes) -> Rows:
    """The parts `encode` stored (frozen: compact arrays, sorted). Raises ValueError on a row `encode` did not write
    (damaged, or put there by something else): entries that are not [[key, service, 6 counts], ...] with a key that
    is text, a whole number or null, a service code and counts that are whole numbers from 0, durations that are not
    bytes of 8-byte doubles, or the two not agreeing."""
    if not isinstance(entries, str) or not isinstance(durations, bytes | bytearray | memoryview):
        raise ValueError("the row's columns are not text and bytes")
    raw = bytes(durations)
    if len(raw) % 8:
        raise ValueError(f"the durations are {len(raw)} bytes, not 8-byte doubles")
    values = array("d")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    try:
        listed = json.loads(entries)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the entries are not JSON ({exc})") from None
    if not isinstance(listed, list):
        raise ValueError("the entries are not a list")
    rows: Rows = {}
    at = 0
    for entry in listed:
        if (not isinstance(entry, list) or len(entry) != 8 or not isinstance(entry[1], str)
                or not (entry[0] is None or isinstance(entry[0], str | int))
                or not all(type(count) is int and count >= 0 for count in entry[2:])):
            raise ValueError(f"an entry is not [key, service, 6 counts from 0]: {str(entry)[:80]}")
        key, service, issued, served, no_show, transferred, waits, service_times = entry
        middle, end = at + waits, at + waits + service_times
        rows[(key, service)] = Part(issued, served, no_show, transferred, values[at:middle], values[middle:end])
        at = end
    if at != len(values):
        raise ValueError(f"the entries name {at} durations, the row holds {len(values)}")
    return rows


def fingerprint() -> str:
    """A digest of the code that decides what a part holds (its syntax tree without docstrings, comments or layout):
    tests/reports/test_stored.py pins it for VERSION, so a change there without a new VERSION fails a test (stored
    days would otherwise keep the old numbers)."""
    from reports import queries, summary, visits

    code = [_tree(inspect.getsource(visits)), _tree(inspect.getsource(summary.split)),
            _tree(inspect.getsource(summary.Part)), queries.NEEDS_HISTORY, queries.TICKETS, queries.HISTORIES]
    return hashlib.sha256("\n".join(code).encode()).hexdigest()[:16]


def _tree(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)
