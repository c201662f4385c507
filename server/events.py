"""Typed hub events: one dataclass per kind, serialised once per event.

Every event carries `type` and, once committed, the `seq` the event log gave
it. `zone` says which displays receive it (None: every display).
docs/protocol.md documents each kind; `EVENT_TYPES` is the one list of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = "event"

    @property
    def zone(self) -> str | None:
        counter = getattr(self, "counter", None)
        return counter["zone"] if counter else None

    def to_json(self, seq: int) -> dict[str, Any]:
        body = {"type": self.type, "seq": seq}
        for f in dataclasses.fields(self):
            body[f.name] = getattr(self, f.name)
        return body


@dataclass(frozen=True)
class TicketIssued(Event):
    type: ClassVar[str] = "ticket.issued"
    ticket: dict
    queue: dict  # {"A": {"waiting": 4, "priority": 1}} for the ticket's service


@dataclass(frozen=True)
class TicketCalled(Event):
    type: ClassVar[str] = "ticket.called"
    ticket: dict
    counter: dict  # {"id", "name", "zone"}
    queue: dict
    announcement: dict | None = None  # {"text", "audio_url"}, filled by the announcer


@dataclass(frozen=True)
class TicketRecalled(Event):
    type: ClassVar[str] = "ticket.recalled"
    ticket: dict
    counter: dict
    announcement: dict | None = None


@dataclass(frozen=True)
class TicketSkipped(Event):
    type: ClassVar[str] = "ticket.skipped"
    ticket: dict
    counter: dict


@dataclass(frozen=True)
class TicketReinstated(Event):
    type: ClassVar[str] = "ticket.reinstated"
    ticket: dict  # the skipped ticket, waiting again at its original place
    counter: dict  # the counter whose officer put it back
    queue: dict


@dataclass(frozen=True)
class TicketDone(Event):
    type: ClassVar[str] = "ticket.done"
    ticket: dict
    counter: dict


@dataclass(frozen=True)
class TicketTransferred(Event):
    type: ClassVar[str] = "ticket.transferred"
    ticket: dict  # the new waiting ticket in the target service (same number)
    previous: dict  # the ticket as it left the counter, status "transferred"
    counter: dict
    queue: dict


@dataclass(frozen=True)
class CounterUpdated(Event):
    type: ClassVar[str] = "counter.updated"
    counter: dict  # full counter view: id, name, zone, services, state, ticket, served


@dataclass(frozen=True)
class DayStarted(Event):
    type: ClassVar[str] = "day.started"
    day: str
    expired: int  # open tickets of the previous day that expired


EVENT_TYPES = [
    cls.type
    for cls in (TicketIssued, TicketCalled, TicketRecalled, TicketSkipped, TicketReinstated, TicketDone,
                TicketTransferred, CounterUpdated, DayStarted)
]
