"""WebSocket endpoints: TV displays, counter panels and a citizen's ticket.

The first message is always a snapshot (or, with `since=N`, exactly the events
after N). Clients may send `{"type": "ping"}`, and pages that say what they are
(`page=display|kiosk|counter|survey`, `device=<token>` for a registered device,
server/devices.py) `{"type": "status", ...}`; anything else gets an error
event, and a client that keeps sending garbage is closed with 1008. Binary
frames close the socket with 1003. An unknown or revoked device token is
refused (an error event, then 1008).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server import access
from server.database import DatabaseUnavailable
from server.devices import SOCKET_KINDS, Device, PageReport, Presence, read_report
from server.errors import HubError, unknown_counter, unknown_ticket, unknown_zone
from server.events import ConfigUpdated, ErrorMessage, Pong, TicketStatus
from server.tickets import OPEN, Status, Ticket
from server.views import View

log = logging.getLogger("mpp.sockets")

CONFIG_UPDATED = ConfigUpdated.model_fields["type"].default

MAX_BAD_MESSAGES = 5
PAGE_VERSION_MAX = 40  # characters of a page's reported version kept
MAX_CLIENT_MESSAGE = 4096
# A page further behind than this gets a snapshot: complete, and smaller than the events.
MAX_REPLAY = 2000


def origin_allowed(websocket: WebSocket) -> bool:
    """Browsers always send Origin: it must be this hub (or a configured origin)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: TVs' kiosks and scripts on the LAN
    allowed = websocket.app.state.settings.allowed_origins
    if origin in allowed or "*" in allowed:
        return True
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


def encode(message: View) -> str:
    """A message as the JSON text a page receives."""
    return json.dumps(message.dump(), ensure_ascii=False, separators=(",", ":"))


def _error(code: str, message: str) -> str:
    return encode(ErrorMessage(code=code, message=message))


async def refuse(websocket: WebSocket, exc: HubError) -> None:
    """Say why in an error event (pages show it), then close with 1008."""
    await websocket.accept()
    await websocket.send_text(_error(exc.code, exc.message))
    await websocket.close(1008, exc.code)


async def display(websocket: WebSocket) -> None:
    zone = websocket.query_params.get("zone") or None
    if not origin_allowed(websocket):
        return await websocket.close(1008, "origin not allowed")
    try:
        if zone is not None and zone not in websocket.app.state.config.zones:
            raise unknown_zone(zone)
        page = await page_of(websocket, "display")
    except HubError as exc:
        return await refuse(websocket, exc)
    # TVs must notice a dead link within seconds (a call shown late is missed): heartbeats.
    await _serve(websocket, zone, heartbeat=True, page=page)


async def counter(websocket: WebSocket) -> None:
    app = websocket.app.state
    counter_id = websocket.path_params["id"]
    if not origin_allowed(websocket):
        return await websocket.close(1008, "origin not allowed")
    try:
        officer = await app.auth.officer_for_counter(websocket.query_params.get("token"), counter_id, app.clock())
        if counter_id not in app.config.counters:
            raise unknown_counter(counter_id)
        page = await page_of(websocket, "counter")
    except HubError as exc:
        return await refuse(websocket, exc)
    # Counter panels see every zone: waiting counts change with other counters' calls.
    # A configuration change that takes the counter from the officer ends the connection
    # with an error saying so (server.access.counter_refusal).
    await _serve(websocket, None, officer_at=(officer.username, counter_id), page=page)


async def page_of(websocket: WebSocket, socket: str) -> tuple[str, Device | None] | None:
    """What page this is (`page=`) and which registered device (`device=<token>`), for the health
    board; None for a client that says neither (a script, the admin console). `socket`: which of
    server.devices.SOCKET_KINDS. Raises HubError (403) for an unknown or revoked token, or one of
    another kind of device (a token unknown here is looked up in the database first: Devices.verify)."""
    params = websocket.query_params
    allowed = SOCKET_KINDS[socket]
    kind = params.get("page") if params.get("page") in allowed else None
    token = params.get("device") or None
    device = await websocket.app.state.devices.verify(token, (kind,) if kind else allowed) if token else None
    if device is not None:
        kind = device.kind
    return (kind, device) if kind else None


