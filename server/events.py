"""Typed hub events: one model per kind, built from the views, serialised once per event.

Every event carries `type`, and once committed the `seq` the event log gave it
and `at` (when the hub committed it). `zone` says which displays receive it
(None: every display). Each event says what happened once: a call-next is one
`ticket.called` that also names the ticket it finished, the counter's new
state and the waiting lines it changed.

docs/protocol.md documents each kind with an example (a test validates the
examples against these models); `EVENT_TYPES` is the one list of kinds.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from server.views import (
    Announcement,
    CounterStatus,
    CounterView,
    HallView,
    HolderView,
    ServiceQueue,
    ServiceView,
    Snapshot,
    TicketRef,
    TicketView,
    Timestamp,
    View,
)


class Event(View):
    """Base of every event. `seq` and `at` are set by the event log when the event is committed."""

    seq: int = 0
    at: Timestamp | None = None

    @property
    def zone(self) -> str | None:
        counter = getattr(self, "counter", None)
        return counter.zone if counter is not None else None

    def to_json(self) -> dict[str, Any]:
        """The body as JSON-ready values, `type` and `seq` first (the log fills in `seq` and `at`)."""
        body = self.model_dump(mode="json", exclude={"at"})
        return {"type": body.pop("type"), "seq": body.pop("seq"), **body}


class TicketIssued(Event):
    type: Literal["ticket.issued"] = "ticket.issued"
    ticket: TicketView
    services: list[ServiceQueue] = Field(description="the waiting line of the ticket's service")


class TicketCalled(Event):
    type: Literal["ticket.called"] = "ticket.called"
    ticket: TicketView = Field(description="the called ticket: now at the counter's desk")
    counter: CounterStatus
    finished: TicketRef | None = Field(default=None, description="the ticket this call finished (status done): "
                                                                 "the one that was at the desk")
    services: list[ServiceQueue] = Field(description="waiting lines this call changed")
    announcement: Announcement | None = Field(default=None, description="null when spoken calls are off or failed")


class TicketRecalled(Event):
    type: Literal["ticket.recalled"] = "ticket.recalled"
    ticket: TicketView = Field(description="still at the counter's desk, `calls` one higher")
    counter: CounterStatus
    announcement: Announcement | None = None


class TicketSkipped(Event):
    type: Literal["ticket.skipped"] = "ticket.skipped"
    ticket: TicketView = Field(description="status skipped; the desk is empty now")
    counter: CounterStatus


class TicketReinstated(Event):
    type: Literal["ticket.reinstated"] = "ticket.reinstated"
    ticket: TicketView = Field(description="the skipped ticket, waiting again at its original place")
    counter: CounterStatus = Field(description="the counter whose officer put it back (its desk is unchanged)")
    services: list[ServiceQueue]


class TicketDone(Event):
    type: Literal["ticket.done"] = "ticket.done"
    ticket: TicketView = Field(description="status done; the desk is empty now")
    counter: CounterStatus
    services: list[ServiceQueue] = Field(description="the wait estimate of the ticket's service moved")


class TicketTransferred(Event):
    type: Literal["ticket.transferred"] = "ticket.transferred"
    ticket: TicketView = Field(description="the new waiting ticket in the target service (same number)")
    previous: TicketView = Field(description="the ticket as it left the counter, status transferred")
    counter: CounterStatus = Field(description="the desk is empty now")
    services: list[ServiceQueue]


class CounterUpdated(Event):
    type: Literal["counter.updated"] = "counter.updated"
    counter: CounterView
    services: list[ServiceQueue] = Field(description="wait estimates that moved with the counter's state")


class ServiceUpdated(Event):
    type: Literal["service.updated"] = "service.updated"
    services: list[ServiceView] = Field(description="services whose availability changed: opening hours began or "
                                                    "ended, or the daily quota ran out")


class DayStarted(Event):
    type: Literal["day.started"] = "day.started"
    day: str
    expired: int = Field(ge=0, description="open tickets of the previous day that expired")


class HallUpdated(Event):
    type: Literal["hall.updated"] = "hall.updated"
    hall: HallView = Field(description="the hall opened or closed for tickets by its calendar (opening or closing "
                                       "time, a break, a holiday): as in the snapshot")


class ConfigUpdated(Event):
    """The running configuration was replaced (admin console, TOML import). Every live page gets a
    fresh snapshot right after this event (server.hub.Hub.resnapshot)."""

    type: Literal["config.updated"] = "config.updated"
    version: int = Field(ge=1, description="the configuration's new version")
    sections: list[str] = Field(examples=[["services", "counters"]],
                                description="the top-level sections that changed")


KINDS: tuple[type[Event], ...] = (TicketIssued, TicketCalled, TicketRecalled, TicketSkipped, TicketReinstated,
                                  TicketDone, TicketTransferred, CounterUpdated, ServiceUpdated, DayStarted,
                                  HallUpdated, ConfigUpdated)
EVENT_TYPES = [kind.model_fields["type"].default for kind in KINDS]

AnyEvent = Annotated[
    TicketIssued | TicketCalled | TicketRecalled | TicketSkipped | TicketReinstated | TicketDone | TicketTransferred
    | CounterUpdated | ServiceUpdated | DayStarted | HallUpdated | ConfigUpdated,
    Field(discriminator="type"),
]
event_adapter: TypeAdapter[Event] = TypeAdapter(AnyEvent)
"""Parses any event the hub sends (tests, docs checks): `event_adapter.validate_python(body)`."""


# ---------------------------------------------------------------- other messages a page receives
# Not in the event log (no `seq` of their own, or only as a stamp), but documented and typed alike.


class SnapshotMessage(Snapshot):
    """The first message on /ws/display and /ws/counter (and after any resync)."""

    type: Literal["snapshot"] = "snapshot"
    heartbeat: float | None = Field(default=None, description="/ws/display only: seconds between the hub's "
                                                              "heartbeats on this link")
    skipped: list[TicketView] | None = Field(default=None, description="/ws/counter only: today's skipped tickets "
                                                                       "of the counter's services, latest first")

    @classmethod
    def of(cls, snapshot: Snapshot, **extra: Any) -> SnapshotMessage:
        return cls(**snapshot.__dict__, **extra)

    def dump(self) -> dict[str, Any]:
        body = super().dump()
        for only_some in ("heartbeat", "skipped"):  # present on the sockets that send them
            if body[only_some] is None:
                del body[only_some]
        return {"type": body.pop("type"), **body}


class TicketStatus(View):
    """/ws/ticket/{token}: the holder's view, on connect and whenever it changes."""

    type: Literal["ticket.status"] = "ticket.status"
    seq: int = Field(description="the hub's last event when it was sent: a stamp, not a position to resume from")
    ticket: HolderView


class Pong(View):
    type: Literal["pong"] = "pong"
    t: Any = Field(default=None, description="the ping's `t`, as sent")


class Heartbeat(View):
    """/ws/display, every `interval` seconds: the link is alive (server/hub.py)."""

    type: Literal["heartbeat"] = "heartbeat"
    interval: float = Field(description="seconds until the next one")


class ErrorMessage(View):
    """A refused connection (then closed with 1008) or an invalid client message (the connection stays)."""

    type: Literal["error"] = "error"
    code: str
    message: str


MESSAGES: tuple[type[View], ...] = (SnapshotMessage, TicketStatus, Heartbeat, Pong, ErrorMessage)
MESSAGE_TYPES = [kind.model_fields["type"].default for kind in MESSAGES]
