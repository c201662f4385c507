"""Fan-out of committed events to every connected page.

The hub never waits on one client. Each event is encoded to JSON once and,
for connections served by our uvicorn protocol (`server.wsprotocol`), framed
once and written straight onto each socket's transport: a synchronous loop
with no per-client task, no per-client encoding and no await. The transport's
write buffer is that connection's bounded buffer; a client whose buffer grows
past `max_buffer` is cut off and resynchronises when it reconnects.

Connections from other ASGI servers (the test client) get the portable path:
a bounded queue and one writer task each.

Subscribers that ask for it (the TVs and kiosks on /ws/display) also get an
application-level heartbeat every `heartbeat_seconds`: a link that dies without
FIN or RST (a router losing its state) then shows as silence within seconds, and
the page reconnects and resumes instead of waiting for TCP to notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import struct
from collections.abc import Callable

from starlette.websockets import WebSocket
from websockets.protocol import State

from server.errors import HubError
from server.events import ErrorMessage, Heartbeat
from server.store import LoggedEvent
from server.views import View

log = logging.getLogger("mpp.hub")

RAW_TRANSPORT = "mpp.raw_transport"  # scope extension set by server.wsprotocol
SNAPSHOT_BATCH = 50  # connections written per loop iteration when every page gets a fresh snapshot
MAX_BUFFER = 1 << 20  # bytes queued for one client before it counts as dead or too slow
QUEUE_LIMIT = 1000  # events queued for one client on the portable path
# Seconds between heartbeats to the pages that want them. hubclient.js counts a link dead after
# 3 missed ones and reconnects with `since`: detection plus catch-up stays under 10 s (docs/benchmarks.md).
HEARTBEAT_SECONDS = 2.0


def text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented, uncompressed server-to-client text frame (RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 1 << 16:
        return struct.pack("!BBH", 0x81, 126, n) + payload
    return struct.pack("!BBQ", 0x81, 127, n) + payload


class Subscriber:
    """One connected page. `zone` None receives the events of every zone."""

    def __init__(self, websocket: WebSocket, zone: str | None, on_drop) -> None:
        self.websocket = websocket
        self.zone = zone
        self.on_drop = on_drop
        self.dropped = False
        self.heartbeat = False  # receives the hub's heartbeats (displays)
        # A counter panel: (username, counter id) of the officer working there, checked again
        # when the configuration changes (Hub.end_counter_panels).
        self.officer_at: tuple[str, str] | None = None
        # While not None, the subscriber is still being sent its backlog and
        # live events wait here so that nothing overtakes it.
        self.pending: list[LoggedEvent] | None = None
        # A fresh snapshot waiting to be sent after a configuration change (Hub.resnapshot):
        # ([the snapshot as a LoggedEvent], its frame); live events wait in `pending` meanwhile.
        self.snapshot_due: tuple[list[LoggedEvent], bytes] | None = None

    def wants(self, event: LoggedEvent) -> bool:
        return self.zone is None or event.zone is None or event.zone == self.zone

    def deliver(self, events: list[LoggedEvent], frames: bytes) -> None:
        """Send `events`; `frames` holds them already framed, concatenated."""
        raise NotImplementedError

    def beat(self, text: str, frame: bytes) -> None:
        """Send one heartbeat (`text`, and the same already framed)."""
        raise NotImplementedError

    async def send_direct(self, text: str) -> None:
        """Send outside the fan-out (snapshot, backlog, replies)."""
        await self.websocket.send_text(text)

    def drop(self, reason: str) -> None:
        if not self.dropped:
            self.dropped = True
            log.info("dropping %s client %s: %s", self.zone or "all", self.websocket.client, reason)
            self.on_drop(self)
            self._cut()

    def _cut(self) -> None:
        pass

    async def flush(self) -> None:
        """Wait until everything handed to this subscriber has been written."""

    def close(self) -> None:
        self.dropped = True

    async def refuse(self, text: str, reason: str) -> None:
        """Send an error message, then close the connection with 1008 (the page is told why)."""
        try:
            await self.send_direct(text)
            await self.flush()
            await self.websocket.close(1008, reason)
        except Exception:  # already gone: nothing left to tell
            pass


class RawSubscriber(Subscriber):
    """Writes pre-built frames onto the connection's transport, synchronously."""

    def __init__(self, websocket: WebSocket, zone: str | None, on_drop, protocol) -> None:
        super().__init__(websocket, zone, on_drop)
        self.protocol = protocol

    def deliver(self, events: list[LoggedEvent], frames: bytes) -> None:
        self._write(frames)

    def beat(self, text: str, frame: bytes) -> None:
        self._write(frame)

    def _write(self, frames: bytes) -> None:
        protocol = self.protocol
        transport = protocol.transport
        if protocol.close_sent or transport.is_closing() or protocol.conn.state is not State.OPEN:
            if transport.get_write_buffer_size():
                # A close that cannot go out (uvicorn's keep-alive gave up on a peer that stopped
                # reading, with data still queued here) would hold the connection forever.
                self.drop("stalled while closing")
            else:
                # Closing: its reader unsubscribes it. No abort, so a close frame
                # already queued still reaches the client.
                self.dropped = True
        elif transport.get_write_buffer_size() > MAX_BUFFER:
            self.drop("too slow")
        else:
            transport.write(frames)

    def _cut(self) -> None:
        self.protocol.transport.abort()