async def _serve(websocket: WebSocket, zone: str | None, *, heartbeat: bool = False,
                 officer_at: tuple[str, str] | None = None, page: tuple[str, Device | None] | None = None) -> None:
    """Snapshot (or the missed events), then the live stream, for one page; with `heartbeat`, the
    hub's heartbeats too (the snapshot then says their interval in seconds); with `officer_at` (a
    counter panel's username and counter id), the snapshot lists today's skipped tickets of that
    counter's services, and a configuration change that takes the counter from the officer ends
    the connection with an error saying so (server.access.counter_refusal); with `page` (its kind
    and registered device), the page is present on the health board while connected."""
    app, hub = websocket.app.state, websocket.app.state.hub
    await websocket.accept()
    # Subscribed first, with live events held back until the page has its
    # starting point: nothing can slip past or overtake it, whatever awaits.
    sub = hub.subscribe(websocket, zone, pending=True, heartbeat=heartbeat, officer_at=officer_at)
    presence = present(websocket, page, zone, lambda error: hub.refuse(sub, error),
                       counter=officer_at[1] if officer_at else None, officer=officer_at[0] if officer_at else None)
    try:
        refused = access.counter_refusal(app.config, *officer_at) if officer_at else None
        if refused is not None:  # the configuration changed while the connection was being accepted
            await websocket.send_text(_error(refused.code, refused.message))
            return await websocket.close(1008, refused.code)
        backlog = None
        since = websocket.query_params.get("since", "")
        epoch = websocket.query_params.get("epoch")
        # A position is at most 19 digits (SQLite's integers); int() refuses over 4,300 digits anyway.
        if since.isascii() and since.isdigit() and len(since) <= 19 and epoch in (None, app.store.epoch):
            try:
                if int(since) > app.store.last_seq:
                    # A page coming from another hub process on the same database, which got further: catch up.
                    await app.hall.follow()
                backlog = await app.store.events_since(int(since), MAX_REPLAY)
            except DatabaseUnavailable:
                backlog = None  # the log cannot be read now: a snapshot of what this process holds instead
        if backlog is not None and any(e.type == CONFIG_UPDATED for e in backlog):
            backlog = None  # the configuration changed meanwhile: start again from a snapshot
        if backlog is None:
            state = app.hall.snapshot(zone, hub.heartbeat_seconds if heartbeat else None,
                                      officer_at[1] if officer_at else None)
            await sub.send_direct(encode(state))
            hub.go_live(sub, state.seq)
        else:
            for event in backlog:
                if sub.wants(event):
                    await sub.send_direct(event.text)
            hub.go_live(sub, backlog[-1].seq if backlog else int(since))
        await read_client(websocket, sub.send_direct, flush=sub.flush, gone=lambda: sub.dropped,
                          heard=heard_from(websocket, presence))
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)
        absent(websocket, presence)


def present(websocket: WebSocket, page: tuple[str, Device | None] | None, zone: str | None,
            refuse: Callable[[HubError], None], *, counter: str | None = None,
            officer: str | None = None) -> Presence | None:
    """Put a page that said what it is (`page`, from page_of) on the health board for as long as its
    socket is open (end it with `absent`); None for a client that did not say. `refuse` tells the page
    why it may not stay and closes it (its device revoked)."""
    if page is None:
        return None
    app = websocket.app.state
    version = (websocket.query_params.get("v") or "")[:PAGE_VERSION_MAX] or None
    address = websocket.client.host if websocket.client else "?"
    return app.devices.connect(*page, address, zone, version, app.clock(), refuse, counter=counter, officer=officer)


def heard_from(websocket: WebSocket, presence: Presence | None) -> Callable[[PageReport | None], None] | None:
    """read_client's `heard` for a page on the health board: each message, and its status report."""
    if presence is None:
        return None
    app = websocket.app.state
    return lambda report: app.devices.heard(presence, app.clock(), report)


def absent(websocket: WebSocket, presence: Presence | None) -> None:
    """The page's socket closed: off the health board's present pages."""
    if presence is not None:
        app = websocket.app.state
        app.devices.disconnect(presence, app.clock())


