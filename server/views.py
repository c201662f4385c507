"""Every payload the hub sends, declared once (pydantic v2 models).

The HTTP API, the WebSocket events (server/events.py), the snapshot, the
kiosk's and the status page's start-up data and the OpenAPI document
(server/openapi.py) are all built from these models: a field is added or
renamed here and every reader follows. pydantic is the same library the
settings are declared with; its JSON schemas feed /api/openapi.json.

Views are built from the domain's plain values (`server.tickets`, the site
configuration) by the `of()` constructors; they hold no rules of their own:
the numbers in them (people ahead, wait estimates, availability) are decided
by `server.queue.Queue` and passed in.

Times are ISO-8601 strings with the UTC offset as Python writes them
(`2026-11-28T02:41:07.120385+00:00`), in the JSON and in the schemas.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator

from config.site import Agency, Counter, Service, Site, SiteConfig, Zone
from server.tickets import CounterState, Desk, Status, Ticket
from server.wording import ahead_text, wait_text


def _iso(moment: datetime) -> str:
    return moment.isoformat()


Timestamp = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "example": "2026-11-28T02:41:07.120385+00:00"}),
]
"""A moment, written as ISO-8601 with its offset (what `datetime.isoformat()` gives)."""

Seconds = Annotated[int, Field(ge=0, description="seconds")]


class View(BaseModel):
    """Base of every payload: unknown fields are refused, values are not changed after building."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def dump(self) -> dict[str, Any]:
        """The payload as JSON-ready Python values (what goes into `json.dumps`)."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------- tickets


class TicketView(View):
    """A ticket as every page and client sees it."""

    id: int
    number: str = Field(examples=["A012"], description="service prefix and daily number; kept across transfers")
    service: str = Field(description="service code (also the ticket prefix)")
    status: Status = Field(description="waiting, called, done, skipped (tidak hadir), transferred, or expired "
                                       "(still open when its day ended)")
    priority: bool = Field(description="kelompok rentan: lansia, penyandang disabilitas, ibu hamil")
    counter: str | None = Field(description="the counter that called it (id)")
    issued_at: Timestamp
    arrived_at: Timestamp = Field(description="first arrival; kept across transfers")
    called_at: Timestamp | None
    finished_at: Timestamp | None
    calls: int = Field(ge=0, description="announcements: 1 + recalls")
    origin: int | None = Field(description="id of the ticket this one was transferred from")

    @classmethod
    def of(cls, t: Ticket) -> TicketView:
        return cls(**_ticket_fields(t))


def _ticket_fields(t: Ticket) -> dict[str, Any]:
    return {"id": t.id, "number": t.number, "service": t.service, "status": t.status, "priority": t.priority,
            "counter": t.counter, "issued_at": t.issued_at, "arrived_at": t.arrived_at, "called_at": t.called_at,
            "finished_at": t.finished_at, "calls": t.calls, "origin": t.origin}


class TicketRef(View):
    """A ticket named in passing: the one a call-next finished (status done)."""

    id: int
    number: str = Field(examples=["A011"])

    @classmethod
    def of(cls, t: Ticket) -> TicketRef:
        return cls(id=t.id, number=t.number)


class HolderView(TicketView):
    """A ticket as its holder sees it (kiosk, paper, status page): with the people ahead and the wait.

    `ahead` and `estimated_wait` are the hub's (server.queue.Queue.ahead / estimated_wait);
    the texts say them in Indonesian (server.wording).
    """

    ahead: int = Field(ge=0, description="waiting tickets called before this one (0 unless waiting)")
    ahead_text: str = Field(examples=["4 orang"], description="`ahead` in words, after 'Di depan Anda'")
    estimated_wait: Seconds | None = Field(description="seconds until it is likely called; null while unknown "
                                                       "or not waiting")
    estimated_wait_text: str = Field(examples=["± 15 menit"], description="`estimated_wait` in words; '—' if null")
    service_name: str
    agency: str | None
    agency_name: str | None
    counter_name: str | None = Field(description="name of `counter`")
    token: str = Field(description="the holder's secret: whoever has it can follow the ticket")
    status_url: str = Field(examples=["/t/j8J2KAxqNRxySsVx-RrhYg"])

    @classmethod
    def of(cls, t: Ticket, *, ahead: int, estimated_wait: int | None, service: Service | None,
           agency: Agency | None, counter: Counter | None) -> HolderView:
        """`service` None: removed from the configuration since the ticket was issued."""
        return cls(
            **_ticket_fields(t),
            ahead=ahead, ahead_text=ahead_text(ahead),
            estimated_wait=estimated_wait, estimated_wait_text=wait_text(estimated_wait),
            service_name=service.name if service else t.service,
            agency=service.agency if service else None,
            agency_name=agency.name if agency else None,
            counter_name=counter.name if counter else None,
            token=t.token, status_url=f"/t/{t.token}",
        )


# ---------------------------------------------------------------- counters


class CounterRef(View):
    """A counter (loket) named in passing."""

    id: str = Field(examples=["3"])
    name: str = Field(examples=["Loket 3"])
    zone: str = Field(examples=["lantai-2"])

    @classmethod
    def of(cls, c: Counter) -> CounterRef:
        return cls(id=c.id, name=c.name, zone=c.zone)


class CounterStatus(CounterRef):
    """A counter's live state without its ticket: what ticket events carry (the event's own `ticket`
    says what is at the desk afterwards; the services it serves come with the snapshot)."""

    state: CounterState = Field(description="closed (tutup; nobody opened it today), open (melayani), "
                                            "paused (istirahat)")
    served: int = Field(ge=0, description="tickets finished here today")

    @classmethod
    def of(cls, c: Counter, desk: Desk) -> CounterStatus:
        return cls(id=c.id, name=c.name, zone=c.zone, state=desk.state, served=desk.served)


class CounterView(CounterStatus):
    """A counter with the services it serves and the ticket at its desk."""

    services: list[str]
    ticket: TicketView | None

    @classmethod
    def of(cls, c: Counter, desk: Desk, ticket: Ticket | None) -> CounterView:
        return cls(id=c.id, name=c.name, zone=c.zone, services=list(c.services), state=desk.state,
                   served=desk.served, ticket=TicketView.of(ticket) if ticket else None)


class OfficerCounter(CounterRef):
    """A counter an officer may use."""

    services: list[str]


class OfficerView(View):
    """The logged-in officer, their role (server/access.py) and the counters they may use."""

    username: str
    name: str
    role: Literal["petugas", "koordinator", "admin"]
    agency: str | None = Field(description="the agency they belong to; for a koordinator, the one they manage")
    counters: list[OfficerCounter]


# ---------------------------------------------------------------- services


class Closure(View):
    """Why a service issues no ticket now: the same words as the kiosk's refusal (409).

    A service switched off or listed at no counter (`service_unstaffed`: nobody could call its
    tickets) comes first, then the hall's calendar (server/opening.py: the `hall_*` codes), then the
    service's own hours and its quota."""

    code: Literal["service_inactive", "service_unstaffed", "hall_not_open", "hall_closed", "hall_break",
                  "hall_closed_day", "hall_holiday", "hall_closure", "service_not_open", "service_closed",
                  "quota_reached"]
    label: str = Field(examples=["Belum buka · 08.00–14.30 WIB"], description="short, for a tile")
    message: str = Field(description="the full sentence, as the 409 answer says it")


