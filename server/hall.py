"""The hall: runs ticket operations one at a time and announces their events.

Every operation takes the write lock, asks the pure `Queue` for a change,
commits it (one SQLite transaction, events appended to the log), applies it
in memory and only then publishes its events. One lock around decide+commit
is what makes "call next" atomic across any number of counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
from collections import deque
from collections.abc import Callable
from datetime import datetime

from config.site import SiteConfig
from server.events import TicketCalled, TicketRecalled
from server.hub import Hub
from server.queue import Change, Queue, counter_ref
from server.store import Store
from server.tickets import Status, Ticket

log = logging.getLogger("mpp.hall")

RECENT = 12  # calls kept per zone for the displays' history
DAY_CHECK_SECONDS = 30
PRERENDER_PER_COUNTER = 2  # next calls per counter the announcer renders ahead


class Hall:
    def __init__(self, config: SiteConfig, store: Store, hub: Hub, announcer, clock: Callable[[], datetime]) -> None:
        self.config = config
        self.store = store
        self.hub = hub
        self.announcer = announcer
        self.clock = clock
        self.lock = asyncio.Lock()
        self.queue: Queue | None = None
        # Each zone keeps its own last calls: a quiet zone's TV must not lose its
        # calls to a busy zone's (one shared list would be filtered afterwards).
        self.recent: dict[str, deque[dict]] = {z: deque(maxlen=RECENT) for z in config.zones}
        self.changed = asyncio.Condition()
        self._day_watch: asyncio.Task | None = None
        self._warned_clock = False

    async def start(self) -> None:
        loaded = await self.store.load()
        now = self.clock()
        day = loaded.day or now.astimezone(self.config.site.tz).date().isoformat()
        self.queue = Queue(self.config, day, loaded.tickets, loaded.desks, next_id=loaded.next_id, stats=loaded.stats)
        for zone, calls in self.recent.items():
            counters = [c.id for c in self.config.counters.values() if c.zone == zone]
            for t, counter, at in reversed(await self.store.recent_calls(day, counters, RECENT)):
                calls.appendleft(self._call_entry(t, counter, at))
        await self.run(lambda now: Change())  # rolls the day over if the hub was off at midnight
        self._day_watch = asyncio.create_task(self._watch_day())

    async def stop(self) -> None:
        if self._day_watch is not None:
            self._day_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._day_watch

    async def _watch_day(self) -> None:
        """Start the new day at local midnight even when nobody takes a ticket:
        the TVs then clear yesterday's calls by themselves."""
        while True:
            await asyncio.sleep(DAY_CHECK_SECONDS)
            today = self.queue.local_day(self.clock())
            if today < self.queue.day and not self._warned_clock:
                self._warned_clock = True
                log.error("the clock says %s but the hub already worked on %s: check the date of this PC "
                          "(tickets keep their day until the clock passes it)", today, self.queue.day)
            if today > self.queue.day:
                try:
                    await self.run(lambda now: Change())
                except Exception:
                    log.exception("could not start the new day; retrying")

    # ------------------------------------------------------------ operations

    async def issue(self, service: str, priority: bool) -> Ticket:
        token = secrets.token_urlsafe(16)
        return (await self.run(lambda now: self.queue.issue(service, priority, now, token))).result

    async def act(self, action: str, counter_id: str, **kwargs) -> Change:
        """call_next, recall, skip, done, transfer, pause, resume or close at one counter
        (kwargs: officer=username, and service= for transfer)."""
        method = getattr(self.queue, action)
        return await self.run(lambda now: method(counter_id, now=now, **kwargs))

    async def bring_back(self, action: str, counter_id: str, ticket_id: int, officer: str | None) -> Change:
        """call_skipped or reinstate one of today's skipped tickets at one counter. The ticket is also read
        from the database: when the queue does not hold it (served, another day, or the day ends before the
        change runs), only to refuse it precisely."""
        stored = await self.store.ticket_by_id(ticket_id)
        return await self.act(action, counter_id, ticket_id=ticket_id, stored=stored, officer=officer)

    def skipped_view(self, counter_id: str) -> list[dict]:
        """Today's skipped tickets of a counter's services (Queue.skipped_for), as ticket objects."""
        return [t.to_json() for t in self.queue.skipped_for(counter_id)]

    async def run(self, decide: Callable[[datetime], Change]) -> Change:
        # Once started, a change runs to its end even if the request that asked
        # for it is cancelled: a COMMIT that completes in SQLite's thread after
        # its awaiter was cancelled would leave memory behind the database.
        return await asyncio.shield(self._run(decide))

    async def _run(self, decide: Callable[[datetime], Change]) -> Change:
        async with self.lock:
            now = self.clock()
            rolled = self.queue.roll_day(now)
            if rolled is not None:
                await self._commit(rolled, now)
                for calls in self.recent.values():
                    calls.clear()
                log.info("new day %s: %d open tickets expired", rolled.day, len(rolled.tickets))
            change = decide(now)
            if change.tickets or change.desks or change.events:
                await self._commit(change, now)
            return change

    async def _commit(self, change: Change, now: datetime) -> None:
        events = [self._announced(e) for e in change.events]
        day = change.day or self.queue.day
        logged = await self.store.commit(
            day, change.tickets, change.desks, [(e.type, e.zone, e.to_json(0)) for e in events], now, change.history
        )
        self.queue.apply(change)
        for e in events:
            if isinstance(e, TicketCalled | TicketRecalled):
                self._remember_call(e, now.isoformat())
        self.hub.publish(logged)
        self._play(events)
        async with self.changed:
            self.changed.notify_all()
        self._hint_announcer()

    def _announced(self, event):
        if self.announcer is None or not isinstance(event, TicketCalled | TicketRecalled):
            return event
        try:
            recall = isinstance(event, TicketRecalled)
            # Rendered now, so the event carries its URL; played on the hub's own
            # speakers only once committed (_play).
            announcement = self.announcer.announce(event.ticket, event.counter, recall=recall, play=False)
        except Exception:  # audio must never stop a call from going out
            log.exception("announcer failed; the call goes out without audio")
            announcement = None
        return dataclasses.replace(event, announcement=announcement)

    def _play(self, events: list) -> None:
        if self.announcer is None:
            return
        for e in events:
            if isinstance(e, TicketCalled | TicketRecalled):
                try:
                    self.announcer.play(e.ticket, e.counter)
                except Exception:
                    log.exception("announcer failed to play a call")

    def _hint_announcer(self) -> None:
        if self.announcer is None:
            return
        pairs = []
        for counter in self.config.counters.values():
            likely = self.queue.line(counter.id)[:PRERENDER_PER_COUNTER]  # what call-next will pick
            pairs += [(t.to_json(), counter_ref(counter)) for t in likely]
        try:
            self.announcer.prerender(pairs)
        except Exception:
            log.exception("announcer prerender failed")

    # ------------------------------------------------------------ views

    def _call_entry(self, ticket: Ticket | dict, counter_id: str, at: str | None = None) -> dict:
        """One line of the displays' history; `at` is when it was last announced (call or recall)."""
        t = ticket if isinstance(ticket, dict) else ticket.to_json()
        return {"number": t["number"], "service": t["service"], "ticket_id": t["id"],
                "counter": counter_ref(self.config.counters[counter_id]), "called_at": t["called_at"],
                "calls": t["calls"], "at": at or t["called_at"]}

    def _remember_call(self, event: TicketCalled | TicketRecalled, at: str) -> None:
        entry = self._call_entry(event.ticket, event.counter["id"], at)
        for calls in self.recent.values():  # a ticket called again elsewhere leaves its old zone's list
            for existing in [c for c in calls if c["ticket_id"] == entry["ticket_id"]]:
                calls.remove(existing)
        self.recent[entry["counter"]["zone"]].appendleft(entry)

    def recent_calls(self, zone: str | None = None) -> list[dict]:
        """The last calls of `zone` (at most RECENT), or of every zone together; newest first.

        A call's place is its last announcement (`at`, ISO-8601 UTC), so a recall comes first again."""
        if zone is not None:
            return list(self.recent.get(zone, ()))
        merged = [entry for calls in self.recent.values() for entry in calls]
        merged.sort(key=lambda e: datetime.fromisoformat(e["at"]), reverse=True)
        return merged[:RECENT]

    def state(self, zone: str | None = None) -> dict:
        """Everything a page needs to draw itself; the WebSocket snapshot."""
        q, cfg = self.queue, self.config
        counts = q.queue_counts(cfg.services)
        services = []
        for code, s in cfg.services.items():
            stats = q.stats[code]
            services.append({
                "code": code, "name": s.name, "agency": s.agency, "description": s.description,
                "waiting": counts[code]["waiting"], "priority_waiting": counts[code]["priority"],
                "issued": stats.issued, "daily_quota": s.daily_quota,
                "open": s.open.strftime("%H:%M") if s.open else None,
                "close": s.close.strftime("%H:%M") if s.close else None,
                "average_service_seconds": round(stats.average_seconds) if stats.average_seconds else None,
                "estimated_wait": q.estimated_wait(code, q.ahead_of_new(code)),
            })
        site = cfg.site
        return {
            "seq": self.store.last_seq,
            "epoch": self.store.epoch,
            "day": q.day,
            "now": self.clock().isoformat(),
            "zone": zone,
            "site": {"name": site.name, "address": site.address, "timezone": site.timezone,
                     "running_text": site.running_text, "logo": site.logo},
            "zones": [{"id": z.id, "name": z.name} for z in cfg.zones.values()],
            "agencies": [{"code": a.code, "name": a.name, "short_name": a.short_name} for a in cfg.agencies.values()],
            "services": services,
            "counters": [q.counter_json(cid) for cid, c in cfg.counters.items() if zone is None or c.zone == zone],
            "recent": self.recent_calls(zone),
        }

    def ticket_view(self, ticket: Ticket) -> dict:
        """A ticket as its holder sees it: with the people ahead and the estimated wait."""
        live = self.queue.live(ticket.id) or ticket
        svc = self.config.services.get(live.service)  # None: removed from the configuration since
        agency = self.config.agencies.get(svc.agency) if svc and svc.agency else None
        ahead = self.queue.ahead(live)
        view = live.to_json()
        view.update({
            "ahead": ahead,
            "estimated_wait": self.queue.estimated_wait(live.service, ahead) if live.status is Status.WAITING else None,
            "service_name": svc.name if svc else live.service,
            "agency": svc.agency if svc else None,
            "agency_name": agency.name if agency else None,
            "token": live.token,
            "status_url": f"/t/{live.token}",
        })
        if live.counter and live.counter in self.config.counters:
            c = self.config.counters[live.counter]
            view["counter"] = live.counter
            view["counter_name"] = c.name
        return view
