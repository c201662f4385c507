"""The counter tablets: `/ws/survey/{counter}` and the survey each is offered.

A tablet at counter C is told when a ticket is finished there, exactly when C's events say
so: `ticket.done` for it, or `ticket.called` naming it as `finished` (call-next finishes the
ticket at the desk). The hall hands every committed change to `Tablets.observe`; the offer
(`survey.offer`, with the ticket's token) goes only to C's tablets, never into the event log
that displays replay. A tablet that connects, or reconnects after a Wi-Fi drop, is told the
counter's last finished ticket while it is still offered (`[survey] tablet_offer_seconds`)
and not answered (`survey.tablet`, its first message, sent again after each configuration
change so that its timings follow). Pings are answered as on every hub socket.

A tablet says where it is by its counter in the address, and what it is with `page=survey`
(and `device=<token>` once registered in /admin/devices, server/devices.py), as every page
does: it is then on the health board while connected, reports its state every few seconds
(`{"type": "status"}`), and is refused at once when its device is revoked. With
`[survey] registered_tablets_only`, a tablet without a registered survey device's token is
refused: the offers carry tickets' tokens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.websockets import WebSocket, WebSocketDisconnect

from config.site import SiteConfig
from server.errors import Forbidden, HubError, unknown_counter
from server.events import ErrorMessage, TicketCalled, TicketDone
from server.queue import Change
from server.sockets import absent, encode, heard_from, origin_allowed, page_of, present, read_client, refuse
from server.tickets import Ticket
from server.views import CounterRef
from survey.views import OfferedTicket, SurveyOffer, SurveyTablet, TabletSettings

log = logging.getLogger("mpp.survey")

QUEUE_LIMIT = 32  # messages waiting for one tablet before it counts as gone


@dataclass(frozen=True)
class Finished:
    """The last ticket finished at a counter."""

    ticket: Ticket
    at: datetime


class Link:
    """One connected tablet: a bounded queue drained by one writer task. `registered`: it sent a registered
    survey tablet's token."""

    def __init__(self, websocket: WebSocket, registered: bool = False) -> None:
        self.websocket = websocket
        self.registered = registered
        self.queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_LIMIT)
        self.writer = asyncio.create_task(self._write())

    def put(self, text: str) -> None:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:  # not reading: let it reconnect and start afresh
            log.info("dropping survey tablet %s: too slow", self.websocket.client)
            self.writer.cancel()
            asyncio.ensure_future(self._close(1008, "too slow"))

    async def _write(self) -> None:
        with contextlib.suppress(Exception):
            while True:
                text = await self.queue.get()
                try:
                    await self.websocket.send_text(text)
                finally:
                    self.queue.task_done()

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await self.websocket.close(code, reason)

    async def send(self, text: str) -> None:
        self.put(text)

    def refuse(self, error: HubError) -> None:
        """Tell the tablet why it may not stay (its last message), then close it with 1008."""
        text = encode(ErrorMessage(code=error.code, message=error.message))
        asyncio.ensure_future(self.flush_and_close(text, 1008, error.code))

    async def flush_and_close(self, text: str, code: int, reason: str) -> None:
        """Send `text` after what is queued, then close."""
        self.put(text)
        await self.drain()
        self.writer.cancel()
        await self._close(code, reason)

    async def drain(self) -> None:
        """Wait (at most 5 s) until what is queued was written."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.queue.join(), 5)


class Tablets:
    """The counter tablets connected now and the survey each counter offers."""

    def __init__(self, config: Callable[[], SiteConfig], clock: Callable[[], datetime]) -> None:
        self.config = config  # the running configuration, read when used
        self.clock = clock
        self.finished: dict[str, Finished] = {}  # counter id -> its last finished ticket, while not answered
        self.links: dict[str, set[Link]] = {}

    # ------------------------------------------------------------ what happens at the counters

    def observe(self, change: Change) -> None:
        """A committed change (Hall.observers): offer the survey of each ticket it finished at a counter."""
        finished: dict[int, str] = {}
        for event in change.events:
            if isinstance(event, TicketDone):
                finished[event.ticket.id] = event.counter.id
            elif isinstance(event, TicketCalled) and event.finished is not None:
                finished[event.finished.id] = event.counter.id
        if not finished:
            return
        tickets = {t.id: t for t in change.tickets}
        for ticket_id, counter_id in finished.items():
            ticket = tickets.get(ticket_id)
            if ticket is None:
                continue
            self.finished[counter_id] = Finished(ticket, ticket.finished_at or self.clock())
            offer = self.offer(counter_id)
            if offer is not None:
                self._send(counter_id, encode(offer))

    def answered(self, ticket: Ticket) -> None:
        """A ticket's survey was answered (anywhere): no tablet offers it again."""
        for counter_id, done in list(self.finished.items()):
            if done.ticket.id == ticket.id:
                del self.finished[counter_id]

    def offer(self, counter_id: str) -> SurveyOffer | None:
        """The survey counter `counter_id` offers now: its last finished ticket, while still offered."""
        done = self.finished.get(counter_id)
        config = self.config()
        counter = config.counters.get(counter_id)
        if done is None or counter is None:
            return None
        expires = done.at + timedelta(seconds=config.survey.tablet_offer_seconds)
        if self.clock() >= expires:
            return None
        service = config.services.get(done.ticket.service)
        return SurveyOffer(
            counter=CounterRef.of(counter), token=done.ticket.token, finished_at=done.at, expires_at=expires,
            ticket=OfferedTicket(id=done.ticket.id, number=done.ticket.number,
                                 service_name=service.name if service else done.ticket.service),
        )

    def hello(self, counter_id: str) -> SurveyTablet:
        """The tablet's first message: its counter, its timings and the survey offered now."""
        config = self.config()
        survey = config.survey
        return SurveyTablet(counter=CounterRef.of(config.counters[counter_id]), now=self.clock(),
                            settings=TabletSettings(idle_seconds=survey.tablet_idle_seconds,
                                                    thanks_seconds=survey.thanks_seconds),
                            offer=self.offer(counter_id))

    def reconfigure(self, config: SiteConfig) -> None:
        """A new running configuration: each tablet gets its counter's new name and timings; the tablets of a
        removed counter are told so and closed, and so are unregistered ones once `[survey]
        registered_tablets_only` is on."""
        only_registered = config.survey.registered_tablets_only
        for counter_id, links in list(self.links.items()):
            if counter_id in config.counters:
                text = encode(self.hello(counter_id))
                for link in tuple(links):
                    if only_registered and not link.registered:
                        links.discard(link)  # nothing more for it: the refusal is its last message
                        link.refuse(not_registered())
                    else:
                        link.put(text)
            else:
                for link in tuple(links):
                    link.refuse(unknown_counter(counter_id))
        self.finished = {c: f for c, f in self.finished.items() if c in config.counters}

    def count(self) -> dict[str, int]:
        """Tablets connected now, by counter id."""
        return {counter_id: len(links) for counter_id, links in self.links.items() if links}

    def _send(self, counter_id: str, text: str) -> None:
        for link in tuple(self.links.get(counter_id, ())):
            link.put(text)

    # ------------------------------------------------------------ the socket

    async def serve(self, websocket: WebSocket) -> None:
        """/ws/survey/{counter}: `survey.tablet` first, then a `survey.offer` for each ticket finished there.
        Refused (an error, then 1008): an unknown counter; an unknown, revoked or other kind of device token;
        with `[survey] registered_tablets_only`, a tablet without a registered survey device."""
        counter_id = websocket.path_params["counter"]
        if not origin_allowed(websocket):
            return await websocket.close(1008, "origin not allowed")
        config = self.config()
        try:
            if counter_id not in config.counters:
                raise unknown_counter(counter_id)
            page = await page_of(websocket, "survey")
            if config.survey.registered_tablets_only and (page is None or page[1] is None):
                raise not_registered()
        except HubError as exc:
            return await refuse(websocket, exc)
        await websocket.accept()
        link = Link(websocket, registered=page is not None and page[1] is not None)
        self.links.setdefault(counter_id, set()).add(link)
        presence = present(websocket, page, config.counters[counter_id].zone, link.refuse, counter=counter_id)
        try:
            link.put(encode(self.hello(counter_id)))
            await read_client(websocket, link.send, flush=link.drain, heard=heard_from(websocket, presence))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self.links.get(counter_id, set()).discard(link)
            link.writer.cancel()
            absent(websocket, presence)


def not_registered() -> Forbidden:
    """403 device_required: `[survey] registered_tablets_only` and the tablet has no registered device's token."""
    return Forbidden("device_required", "Tablet ini belum terdaftar sebagai tablet survei. Minta admin "
                     "mendaftarkannya di menu Perangkat (/admin/devices), lalu pasangkan tablet ini lewat "
                     "halaman /pair.")
