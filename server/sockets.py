"""WebSocket endpoints: TV displays, counter panels and a citizen's ticket.

The first message is always a snapshot (or, with `since=N`, exactly the events
after N). Clients may send `{"type": "ping"}`; anything else gets an error
event, and a client that keeps sending garbage is closed with 1008. Binary
frames close the socket with 1003.
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
from server.errors import HubError, unknown_counter, unknown_ticket, unknown_zone
from server.events import ConfigUpdated, ErrorMessage, Pong, TicketStatus
from server.tickets import OPEN, Status, Ticket
from server.views import View

log = logging.getLogger("mpp.sockets")

CONFIG_UPDATED = ConfigUpdated.model_fields["type"].default

MAX_BAD_MESSAGES = 5
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


def _json(message: View) -> str:
    return json.dumps(message.dump(), ensure_ascii=False, separators=(",", ":"))


def _error(code: str, message: str) -> str:
    return _json(ErrorMessage(code=code, message=message))


async def _refuse(websocket: WebSocket, exc: HubError) -> None:
    """Say why in an error event (pages show it), then close with 1008."""
    await websocket.accept()
    await websocket.send_text(_error(exc.code, exc.message))
    await websocket.close(1008, exc.code)


async def display(websocket: WebSocket) -> None:
    zone = websocket.query_params.get("zone") or None
    if not origin_allowed(websocket):
        return await websocket.close(1008, "origin not allowed")
    if zone is not None and zone not in websocket.app.state.config.zones:
        return await _refuse(websocket, unknown_zone(zone))
    # TVs must notice a dead link within seconds (a call shown late is missed): heartbeats.
    await _serve(websocket, zone, heartbeat=True)


async def counter(websocket: WebSocket) -> None:
    app = websocket.app.state
    counter_id = websocket.path_params["id"]
    if not origin_allowed(websocket):
        return await websocket.close(1008, "origin not allowed")
    try:
        officer = await app.auth.officer_for_counter(websocket.query_params.get("token"), counter_id, app.clock())
        if counter_id not in app.config.counters:
            raise unknown_counter(counter_id)
    except HubError as exc:
        return await _refuse(websocket, exc)
    # Counter panels see every zone: waiting counts change with other counters' calls.
    # A configuration change that takes the counter from the officer ends the connection
    # with an error saying so (server.access.counter_refusal).
    await _serve(websocket, None, officer_at=(officer.username, counter_id))


async def _serve(websocket: WebSocket, zone: str | None, *, heartbeat: bool = False,
                 officer_at: tuple[str, str] | None = None) -> None:
    """Snapshot (or the missed events), then the live stream, for one page; with `heartbeat`, the
    hub's heartbeats too (the snapshot then says their interval in seconds); with `officer_at` (a
    counter panel's username and counter id), the snapshot lists today's skipped tickets of that
    counter's services, and a configuration change that takes the counter from the officer ends
    the connection with an error saying so (server.access.counter_refusal)."""
    app, hub = websocket.app.state, websocket.app.state.hub
    await websocket.accept()
    # Subscribed first, with live events held back until the page has its
    # starting point: nothing can slip past or overtake it, whatever awaits.
    sub = hub.subscribe(websocket, zone, pending=True, heartbeat=heartbeat, officer_at=officer_at)
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
            if int(since) > app.store.last_seq:
                # A page coming from another hub process on the same database, which got further: catch up.
                await app.hall.follow()
            backlog = await app.store.events_since(int(since), MAX_REPLAY)
        if backlog is not None and any(e.type == CONFIG_UPDATED for e in backlog):
            backlog = None  # the configuration changed meanwhile: start again from a snapshot
        if backlog is None:
            state = app.hall.snapshot(zone, hub.heartbeat_seconds if heartbeat else None,
                                      officer_at[1] if officer_at else None)
            await sub.send_direct(_json(state))
            hub.go_live(sub, state.seq)
        else:
            for event in backlog:
                if sub.wants(event):
                    await sub.send_direct(event.text)
            hub.go_live(sub, backlog[-1].seq if backlog else int(since))
        await _read(websocket, sub.send_direct, flush=sub.flush, gone=lambda: sub.dropped)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)


async def _read(websocket: WebSocket, send: Callable[[str], Awaitable[None]], *,
                flush: Callable[[], Awaitable[None]] | None = None, gone: Callable[[], bool] = lambda: False) -> None:
    """Answer pings; report garbage; close on persistent garbage or binary frames. Replies go out
    through `send`; `flush` (if any) pushes them out before a close; `gone` says the hub dropped the page."""
    bad = 0
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect" or gone():
            return
        text = message.get("text")
        if text is None:
            await websocket.close(1003, "binary frames are not accepted")
            return
        reply, ok = _answer(text)
        await send(reply)
        bad += not ok
        if bad >= MAX_BAD_MESSAGES:
            if flush is not None:
                await flush()  # the error goes out before the close
            await websocket.close(1008, "too many invalid messages")
            return


def _answer(text: str) -> tuple[str, bool]:
    """The reply to one client message, and whether the message was valid."""
    if len(text) > MAX_CLIENT_MESSAGE:
        return _error("message_too_large", "Pesan terlalu besar."), False
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):  # RecursionError: "[[[[…" nested past Python's stack
        return _error("invalid_json", "Pesan bukan JSON yang valid."), False
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return _error("invalid_message", "Pesan harus berupa objek dengan kolom 'type'."), False
    if data["type"] == "ping":
        return _json(Pong(t=data.get("t"))), True
    return _error("unknown_message", f"Jenis pesan '{data['type'][:40]}' tidak dikenal."), False


async def ticket(websocket: WebSocket) -> None:
    """A citizen's phone: the status of one ticket, pushed whenever it changes."""
    app = websocket.app.state
    if not origin_allowed(websocket):
        return await websocket.close(1008, "origin not allowed")
    found = await app.store.ticket_by_token(websocket.path_params["token"])
    if found is None:
        return await _refuse(websocket, unknown_ticket())
    await websocket.accept()
    hall = app.hall
    last = None
    finished: Ticket | None = None  # read once: a ticket no longer live never changes again
    closed = asyncio.Event()

    async def watch_close():
        try:
            await _read(websocket, websocket.send_text)  # pings keep a phone's link checked
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
                await websocket.send_text(_json(TicketStatus(seq=app.store.last_seq, ticket=view)))
                last = view
            async with hall.changed:
                await hall.changed.wait_for(lambda seen=seen: app.store.last_seq != seen or closed.is_set())
    except (WebSocketDisconnect, RuntimeError):
        pass
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
