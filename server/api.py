"""The JSON HTTP API (contract in docs/protocol.md and /api/openapi.json)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.auth import bearer
from server.errors import HubError, NotFound, unknown_counter, unknown_ticket, unknown_zone
from server.openapi import openapi

MAX_BODY = 16 * 1024  # bytes; every request body of this API is tiny

COUNTER_ACTIONS = ("call-next", "recall", "skip", "done", "transfer", "pause", "resume", "close", "call-skipped",
                   "reinstate")


async def read_json(request: Request) -> dict[str, Any]:
    length = request.headers.get("content-length")
    if length is not None and not (length.isascii() and length.isdigit()):
        raise HubError("invalid_header", "Header Content-Length tidak valid.")
    if length is not None and int(length) > MAX_BODY:
        raise HubError("body_too_large", f"Isi permintaan terlalu besar (maksimal {MAX_BODY} byte).", status=413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HubError("body_too_large", f"Isi permintaan terlalu besar (maksimal {MAX_BODY} byte).", status=413)
    if not body.strip():
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        # Also what keeps other web sites' pages from posting here: a browser
        # sends a cross-site JSON request only after asking (CORS), and we never allow it.
        raise HubError("unsupported_media_type", "Isi permintaan harus JSON (Content-Type: application/json).",
                       status=415)
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HubError("invalid_json", f"Isi permintaan bukan JSON yang valid: {exc}") from None
    if not isinstance(data, dict):
        raise HubError("invalid_json", "Isi permintaan harus berupa objek JSON.")
    return data


def field(data: dict, name: str, kind: type, *, required: bool = True, default=None):
    value = data.get(name, default)
    if value is None:
        if required:
            raise HubError("missing_field", f"Kolom '{name}' wajib diisi.", status=422)
        return default
    if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
        label = {bool: "true/false", str: "teks", int: "bilangan bulat"}[kind]
        raise HubError("invalid_field", f"Kolom '{name}' harus berupa {label}.", status=422)
    return value


def client_address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _hall(request: Request):
    return request.app.state.hall


async def health(request: Request) -> JSONResponse:
    app = request.app.state
    announcer = app.announcer
    return JSONResponse({
        "status": "ok",
        "site": app.config.site.name,
        "seq": app.store.last_seq,
        "day": app.hall.queue.day,
        "clock_behind": app.hall.queue.local_day(app.clock()) < app.hall.queue.day,
        "connections": app.hub.stats(),
        "audio": announcer.health() if announcer is not None else {"status": "off"},
        **{name: part.health() for name, part in app.health_parts.items()},
    })


async def state(request: Request) -> JSONResponse:
    zone = request.query_params.get("zone") or None
    if zone is not None and zone not in request.app.state.config.zones:
        raise unknown_zone(zone)
    return JSONResponse(_hall(request).state(zone))


async def issue_ticket(request: Request) -> JSONResponse:
    data = await read_json(request)
    service = field(data, "service", str)
    priority = field(data, "priority", bool, required=False, default=False)
    app = request.app.state
    app.ticket_limiter.take(client_address(request), app.clock())
    ticket = await app.hall.issue(service, priority)
    return JSONResponse({"ticket": app.hall.ticket_view(ticket)}, status_code=201)


async def ticket_status(request: Request) -> JSONResponse:
    hall = _hall(request)
    ticket = await request.app.state.store.ticket_by_token(request.path_params["token"])
    if ticket is None:
        raise unknown_ticket()
    return JSONResponse({"ticket": hall.ticket_view(ticket)})


async def login(request: Request) -> JSONResponse:
    data = await read_json(request)
    username = field(data, "username", str)
    pin = field(data, "pin", str)
    app = request.app.state
    token = await app.auth.login(username, pin, client_address(request), app.clock())
    officer = app.config.officers[username]
    return JSONResponse({"token": token, "officer": _officer_json(app.config, officer)})


async def me(request: Request) -> JSONResponse:
    app = request.app.state
    officer = await app.auth.officer(bearer(request.headers.get("authorization")), app.clock())
    return JSONResponse({"officer": _officer_json(app.config, officer)})


async def logout(request: Request) -> JSONResponse:
    token = bearer(request.headers.get("authorization"))
    if token:
        await request.app.state.auth.logout(token)
    return JSONResponse({"ok": True})


async def counter_action(request: Request) -> JSONResponse:
    app = request.app.state
    counter_id = request.path_params["id"]
    action = request.path_params["action"]
    if action not in COUNTER_ACTIONS:
        raise NotFound("unknown_action", f"Aksi '{action}' tidak dikenal.")
    officer = await app.auth.officer_for_counter(bearer(request.headers.get("authorization")), counter_id, app.clock())
    if counter_id not in app.config.counters:
        raise unknown_counter(counter_id)
    hall = app.hall
    if action == "transfer":
        data = await read_json(request)
        change = await hall.act("transfer", counter_id, service=field(data, "service", str),
                                officer=officer.username)
    elif action in ("call-skipped", "reinstate"):
        data = await read_json(request)
        change = await hall.bring_back(action.replace("-", "_"), counter_id, field(data, "ticket", int),
                                       officer.username)
    else:
        change = await hall.act(action.replace("-", "_"), counter_id, officer=officer.username)
    if action in ("pause", "resume", "close"):
        return JSONResponse({"counter": hall.queue.counter_json(counter_id)})
    ticket = change.result
    return JSONResponse({"ticket": hall.ticket_view(ticket) if ticket is not None else None,
                         "counter": hall.queue.counter_json(counter_id)})


async def counter_skipped(request: Request) -> JSONResponse:
    """Today's skipped tickets of the counter's services, most recently skipped first (officers only)."""
    app = request.app.state
    counter_id = request.path_params["id"]
    await app.auth.officer_for_counter(bearer(request.headers.get("authorization")), counter_id, app.clock())
    if counter_id not in app.config.counters:
        raise unknown_counter(counter_id)
    return JSONResponse({"tickets": app.hall.skipped_view(counter_id)})


async def counter_view(request: Request) -> JSONResponse:
    hall = _hall(request)
    counter_id = request.path_params["id"]
    if counter_id not in hall.config.counters:
        raise unknown_counter(counter_id)
    return JSONResponse({"counter": hall.queue.counter_json(counter_id)})


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi(request.app.state.config))


def _officer_json(config, officer) -> dict:
    allowed = [c for c in config.counters.values() if officer.may_use(c.id)]
    return {"username": officer.username, "name": officer.name,
            "counters": [{"id": c.id, "name": c.name, "zone": c.zone, "services": list(c.services)} for c in allowed]}


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
    Route("/api/counters/{id}/skipped", counter_skipped),
    Route("/api/counters/{id}/{action}", counter_action, methods=["POST"]),
]
