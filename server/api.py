"""The JSON HTTP API (contract in docs/protocol.md and /api/openapi.json).

Every answer is a model of server/views.py; every endpoint declares its
request and answers with `@documented`, from which /api/openapi.json is built.
"""

from __future__ import annotations

import json
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import bearer
from server.errors import HubError, NotFound, unknown_counter, unknown_ticket, unknown_zone
from server.openapi import documented, openapi
from server.tickets import Ticket
from server.views import (
    ActionAnswer,
    Body,
    CounterAnswer,
    DatabaseHealth,
    HealthAnswer,
    HolderView,
    HubStats,
    IssueAnswer,
    IssueRequest,
    LoginAnswer,
    LoginRequest,
    OfficerAnswer,
    OfficerCounter,
    OfficerView,
    OkAnswer,
    SkippedAnswer,
    SkippedRequest,
    Snapshot,
    TicketAnswer,
    TransferRequest,
    View,
)

MAX_BODY = 16 * 1024  # bytes; every request body of this API is tiny

B = TypeVar("B", bound=Body)


def answer(view: View, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """A view as the JSON answer."""
    return JSONResponse(view.dump(), status_code=status, headers=headers)


async def read_bytes(request: Request, *, limit: int = MAX_BODY, types: tuple[str, ...] = ("application/json",),
                     wrong_type: str = "Isi permintaan harus JSON (Content-Type: application/json).") -> bytes:
    """The request body, at most `limit` bytes (413 beyond), of one of the media `types` (415 otherwise);
    b"" when there is none."""
    length = request.headers.get("content-length")
    if length is not None and not (length.isascii() and length.isdigit()):
        raise HubError("invalid_header", "Header Content-Length tidak valid.")
    if length is not None and int(length) > limit:
        raise HubError("body_too_large", f"Isi permintaan terlalu besar (maksimal {limit} byte).", status=413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HubError("body_too_large", f"Isi permintaan terlalu besar (maksimal {limit} byte).", status=413)
    if not body.strip():
        return b""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in types:
        # Also what keeps other web sites' pages from posting here: a browser
        # sends a cross-site JSON request only after asking (CORS), and we never allow it.
        raise HubError("unsupported_media_type", wrong_type, status=415)
    return body


async def read_json(request: Request, *, limit: int = MAX_BODY) -> dict[str, Any]:
    """The JSON object a request carries ({} without a body); 400/413/415 as read_bytes and for bad JSON."""
    body = await read_bytes(request, limit=limit)
    if not body:
        return {}
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise HubError("invalid_json", f"Isi permintaan bukan JSON yang valid (baris {exc.lineno}, "
                                       f"kolom {exc.colno}).") from None
    except UnicodeDecodeError:
        raise HubError("invalid_json", "Isi permintaan bukan teks UTF-8 yang valid.") from None
    except RecursionError:  # nesting deeper than Python's stack: 16 KiB of "[" is enough
        raise HubError("invalid_json", "Isi permintaan bukan JSON yang valid (bertingkat terlalu dalam).") from None
    if not isinstance(data, dict):
        raise HubError("invalid_json", "Isi permintaan harus berupa objek JSON.")
    return data


async def read_body(request: Request, model: type[B]) -> B:
    """The request's JSON body as `model`; a missing or mistyped field is a 422 naming it, in Indonesian."""
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _field_error(model, exc.errors()[0]) from None


TYPE_WORDS = {"bool_type": "true/false", "string_type": "teks", "int_type": "bilangan bulat"}


def _field_error(model: type[Body], error: dict) -> HubError:
    name = str(error["loc"][0]) if error["loc"] else "?"
    if error["type"] == "missing":
        return HubError("missing_field", f"Kolom '{name}' wajib diisi.", status=422)
    if error["type"] in TYPE_WORDS:
        return HubError("invalid_field", f"Kolom '{name}' harus berupa {TYPE_WORDS[error['type']]}.", status=422)
    extra = model.model_fields[name].json_schema_extra if name in model.model_fields else None
    message = extra.get("message") if isinstance(extra, dict) else None
    return HubError("invalid_field", str(message or f"Kolom '{name}' tidak valid."), status=422)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


# ---------------------------------------------------------------- hall state


@documented("Liveness, audio status and connection counts", {200: HealthAnswer})
async def health(request: Request) -> JSONResponse:
    app = request.app.state
    announcer = app.announcer
    queue = app.hall.queue
    db = app.store.db
    return answer(HealthAnswer(
        status="degraded" if db.unavailable else "ok",
        site=app.config.site.name,
        seq=app.store.last_seq,
        day=queue.day,
        clock_behind=queue.local_day(app.clock()) < queue.day,
        connections=HubStats(**app.hub.stats()),
        database=DatabaseHealth(status="unavailable" if db.unavailable else "ok", engine=db.dialect,
                                since=db.unavailable_since, detail=db.unavailable or ""),
        audio=announcer.health() if announcer is not None else {"status": "off"},
        **{name: part.health() for name, part in app.health_parts.items()},
    ))


@documented("Current state: services with waiting counts and availability, counters with their ticket, "
            "recent calls (the WebSocket snapshot)", {200: Snapshot}, errors=(404,),
            query={"zone": "only this zone's counters and calls"})
async def state(request: Request) -> JSONResponse:
    zone = request.query_params.get("zone") or None
    if zone is not None and zone not in request.app.state.config.zones:
        raise unknown_zone(zone)
    return answer(request.app.state.hall.state(zone))


# ---------------------------------------------------------------- tickets


class TicketOutlet(Protocol):
    """Where an issued ticket goes out: the kiosk package prints it and says so (kiosk.page.Kiosk)."""

    async def hand_out(self, request: Request, order: IssueRequest, ticket: Ticket, view: HolderView) -> IssueAnswer:
        ...


@documented("Issue a ticket (kiosk); printed when the kiosk named has a printer", {201: IssueAnswer},
            body=IssueRequest, errors=(400, 403, 404, 409, 413, 415, 422, 429),
            description="Also served at /kiosk/api/tickets (the same endpoint). A registered kiosk sends its token "
                        "in the X-Device-Token header: its tickets are not counted against the address's "
                        "allowance (429 too_many_tickets); quota, hours and the calendar still apply. 403 "
                        "unknown_device, device_revoked or device_wrong_kind for a token that is not an active "
                        "kiosk's.")
async def issue_ticket(request: Request) -> JSONResponse:
    order = await read_body(request, IssueRequest)
    app = request.app.state
    now = app.clock()
    if await app.devices.kiosk(request.headers.get("x-device-token"), now) is None:
        app.ticket_limiter.take(client_address(request), now)
    ticket = await app.hall.issue(order.service, order.priority)  # quota or hours: a 409, nothing issued
    outlet: TicketOutlet = app.ticket_outlet
    handed = await outlet.hand_out(request, order, ticket, app.hall.ticket_view(ticket))
    return answer(handed, 201, headers={"Cache-Control": "no-store"})


@documented("A ticket by its holder's token (QR code)", {200: TicketAnswer}, errors=(404,))
async def ticket_status(request: Request) -> JSONResponse:
    app = request.app.state
    ticket = await app.store.ticket_by_token(request.path_params["token"])
    if ticket is None:
        raise unknown_ticket()
    return answer(TicketAnswer(ticket=app.hall.ticket_view(ticket)))


# ---------------------------------------------------------------- officers


@documented("Officer log-in with username and PIN", {200: LoginAnswer}, body=LoginRequest,
            errors=(400, 401, 403, 413, 415, 422, 429),
            description="403 officer_disabled: the right PIN of a disabled officer. Every PIN check is audited.")
async def login(request: Request) -> JSONResponse:
    creds = await read_body(request, LoginRequest)
    app = request.app.state
    token = await app.auth.login(creds.username, creds.pin, client_address(request), app.clock())
    return answer(LoginAnswer(token=token, officer=officer_view(app.config, app.config.officers[creds.username])))


@documented("The logged-in officer and the counters they may use", {200: OfficerAnswer}, errors=(401,),
            secured=True)
async def me(request: Request) -> JSONResponse:
    app = request.app.state
    officer = await app.auth.officer(bearer(request.headers.get("authorization")), app.clock())
    return answer(OfficerAnswer(officer=officer_view(app.config, officer)))


@documented("End the session", {200: OkAnswer}, secured=True)
async def logout(request: Request) -> JSONResponse:
    token = bearer(request.headers.get("authorization"))
    if token:
        app = request.app.state
        await app.auth.logout(token, client_address(request), app.clock())
    return answer(OkAnswer(ok=True))


def officer_view(config, officer) -> OfficerView:
    """The log-in's and /api/me's officer: who, their role (and agency), and the counters they may use."""
    allowed = [c for c in config.counters.values() if officer.may_use(c.id)]
    return OfficerView(username=officer.username, name=officer.name, role=officer.role, agency=officer.agency,
                       counters=[
        OfficerCounter(id=c.id, name=c.name, zone=c.zone, services=list(c.services)) for c in allowed])


# ---------------------------------------------------------------- counters


@documented("One counter's live state (no login: the TVs show it anyway)", {200: CounterAnswer}, errors=(404,))
async def counter_view(request: Request) -> JSONResponse:
    hall = request.app.state.hall
    counter_id = request.path_params["id"]
    if counter_id not in hall.config.counters:
        raise unknown_counter(counter_id)
    return answer(CounterAnswer(counter=hall.queue.counter_view(counter_id)))


async def _officer_at(request: Request) -> tuple[str, str]:
    """(counter id, officer username) for an action at the counter in the path: 401/403/404 otherwise."""
    app = request.app.state
    counter_id = request.path_params["id"]
    officer = await app.auth.officer_for_counter(bearer(request.headers.get("authorization")), counter_id, app.clock())
    if counter_id not in app.config.counters:
        raise unknown_counter(counter_id)
    return counter_id, officer.username


def _acted(request: Request, counter_id: str, ticket: Ticket | None) -> JSONResponse:
    hall = request.app.state.hall
    return answer(ActionAnswer(ticket=hall.ticket_view(ticket) if ticket is not None else None,
                               counter=hall.queue.counter_view(counter_id)))


def _counter_answer(request: Request, counter_id: str) -> JSONResponse:
    return answer(CounterAnswer(counter=request.app.state.hall.queue.counter_view(counter_id)))


ACTION_ERRORS = (401, 403, 404, 409)


@documented("Call the next ticket: finishes the one at the desk (done), opens a closed counter", {200: ActionAnswer},
            errors=ACTION_ERRORS, secured=True,
            description="Priority tickets first (at most site.max_consecutive_priority in a row while regular "
                        "tickets wait), then earliest arrival, among the counter's services. `ticket` is null "
                        "when nobody waits. 409 counter_paused while paused.")
async def call_next(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    return _acted(request, counter_id, await request.app.state.hall.call_next(counter_id, officer))


@documented("Announce the current ticket again (panggil ulang)", {200: ActionAnswer}, errors=ACTION_ERRORS,
            secured=True)
async def recall(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    return _acted(request, counter_id, await request.app.state.hall.recall(counter_id, officer))


@documented("The current citizen did not come (tidak hadir)", {200: ActionAnswer}, errors=ACTION_ERRORS,
            secured=True)
async def skip(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    return _acted(request, counter_id, await request.app.state.hall.skip(counter_id, officer))


@documented("The current ticket is served (selesai)", {200: ActionAnswer}, errors=ACTION_ERRORS, secured=True)
async def done(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    return _acted(request, counter_id, await request.app.state.hall.done(counter_id, officer))


@documented("Move the current ticket to another service, keeping its number and arrival time", {200: ActionAnswer},
            body=TransferRequest, errors=(400, *ACTION_ERRORS, 413, 415, 422), secured=True,
            description="`ticket` is the new waiting ticket in the target service.")
async def transfer(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    target = await read_body(request, TransferRequest)
    return _acted(request, counter_id, await request.app.state.hall.transfer(counter_id, target.service, officer))


@documented("Take a break (istirahat): no calls until resume", {200: CounterAnswer}, errors=ACTION_ERRORS,
            secured=True)
async def pause(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    await request.app.state.hall.pause(counter_id, officer)
    return _counter_answer(request, counter_id)


@documented("Open again after a break (buka kembali)", {200: CounterAnswer}, errors=ACTION_ERRORS, secured=True)
async def resume(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    await request.app.state.hall.resume(counter_id, officer)
    return _counter_answer(request, counter_id)


@documented("Close the counter (tutup); 409 counter_busy with a ticket at the desk", {200: CounterAnswer},
            errors=ACTION_ERRORS, secured=True)
async def close(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    await request.app.state.hall.close(counter_id, officer)
    return _counter_answer(request, counter_id)


@documented("Today's skipped tickets (tidak hadir) of the counter's services, latest first", {200: SkippedAnswer},
            errors=(401, 403, 404), secured=True)
async def skipped(request: Request) -> JSONResponse:
    counter_id, _ = await _officer_at(request)
    return answer(SkippedAnswer(tickets=request.app.state.hall.skipped_view(counter_id)))


BRING_BACK_ERRORS = (400, *ACTION_ERRORS, 413, 415, 422)


@documented("Call one of today's skipped tickets of this counter's services at once (the citizen came back); "
            "finishes the current ticket first", {200: ActionAnswer}, body=SkippedRequest,
            errors=BRING_BACK_ERRORS, secured=True,
            description="404 unknown_ticket; 409 ticket_not_skipped, ticket_other_day, ticket_other_service, "
                        "counter_paused.")
async def call_skipped(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    chosen = await read_body(request, SkippedRequest)
    return _acted(request, counter_id, await request.app.state.hall.call_skipped(counter_id, chosen.ticket, officer))


@documented("Put one of today's skipped tickets back into the waiting line at its original place",
            {200: ActionAnswer}, body=SkippedRequest, errors=BRING_BACK_ERRORS, secured=True,
            description="404 unknown_ticket; 409 ticket_not_skipped, ticket_other_day, ticket_other_service.")
async def reinstate(request: Request) -> JSONResponse:
    counter_id, officer = await _officer_at(request)
    chosen = await read_body(request, SkippedRequest)
    return _acted(request, counter_id, await request.app.state.hall.reinstate(counter_id, chosen.ticket, officer))


@documented("Any other action: 404 unknown_action", {}, errors=(404,))
async def unknown_action(request: Request) -> JSONResponse:
    raise NotFound("unknown_action", f"Aksi '{request.path_params['action']}' tidak dikenal.")


# ---------------------------------------------------------------- the document


@documented("This document (OpenAPI 3.1)", {200: "application/json"})
async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi(request.app.routes, request.app.state.config.site.name))


routes = [
    Route("/api/health", health),
    Route("/api/state", state),
    Route("/api/openapi.json", openapi_json),
    Route("/api/tickets", issue_ticket, methods=["POST"]),
    Route("/api/tickets/{token}", ticket_status),
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/me", me),
    Route("/api/counters/{id}", counter_view),
    Route("/api/counters/{id}/call-next", call_next, methods=["POST"]),
    Route("/api/counters/{id}/recall", recall, methods=["POST"]),
    Route("/api/counters/{id}/skip", skip, methods=["POST"]),
    Route("/api/counters/{id}/done", done, methods=["POST"]),
    Route("/api/counters/{id}/transfer", transfer, methods=["POST"]),
    Route("/api/counters/{id}/pause", pause, methods=["POST"]),
    Route("/api/counters/{id}/resume", resume, methods=["POST"]),
    Route("/api/counters/{id}/close", close, methods=["POST"]),
    Route("/api/counters/{id}/call-skipped", call_skipped, methods=["POST"]),
    Route("/api/counters/{id}/reinstate", reinstate, methods=["POST"]),
    Route("/api/counters/{id}/skipped", skipped),
    Route("/api/counters/{id}/{action}", unknown_action, methods=["POST"]),
]