class HallClosure(View):
    """Why the hall hands out no ticket now, by its calendar (server.opening.HallClosed)."""

    code: Literal["hall_not_open", "hall_closed", "hall_break", "hall_closed_day", "hall_holiday", "hall_closure"]
    label: str = Field(examples=["Istirahat salat Jumat · sampai pukul 13.00 WIB"], description="short, for a TV")
    message: str = Field(description="the full sentence, as a ticket request's 409 says it")
    reopens: Timestamp | None = Field(description="when tickets are handed out again (site time); null when the "
                                                  "calendar opens on no day within a year")


class Hours(View):
    open: str = Field(examples=["08:00"], description="HH:MM, site time")
    close: str = Field(examples=["15:00"], description="HH:MM, site time")


class BreakView(View):
    name: str = Field(examples=["Istirahat salat Jumat"])
    start: str = Field(examples=["11:30"])
    end: str = Field(examples=["13:00"])


class HallView(View):
    """What the hall's calendar says now (server.opening.status): the snapshot's `hall`, `hall.updated`."""

    open: bool = Field(description="tickets are handed out now (the services' own hours aside)")
    closed: HallClosure | None = Field(description="why not, when not open")
    hours: Hours | None = Field(description="today's opening hours; null when closed all day or without weekly "
                                            "hours")
    breaks: list[BreakView] = Field(description="today's breaks")


