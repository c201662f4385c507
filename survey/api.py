"""The survey's HTTP API: the form and the response of one ticket, and the IKM report.

- `GET /api/survey/{ticket_token}`: the ticket and the nine questions (`SurveyForm`).
- `POST /api/survey/{ticket_token}`: one response per ticket; 201, or 409 `already_answered` /
  `ticket_not_finished`, 404 `unknown_ticket`, 422 for a missing unsur, an unknown key or a score
  outside 1–4.
- `GET /api/reports/ikm?from=&to=[&agency=][&service=][&counter=][&format=xlsx]`: the IKM of the tickets
  served in the period and scope (PermenPANRB No. 14 Tahun 2017), with access as for reports
  (server/access.py): an admin sees everything, a koordinator only their agency, a petugas nothing.
  It is read, and its XLSX written, in the reports' worker process (survey/work.py, reports/reader.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from config.site import Officer
from reports.period import parse_period
from reports.scope import scope_of
from server import access
from server.api import answer, read_json
from server.errors import Conflict, HubError, unknown_ticket
from server.openapi import documented
from server.tickets import Status, Ticket
from survey.answers import read_response
from survey.ikm import index_of, sample_target
from survey.storage import Responses, Scope
from survey.views import IkmReport, SaranView, SurveyForm, SurveyRequest, SurveySaved, form_of, unsur_views
from survey.work import ikm_of, tabulation_of

SARAN_SHOWN = 200  # saran listed in the JSON report (the XLSX has them all)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def responses_of(request: Request) -> Responses:
    return request.app.state.survey.responses


async def _ticket(request: Request) -> Ticket:
    ticket = await request.app.state.store.ticket_by_token(request.path_params["ticket_token"])
    if ticket is None:
        raise unknown_ticket()
    return ticket


def not_finished(ticket: Ticket) -> Conflict:
    """409 ticket_not_finished, saying why in the citizen's words."""
    why = {
        Status.WAITING: "Nomor antrian Anda belum dilayani.",
        Status.CALLED: "Nomor antrian Anda sedang dilayani.",
        Status.SKIPPED: "Nomor antrian Anda dilewati dan belum dilayani.",
        Status.EXPIRED: "Nomor antrian Anda tidak dilayani pada harinya.",
    }.get(ticket.status, "Nomor antrian Anda belum selesai dilayani.")
    return Conflict("ticket_not_finished", f"{why} Survei dapat diisi setelah layanan Anda selesai.")


@documented("The survey of one ticket: its nine questions and whether it can be answered now", {200: SurveyForm},
            errors=(404,), description="state open: served and not answered; answered; not_finished. "
            "PermenPANRB No. 14 Tahun 2017 (docs/survey.md).")
async def survey_form(request: Request) -> JSONResponse:
    app = request.app.state
    ticket = await _ticket(request)
    if ticket.status is not Status.DONE:
        state = "not_finished"
    else:
        state = "answered" if await responses_of(request).answered(ticket.id) else "open"
    return answer(form_of(app.config, app.hall.ticket_view(ticket), state), headers={"Cache-Control": "no-store"})


@documented("Answer the survey of one served ticket (once)", {201: SurveySaved}, body=SurveyRequest,
            errors=(400, 404, 409, 413, 415, 422),
            description="409 already_answered: the ticket has its one response; 409 ticket_not_finished: not "
                        "served (yet). 422 missing_unsur, unknown_unsur, invalid_score, saran_too_long, "
                        "unknown_profile_field, invalid_profile. No name and no NIK are taken.")
async def survey_answer(request: Request) -> JSONResponse:
    app = request.app.state
    ticket = await _ticket(request)
    response = read_response(await read_json(request))
    if ticket.status is not Status.DONE:
        raise not_finished(ticket)
    if not await responses_of(request).add(ticket.id, response, app.clock()):
        raise Conflict("already_answered", "Survei untuk nomor antrian ini sudah diisi. Terima kasih!")
    app.survey.answered(ticket)
    return answer(SurveySaved(saved=True, message=app.config.survey.thanks), 201)


# ---------------------------------------------------------------- the report


def read_scope(request: Request, officer: Officer) -> tuple[Scope, dict[str, str | None]]:
    """The report's scope from the query (from, to, agency, service, counter) and who asks, read as every
    report reads them: the period by reports/period.py (422 `missing_field`, `invalid_field`, `invalid_range`),
    the codes by reports/scope.py (422 for an unknown code or codes that do not go together, 403
    `outside_agency` outside a koordinator's agency). Also the codes the report names (a koordinator's agency
    when not asked)."""
    params = request.query_params
    period = parse_period(params.get("from"), params.get("to"))
    asked = scope_of(request.app.state.config, officer, *(params.get(name) or None
                                                         for name in ("agency", "service", "counter")))
    services = None if asked.services is None else tuple(sorted(asked.services))
    scope = Scope(period.first.isoformat(), period.last.isoformat(), services, asked.counter)
    return scope, {"agency": asked.agency, "service": asked.service, "counter": asked.counter}


@documented("The IKM (Indeks Kepuasan Masyarakat) of a period and scope, as JSON or as the regulation's XLSX "
            "tabulation", {200: (IkmReport, XLSX)}, errors=(401, 403, 422), secured=True,
            query={"from": "first local day, YYYY-MM-DD (required)", "to": "last local day, YYYY-MM-DD (required)",
                   "agency": "agency code", "service": "service code", "counter": "counter id",
                   "format": "xlsx: the tabulation of PermenPANRB 14/2017 as a download"},
            description="Admin: every agency; koordinator: their agency only (another agency, its service or a "
                        "counter calling none of theirs: 403 outside_agency); petugas: 403. Unknown codes: 422 "
                        "unknown_agency, unknown_service, unknown_counter; codes that do not go together: 422 "
                        "invalid_field (reports/scope.py, as every report). "
                        "population: tickets served (done) in the period and scope; sample_target: Krejcie–Morgan. "
                        "NRR per unsur = mean score; IKM = mean of the nine NRR × 25, rounded at the end to 2 "
                        "decimals. docs/survey.md.")
async def ikm_report(request: Request) -> Response:
    officer = await access.officer_of(request)
    access.agency_scope(officer)  # a petugas: 403 before anything else
    scope, named = read_scope(request, officer)
    wanted = request.query_params.get("format") or "json"
    if wanted not in ("json", "xlsx"):
        raise HubError("invalid_field", f"Parameter 'format' harus xlsx (atau tidak diisi untuk JSON); bukan "
                       f"'{wanted[:40]}'.", status=422)
    app = request.app.state
    if wanted == "xlsx":
        data = await app.reports.run(tabulation_of, app.config, scope, named)
        name = f"ikm-{scope.first}-{scope.last}.xlsx"
        return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                         "Cache-Control": "no-store"})
    figures = await app.reports.run(ikm_of, scope, SARAN_SHOWN)
    totals, population = figures.totals, figures.population
    index = index_of(totals.sums, totals.respondents)
    report = IkmReport(
        from_=scope.first, to=scope.last, **named, respondents=totals.respondents, population=population,
        sample_target=sample_target(population), unsur=unsur_views(index),
        ikm=float(index.ikm) if index.ikm is not None else None, mutu=index.mutu, kinerja=index.kinerja,
        profile=figures.profile, saran_count=totals.saran,
        saran=[SaranView(number=r.number, day=r.day, service=r.service, counter=r.counter, answered_at=r.answered_at,
                         text=r.saran) for r in figures.latest],
    )
    return answer(report, headers={"Cache-Control": "no-store"})
