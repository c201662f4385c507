"""The Survei Kepuasan Masyarakat (SKM) in the hub: pages, routes and the part that runs with it.

- `/survey?counter=ID` is the tablet at a counter: it waits, and when the officer finishes a
  ticket there (Selesai, or call-next) it shows that ticket's survey (survey/tablets.py).
- The citizen's status page `/t/<token>` (kiosk/) offers the same survey once the ticket is
  done; the printed ticket's QR code leads there.
- `/admin/ikm` is the IKM for the hall's staff: per period, agency, service and counter.
- The API (survey/api.py) and the counter tablets' socket `/ws/survey/{counter}`.

`attach(app)` builds the `Survey` part: the responses in the database, the tablets, and the
latest IKM for the TVs' running text (survey/publication.py).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute

from config.site import SiteConfig
from reports.period import quick_periods
from reports.scope import agencies_called
from server import pages
from server.errors import HubError
from server.events import DayStarted
from server.openapi import documented
from server.queue import Change
from server.tickets import Ticket
from server.views import Timestamp, View
from survey import api
from survey.ikm import UNSUR, UNSUR_NAMES
from survey.publication import Publication
from survey.storage import Responses
from survey.tablets import Tablets
from survey.views import ProfileQuestion, profile_questions

HERE = Path(__file__).resolve().parent
templates = pages.templates_for(HERE)

# The tablet receives tickets' tokens, the IKM page holds an officer's session: no referrer, no framing.
TABLET = pages.PagePolicy(private=True)
IKM_PAGE = pages.PagePolicy(private=True)


class Survey:
    """The survey's part of a running hub (app.state.survey)."""

    def __init__(self, hall) -> None:
        self.hall = hall
        self.responses = Responses(hall.store)
        self.tablets = Tablets(lambda: hall.config, hall.clock)
        self.publication = Publication(self.responses, lambda: hall.config, hall.clock, self._republish)
        self._tasks: set[asyncio.Task] = set()
        hall.observers.append(self.observe)
        hall.running_texts.append(self.publication.running_text)

    async def start(self) -> None:
        await self.publication.refresh()

    def observe(self, change: Change) -> None:
        """Each committed change: the tablets offer finished tickets' surveys; a new day refreshes the IKM."""
        self.tablets.observe(change)
        if any(isinstance(e, DayStarted) for e in change.events):
            self._later(self.publication.refresh())

    def answered(self, ticket: Ticket) -> None:
        """A response was saved for `ticket`."""
        self.tablets.answered(ticket)

    def reconfigure(self, config: SiteConfig) -> None:
        self.tablets.reconfigure(config)
        self._later(self.publication.refresh())

    def health(self) -> dict:
        """For /api/health: the survey tablets connected now, by counter id."""
        return {"tablets": self.tablets.count()}

    def close(self) -> None:
        for task in tuple(self._tasks):
            task.cancel()

    async def _republish(self) -> None:
        async with self.hall.lock:  # a snapshot between a commit and its application would be torn
            self.hall.hub.resnapshot(self.hall.snapshot)

    def _later(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def attach(app) -> Survey:
    """Build the app's Survey part when create_app builds the hub (create_app calls its start(), reconfigure()
    and close())."""
    app.state.survey = Survey(app.state.hall)
    return app.state.survey


# ---------------------------------------------------------------- pages


class TabletBoot(View):
    """What a counter tablet starts with (the rest comes with its WebSocket's first message). A registered
    tablet's token (`?device=`, or kept from /pair) is read and sent by /static/common/hubclient.js."""

    counter: str
    counter_name: str
    site_name: str
    now: Timestamp


class Named(View):
    code: str
    name: str


class ServiceChoice(Named):
    agency: str | None


class CounterChoice(Named):
    """A counter of the IKM page's filter, with what it calls: the page offers, for the agency or service
    chosen, only the counters that call it (reports/scope.py refuses the others)."""

    services: list[str]
    agencies: list[str] = Field(description="the agencies of the services it calls")


class IkmBoot(View):
    """What the IKM page starts with: the choices of its filters (the period's shortcuts are in the page)."""

    site_name: str
    timezone: str
    agencies: list[Named]
    services: list[ServiceChoice]
    counters: list[CounterChoice]
    unsur: list[Named] = Field(description="the nine unsur, U1 to U9")
    profile: list[ProfileQuestion] = Field(description="the profile questions, for the words of their answers")


@documented("The survey tablet at a counter (docs/survey.md)", {200: "text/html", 404: "text/html"},
            query={"counter": "the counter id (required without a registered tablet's device token)",
                   "device": "a registered survey tablet's token: its counter when `counter` is not given"})
async def tablet_page(request: Request) -> Response:
    app = request.app.state
    config = app.config
    counter_id = request.query_params.get("counter", "") or _registered_counter(app, request.query_params.get("device"))
    counter = config.counters.get(counter_id)
    if counter is None:
        message = (f"Loket '{counter_id}' tidak ditemukan." if counter_id else "Alamat tablet survei harus menyebut "
                   "lokasinya, misalnya /survey?counter=1.") + " Pilih loket tempat tablet ini dipasang:"
        context = {"site_name": config.site.name, "message": message, "counters": list(config.counters.values())}
        return pages.render(request, templates, "choose.html", context, policy=TABLET, status=404)
    boot = TabletBoot(counter=counter.id, counter_name=counter.name, site_name=config.site.name, now=app.clock())
    context = {"site_name": config.site.name, "counter_name": counter.name}
    return pages.render(request, templates, "tablet.html", context, policy=TABLET, boot=boot)


def _registered_counter(app, token: str | None) -> str:
    """The counter a registered survey tablet stands at, from its token; "" when unknown (the socket refuses a
    bad token with its reason)."""
    if not token:
        return ""
    try:
        return app.devices.check(token, ("survey",)).counter or ""
    except HubError:
        return ""


@documented("The IKM page of the admin area (docs/survey.md)", {200: "text/html"})
async def ikm_page(request: Request) -> Response:
    app = request.app.state
    config = app.config
    now: datetime = app.clock()
    boot = IkmBoot(
        site_name=config.site.name, timezone=config.site.timezone,
        agencies=[Named(code=a.code, name=a.name) for a in config.agencies.values()],
        services=[ServiceChoice(code=s.code, name=s.name, agency=s.agency) for s in config.services.values()],
        counters=[CounterChoice(code=c.id, name=c.name, services=list(c.services),
                                agencies=agencies_called(config, c.id)) for c in config.counters.values()],
        unsur=[Named(code=key, name=UNSUR_NAMES[key]) for key in UNSUR], profile=profile_questions(),
    )
    context = {"site_name": config.site.name, "periods": quick_periods(now.astimezone(config.site.tz).date())}
    return pages.render(request, templates, "ikm.html", context, policy=IKM_PAGE, boot=boot)


async def tablet_socket(websocket) -> None:
    await websocket.app.state.survey.tablets.serve(websocket)


routes = [
    pages.static_mount("survey", HERE),
    Route("/survey", tablet_page),
    Route("/admin/ikm", ikm_page),
    Route("/api/survey/{ticket_token}", api.survey_form),
    Route("/api/survey/{ticket_token}", api.survey_answer, methods=["POST"]),
    Route("/api/reports/ikm", api.ikm_report),
    WebSocketRoute("/ws/survey/{counter}", tablet_socket),
]