class ServiceQueue(View):
    """A service's waiting line: what changes with every ticket (events carry it)."""

    code: str
    waiting: int = Field(ge=0)
    priority_waiting: int = Field(ge=0)
    estimated_wait: Seconds | None = Field(description="for a ticket taken now; null while unknown")
    estimated_wait_text: str = Field(examples=["± 18 menit"])


class ServiceView(ServiceQueue):
    """A service with its offer and whether a ticket can be taken now (snapshot, `service.updated`)."""

    name: str
    agency: str | None
    description: str
    issued: int = Field(ge=0, description="numbers handed out today (transfers excluded)")
    daily_quota: int | None
    open: str | None = Field(examples=["08:00"], description="local time tickets start, HH:MM")
    close: str | None = Field(examples=["14:30"], description="local time tickets stop, HH:MM")
    average_service_seconds: Seconds | None
    active: bool = Field(description="false: switched off in the configuration; the kiosk does not offer it")
    available: bool = Field(description="a ticket can be taken now")
    closed: Closure | None = Field(description="why not, when not available")


class AgencyView(View):
    code: str
    name: str
    short_name: str

    @classmethod
    def of(cls, a: Agency) -> AgencyView:
        return cls(code=a.code, name=a.name, short_name=a.short_name)


class ZoneView(View):
    id: str
    name: str

    @classmethod
    def of(cls, z: Zone) -> ZoneView:
        return cls(id=z.id, name=z.name)


class SiteView(View):
    """The hall; `timezone` is the IANA zone every page formats times in (Intl.DateTimeFormat)."""

    name: str
    address: str
    timezone: str = Field(examples=["Asia/Jakarta"])
    running_text: str = Field(description="[site] running_text, then what the hub adds (the latest IKM when "
                                          "[survey] display_ikm is on), in one line")
    logo: str | None

    @classmethod
    def of(cls, s: Site, notes: list[str] | tuple[str, ...] = ()) -> SiteView:
        """`notes`: lines the hub's parts add to the running text after the site's own (the latest IKM)."""
        running = RUNNING_TEXT_GAP.join(text for text in (s.running_text, *notes) if text)
        return cls(name=s.name, address=s.address, timezone=s.timezone, running_text=running, logo=s.logo)


RUNNING_TEXT_GAP = "   •   "  # between the site's running text and the lines parts add to it


# ---------------------------------------------------------------- calls and the snapshot


class Announcement(View):
    """A spoken call: its words and where a TV fetches the sound (null: chime or nothing)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    text: str
    audio_url: str | None


class RecentCall(View):
    """One line of the displays' history of calls."""

    number: str
    service: str
    ticket_id: int
    counter: CounterRef
    called_at: Timestamp | None
    calls: int = Field(ge=0)
    at: Timestamp | None = Field(description="when it was last announced (call or recall)")


class DisplayPageSettings(View):
    image_seconds: int
    media_sound: bool
    theme: str


