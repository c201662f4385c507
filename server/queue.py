"""The ticket rules: issue, call next, recall, skip, done, transfer, pause, and bringing
a skipped ticket back (call it directly, or reinstate it in the waiting line).

Pure Python: no I/O, no await. Each operation validates against the current
state and returns a `Change` (new ticket and counter values plus the events
they produce) without mutating anything; the caller persists the change and
only then `apply()`s it. A failed write therefore leaves the state untouched.
Each change also carries its tickets' history rows (who did what, where, when).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from config.site import Counter, Service, SiteConfig
from server import opening
from server.errors import Conflict, HubError, NotFound, unknown_counter, unknown_service
from server.events import (
    CounterUpdated,
    DayStarted,
    Event,
    ServiceUpdated,
    TicketCalled,
    TicketDone,
    TicketIssued,
    TicketRecalled,
    TicketReinstated,
    TicketSkipped,
    TicketTransferred,
)
from server.tickets import OPEN, Action, CounterState, Desk, HistoryEntry, Status, Ticket
from server.views import (
    Closure,
    CounterStatus,
    CounterView,
    HallView,
    ServiceQueue,
    ServiceView,
    TicketRef,
    TicketView,
)
from server.wording import wait_text


@dataclass
class Change:
    tickets: list[Ticket] = field(default_factory=list)
    desks: list[Desk] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    day: str | None = None  # set when the local day rolled over
    result: Ticket | Desk | None = None  # what the API answers with
    # A configuration change (server/reconfig.py): the configuration it installs, the version
    # row and audit entries committed with it, and meta keys (the imported file's fingerprint).
    config: SiteConfig | None = None
    version: Any = None  # server.store.ConfigVersion
    audit: list[Any] = field(default_factory=list)  # server.audit.AuditEntry
    meta: dict[str, str] = field(default_factory=dict)

    def __iadd__(self, other: Change) -> Change:
        self.tickets += other.tickets
        self.desks += other.desks
        self.events += other.events
        self.history += other.history
        self.day = other.day or self.day
        return self


@dataclass
class ServiceStats:
    issued: int = 0  # numbers handed out today (transfers excluded)
    served_seconds: float = 0.0
    served: int = 0

    @property
    def average_seconds(self) -> float | None:
        return self.served_seconds / self.served if self.served else None


class Queue:
    """Today's open and skipped tickets and the counters, for one site.

    Counter operations take the acting officer's username (`officer`), kept on the desk and in
    each history row; None where no officer acts (tests, the day's end)."""

    def __init__(
        self,
        config: SiteConfig,
        day: str,
        tickets: Iterable[Ticket] = (),
        desks: Iterable[Desk] = (),
        *,
        next_id: int = 1,
        stats: dict[str, ServiceStats] | None = None,
    ) -> None:
        self.config = config
        self.day = day
        tickets = list(tickets)
        self.open: dict[int, Ticket] = {t.id: t for t in tickets if t.status in OPEN}
        # Today's no-shows: an officer may still call them back or reinstate them.
        self.skipped: dict[int, Ticket] = {t.id: t for t in tickets if t.status is Status.SKIPPED and t.day == day}
        # token -> the ticket its holder follows now (open, or skipped today)
        self.by_token: dict[str, int] = {t.token: t.id for t in (*self.skipped.values(), *self.open.values())}
        # Built on demand and dropped by apply(): every status page asks after each
        # change, so each counter's line is ordered once per change, not once per phone.
        self._lines: dict[tuple[frozenset[str], int], list[Ticket]] = {}
        self._places: dict[tuple[frozenset[str], int], dict[int, int]] = {}
        self._sorted: list[Ticket] | None = None
        self._waiting_by_service: dict[str, dict[str, int]] | None = None
        self.desks: dict[str, Desk] = {cid: Desk(cid) for cid in config.counters}
        self.desks.update({d.id: d for d in desks if d.id in config.counters})
        self.next_id = next_id
        self.stats: dict[str, ServiceStats] = {code: ServiceStats() for code in config.services}
        self.stats.update(stats or {})
        # Why each service issued no ticket (Closure.code), as the pages were last told; see
        # availability_change(). Set by the hall at start, reset each day.
        self.shown: dict[str, str | None] = {}
        self._hall_cache: tuple[tuple, opening.HallClosed | None] = ((), None)  # see _hall_closed
        self._staffed_cache: tuple[SiteConfig | None, frozenset[str]] = (None, frozenset())  # see _staffed

    # ------------------------------------------------------------ reading

    def local_day(self, now: datetime) -> str:
        return now.astimezone(self.config.site.tz).date().isoformat()

    def waiting(self, services: Iterable[str] | None = None) -> list[Ticket]:
        """Waiting tickets, priority first, then by arrival (the priority cap is `call_order`'s business)."""
        wanted = set(services) if services is not None else None
        found = [
            t for t in self.open.values()
            if t.status is Status.WAITING and (wanted is None or t.service in wanted)
        ]
        return sorted(found, key=_call_order)

    def queue_counts(self, services: Iterable[str]) -> dict[str, dict[str, int]]:
        """{"A": {"waiting": 6, "priority": 1}, ...} for the given services."""
        tally = self._tally()
        return {code: dict(tally.get(code, _NONE_WAITING)) for code in services}

    def _tally(self) -> dict[str, dict[str, int]]:
        """Waiting and priority counts of every service with a waiting ticket; counted once per state."""
        if self._waiting_by_service is None:
            self._waiting_by_service = _counts(self.open.values(), {t.service for t in self.open.values()})
        return self._waiting_by_service

    def line(self, counter_id: str) -> list[Ticket]:
        """The waiting tickets in the order this counter would call them if it alone kept pressing
        call-next and nobody new arrived (`call_order` from its current priority streak)."""
        counter, desk = self._desk(counter_id)
        return self._line(frozenset(counter.services), desk.priority_streak)

    def ahead(self, ticket: Ticket) -> int:
        """How many tickets will be called before this waiting one: its place in the line of the
        counter where it comes soonest (see `line`; every service of that counter counts, in call
        order with the priority cap). Counters that are open or paused count; when none is, every
        counter serving the service. 0 for a ticket that is not waiting. docs/protocol.md, "ahead"."""
        if ticket.status is not Status.WAITING:
            return 0
        return min(self._places_in(key).get(ticket.id, 0) for key in self._lines_serving(ticket.service))

    def ahead_of_new(self, service: str) -> int:
        """`ahead` of a regular ticket of `service` issued now: it would be last in every line. A line holds
        every waiting ticket of its counter's services once (`call_order`), so its length is their count."""
        tally = self._tally()
        return min(sum(tally[code]["waiting"] for code in services if code in tally)
                   for services, _ in self._lines_serving(service))

    def estimated_wait(self, service: str, ahead: int) -> int | None:
        """Seconds until a ticket with `ahead` tickets before it is likely called, None when unknown:
        ahead × today's average service time of `service` (call to done) ÷ its open counters (at least 1)."""
        stats = self.stats.get(service)
        average = stats.average_seconds if stats else None
        if average is None:
            return None
        serving = sum(
            1 for c in self.config.counters_serving(service)
            if self.desks[c.id].state is CounterState.OPEN
        )
        return round(ahead * average / max(1, serving))

    def live(self, ticket_id: int) -> Ticket | None:
        """A ticket that can still change today: open (waiting or called) or skipped today."""
        return self.open.get(ticket_id) or self.skipped.get(ticket_id)

    def live_by_token(self, token: str) -> Ticket | None:
        """The live ticket (see `live`) a holder's token belongs to."""
        ticket_id = self.by_token.get(token)
        return self.live(ticket_id) if ticket_id is not None else None

    def skipped_for(self, counter_id: str) -> list[Ticket]:
        """Today's skipped tickets of the services this counter serves, most recently skipped first."""
        counter, _ = self._desk(counter_id)
        found = [t for t in self.skipped.values() if t.service in counter.services]
        return sorted(found, key=lambda t: (t.finished_at, t.id), reverse=True)

    def current(self, counter_id: str) -> Ticket | None:
        desk = self.desks[counter_id]
        return self.open.get(desk.current) if desk.current is not None else None

    def counter_view(self, counter_id: str) -> CounterView:
        """A counter with the ticket at its desk (the API's and the snapshot's counter)."""
        return CounterView.of(self.config.counters[counter_id], self.desks[counter_id], self.current(counter_id))

    def counter_status(self, counter_id: str) -> CounterStatus:
        return CounterStatus.of(self.config.counters[counter_id], self.desks[counter_id])

    def service_queues(self, codes: Iterable[str]) -> list[ServiceQueue]:
        """The waiting lines of `codes` (configuration order), with each one's wait estimate for a newcomer."""
        wanted = [code for code in self.config.services if code in set(codes)]
        counts = self.queue_counts(wanted)
        return [self._service_queue(code, counts[code]) for code in wanted]

    def service_views(self, now: datetime, codes: Iterable[str] | None = None) -> list[ServiceView]:
        """Services (all, or `codes`) with their offer, waiting line and availability at `now`."""
        wanted = [code for code in self.config.services if codes is None or code in set(codes)]
        counts = self.queue_counts(wanted)
        views = []
        for code in wanted:
            svc, stats, closed = self.config.services[code], self.stats[code], self.closure(code, now)
            average = stats.average_seconds
            views.append(ServiceView(
                **self._service_queue(code, counts[code]).__dict__,
                name=svc.name, agency=svc.agency, description=svc.description, issued=stats.issued,
                daily_quota=svc.daily_quota, open=_hm(svc.open), close=_hm(svc.close),
                average_service_seconds=round(average) if average else None,
                active=svc.active, available=closed is None, closed=closed,
            ))
        return views

    def _service_queue(self, code: str, counts: dict[str, int]) -> ServiceQueue:
        """`estimated_wait` is for a ticket taken now: `ahead_of_new` × the average ÷ open counters."""
        wait = self.estimated_wait(code, self.ahead_of_new(code))
        return ServiceQueue(code=code, waiting=counts["waiting"], priority_waiting=counts["priority"],
                            estimated_wait=wait, estimated_wait_text=wait_text(wait))

    # ------------------------------------------------------------ availability

    def closure(self, code: str, now: datetime) -> Closure | None:
        """Why service `code` issues no ticket at `now` (switched off, no counter calls it, the hall closed
        by its calendar, outside its hours, quota used up), or None.

        The one rule behind the kiosk's refusals (409) and the services' `available` and `closed`.
        No counter calls it: the configuration lists it at no counter, so nobody could ever call its
        tickets; a counter that is paused or closed today still serves it (that passes).
        """
        svc = self.config.services[code]
        if not svc.active:
            return Closure(code="service_inactive", label="Tidak tersedia",
                           message=f"Layanan {svc.name} sedang tidak tersedia.")
        if code not in self._staffed():
            return Closure(code="service_unstaffed", label="Belum dilayani di loket",
                           message=f"Layanan {svc.name} belum dilayani di loket mana pun. Mohon hubungi "
                                   "petugas informasi.")
        hall = self._hall_closed(now)
        if hall is not None:
            return Closure(code=hall.code, label=hall.label, message=hall.message)
        local = now.astimezone(self.config.site.tz)
        zone_name = local.tzname() or ""
        if svc.open and local.time() < svc.open:
            return Closure(
                code="service_not_open", label=f"Belum buka · {_hours(svc, zone_name)}",
                message=f"Layanan {svc.name} belum dibuka. Pengambilan nomor mulai pukul {svc.open:%H.%M} "
                        f"{zone_name}.",
            )
        if svc.close and local.time() >= svc.close:
            return Closure(
                code="service_closed", label=f"Sudah tutup · {_hours(svc, zone_name)}",
                message=f"Pengambilan nomor layanan {svc.name} sudah ditutup pukul {svc.close:%H.%M} {zone_name}. "
                        "Silakan datang kembali pada hari kerja berikutnya.",
            )
        if svc.daily_quota is not None and self.stats[code].issued >= svc.daily_quota:
            return Closure(
                code="quota_reached", label="Kuota hari ini habis",
                message=f"Kuota harian layanan {svc.name} ({svc.daily_quota} nomor) sudah habis. "
                        "Silakan datang kembali pada hari kerja berikutnya.",
            )
        return None

    def closures(self, now: datetime) -> dict[str, str | None]:
        """Closure code (or None) of every service at `now`."""
        return {code: (c.code if (c := self.closure(code, now)) else None) for code in self.config.services}

    def availability_change(self, now: datetime) -> Change:
        """A `service.updated` for the services whose availability moved since the pages were told
        (opening hours began or ended); an empty change when none did."""
        current = self.closures(now)
        moved = [code for code, reason in current.items() if self.shown.get(code, "?") != reason]
        if not moved:
            return Change()
        return Change(events=[ServiceUpdated(services=self.service_views(now, moved))])

    def next_availability_change(self, now: datetime) -> datetime | None:
        """The next moment today at which a service or the hall (its calendar: opening and closing times,
        breaks) opens or closes for tickets, None if none is left."""
        tz = self.config.site.tz
        local = now.astimezone(tz)
        moments = [
            datetime.combine(local.date(), moment, tzinfo=tz)
            for svc in self.config.services.values() for moment in (svc.open, svc.close) if moment is not None
        ]
        hall = opening.next_change(self.config.calendar, local)
        if hall.date() == local.date():  # not the next midnight: the day's own roll-over sees to that
            moments.append(hall)
        later = [m for m in moments if m > local]
        return min(later) if later else None

    def hall_status(self, now: datetime) -> HallView:
        """The snapshot's `hall`: whether the calendar lets the hall hand out tickets now (server.opening)."""
        return HallView(**opening.status(self.config.calendar, self.config.site.name,
                                         now.astimezone(self.config.site.tz)))

    def _staffed(self) -> frozenset[str]:
        """The services some counter of the configuration calls (worked out once per configuration)."""
        if self._staffed_cache[0] is not self.config:
            self._staffed_cache = (self.config, frozenset(code for counter in self.config.counters.values()
                                                          for code in counter.services))
        return self._staffed_cache[1]

    def _hall_closed(self, now: datetime) -> opening.HallClosed | None:
        # Asked once per service for every snapshot: worked out once per moment and configuration.
        key = (now, id(self.config))
        if self._hall_cache[0] != key:
            self._hall_cache = (key, opening.closure(self.config.calendar, self.config.site.name,
                                                     now.astimezone(self.config.site.tz)))
        return self._hall_cache[1]

    # ------------------------------------------------------------ operations

    def roll_day(self, now: datetime) -> Change | None:
        """Expire the previous day's open tickets once the local date changes."""
        today = self.local_day(now)
        if today <= self.day:
            # Never backwards: a PC clock that jumps back (flat CMOS battery, no
            # NTP in the hall) must not expire today's tickets or reuse numbers.
            return None
        change = Change(day=today)
        change.tickets = [t.with_(status=Status.EXPIRED, finished_at=now) for t in self.open.values()]
        change.history = [HistoryEntry(t.id, now, Action.EXPIRED, t.service) for t in change.tickets]
        change.desks = [Desk(cid) for cid in self.desks]
        change.events = [DayStarted(day=today, expired=len(change.tickets))]
        return change

    def issue(self, service: str, priority: bool, now: datetime, token: str) -> Change:
        svc = self.config.services.get(service)
        if svc is None:
            raise unknown_service(service)
        closed = self.closure(service, now)
        if closed is not None:
            raise Conflict(closed.code, closed.message)
        stats = self.stats[service]
        ticket = Ticket(
            id=self.next_id,
            number=f"{service}{stats.issued + 1:03d}",
            service=service,
            day=self.day,
            priority=bool(priority),
            status=Status.WAITING,
            issued_at=now,
            arrived_at=now,
            token=token,
        )
        change = Change(tickets=[ticket], history=[HistoryEntry(ticket.id, now, Action.ISSUED, service)], result=ticket)
        after = self._after(change)
        change.events.append(TicketIssued(ticket=TicketView.of(ticket), services=self._moved(change, after)))
        if after.closure(service, now) is not None:  # that was the last number of the quota
            change.events.append(ServiceUpdated(services=after.service_views(now, [service])))
        return change

    def call_next(self, counter_id: str, now: datetime, officer: str | None = None) -> Change:
        """Finish the ticket at the desk (done), then call the first ticket of `call_order`."""
        counter, desk = self._desk(counter_id)
        change, desk, finished = self._open_for_a_call(counter, desk, now, officer)
        pick, streak = next(
            call_order(self.waiting(counter.services), desk.priority_streak, self.config.site.max_consecutive_priority),
            (None, desk.priority_streak),
        )
        if pick is None:
            change.desks.append(desk)
            after = self._after(change)
            services = self._moved(change, after)
            if finished is not None:  # the one event says both: finished, and nobody waiting
                change.events.append(TicketDone(ticket=TicketView.of(finished),
                                                counter=after.counter_status(counter_id), services=services))
            else:
                change.events.append(CounterUpdated(counter=after.counter_view(counter_id), services=services))
            return change
        return self._call(change, counter, desk.with_(priority_streak=streak), pick, now, officer, finished)

    def call_skipped(self, counter_id: str, now: datetime, ticket_id: int, officer: str | None = None,
                     stored: Ticket | None = None) -> Change:
        """Call one of today's skipped tickets of this counter's services at once (the citizen came back),
        announced like any call; the ticket at the desk is finished first, as by call-next. The priority
        streak is left as it is: this is the officer's choice, not the selection rule's. `stored`: the
        ticket as the database has it, when it is not live (only to say precisely why it is refused)."""
        counter, desk = self._desk(counter_id)
        ticket = self._skipped_ticket(counter, ticket_id, stored)
        change, desk, finished = self._open_for_a_call(counter, desk, now, officer)
        return self._call(change, counter, desk, ticket, now, officer, finished)

    def reinstate(self, counter_id: str, now: datetime, ticket_id: int, officer: str | None = None,
                  stored: Ticket | None = None) -> Change:
        """Put one of today's skipped tickets of this counter's services back into the waiting line at its
        original place (its arrival time is kept, so call_order puts it where it was). `stored`: as in
        `call_skipped`."""
        counter, desk = self._desk(counter_id)
        ticket = self._skipped_ticket(counter, ticket_id, stored)
        back = ticket.with_(status=Status.WAITING, counter=None, finished_at=None)
        desk = desk.with_(officer=officer or desk.officer)
        change = Change(
            tickets=[back], desks=[desk],
            history=[HistoryEntry(back.id, now, Action.REINSTATED, back.service, counter.id, officer)], result=back,
        )
        after = self._after(change)
        change.events.append(TicketReinstated(ticket=TicketView.of(back), counter=CounterStatus.of(counter, desk),
                                              services=self._moved(change, after)))
        return change

    def recall(self, counter_id: str, now: datetime, officer: str | None = None) -> Change:
        counter, desk = self._desk(counter_id)
        current = self._require_current(counter, desk)
        recalled = current.with_(calls=current.calls + 1)
        desk = desk.with_(officer=officer or desk.officer)
        return Change(
            tickets=[recalled],
            desks=[desk],
            events=[TicketRecalled(ticket=TicketView.of(recalled), counter=CounterStatus.of(counter, desk))],
            history=[HistoryEntry(recalled.id, now, Action.RECALLED, recalled.service, counter.id, officer)],
            result=recalled,
        )

    def skip(self, counter_id: str, now: datetime, officer: str | None = None) -> Change:
        """The citizen at the desk did not come (tidak hadir)."""
        change = self._finish(counter_id, now, Status.SKIPPED, officer)
        finished, desk = change.tickets[0], change.desks[0]
        counter = self.config.counters[counter_id]
        change.events.append(TicketSkipped(ticket=TicketView.of(finished), counter=CounterStatus.of(counter, desk)))
        return change

    def done(self, counter_id: str, now: datetime, officer: str | None = None) -> Change:
        """The citizen at the desk was served (selesai)."""
        change = self._finish(counter_id, now, Status.DONE, officer)
        after = self._after(change)
        change.events.append(TicketDone(ticket=TicketView.of(change.result), counter=after.counter_status(counter_id),
                                        services=self._moved(change, after)))
        return change

    def transfer(self, counter_id: str, service: str, now: datetime, officer: str | None = None) -> Change:
        counter, desk = self._desk(counter_id)
        current = self._require_current(counter, desk)
        target = self.config.services.get(service)
        if target is None:
            raise unknown_service(service)
        if service == current.service:
            raise HubError(
                "same_service", f"Nomor {current.number} sudah berada di layanan {target.name}. Pilih layanan lain."
            )
        if service not in self._staffed():
            raise Conflict("service_unstaffed", f"Layanan {target.name} belum dilayani di loket mana pun: nomor yang "
                           "dialihkan ke sana tidak dapat dipanggil. Pilih layanan lain.")
        left = current.with_(status=Status.TRANSFERRED, finished_at=now)
        moved = Ticket(
            id=self.next_id,
            number=current.number,
            service=service,
            day=current.day,
            priority=current.priority,
            status=Status.WAITING,
            issued_at=now,
            arrived_at=current.arrived_at,
            token=current.token,
            origin=current.id,
        )
        desk = desk.with_(current=None, served=desk.served + 1, officer=officer or desk.officer)
        change = Change(
            tickets=[left, moved], desks=[desk],
            history=[HistoryEntry(left.id, now, Action.TRANSFERRED, left.service, counter.id, officer)], result=moved,
        )
        after = self._after(change)
        change.events.append(TicketTransferred(
            ticket=TicketView.of(moved), previous=TicketView.of(left), counter=after.counter_status(counter_id),
            services=self._moved(change, after),
        ))
        return change

    def pause(self, counter_id: str, now: datetime, officer: str | None = None) -> Change:
        return self._set_state(counter_id, CounterState.PAUSED, officer)

    def resume(self, counter_id: str, now: datetime, officer: str | None = None) -> Change:
        return self._set_state(counter_id, CounterState.OPEN, officer)

    def close(self, counter_id: str, now: datetime, officer: str | None = None) -> Change:
        counter, desk = self._desk(counter_id)
        if desk.current is not None:
            raise Conflict(
                "counter_busy",
                f"{counter.name} masih melayani nomor {self.open[desk.current].number}. Selesaikan dulu.",
            )
        return self._set_state(counter_id, CounterState.CLOSED, officer)

    # ------------------------------------------------------------ state

    def reconfigure(self, config: SiteConfig) -> None:
        """Run on a new configuration from now on (already checked by server.reconfig: no open ticket
        of a removed service, no ticket at a removed counter's desk). Today's numbering goes on:
        the statistics of a removed service are kept, so re-adding it the same day continues its numbers."""
        self.config = config
        self._lines.clear()
        self._places.clear()
        self._sorted = None
        for counter_id in config.counters:
            self.desks.setdefault(counter_id, Desk(counter_id))
        for code in config.services:
            self.stats.setdefault(code, ServiceStats())

    def apply(self, change: Change) -> None:
        """Make a persisted change the current state: one of this queue's own changes, or the rows another hub
        process wrote (as they are now, possibly several steps later: `Hall` catching up on the log)."""
        self._lines.clear()
        self._places.clear()
        self._sorted = None
        self._waiting_by_service = None
        if change.day is not None:
            self.day = change.day
            self.open.clear()
            self.skipped.clear()
            self.by_token.clear()
            self.stats = {code: ServiceStats() for code in self.config.services}
            self.shown = {}  # unknown until the hall says what the new day's snapshots show
        for t in change.tickets:
            # Ids are given in order under the write lock: a ticket at or past next_id is one this queue has
            # not seen yet (another hub process may have issued it, and even served it, meanwhile).
            new = t.id >= self.next_id
            self.next_id = max(self.next_id, t.id + 1)
            live = self.skipped.pop(t.id, None) is not None or t.id in self.open
            if new and t.origin is None and t.day == self.day:
                self.stats.setdefault(t.service, ServiceStats()).issued += 1
            if t.status in OPEN:
                self.open[t.id] = t
                self.by_token[t.token] = t.id
            else:
                self.open.pop(t.id, None)
                if t.status is Status.SKIPPED and t.day == self.day:
                    self.skipped[t.id] = t  # its holder still follows it: it may be called back today
                elif self.by_token.get(t.token) == t.id:  # a transfer's new ticket may hold it already
                    del self.by_token[t.token]
                if (live or new) and t.status is Status.DONE and t.called_at and t.finished_at:
                    stats = self.stats.setdefault(t.service, ServiceStats())
                    stats.served += 1
                    stats.served_seconds += (t.finished_at - t.called_at).total_seconds()
        for d in change.desks:
            self.desks[d.id] = d
        for e in change.events:
            if isinstance(e, ServiceUpdated):
                self.shown.update({s.code: s.closed.code if s.closed else None for s in e.services})

    # ------------------------------------------------------------ helpers

    def _desk(self, counter_id: str) -> tuple[Counter, Desk]:
        counter = self.config.counters.get(counter_id)
        if counter is None:
            raise unknown_counter(counter_id)
        return counter, self.desks[counter_id]

    def _require_current(self, counter: Counter, desk: Desk) -> Ticket:
        if desk.current is None or desk.current not in self.open:
            raise Conflict("no_current_ticket", f"{counter.name} sedang tidak melayani nomor antrian.")
        return self.open[desk.current]

    def _line(self, services: frozenset[str], streak: int) -> list[Ticket]:
        key = (services, streak)
        line = self._lines.get(key)
        if line is None:
            waiting = [t for t in self._waiting_sorted() if t.service in services]
            cap = self.config.site.max_consecutive_priority
            line = self._lines[key] = [t for t, _ in call_order(waiting, streak, cap)]
        return line

    def _places_in(self, key: tuple[frozenset[str], int]) -> dict[int, int]:
        places = self._places.get(key)
        if places is None:
            places = self._places[key] = {t.id: i for i, t in enumerate(self._line(*key))}
        return places

    def _waiting_sorted(self) -> list[Ticket]:
        if self._sorted is None:
            self._sorted = self.waiting()
        return self._sorted

    def _lines_serving(self, service: str) -> list[tuple[frozenset[str], int]]:
        """The lines a ticket of `service` stands in: one per counter that is open or paused (else
        per counter serving it; else the service on its own), counters alike counted once."""
        serving = self.config.counters_serving(service)
        staffed = [c for c in serving if self.desks[c.id].state is not CounterState.CLOSED]
        keys = {(frozenset(c.services), self.desks[c.id].priority_streak) for c in staffed or serving}
        return list(keys) or [(frozenset((service,)), 0)]

    def _finish(self, counter_id: str, now: datetime, status: Status, officer: str | None) -> Change:
        """The desk's ticket finished with `status`; the caller adds the event."""
        counter, desk = self._desk(counter_id)
        current = self._require_current(counter, desk)
        finished = current.with_(status=status, finished_at=now)
        desk = desk.with_(current=None, served=desk.served + (status is Status.DONE), officer=officer or desk.officer)
        return Change(
            tickets=[finished],
            desks=[desk],
            history=[HistoryEntry(finished.id, now, Action(status), finished.service, counter.id, officer)],
            result=finished,
        )

    def _open_for_a_call(self, counter: Counter, desk: Desk, now: datetime,
                         officer: str | None) -> tuple[Change, Desk, Ticket | None]:
        """Before any call: refuse on a break, open a closed counter, finish the ticket at the desk (done).
        Returns the change so far, the desk, and the ticket it finished (the call's event names it)."""
        if desk.state is CounterState.PAUSED:
            raise Conflict(
                "counter_paused", f"{counter.name} sedang istirahat. Buka kembali loket sebelum memanggil."
            )
        change = Change()
        desk = desk.with_(state=CounterState.OPEN, officer=officer or desk.officer)
        current = self.current(counter.id)
        finished = None
        if current is not None:
            finished = current.with_(status=Status.DONE, finished_at=now)
            desk = desk.with_(current=None, served=desk.served + 1)
            change.tickets.append(finished)
            change.history.append(HistoryEntry(finished.id, now, Action.DONE, finished.service, counter.id, officer))
        return change, desk, finished

    def _call(self, change: Change, counter: Counter, desk: Desk, ticket: Ticket, now: datetime,
              officer: str | None, finished: Ticket | None) -> Change:
        """Call `ticket` at the desk: one `ticket.called` that also names the ticket the call finished."""
        called = ticket.with_(status=Status.CALLED, counter=counter.id, called_at=now, finished_at=None,
                              calls=ticket.calls + 1)
        desk = desk.with_(current=called.id)
        change.tickets.append(called)
        change.desks.append(desk)
        change.history.append(HistoryEntry(called.id, now, Action.CALLED, called.service, counter.id, officer))
        change.result = called
        after = self._after(change)
        change.events.append(TicketCalled(
            ticket=TicketView.of(called), counter=after.counter_status(counter.id),
            finished=TicketRef.of(finished) if finished is not None else None,
            services=self._moved(change, after),
        ))
        return change

    def _skipped_ticket(self, counter: Counter, ticket_id: int, stored: Ticket | None) -> Ticket:
        """Today's skipped ticket `ticket_id`, if this counter may bring it back; else a precise refusal."""
        ticket = self.live(ticket_id) or stored
        if ticket is None:
            raise NotFound("unknown_ticket", f"Nomor antrian dengan id {ticket_id} tidak ditemukan.")
        if ticket.day != self.day:
            raise Conflict("ticket_other_day",
                           f"Nomor {ticket.number} adalah nomor tanggal {_dmy(ticket.day)}, bukan hari ini. "
                           "Nomor hari lain tidak dapat dipanggil kembali; silakan minta warga mengambil nomor baru.")
        if ticket.id not in self.skipped:
            raise Conflict("ticket_not_skipped",
                           f"Nomor {ticket.number} {self._status_text(ticket)}, bukan nomor terlewat. Hanya nomor "
                           "yang dilewati hari ini yang dapat dipanggil kembali atau dikembalikan ke antrian.")
        if ticket.service not in counter.services:
            service = self.config.services.get(ticket.service)
            raise Conflict("ticket_other_service",
                           f"Nomor {ticket.number} adalah nomor layanan {service.name if service else ticket.service}"
                           f", yang tidak dilayani {counter.name}.")
        return ticket

    def _status_text(self, ticket: Ticket) -> str:
        where = self.config.counters.get(ticket.counter or "")
        return {
            Status.WAITING: "masih menunggu dipanggil",
            Status.CALLED: f"sedang dipanggil di {where.name if where else 'loket lain'}",
            Status.DONE: "sudah selesai dilayani",
            Status.TRANSFERRED: "sudah dialihkan ke layanan lain",
            Status.EXPIRED: "sudah tidak berlaku",
        }.get(ticket.status, str(ticket.status))

    def _set_state(self, counter_id: str, state: CounterState, officer: str | None) -> Change:
        counter, desk = self._desk(counter_id)
        desk = desk.with_(state=state, officer=officer or desk.officer)
        change = Change(desks=[desk], result=desk)
        after = self._after(change)
        change.events.append(CounterUpdated(counter=after.counter_view(counter_id),
                                            services=self._moved(change, after)))
        return change

    def _after(self, change: Change) -> Queue:
        """A copy of this queue with `change` applied, to describe the state the change leads to
        (its events carry it) while this queue stays as it is until the change is committed."""
        after = copy.copy(self)
        after.open, after.skipped = dict(self.open), dict(self.skipped)
        after.by_token, after.desks = dict(self.by_token), dict(self.desks)
        after._lines, after._places, after._sorted, after._waiting_by_service = {}, {}, None, None
        after.stats = dict(self.stats)
        for code in {t.service for t in change.tickets}:
            after.stats[code] = replace(self.stats[code])
        after.shown = dict(self.shown)
        after.apply(change)
        return after

    def _moved(self, change: Change, after: Queue) -> list[ServiceQueue]:
        """The waiting lines `change` moves (`after` is this queue with it applied): the services whose
        count or wait estimate differs. Candidates are the services of its tickets and every service that
        shares a counter with them (a newcomer waits behind the whole line of a counter: `ahead_of_new`),
        and the services of a counter whose state or priority streak it changes."""
        touched = {t.service for t in change.tickets}
        codes = set(touched)
        for c in self.config.counters.values():
            desk = after.desks[c.id]
            old = self.desks[c.id]
            if touched & set(c.services) or (desk.state, desk.priority_streak) != (old.state, old.priority_streak):
                codes.update(c.services)
        before = {q.code: q for q in self.service_queues(codes)}
        return [q for q in after.service_queues(codes) if q != before[q.code]]


_NONE_WAITING = {"waiting": 0, "priority": 0}


def _counts(tickets: Iterable[Ticket], services: Iterable[str]) -> dict[str, dict[str, int]]:
    counts = {code: {"waiting": 0, "priority": 0} for code in services}
    for t in tickets:
        if t.status is Status.WAITING and t.service in counts:
            counts[t.service]["waiting"] += 1
            counts[t.service]["priority"] += t.priority
    return counts


def _dmy(day: str) -> str:
    """'2026-03-02' -> '02-03-2026', as dates are written in Indonesia."""
    return "-".join(reversed(day.split("-")))


def _call_order(t: Ticket) -> tuple:
    return (not t.priority, t.arrived_at, t.id)


def call_order(waiting: Iterable[Ticket], streak: int, cap: int) -> Iterator[tuple[Ticket, int]]:
    """The selection rule of call-next, as the order one counter calls `waiting` (the tickets of its
    services) if it alone keeps calling and nobody new arrives; with each ticket, the counter's priority
    streak after calling it.

    Priority tickets go first, earliest arrival first; but once the counter has called `cap` priority
    tickets in a row (site.max_consecutive_priority) while regular tickets wait, the earliest regular
    ticket comes next. `streak` is how many it has called in a row so far (Desk.priority_streak).
    Within each kind, earliest arrival first (`arrived_at`, kept across transfers), then ticket id.
    This is the one implementation: call_next takes the first ticket, `Queue.ahead` counts places.
    """
    ordered = sorted(waiting, key=_call_order)
    priority = [t for t in ordered if t.priority]
    regular = [t for t in ordered if not t.priority]
    p = r = 0
    while p < len(priority) or r < len(regular):
        if p < len(priority) and (streak < cap or r == len(regular)):
            p += 1
            streak = streak + 1 if r < len(regular) else 0  # the cap only counts while regulars wait
            yield priority[p - 1], streak
        else:
            r += 1
            streak = 0
            yield regular[r - 1], streak


def _hm(moment) -> str | None:
    return moment.strftime("%H:%M") if moment else None


def _hours(svc: Service, zone_name: str) -> str:
    """'08.00–14.30 WIB': when a service hands out numbers, for a closed tile."""
    opens = f"{svc.open:%H.%M}" if svc.open else "00.00"
    closes = f"{svc.close:%H.%M}" if svc.close else "24.00"
    return f"{opens}–{closes} {zone_name}".rstrip()