async def read_client(websocket: WebSocket, send: Callable[[str], Awaitable[None]], *,
                flush: Callable[[], Awaitable[None]] | None = None, gone: Callable[[], bool] = lambda: False,
                heard: Callable[[PageReport | None], None] | None = None) -> None:
    """Answer pings; report garbage; close on persistent garbage or binary frames. Replies go out
    through `send`; `flush` (if any) pushes them out before a close; `gone` says the hub dropped the page;
    `heard` (a page on the health board) is told of every message, with its status report if it was one."""
    bad = 0
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect" or gone():
            return
        text = message.get("text")
        if text is None:
            await websocket.close(1003, "binary frames are not accepted")
            return
        reply, ok, report = reply_to(text)
        if heard is not None:
            heard(report)
        if reply is not None:
            await send(reply)
        bad += not ok
        if bad >= MAX_BAD_MESSAGES:
            if flush is not None:
                await flush()  # the error goes out before the close
            await websocket.close(1008, "too many invalid messages")
            return


def reply_to(text: str) -> tuple[str | None, bool, PageReport | None]:
    """The reply to one client message (None: nothing to say), whether the message was valid, and the
    page's status report when it was one (server.devices.PageReport)."""
    if len(text) > MAX_CLIENT_MESSAGE:
        return _error("message_too_large", "Pesan terlalu besar."), False, None
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # RecursionError: "[[[[…" nested past Python's stack
        return _error("invalid_json", "Pesan bukan JSON yang valid."), False, None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return _error("invalid_message", "Pesan harus berupa objek dengan kolom 'type'."), False, None
    if data["type"] == "ping":
        return encode(Pong(t=data.get("t"))), True, None
    if data["type"] == "status":
        report = read_report(data)
        if report is None:
            return _error("invalid_status", "Laporan keadaan halaman tidak valid."), False, None
        return None, True, report
    return _error("unknown_message", f"Jenis pesan '{data['type'][:40]}' tidak dikenal."), False, None


async def ticket(websocket: WebSocket) -> None:
    """A citizen's phone: the status of one ticket, pushed whenever it changes."""
    app = websocket.app.state
    if not origin_allowed(websocket):
        return await websocket.close(1008, "origin not allowed")
    try:
        found = await app.store.ticket_by_token(websocket.path_params["token"])
    except DatabaseUnavailable as exc:  # the phone's page says so and tries again
        return await refuse(websocket, exc)
    if found is None:
        return await refuse(websocket, unknown_ticket())
    await websocket.accept()
    hall = app.hall
    last = None
    finished: Ticket | None = None  # read once: a ticket no longer live never changes again
    closed = asyncio.Event()

    async def watch_close():
        try:
            await read_client(websocket, websocket.send_text)  # pings keep a phone's link checked
        except (WebSocketDisconnect, RuntimeError):
            pass  # the phone went away, or the loop below closed the socket first
        finally:
            closed.set()
            async with hall.changed:
                hall.changed.notify_all()

    watcher = asyncio.create_task(watch_close())
    try:
        while not closed.is_set():
            seen = app.store.last_seq  # read before the ticket: a change after this wakes us
            current = hall.queue.live_by_token(found.token)
            if current is None and finished is not None:
                current = finished
            elif current is None:
                current = await app.store.ticket_by_token(found.token)
                if current.status not in OPEN and current.status is not Status.SKIPPED:
                    finished = current
                elif current.day >= hall.queue.day:
                    # Open today, yet not here: changed through another hub process this one has not caught up
                    # with yet (its change wakes this loop again).
                    await hall.follow()
            view = hall.ticket_view(current)
            if view != last:
                await websocket.send_text(encode(TicketStatus(seq=app.store.last_seq, ticket=view)))
                last = view
            async with hall.changed:
                await hall.changed.wait_for(lambda seen=seen: app.store.last_seq != seen or closed.is_set())
    except (WebSocketDisconnect, RuntimeError, DatabaseUnavailable):
        pass  # gone; or the database does not answer (closed below: the phone reconnects)
    finally:
        watcher.cancel()
        if websocket.client_state is WebSocketState.CONNECTED:
            try:
                await websocket.close()
            except RuntimeError:
                pass


routes = [
    WebSocketRoute("/ws/display", display),
    WebSocketRoute("/ws/counter/{id}", counter),
    WebSocketRoute("/ws/ticket/{token}", ticket),
]