class QueuedSubscriber(Subscriber):
    """Portable path: a bounded queue drained by one writer task."""

    def __init__(self, websocket: WebSocket, zone: str | None, on_drop) -> None:
        super().__init__(websocket, zone, on_drop)
        self.queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_LIMIT)
        self.writer = asyncio.create_task(self._write())

    def deliver(self, events: list[LoggedEvent], frames: bytes) -> None:
        self._put([event.text for event in events])

    def beat(self, text: str, frame: bytes) -> None:
        self._put([text])

    def _put(self, texts: list[str]) -> None:
        try:
            for text in texts:
                self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.drop("too slow")

    async def _write(self) -> None:
        try:
            while True:
                text = await self.queue.get()
                try:
                    await self.websocket.send_text(text)
                finally:
                    self.queue.task_done()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the socket went away; the reader side notices too
            self.drop(f"send failed: {exc!r}")

    async def send_direct(self, text: str) -> None:
        # Keep order with queued events: go through the same queue.
        await self.queue.put(text)

    async def flush(self) -> None:
        # The writer may die mid-flush (client gone): then stop waiting too.
        join = asyncio.ensure_future(self.queue.join())
        await asyncio.wait({join, self.writer}, return_when=asyncio.FIRST_COMPLETED)
        join.cancel()

    def _cut(self) -> None:
        self.writer.cancel()
        asyncio.ensure_future(self._close())

    async def _close(self) -> None:
        try:
            await self.websocket.close(1013, "terlalu lambat, sambungkan ulang")
        except Exception:
            pass

    def close(self) -> None:
        super().close()
        self.writer.cancel()