class KioskPageSettings(View):
    idle_seconds: int
    ticket_idle_seconds: int
    print_wait_seconds: float
    browser_print: bool
    paper: str


class CounterPanelPageSettings(View):
    idle_minutes: int = Field(description="[site] session_idle_minutes")


class PageSettings(View):
    """What the pages take from the configuration besides names, in every snapshot so that a change reaches
    open pages without a reload ([display], [kiosk], [site] session_idle_minutes)."""

    display: DisplayPageSettings
    kiosk: KioskPageSettings
    counter_panel: CounterPanelPageSettings

    @classmethod
    def of(cls, config: SiteConfig) -> PageSettings:
        d, k = config.display, config.kiosk
        return cls(
            display=DisplayPageSettings(image_seconds=d.image_seconds, media_sound=d.media_sound, theme=d.theme),
            kiosk=KioskPageSettings(idle_seconds=k.idle_seconds, ticket_idle_seconds=k.ticket_idle_seconds,
                                    print_wait_seconds=k.print_wait_seconds, browser_print=k.browser_print,
                                    paper=k.paper),
            counter_panel=CounterPanelPageSettings(idle_minutes=config.site.session_idle_minutes),
        )


class Snapshot(View):
    """Everything a page needs to draw itself: the first WebSocket message, and GET /api/state."""

    seq: int = Field(description="the last event it includes")
    epoch: str = Field(description="the event log's identity: a new one at every start of the hub (with several "
                                   "hub processes on PostgreSQL: when the first of them starts)")
    config_version: int = Field(description="the running configuration's version")
    day: str = Field(examples=["2026-11-28"], description="the hub's local day")
    now: Timestamp
    zone: str | None
    site: SiteView
    hall: HallView
    settings: PageSettings
    zones: list[ZoneView]
    agencies: list[AgencyView]
    services: list[ServiceView]
    counters: list[CounterView] = Field(description="limited to `zone` when one is given")
    recent: list[RecentCall] = Field(description="last calls, newest first; limited to `zone` when one is given")


# ---------------------------------------------------------------- HTTP answers


class ErrorBody(View):
    code: str = Field(examples=["no_current_ticket"])
    message: str = Field(description="Indonesian, to be shown as it is")
    retry_after: Seconds | None = Field(default=None, description="429 only: seconds until the same request may "
                                                                  "succeed (also the Retry-After header)")
    # The admin API's refusals (docs/protocol.md, "Admin API") say more:
    path: str | None = Field(default=None, examples=["services[3].open"],
                             description="422 invalid_config, 403 outside_agency, some 409s: the configuration key")
    key: str | None = Field(default=None, description="409 service_in_use / counter_busy: the removed item's code")
    version: int | None = Field(default=None, description="409 version_conflict: the current version")
    changed_by: str | None = Field(default=None, description="409 version_conflict: who saved it (username)")
    changed_at: Timestamp | None = Field(default=None, description="409 version_conflict: when")
    summary: str | None = Field(default=None, description="409 version_conflict: what changed since the sender's "
                                                          "version, one Indonesian line")
    changes: dict[str, Any] | None = Field(default=None, description="409 version_conflict: the same as data "
                                                                     "(config.diff.Diff.to_json)")


class ErrorAnswer(View):
    """Every 4xx/5xx answer."""

    error: ErrorBody


class TicketAnswer(View):
    ticket: HolderView


class PrinterOutcome(View):
    kiosk: str = Field(description="the kiosk whose printer it is")
    state: Literal["printed", "sent", "failed"] = Field(
        description="printed: the printer confirmed it; sent: it took every byte but confirms nothing; "
                    "failed: nothing will come out")
    fault: str | None = Field(description="when failed: offline, no_paper, stalled, busy, timeout or error")


class IssueTexts(View):
    """The ticket's facts as printed and shown on the kiosk."""

    issued: str = Field(examples=["Jumat, 28 November 2025 · 09.41 WIB"])
    wait: str = Field(examples=["± 15 menit"])
    ahead: str = Field(examples=["4 orang"])


