"""The hall: runs ticket operations one at a time and announces their events.

Every operation takes the database's write lock (`Store.writing`: one
process at a time on the whole database), catches up on what other hub
processes committed (server/follower.py), asks the pure `Queue` for a change,
commits it (one transaction, events appended to the log), applies it in
memory and only then publishes its events. The lock around catch-up, decide
and commit is what makes "call next" exactly-once across any number of
counters and processes; `self.lock` keeps this process's own operations and
its log follower one at a time.

Each operation is a method named for it (`call_next`, `recall`, ...) that
calls the `Queue` method of the same name: the path from an HTTP route to the
rule can be followed by reading, and by tools.

The hall also holds the running configuration (`hall.config`, the one holder):
it is stored in the database with a version, seeded from the TOML file on the
first start and re-imported from it only when the file changed (server/seeding.py). Replacing it
(`reconfigure`) is one more operation under the same lock: decided by
server/reconfig.py, committed with its audit entries and a `config.updated`
event, installed, then every page gets a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable
from datetime import datetime

from config.site import SiteConfig
from server import access, reconfig, seeding
from server.announcing import Announcing
from server.database import DatabaseUnavailable
from server.events import ConfigUpdated, HallUpdated, SnapshotMessage, TicketCalled, TicketRecalled
from server.follower import Follower, caught_up, readable
from server.hub import Hub
from server.queue import Change, Queue
from server.reconfig import FILE_FINGERPRINT, Proposal, fingerprint
from server.store import Changes, ConfigVersion, LoggedEvent, Store
from server.tickets import OPEN, Desk, Status, Ticket
from server.views import (
    AgencyView,
    Announcement,
    CounterRef,
    HallView,
    HolderView,
    PageSettings,
    RecentCall,
    SiteView,
    Snapshot,
    TicketView,
    ZoneView,
)

log = logging.getLogger("mpp.hall")

RECENT = 12  # calls kept per zone for the displays' history
DAY_CHECK_SECONDS = 30  # also the longest wait between two checks of the services' opening hours
PRERENDER_PER_COUNTER = 2  # next calls per counter the announcer renders ahead


class Hall:
    def __init__(self, config: SiteConfig, store: Store, hub: Hub, announcer: Announcing | None,
                 clock: Callable[[], datetime]) -> None:
        """`config` is the TOML file as read at start; from `start()` on, `self.config` is the running
        configuration (the database's latest version, which the file may have replaced)."""
        self.config = config
        self.file_config = config
        self.saved: ConfigVersion | None = None  # the running configuration as stored: version, body
        # Called with each newly installed configuration (after its commit): parts that hold
        # something built from it (the kiosk's printers, the announcer) rebuild what changed.
        self.listeners: list[Callable[[SiteConfig], None]] = []
        # Called with each committed change after its events went out (no await): parts that follow what
        # happened at the counters (the survey's counter tablets, survey/tablets.py). A change another hub
        # process committed comes too, caught up from the log: its `events` are then the kinds the hall
        # reads back (server/follower.py READ_BACK), its tickets and desks the rows as they are now.
        self.observers: list[Callable[[Change], None]] = []
        # Lines parts add to the TVs' running text after site.running_text (the survey's latest IKM), asked at
        # each snapshot with the running configuration; None adds nothing.
        self.running_texts: list[Callable[[SiteConfig], str | None]] = []
        self.store = store
        self.hub = hub
        self.announcer = announcer
        self.clock = clock
        self.lock = asyncio.Lock()
        self.queue: Queue | None = None
        # Each zone keeps its own last calls: a quiet zone's TV must not lose its
        # calls to a busy zone's (one shared list would be filtered afterwards).
        self.recent: dict[str, deque[RecentCall]] = {z: deque(maxlen=RECENT) for z in config.zones}
        self.changed = asyncio.Condition()
        self._day_watch: asyncio.Task | None = None
        self.follower = Follower(store, self.follow, lambda: self.store.last_seq)
        self._warned_clock = False
        self._hall_shown: str | None = None  # the calendar's closure code the pages were last told

    @property
    def version(self) -> int:
        """The running configuration's version (0 before start)."""
        return self.saved.version if self.saved is not None else 0

    async def start(self) -> None:
        self.config, self.saved, start = await seeding.load(self.store, self.file_config, self.clock)
        await self._load()
        await self.run(lambda now: Change())  # rolls the day over if the hub was off at midnight
        await seeding.import_if_changed(self, start)
        self.queue.shown = self.queue.closures(self.clock())  # what every page's first snapshot will say
        self._hall_shown = self._hall_code(self.clock())
        if self.config is not self.file_config:
            self._notify(self.config)
        self._day_watch = asyncio.create_task(self._watch_day())
        self.follower.start()

    async def stop(self) -> None:
        await self.follower.stop()
        if self._day_watch is not None:
            self._day_watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._day_watch
        async with self.lock:  # a shielded change or catch-up still running ends before the store closes
            pass

    async def _load(self) -> None:
        """Build the running state from the database (at start, and when this process fell behind what the
        log still holds): read everything first, then swap it in at once."""
        loaded = await self.store.load()
        config, saved = self.config, self.saved
        if loaded.config is not None and loaded.config.version != self.version:  # changed since seeding.load
            config, saved = (readable(loaded.config, self.file_config.path), loaded.config)
            if config is None:
                config, saved = self.config, self.saved
        day = loaded.day or self.clock().astimezone(config.site.tz).date().isoformat()
        queue = Queue(config, day, loaded.tickets, loaded.desks, next_id=loaded.next_id, stats=loaded.stats)
        recent = {z: deque(maxlen=RECENT) for z in config.zones}  # the database's zones
        for zone, calls in recent.items():
            counters = [c.id for c in config.counters.values() if c.zone == zone]
            for t, counter, at in reversed(await self.store.recent_calls(day, counters, RECENT)):
                calls.appendleft(self._call_entry(t, counter, at, config))
        self.config, self.saved, self.queue, self.recent = config, saved, queue, recent
        self.store.last_seq = loaded.last_seq

    async def _watch_day(self) -> None:
        """Start the new day at local midnight even when nobody takes a ticket (the TVs then clear
        yesterday's calls by themselves), and tell the pages when a service or the whole hall (its calendar)
        opens or closes for tickets."""
        while True:
            now = self.clock()
            wake = self.queue.next_availability_change(now)
            delay = DAY_CHECK_SECONDS if wake is None else (wake - now).total_seconds() + 0.01
            await asyncio.sleep(min(DAY_CHECK_SECONDS, max(0.05, delay)))
            today = self.queue.local_day(self.clock())
            if today < self.queue.day and not self._warned_clock:
                self._warned_clock = True
                log.error("the clock says %s but the hub already worked on %s: check the date of this PC "
                          "(tickets keep their day until the clock passes it)", today, self.queue.day)
            try:
                await self.refresh_availability()  # rolls the day over first when it has changed
            except DatabaseUnavailable:
                pass  # the database said so, once; tried again at the next check
            except Exception:
                log.exception("could not start the new day or publish the services' hours; retrying")

    async def refresh_availability(self) -> Change:
        """Publish `service.updated` for services that opened or closed for tickets since the pages were told,
        and `hall.updated` when the hall's calendar opened or closed it."""

        def decide(now: datetime) -> Change:
            change = self.queue.availability_change(now)
            status = self.queue.hall_status(now)
            if _closure_code(status) != self._hall_shown:
                change.events.append(HallUpdated(hall=status))
            return change

        return await self.run(decide)

    def _hall_code(self, now: datetime) -> str | None:
        return _closure_code(self.queue.hall_status(now))

    # ------------------------------------------------------------ configuration

    async def reconfigure(self, proposal: Proposal) -> int:
        """Replace the running configuration with `proposal` (rules: server/reconfig.py); returns the version
        now running (a new one for every accepted API proposal, even one that changes nothing; the file at
        start that changes nothing keeps the version). Raises HubError (409, 422, 403)."""

        def decide(now: datetime) -> Change:
            change = reconfig.decide(proposal, self.config, self.saved, self.queue, now)
            if change is None and proposal.source == "file":  # same settings: remember the file as imported
                return Change(meta={FILE_FINGERPRINT: fingerprint(self.file_config)})
            return change or Change()

        await self.run(decide)
        return self.version

    def _install(self, config: SiteConfig, saved: ConfigVersion, now: datetime) -> None:
        """Make a committed configuration the running one (no await: nobody sees half of it)."""
        self.config = config
        self.saved = saved
        self.queue.reconfigure(config)
        # The last calls under their counters' new names and zones (a removed zone's calls go with it).
        merged = [self._renamed(entry) for entry in self.recent_calls_all()]
        self.recent = {z: deque(maxlen=RECENT) for z in config.zones}
        for entry in reversed(merged):
            if entry.counter.zone in self.recent:
                self.recent[entry.counter.zone].appendleft(entry)
        # Every page gets a fresh snapshot: what it says about the services and the hall is told.
        self.queue.shown = self.queue.closures(now)
        self._hall_shown = self._hall_code(now)

    def _renamed(self, entry: RecentCall) -> RecentCall:
        counter = self.config.counters.get(entry.counter.id)
        return entry.model_copy(update={"counter": CounterRef.of(counter)}) if counter is not None else entry

    def _notify(self, config: SiteConfig) -> None:
        for listener in self.listeners:
            try:
                listener(config)
            except Exception:
                log.exception("a part of the hub could not take the new configuration")

    # ------------------------------------------------------------ operations

    async def issue(self, service: str, priority: bool) -> Ticket:
        """A new waiting ticket of `service` (a kiosk); raises HubError (unknown service, closed, quota)."""
        token = secrets.token_urlsafe(16)
        return (await self.run(lambda now: self.queue.issue(service, priority, now, token))).result

    # Counter operations, by the officer `officer` (username): each returns the ticket it concerned
    # (None when call-next found nobody) or the counter's new desk, and raises HubError when the
    # counter's state does not allow it. Each calls the Queue rule of the same name.

    async def call_next(self, counter_id: str, officer: str | None = None) -> Ticket | None:
        """Finish the desk's ticket (done) and call the next one (server.queue.Queue.call_next)."""
        return (await self.run(lambda now: self.queue.call_next(counter_id, now, officer))).result

    async def recall(self, counter_id: str, officer: str | None = None) -> Ticket:
        return (await self.run(lambda now: self.queue.recall(counter_id, now, officer))).result

    async def skip(self, counter_id: str, officer: str | None = None) -> Ticket:
        return (await self.run(lambda now: self.queue.skip(counter_id, now, officer))).result

    async def done(self, counter_id: str, officer: str | None = None) -> Ticket:
        return (await self.run(lambda now: self.queue.done(counter_id, now, officer))).result

    async def transfer(self, counter_id: str, service: str, officer: str | None = None) -> Ticket:
        """Move the desk's ticket to `service`'s waiting line; returns the new waiting ticket."""
        return (await self.run(lambda now: self.queue.transfer(counter_id, service, now, officer))).result

    async def pause(self, counter_id: str, officer: str | None = None) -> Desk:
        return (await self.run(lambda now: self.queue.pause(counter_id, now, officer))).result

    async def resume(self, counter_id: str, officer: str | None = None) -> Desk:
        return (await self.run(lambda now: self.queue.resume(counter_id, now, officer))).result

    async def close(self, counter_id: str, officer: str | None = None) -> Desk:
        return (await self.run(lambda now: self.queue.close(counter_id, now, officer))).result

    # Bringing back one of today's skipped tickets. The ticket is also read from the database: when the
    # queue does not hold it (served, another day, or the day ends before the change runs), only to
    # refuse it precisely.

    async def call_skipped(self, counter_id: str, ticket_id: int, officer: str | None = None) -> Ticket:
        """Call a skipped ticket at once (the citizen came back), finishing the desk's ticket first."""
        stored = await self.store.ticket_by_id(ticket_id)
        return (await self.run(lambda now: self.queue.call_skipped(counter_id, now, ticket_id, officer,
                                                                   stored))).result

    async def reinstate(self, counter_id: str, ticket_id: int, officer: str | None = None) -> Ticket:
        """Put a skipped ticket back into the waiting line at its original place."""
        stored = await self.store.ticket_by_id(ticket_id)
        return (await self.run(lambda now: self.queue.reinstate(counter_id, now, ticket_id, officer,
                                                                stored))).result

    def snapshot(self, zone: str | None, heartbeat: float | None = None, counter: str | None = None) -> SnapshotMessage:
        """A page's snapshot message: `state(zone)`, with the heartbeats' interval for a display (seconds)
        and the skipped tickets for a counter panel at `counter`."""
        extra: dict = {"heartbeat": heartbeat} if heartbeat is not None else {}
        if counter is not None and counter in self.config.counters:
            extra["skipped"] = self.skipped_view(counter)
        return SnapshotMessage.of(self.state(zone), **extra)

    def skipped_view(self, counter_id: str) -> list[TicketView]:
        """Today's skipped tickets of a counter's services (Queue.skipped_for), latest first."""
        return [TicketView.of(t) for t in self.queue.skipped_for(counter_id)]

    async def run(self, decide: Callable[[datetime], Change]) -> Change:
        # Once started, a change runs to its end even if the request that asked
        # for it is cancelled: a COMMIT that completes in SQLite's thread after
        # its awaiter was cancelled would leave memory behind the database.
        return await asyncio.shield(self._run(decide))

    async def _run(self, decide: Callable[[datetime], Change]) -> Change:
        async with self.lock:
            if self.queue.local_day(self.clock()) > self.queue.day:
                # Its own transaction, after catching up: another process may have started the day already.
                await self._transact(lambda now: self.queue.roll_day(now) or Change())
            return await self._transact(decide)

    async def _transact(self, decide: Callable[[datetime], Change]) -> Change:
        """Under the database's write lock: catch up on what other processes committed, decide, write; once
        committed, apply and publish. A process too far behind the log loads everything again first."""
        took = logged = None
        try:
            while True:
                async with self.store.writing() as writing:
                    changes = await writing.changes_since(self.store.last_seq, self.version)
                    if changes.complete:
                        took = self._take(changes) or took
                        now = self.clock()
                        change = decide(now)
                        if change.tickets or change.desks or change.events or change.meta:
                            events = [self._announced(e) for e in change.events]
                            logged = await writing.write(
                                change.day or self.queue.day, change.tickets, change.desks,
                                [(e.type, e.zone, e.to_json()) for e in events], now, change.history,
                                config=change.version, audit=change.audit, meta=change.meta,
                            )
                if changes.complete:
                    break
                await self._reload()
            if logged is not None:
                self._apply(change, events, logged, now, ours=True)
            return change
        finally:
            if took or logged is not None:
                await self._wake()

    async def follow(self) -> None:
        """Catch up now on what other hub processes committed: called by the log follower (server/follower.py)
        when the database rings and every second, and for a page that resumes from a later position than
        this process has reached."""
        await asyncio.shield(self._follow())

    async def _follow(self) -> None:
        async with self.lock:
            changes = await self.store.changes_since(self.store.last_seq, self.version)
            if not changes.complete:
                return await self._reload()
            if not self._take(changes):
                return
        await self._wake()

    def _take(self, changes: Changes) -> bool:
        """Apply and publish what other processes committed (already in the database); False when nothing."""
        if changes.seq == changes.since:
            return False
        change, events = caught_up(changes, self.queue.day, self.file_config.path)
        self._apply(change, events, changes.events, self.clock(), ours=False)
        return True

    async def _reload(self) -> None:
        """This process fell behind what the log still holds (or the database went back to an older state):
        load everything again; every page then starts again from a fresh snapshot."""
        log.warning("the event log no longer holds every change since seq %d: loading the hall again",
                    self.store.last_seq)
        before = self.config
        await self._load()
        now = self.clock()
        self.queue.shown = self.queue.closures(now)
        self._hall_shown = self._hall_code(now)
        self.hub.resnapshot(self.snapshot)
        if self.config is not before:
            self._notify(self.config)
        await self._wake()

    async def _wake(self) -> None:
        """Wake the citizens' ticket pages: something changed."""
        async with self.changed:
            self.changed.notify_all()

    def _apply(self, change: Change, events: list, logged: list[LoggedEvent], now: datetime, *, ours: bool) -> None:
        """Make a committed change the running state and send its events to this process's pages, in one step
        with no await, so that no snapshot shows half of it. `events`: the change's typed events (for a change
        caught up from the log, those the hall reads back); `ours`: committed by this process."""
        rolled = change.day is not None and change.day != self.queue.day
        if change.config is not None:
            self._install(change.config, change.version, now)
        self.queue.apply(change)
        if rolled:
            for calls in self.recent.values():
                calls.clear()
            # The pages start the new day from a snapshot (day.started): it says what is open.
            self.queue.shown = self.queue.closures(now)
            self._hall_shown = self._hall_code(now)
            expired = sum(t.status is Status.EXPIRED for t in change.tickets)
            log.info("new day %s: %d open tickets expired%s", change.day, expired,
                     "" if ours else " (by another hub process)")
        for e in events:
            if isinstance(e, TicketCalled | TicketRecalled):
                self._remember_call(e, e.at or now)
            elif isinstance(e, HallUpdated):
                self._hall_shown = _closure_code(e.hall)
        if logged:
            self.store.last_seq = logged[-1].seq
        self.hub.publish(logged)
        if change.config is not None and _touches_anything(change):
            # A counter panel whose officer lost that counter is told so and closed; every other page
            # redraws from a fresh snapshot.
            self.hub.end_counter_panels(lambda username, counter: access.counter_refusal(
                self.config, username, counter))
            self.hub.resnapshot(self.snapshot)
            self._notify(change.config)
        if ours:
            self._play(events)
        else:
            self._render(events)
        for observer in self.observers:  # for a caught-up change, `events` holds the kinds the hall reads back
            try:
                observer(change)
            except Exception:
                log.exception("a part of the hub could not follow a change")
        self._hint_announcer()

    def _announced(self, event):
        if self.announcer is None or not isinstance(event, TicketCalled | TicketRecalled):
            return event
        try:
            recall = isinstance(event, TicketRecalled)
            # Rendered now, so the event carries its URL; played on the hub's own
            # speakers only once committed (_play).
            said = self.announcer.announce(*_spoken(event), recall=recall, play=False)
            announcement = Announcement.model_validate(said) if said is not None else None
        except Exception:  # audio must never stop a call from going out
            log.exception("announcer failed; the call goes out without audio")
            announcement = None
        return event.model_copy(update={"announcement": announcement})

    def _render(self, events: list) -> None:
        """Render the calls another process made, so that this one also answers a TV's request for their audio
        (a load balancer may send it to any process); they play on the speakers of the process that made them."""
        if self.announcer is None:
            return
        for e in events:
            if isinstance(e, TicketCalled | TicketRecalled) and e.announcement is not None:
                try:
                    self.announcer.announce(*_spoken(e), recall=isinstance(e, TicketRecalled), play=False,
                                            made_as=e.announcement.audio_url)
                except Exception:
                    log.exception("announcer failed to render another process's call")

    def _play(self, events: list) -> None:
        if self.announcer is None:
            return
        for e in events:
            if isinstance(e, TicketCalled | TicketRecalled):
                try:
                    self.announcer.play(*_spoken(e), recall=isinstance(e, TicketRecalled))
                except Exception:
                    log.exception("announcer failed to play a call")

    def _hint_announcer(self) -> None:
        if self.announcer is None:
            return
        pairs = []
        for counter in self.config.counters.values():
            likely = self.queue.line(counter.id)[:PRERENDER_PER_COUNTER]  # what call-next will pick
            pairs += [(TicketView.of(t).dump(), CounterRef.of(counter).dump()) for t in likely]
        try:
            self.announcer.prerender(pairs)
        except Exception:
            log.exception("announcer prerender failed")

    # ------------------------------------------------------------ views

    def _call_entry(self, ticket: Ticket | TicketView, counter_id: str, at: datetime | str | None = None,
                    config: SiteConfig | None = None) -> RecentCall:
        """One line of the displays' history; `at` is when it was last announced (call or recall); `config`: the
        configuration that names the counter (the running one by default)."""
        return RecentCall(number=ticket.number, service=ticket.service, ticket_id=ticket.id,
                          counter=CounterRef.of((config or self.config).counters[counter_id]),
                          called_at=ticket.called_at, calls=ticket.calls, at=at or ticket.called_at)

    def _remember_call(self, event: TicketCalled | TicketRecalled, at: datetime) -> None:
        entry = self._call_entry(event.ticket, event.counter.id, at)
        for calls in self.recent.values():  # a ticket called again elsewhere leaves its old zone's list
            for existing in [c for c in calls if c.ticket_id == entry.ticket_id]:
                calls.remove(existing)
        self.recent[entry.counter.zone].appendleft(entry)

    def recent_calls(self, zone: str | None = None) -> list[RecentCall]:
        """The last calls of `zone` (at most RECENT), or of every zone together; newest first.

        A call's place is its last announcement (`at`), so a recall comes first again."""
        if zone is not None:
            return list(self.recent.get(zone, ()))
        return self.recent_calls_all()[:RECENT]

    def recent_calls_all(self) -> list[RecentCall]:
        """Every zone's last calls together, newest first."""
        merged = [entry for calls in self.recent.values() for entry in calls]
        merged.sort(key=lambda e: e.at, reverse=True)
        return merged

    def state(self, zone: str | None = None) -> Snapshot:
        """Everything a page needs to draw itself; the WebSocket snapshot."""
        q, cfg = self.queue, self.config
        now = self.clock()
        return Snapshot(
            seq=self.store.last_seq,
            epoch=self.store.epoch,
            config_version=self.version,
            day=q.day,
            now=now,
            zone=zone,
            site=SiteView.of(cfg.site, self._running_notes(cfg)),
            hall=q.hall_status(now),
            settings=PageSettings.of(cfg),
            zones=[ZoneView.of(z) for z in cfg.zones.values()],
            agencies=[AgencyView.of(a) for a in cfg.agencies.values()],
            services=q.service_views(now),
            counters=[q.counter_view(cid) for cid, c in cfg.counters.items() if zone is None or c.zone == zone],
            recent=self.recent_calls(zone),
        )

    def _running_notes(self, config: SiteConfig) -> list[str]:
        notes = []
        for part in self.running_texts:
            try:
                note = part(config)
            except Exception:
                log.exception("a part of the hub could not give its running text")
                continue
            if note:
                notes.append(note)
        return notes

    def ticket_view(self, ticket: Ticket) -> HolderView:
        """A ticket as its holder sees it: with the people ahead and the estimated wait.

        A ticket of another day than the hub's that could still have changed that day (waiting,
        called, skipped) is shown as expired: it can no longer be called.
        """
        q = self.queue
        live = q.live(ticket.id) or ticket
        if (live.status in OPEN or live.status is Status.SKIPPED) and live.day != q.day:
            live = live.with_(status=Status.EXPIRED)
        svc = self.config.services.get(live.service)  # None: removed from the configuration since
        ahead = q.ahead(live)
        return HolderView.of(
            live, ahead=ahead,
            estimated_wait=q.estimated_wait(live.service, ahead) if live.status is Status.WAITING else None,
            service=svc,
            agency=self.config.agencies.get(svc.agency) if svc and svc.agency else None,
            counter=self.config.counters.get(live.counter) if live.counter else None,
        )


def _spoken(event: TicketCalled | TicketRecalled) -> tuple[dict, dict]:
    """What the announcer reads a call from: the ticket and the counter's reference, as JSON values."""
    return event.ticket.dump(), event.counter.model_dump(mode="json", include={"id", "name", "zone"})


def _closure_code(status: HallView) -> str | None:
    return status.closed.code if status.closed is not None else None


def _touches_anything(change: Change) -> bool:
    """Whether a configuration change's `config.updated` names any section (a save with no difference
    names none: no page needs to redraw)."""
    return any(isinstance(e, ConfigUpdated) and e.sections for e in change.events)