class Hub:
    def __init__(self, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> None:
        self.subscribers: set[Subscriber] = set()
        self._tasks: set[asyncio.Task] = set()  # snapshots being sent, counter panels being closed
        self.published = 0
        self.dropped = 0
        self.heartbeat_seconds = heartbeat_seconds
        self._beats: asyncio.Task | None = None

    def start(self) -> None:
        """Start the heartbeats (in the app's lifespan)."""
        if self._beats is None:
            self._beats = asyncio.create_task(self._beat_forever())

    async def stop(self) -> None:
        if self._beats is not None:
            self._beats.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beats
            self._beats = None
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            self.beat()

    def beat(self) -> None:
        """One heartbeat to every live subscriber that wants them: framed once, no await per client.
        A subscriber still being sent its snapshot or backlog is skipped (the backlog keeps it busy)."""
        text = json.dumps(Heartbeat(interval=self.heartbeat_seconds).dump(), separators=(",", ":"))
        frame = text_frame(text.encode())
        for sub in tuple(self.subscribers):
            if not sub.heartbeat or sub.pending is not None or sub.dropped:
                continue
            _guarded(sub, sub.beat, text, frame)

    def subscribe(self, websocket: WebSocket, zone: str | None, *, pending: bool = False,
                  heartbeat: bool = False, officer_at: tuple[str, str] | None = None) -> Subscriber:
        """Register a page. `pending`: hold live events until `go_live`; `heartbeat`: send it heartbeats;
        `officer_at`: a counter panel's (username, counter id), checked again on configuration changes."""
        protocol = websocket.scope.get("extensions", {}).get(RAW_TRANSPORT)
        if protocol is not None:
            sub: Subscriber = RawSubscriber(websocket, zone, self._forget, protocol)
        else:
            sub = QueuedSubscriber(websocket, zone, self._forget)
        sub.heartbeat = heartbeat
        if pending:
            sub.pending = []
        sub.officer_at = officer_at
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        sub.close()

    def _forget(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        self.dropped += 1

    def go_live(self, sub: Subscriber, sent_up_to: int) -> None:
        """End a subscriber's catch-up: deliver what arrived meanwhile, then stream."""
        pending, sub.pending = sub.pending or [], None
        late = [e for e in pending if e.seq > sent_up_to]
        if late and not sub.dropped:
            sub.deliver(late, b"".join(text_frame(e.text.encode()) for e in late))

    def publish(self, events: list[LoggedEvent]) -> None:
        """Send one committed change's events: one write per client, frames built once per zone."""
        if not events:
            return
        frames = [text_frame(e.text.encode()) for e in events]
        # subscriber zone -> (the events it gets, their frames concatenated)
        batches: dict[str | None, tuple[list[LoggedEvent], bytes]] = {}
        # A copy: delivering may drop a subscriber from the set.
        for sub in tuple(self.subscribers):
            batch = batches.get(sub.zone)
            if batch is None:
                picked = [(e, f) for e, f in zip(events, frames, strict=True) if sub.wants(e)]
                batch = batches[sub.zone] = ([e for e, _ in picked], b"".join(f for _, f in picked))
            wanted, data = batch
            if not wanted or sub.dropped:
                continue
            if sub.pending is not None:
                sub.pending.extend(wanted)
                continue
            _guarded(sub, sub.deliver, wanted, data)
        self.published += len(events)

    def resnapshot(self, snapshot_of: Callable[[str | None, float | None, str | None], View]) -> None:
        """Send every live page a fresh snapshot (after a configuration change).

        Each snapshot is built, encoded and framed once per kind of page, now: once per zone for the
        displays, once per counter for the panels (`snapshot_of(zone, heartbeat interval or None,
        counter id or None)`, Hall.snapshot). They are written SNAPSHOT_BATCH connections at a time,
        giving the event loop back in between (a hall's snapshot is tens of KB: a thousand TVs at once
        would hold everything else up); a page waiting for its snapshot holds its live events back
        until it has it, so nothing overtakes it. A page still catching up on connect is cut off
        instead; it reconnects and, its missed events holding a `config.updated`, gets a snapshot then.
        """
        built: dict[tuple, tuple[list[LoggedEvent], bytes]] = {}
        due = []
        for sub in tuple(self.subscribers):
            if sub.dropped:
                continue
            if sub.pending is not None and sub.snapshot_due is None:
                sub.drop("configuration changed while catching up")
                continue
            kind = (sub.zone, self.heartbeat_seconds if sub.heartbeat else None,
                    sub.officer_at[1] if sub.officer_at else None)
            if kind not in built:
                message = snapshot_of(*kind)
                text = json.dumps(message.dump(), ensure_ascii=False, separators=(",", ":"))
                built[kind] = ([LoggedEvent(message.seq, "snapshot", sub.zone, text)], text_frame(text.encode()))
            if sub.pending is None:
                sub.pending = []
            sub.snapshot_due = built[kind]  # a newer change replaces an older snapshot not sent yet
            due.append(sub)
        if due:
            self._keep(asyncio.ensure_future(self._send_snapshots(due)))

    async def _send_snapshots(self, due: list[Subscriber]) -> None:
        for start in range(0, len(due), SNAPSHOT_BATCH):
            for sub in due[start:start + SNAPSHOT_BATCH]:
                snapshot, sub.snapshot_due = sub.snapshot_due, None
                if snapshot is None or sub.dropped:
                    continue  # sent by a later change's task already, or gone
                _guarded(sub, sub.deliver, *snapshot)
                self.go_live(sub, snapshot[0][0].seq)
            await asyncio.sleep(0)

    async def settle(self) -> None:
        """Wait until the snapshots being sent are out and the panels being closed are closed."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    def _keep(self, task: asyncio.Task) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def end_counter_panels(self, refusal: Callable[[str, str], HubError | None]) -> None:
        """Tell each counter panel whose officer may no longer work at its counter why (an `error`
        message), then close it (1008). `refusal(username, counter_id)` gives the reason or None."""
        for sub in tuple(self.subscribers):
            if sub.officer_at is None or sub.dropped:
                continue
            error = refusal(*sub.officer_at)
            if error is not None:
                self.refuse(sub, error)

    def refuse(self, sub: Subscriber, error: HubError) -> None:
        """Tell one page why it may not stay (an `error` message, its last), then close it with 1008
        (a counter panel whose officer lost the counter, a revoked device)."""
        self.subscribers.discard(sub)  # nothing more for it, the error is its last message
        text = json.dumps(ErrorMessage(code=error.code, message=error.message).dump(), ensure_ascii=False,
                          separators=(",", ":"))
        self._keep(asyncio.ensure_future(sub.refuse(text, error.code)))

    def stats(self) -> dict:
        raw = sum(isinstance(s, RawSubscriber) for s in self.subscribers)
        return {"connections": len(self.subscribers), "direct": raw, "published": self.published,
                "dropped": self.dropped}


def _guarded(sub: Subscriber, send, *args) -> None:
    """One delivery to one client: its failure must not cost the others theirs."""
    try:
        send(*args)
    except Exception:
        log.exception("delivery to %s failed", sub.websocket.client)
        sub.drop("delivery failed")