class IssueAnswer(View):
    """A new ticket, and what happened to its paper."""

    ticket: HolderView
    printed: bool = Field(description="the kiosk's printer confirmed it printed")
    printer: PrinterOutcome | None = Field(description="null when no ESC/POS printer serves the kiosk")
    message: str = Field(description="what the kiosk tells the citizen about the paper")
    status_url: str = Field(description="absolute address of the status page (the QR code)")
    qr_url: str
    text: IssueTexts


class CounterAnswer(View):
    counter: CounterView


class ActionAnswer(View):
    """The ticket the action concerned (null when call-next found nobody) and the counter afterwards."""

    ticket: HolderView | None
    counter: CounterView


class LoginAnswer(View):
    token: str = Field(description="send as `Authorization: Bearer <token>`")
    officer: OfficerView


class OfficerAnswer(View):
    officer: OfficerView


class OkAnswer(View):
    ok: Literal[True]


class SkippedAnswer(View):
    """Today's skipped tickets of a counter's services, latest first."""

    tickets: list[TicketView]


class HubStats(View):
    connections: int = Field(ge=0, description="pages connected by WebSocket now")
    direct: int = Field(ge=0, description="of those, fed straight onto their socket (uvicorn)")
    published: int = Field(ge=0, description="events sent since the start")
    dropped: int = Field(ge=0, description="pages cut off since the start for falling behind")


class DatabaseHealth(View):
    """Whether the hub's database answers (docs/operations.md, "Monitoring")."""

    status: Literal["ok", "unavailable"] = Field(description="unavailable: the PostgreSQL server does not answer; "
                                                             "requests that need it get 503 database_unavailable")
    engine: Literal["sqlite", "postgresql"]
    since: Timestamp | None = Field(description="when it stopped answering; null while it answers")
    detail: str = Field(description="what the driver said (English), empty while it answers")


class HealthAnswer(View):
    status: Literal["ok", "degraded"] = Field(description="degraded: the process runs and its pages keep the last "
                                                          "state, but its database does not answer (database), so "
                                                          "nothing that needs it can be done; the parts' own "
                                                          "status (audio, kiosk printers) do not change it")
    site: str
    seq: int
    day: str
    clock_behind: bool = Field(description="the PC's clock says an earlier day than the hub already worked on")
    connections: HubStats
    database: DatabaseHealth
    audio: dict[str, Any] = Field(description="spoken calls: status ok, degraded (with a detail) or off "
                                              "(docs/audio.md)")
    kiosk: dict[str, Any] | None = Field(default=None, description="the kiosks' ESC/POS printers by kiosk id: "
                                                                   "state, faults (docs/kiosk.md)")
    survey: dict[str, Any] | None = Field(default=None, description="the survey tablets connected now, by counter "
                                                                    "id (docs/survey.md)")


# ---------------------------------------------------------------- HTTP requests


class Body(BaseModel):
    """Base of request bodies: exact types (no "ya" for true), unknown fields ignored, null as absent."""

    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


class IssueRequest(Body):
    service: str = Field(examples=["A"], description="service code")
    priority: bool = Field(default=False, description="kelompok rentan: lansia, penyandang disabilitas, ibu hamil")
    kiosk: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,32}$",
                       description="the kiosk asking (its id in /kiosk?id=...): its ESC/POS printer prints the ticket",
                       json_schema_extra={"message": "Kolom 'kiosk' hanya boleh berisi huruf, angka, '-' dan '_'."})
    browser_print: bool = Field(default=False, description="the kiosk prints through the browser")


class LoginRequest(Body):
    username: str = Field(examples=["budi"])
    pin: str = Field(examples=["1234"])


class TransferRequest(Body):
    service: str = Field(examples=["B"], description="the service the ticket moves to")


class SkippedRequest(Body):
    ticket: int = Field(examples=[42], description="id of one of today's skipped tickets of the counter's services")
