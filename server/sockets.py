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
from urllib.parse import urlsplit

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.errors import HubError
from server.hub import Subscriber

log = logging.getLogger("mpp.sockets")

MAX_BAD_MESSAGES = 5
MAX_CLIENT_MESSAGE = 4096


def origin_allowed(websocket: WebSocket) -> bool:
    """Browsers always send Origin: it must be this hub (or a configured origin)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: TVs' kiosks and scripts on the LAN
    allowed = websocket.app.state.settings.allowed_origins
    if origin in allowed or "*" in allowed:
        return True
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


async def _reject(websocket: WebSocket, code: int, reason: str) -> None:
    await websocket.close(code, reason)


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def display(websocket: WebSocket) -> None:
    zone = websocket.query_params.get("zone") or None
    await _serve(websocket, zone, subscriber_zone=zone)


async def counter(websocket: WebSocket) -> None:
    app = websocket.app.state
    counter_id = websocket.path_params["id"]
    if not origin_allowed(websocket):
        return await _reject(websocket, 1008, "origin not allowed")
    token = websocket.query_params.get("token")
    try:
        await app.auth.officer_for_counter(token, counter_id, app.clock())
    except HubError as exc:
        await websocket.accept()
        await websocket.send_text(_json({"type": "error", "code": exc.code, "message": exc.message}))
        return await websocket.close(1008, exc.code)
    if counter_id not in app.config.counters:
        await websocket.accept()
        await websocket.send_text(_json({"type": "error", "code": "unknown_counter",
                                         "message": f"Loket dengan id '{counter_id}' tidak ditemukan."}))
        return await websocket.close(1008, "unknown_counter")
    # Counter panels see every zone: waiting counts change with other counters' calls.
    await _serve(websocket, None, subscriber_zone=None, origin_checked=True)


async def _serve(websocket: WebSocket, zone: str | None, *, subscriber_zone: str | None,
                 origin_checked: bool = False) -> None:
    app = websocket.app.state
    if not origin_checked and not origin_allowed(websocket):
        return await _reject(websocket, 1008, "origin not allowed")
    await websocket.accept()
    if zone is not None and zone not in app.config.zones:
        await websocket.send_text(_json({"type": "error", "code": "unknown_zone",
                                         "message": f"Zona '{zone}' tidak ditemukan."}))
        return await websocket.close(1008, "unknown_zone")
    since = websocket.query_params.get("since")
    hub = app.hub
    sub: Subscriber | None = None
    try:
        epoch = websocket.query_params.get("epoch")
        resumable = since is not None and since.isdigit() and int(since) <= app.store.last_seq
        if resumable and epoch in (None, app.store.epoch):
            sub = hub.subscribe(websocket, subscriber_zone, pending=True)
            backlog = await app.store.events_since(int(since))
            if backlog is None:
                sub = await _snapshot(websocket, hub, sub, app, zone)
            else:
                for event in backlog:
                    if sub.wants(event):
                        await sub.send_direct(event.text)
                hub.go_live(sub, backlog[-1].seq if backlog else int(since))
        else:
            # Built and subscribed without an await in between: nothing can slip past.
            sub = hub.subscribe(websocket, subscriber_zone)
            await sub.send_direct(_json({"type": "snapshot", **app.hall.state(zone)}))
        await _read(websocket, sub)
    except WebSocketDisconnect:
        pass
    finally:
        if sub is not None:
            hub.unsubscribe(sub)


async def _snapshot(websocket, hub, sub, app, zone):
    hub.unsubscribe(sub)
    sub = hub.subscribe(websocket, sub.zone)
    await sub.send_direct(_json({"type": "snapshot", **app.hall.state(zone)}))
    return sub


async def _read(websocket: WebSocket, sub: Subscriber) -> None:
    """Answer pings; report garbage; close on persistent garbage or binary frames."""
    bad = 0
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if sub.dropped:
            return
        text = message.get("text")
        if text is None:
            await websocket.close(1003, "binary frames are not accepted")
            return
        reply = _answer(text)
        if reply.get("type") == "error":
            bad += 1
            if bad >= MAX_BAD_MESSAGES:
                await sub.send_direct(_json(reply))
                await sub.flush()
                await websocket.close(1008, "too many invalid messages")
                return
        await sub.send_direct(_json(reply))


def _answer(text: str) -> dict:
    if len(text) > MAX_CLIENT_MESSAGE:
        return {"type": "error", "code": "message_too_large", "message": "Pesan terlalu besar."}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return {"type": "error", "code": "invalid_json", "message": "Pesan bukan JSON yang valid."}
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return {"type": "error", "code": "invalid_message", "message": "Pesan harus berupa objek dengan kolom 'type'."}
    if data["type"] == "ping":
        return {"type": "pong", "t": data.get("t")}
    return {"type": "error", "code": "unknown_message", "message": f"Jenis pesan '{data['type'][:40]}' tidak dikenal."}


async def ticket(websocket: WebSocket) -> None:
    """A citizen's phone: the status of one ticket, pushed whenever it changes."""
    app = websocket.app.state
    if not origin_allowed(websocket):
        return await _reject(websocket, 1008, "origin not allowed")
    await websocket.accept()
    found = await app.store.ticket_by_token(websocket.path_params["token"])
    if found is None:
        await websocket.send_text(_json({"type": "error", "code": "unknown_ticket",
                                         "message": "Tiket tidak ditemukan. Periksa kembali kode QR Anda."}))
        return await websocket.close(1008, "unknown_ticket")
    hall = app.hall
    last = None
    closed = asyncio.Event()

    async def watch_close():
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text") is not None:  # pings keep a phone's link checked
                    await websocket.send_text(_json(_answer(message["text"])))
        finally:
            closed.set()
            async with hall.changed:
                hall.changed.notify_all()

    watcher = asyncio.create_task(watch_close())
    try:
        while not closed.is_set():
            seen = app.store.last_seq  # read before the ticket: a change after this wakes us
            current = await app.store.ticket_by_token(found.token)
            view = hall.ticket_view(current)
            if view != last:
                await websocket.send_text(_json({"type": "ticket.status", "seq": app.store.last_seq, "ticket": view}))
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
