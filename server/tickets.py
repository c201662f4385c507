"""Tickets and counters as plain values."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    DONE = "done"
    SKIPPED = "skipped"  # tidak hadir
    TRANSFERRED = "transferred"
    EXPIRED = "expired"  # left open when its day ended


OPEN = (Status.WAITING, Status.CALLED)


class Action(StrEnum):
    """What happened to a ticket, one row of its history (table ticket_history, docs/operations.md)."""

    ISSUED = "issued"  # taken at a kiosk or through the API (not for a transfer's new ticket)
    CALLED = "called"  # called to a counter: by call-next, or a skipped ticket called back directly
    RECALLED = "recalled"  # announced again while at the counter
    SKIPPED = "skipped"  # tidak hadir
    REINSTATED = "reinstated"  # a skipped ticket put back into the waiting line at its original place
    DONE = "done"  # served
    TRANSFERRED = "transferred"  # left this service; the new ticket (same number) has `origin` = this id
    EXPIRED = "expired"  # still open when its day ended


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One action on one ticket, written in the same transaction as the change it records.
    `counter` and `officer` (username) say where and by whom; None for the kiosk and the day's end."""

    ticket_id: int
    at: datetime
    action: Action
    service: str  # the ticket's service when it happened
    counter: str | None = None
    officer: str | None = None


class CounterState(StrEnum):
    CLOSED = "closed"  # tutup: nobody has opened it today
    OPEN = "open"  # melayani
    PAUSED = "paused"  # istirahat


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    number: str
    service: str
    day: str  # local date, ISO
    priority: bool
    status: Status
    issued_at: datetime
    arrived_at: datetime  # original arrival; kept across transfers
    token: str  # unguessable, for the citizen's status page
    counter: str | None = None
    called_at: datetime | None = None
    finished_at: datetime | None = None
    calls: int = 0
    origin: int | None = None  # the ticket this one was transferred from

    def with_(self, **changes) -> Ticket:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Desk:
    """The live state of one counter (loket)."""

    id: str
    state: CounterState = CounterState.CLOSED
    current: int | None = None  # ticket id being served
    priority_streak: int = 0  # consecutive priority calls while regular tickets waited
    served: int = 0  # tickets finished here today
    officer: str | None = None

    def with_(self, **changes) -> Desk:
        return replace(self, **changes)
