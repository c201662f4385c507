"""The reports' HTTP API: `GET /api/reports/summary` and `GET /api/reports/recap` (docs/protocol.md, "Reports").

Access (server/access.py): an admin sees every agency; a koordinator only their own; a petugas gets 403,
no session 401. Which tickets (`agency`, `service`) is read by reports/scope.py, as for the IKM: an unknown
code or codes that do not go together are a 422, anything outside a koordinator's agency 403 `outside_agency`.
Bad dates, periods and choices are a 422 with an Indonesian message that says what to write.

The work runs on the reports' read-only connection (reports/reader.py): the SQL of
reports/queries.py, then the pure reports/summary.py or reports/recap.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config.site import Officer
from reports.columns import BY_TITLES, DEFINITIONS
from reports.csvfile import recap_csv, summary_csv
from reports.labels import BY, Labels
from reports.period import Period, invalid, month_name, parse_month, parse_period
from reports.scope import Scope, scope_of
from reports.views import HoursAnswer, RecapAnswer, SummaryAnswer
from reports.work import hours_of, recap_of, summary_of
from reports.xlsx import MEDIA_TYPE as XLSX
from reports.xlsx import Heading, recap_xlsx, summary_xlsx
from server import access
from server.api import answer
from server.openapi import documented
from server.opening import long_date

FORMATS = ("csv", "xlsx")
CSV = "text/csv"
NO_STORE = {"Cache-Control": "no-store"}
ERRORS = (401, 403, 422)


def choice(value: str | None, name: str, allowed: Sequence[str], *, required: bool) -> str | None:
    """A query parameter that takes one of `allowed`; 422 otherwise (and when a required one is missing)."""
    listed = ", ".join(allowed)
    if value is None or value == "":
        if required:
            raise invalid("missing_field", f"Parameter '{name}' wajib diisi: salah satu dari {listed}.")
        return None
    if value not in allowed:
        raise invalid("invalid_field", f"Parameter '{name}' harus salah satu dari {listed}; bukan '{value[:40]}'.")
    return value


async def _computed(request: Request, key: tuple, fmt: str | None, work, *args):
    """A report for the page (computed and remembered), or for a download (the one the page just showed, so
    that the file is the numbers on the screen; computed when it was not shown in the last minutes)."""
    app = request.app.state
    now = app.clock()
    if fmt is not None and (shown := app.reports_shown.recall(key, now)) is not None:
        return shown
    result = await app.reports.run(work, *args)
    if fmt is None:
        app.reports_shown.remember(key, result, now)
    return result


async def _asked(request: Request) -> tuple[Officer, Period, Scope]:
    """Who asks (401 without a session; 403 for a petugas, before anything else), for which days (`from`, `to`)
    and which tickets (`agency`, `service`, and the officer's scope)."""
    officer = await access.officer_of(request)
    access.agency_scope(officer)
    params = request.query_params
    period = parse_period(params.get("from"), params.get("to"))
    scope = scope_of(request.app.state.config, officer, params.get("agency") or None, params.get("service") or None)
    return officer, period, scope


def _period_text(period: Period) -> str:
    if period.first == period.last:
        return long_date(period.first)
    return f"{long_date(period.first)} s.d. {long_date(period.last)}"


def _heading(request: Request, officer: Officer, title: str, facts: list[tuple[str, str]]) -> Heading:
    app = request.app.state
    site = app.config.site
    now = app.clock().astimezone(site.tz)
    made = f"{long_date(now.date())}, pukul {now:%H.%M} {now.tzname() or ''}".rstrip()
    return Heading(f"{title} · {site.name}", [("MPP", site.name), *facts, ("Dibuat", made),
                                              ("Oleh", f"{officer.name} ({officer.username})")], DEFINITIONS)


def _file(content: bytes, media: str, name: str) -> Response:
    return Response(content, media_type=media,
                    headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'})


@documented(
    "Tickets, waits and service times of a period by one breakdown (JSON, or a CSV or XLSX download)",
    {200: (SummaryAnswer, CSV, XLSX)}, errors=ERRORS, secured=True,
    query={"from": "first local day, YYYY-MM-DD (required)", "to": "last local day, YYYY-MM-DD (required; at most "
           "366 days in all)", "by": "service, agency, counter, officer, day or hour (required)",
           "agency": "only this agency's services", "service": "only this service", "format": "csv or xlsx: a "
           "download of the same rows"},
    description="Definitions in docs/reports.md. A koordinator sees their agency only (403 outside_agency).")
async def summary(request: Request) -> Response:
    officer, period, scope = await _asked(request)
    params = request.query_params
    by = choice(params.get("by"), "by", BY, required=True)
    fmt = choice(params.get("format"), "format", FORMATS, required=False)
    app = request.app.state
    config = app.config
    labels, tz = Labels(config), config.site.tz
    key = ("summary", period, by, scope.services, app.hall.version)
    live_from = app.hall.queue.day or today(request).isoformat()
    result = await _computed(request, key, fmt, summary_of, period, by, scope.services, labels, tz, live_from)
    report = SummaryAnswer.of(period.first, period.last, result)
    if fmt is None:
        return answer(report, headers=NO_STORE)
    name = f"laporan-{by}-{period.first}_{period.last}{scope.suffix()}.{fmt}"
    if fmt == "csv":
        return _file(summary_csv(report), CSV, name)
    heading = _heading(request, officer, f"Laporan antrian per {BY_TITLES[by].lower()}", [
        ("Periode", _period_text(period)), ("Rincian per", BY_TITLES[by]), ("Cakupan", scope.describe(config))])
    return _file(summary_xlsx(report, heading), XLSX, name)


@documented(
    "Tickets taken per local day and hour: the reports page's heat map of busy hours", {200: HoursAnswer},
    errors=ERRORS, secured=True,
    query={"from": "first local day, YYYY-MM-DD (required)", "to": "last local day (required; at most 366 days)",
           "agency": "only this agency's services", "service": "only this service"},
    description="The same access and refusals as /api/reports/summary.")
async def hours(request: Request) -> Response:
    _, period, scope = await _asked(request)
    app = request.app.state
    config = app.config
    grid = await app.reports.run(hours_of, period, scope.services, config.site.tz)
    return answer(HoursAnswer.of(period.first, period.last, grid, Labels(config)), headers=NO_STORE)


@documented(
    "The monthly recap (rekap jumlah pemohon): tickets taken per agency and service, day by day (JSON, or a CSV "
    "or XLSX download)", {200: (RecapAnswer, CSV, XLSX)}, errors=ERRORS, secured=True,
    query={"month": "YYYY-MM (required)", "agency": "only this agency (a koordinator: their own)",
           "service": "only this service", "format": "csv or xlsx: a download of the same matrix"},
    description="Each agency is a subtotal line, then its services; a koordinator gets their agency only "
                "(another: 403 outside_agency). The same access and refusals as /api/reports/summary.")
async def recap_report(request: Request) -> Response:
    officer = await access.officer_of(request)
    access.agency_scope(officer)  # a petugas: 403 before anything else
    params = request.query_params
    period = parse_month(params.get("month"))
    fmt = choice(params.get("format"), "format", FORMATS, required=False)
    app = request.app.state
    config = app.config
    scope = scope_of(config, officer, params.get("agency") or None, params.get("service") or None)
    listed = [code for code in config.services if scope.services is None or code in scope.services]
    key = ("recap", period, scope.services, app.hall.version)
    matrix = await _computed(request, key, fmt, recap_of, period, scope.services, Labels(config), listed)
    report = RecapAnswer.of(matrix, month_name(period))
    if fmt is None:
        return answer(report, headers=NO_STORE)
    name = f"rekap-{period.first:%Y-%m}{scope.suffix()}.{fmt}"
    if fmt == "csv":
        return _file(recap_csv(report), CSV, name)
    heading = _heading(request, officer, f"Rekap jumlah pemohon {month_name(period)}", [
        ("Bulan", month_name(period)), ("Cakupan", scope.describe(config))])
    return _file(recap_xlsx(report, heading), XLSX, name)


def today(request: Request) -> date:
    """The site's local date now."""
    app = request.app.state
    return app.clock().astimezone(app.config.site.tz).date()


routes = [
    Route("/api/reports/summary", summary),
    Route("/api/reports/hours", hours),
    Route("/api/reports/recap", recap_report),
]
