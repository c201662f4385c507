"""The ticket kiosk (`/kiosk`), where its tickets go out, and the citizen's status page (`/t/{token}`).

`/kiosk?id=lobi` is the touchscreen at the entrance; a ticket issued there goes
to the ESC/POS printer configured for kiosk "lobi" (or to the browser's print
dialog, or only to the screen). Tickets are issued by the hub's one endpoint,
POST /api/tickets (also served at /kiosk/api/tickets); `Kiosk.hand_out` is
its printing half. `/t/{token}` is what the ticket's QR code opens on a phone.
`[kiosk]` is declared in kiosk/settings.py (keys in docs/configuration.md) and
read from `request.app.state.config.kiosk` on each request.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from pathlib import Path
from typing import Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config.site import SiteConfig
from kiosk import qr, wording
from kiosk.printer import Outcome, PrinterFault, Printers, PrintJob
from kiosk.settings import KIOSK_ID_RE, PAPERS
from server import api, pages
from server.errors import unknown_ticket
from server.openapi import documented
from server.tickets import Ticket
from server.views import HolderView, IssueAnswer, IssueRequest, IssueTexts, PrinterOutcome, Snapshot, View

log = logging.getLogger("mpp.kiosk")

HERE = Path(__file__).parent
templates = pages.templates_for(HERE)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")

# Seconds the kiosk waits beyond print_wait_seconds for the printer thread's verdict (it gives a job up
# at the deadline itself; this only covers a connect or read already under way).
PRINT_GRACE = 1.0

MESSAGES = {
    "printed": "Tiket Anda sedang dicetak. Silakan ambil tiket di bawah layar.",
    "sent": "Tiket sudah dikirim ke printer, tetapi printer ini tidak dapat memastikan tiket tercetak. Bila tiket "
            "tidak keluar, silakan foto layar ini atau pindai kode QR untuk memantau antrian dari ponsel Anda.",
    "browser": "Tiket Anda sedang dicetak. Silakan ambil tiket Anda.",
    "fault": "Printer sedang bermasalah, tiket tidak tercetak. Silakan foto layar ini atau catat nomor antrian Anda.",
    "none": "Silakan foto tiket ini, atau pindai kode QR untuk memantau antrian dari ponsel Anda.",
}


class Kiosk:
    """The kiosk's part of a running hub: its printers (one thread each, started with the hub)."""

    def __init__(self, config: SiteConfig) -> None:
        self.printers = Printers(_printer_settings(config))
        self._loopback_warned = False

    def reconfigure(self, config: SiteConfig) -> None:
        """Take a new configuration (create_app calls this after each change): printers whose settings
        changed or went are stopped (on a thread of their own: stopping waits for a job in progress),
        new ones replace them; untouched printers keep their thread and queue."""
        wanted = _printer_settings(config)
        current = self.printers.by_kiosk
        kept = {kiosk: printer for kiosk, printer in current.items() if wanted.get(kiosk) == printer.settings}
        if len(kept) == len(current) == len(wanted):
            return
        printers = Printers({kiosk: s for kiosk, s in wanted.items() if kiosk not in kept})
        printers.by_kiosk.update(kept)
        self.printers = printers
        retired = [printer for kiosk, printer in current.items() if kiosk not in kept]
        threading.Thread(target=lambda: [p.stop() for p in retired], name="printers-retired", daemon=True).start()
        log.info("kiosk printers reconfigured: %s", ", ".join(sorted(wanted)) or "none")

    def base_url(self, request: Request) -> str:
        public_url = request.app.state.config.kiosk.public_url
        base = qr.base_url(request, public_url)
        if not public_url and qr.is_loopback(base) and not self._loopback_warned:
            self._loopback_warned = True
            log.warning("the kiosk reached the hub as %s: QR codes on tickets point there, which phones cannot open; "
                        "set [kiosk] public_url to the hub's LAN address", base)
        return base

    def health(self) -> dict:
        """For /api/health: each ESC/POS printer by kiosk id (kiosk.printer.TicketPrinter.health)."""
        return {"printers": self.printers.health()}

    def close(self) -> None:
        self.printers.stop()

    async def hand_out(self, request: Request, order: IssueRequest, ticket: Ticket, view: HolderView) -> IssueAnswer:
        """Print a just-issued ticket where kiosk `order.kiosk` prints, and say whether paper came out
        (server.api.TicketOutlet). Never raises for a printer: the ticket is valid either way."""
        config = request.app.state.config
        url = qr.status_url(self.base_url(request), ticket.token)
        text = IssueTexts(issued=wording.local_time(ticket.issued_at, config.site.tz),
                          wait=view.estimated_wait_text, ahead=view.ahead_text)
        printer = self.printers.get(order.kiosk)
        fault, outcome = None, None
        if printer is not None:
            site = config.site
            job = PrintJob(site=site.name, address=site.address, number=ticket.number, service=view.service_name,
                           agency=view.agency_name, priority=ticket.priority, ahead=text.ahead, wait=text.wait,
                           issued=text.issued, url=url, footer=config.kiosk.footer)
            wait = config.kiosk.print_wait_seconds
            future = printer.submit(job, wait)
            try:
                outcome = await asyncio.wait_for(asyncio.wrap_future(future), wait + PRINT_GRACE)
            except PrinterFault as exc:
                fault = exc.kind
            except TimeoutError:
                future.cancel()
                fault = "timeout"  # the printer thread logs what went wrong when it finds out
            message = MESSAGES[str(outcome)] if outcome is not None else MESSAGES["fault"]
        else:
            message = MESSAGES["browser"] if order.browser_print else MESSAGES["none"]
        return IssueAnswer(
            ticket=view, printed=outcome is Outcome.PRINTED,
            printer=None if printer is None else PrinterOutcome(kiosk=order.kiosk, state=str(outcome or "failed"),
                                                                fault=fault),
            message=message, status_url=url, qr_url=f"/kiosk/qr/{ticket.token}.svg", text=text,
        )


def _printer_settings(config: SiteConfig) -> dict:
    settings = config.kiosk
    return {kiosk: settings.printer(kiosk) for kiosk in settings.printers}


def attach(app) -> Kiosk:
    """Build the app's Kiosk (its printers) when create_app builds the hub; it is where the hub's
    issued tickets go out (`app.state.ticket_outlet`). create_app calls its `reconfigure(config)` after
    each configuration change and its `close()` at shutdown."""
    app.state.kiosk = app.state.ticket_outlet = Kiosk(app.state.config)
    return app.state.kiosk


def kiosk_of(request: Request) -> Kiosk:
    """The app's Kiosk (built by `attach` in create_app)."""
    return request.app.state.kiosk


class KioskBoot(View):
    """What the kiosk page starts with."""

    kiosk: str = Field(description="this kiosk's id ('' when none was given)")
    print: Literal["escpos", "browser", "none"] = Field(description="where its tickets are printed")
    paper: str
    idle_seconds: int
    ticket_idle_seconds: int
    print_wait_seconds: float
    state: Snapshot


class StatusBoot(View):
    """What a citizen's status page starts with."""

    token: str
    timezone: str = Field(description="the site's IANA time zone, for the time of the last update")
    ticket: HolderView


# ---------------------------------------------------------------- pages


@documented("The ticket kiosk's touchscreen page (docs/kiosk.md)", {200: "text/html"},
            query={"id": "this kiosk's id: its printer prints the tickets", "paper": "58mm or 80mm",
                   "print": "browser or none, for a kiosk without an ESC/POS printer"})
async def kiosk_page(request: Request) -> Response:
    kiosk = kiosk_of(request)
    app = request.app.state
    s = app.config.kiosk
    params = request.query_params
    kiosk_id = params.get("id", "")
    if not KIOSK_ID_RE.match(kiosk_id):
        kiosk_id = ""
    printer = kiosk.printers.get(kiosk_id)
    paper = params.get("paper") or (printer.settings.paper if printer else s.paper)
    if paper not in PAPERS:
        paper = s.paper
    if printer is not None:
        mode = "escpos"
    else:
        mode = "browser" if s.browser_print else "none"
        if params.get("print") in ("browser", "none"):
            mode = params["print"]
    boot = KioskBoot(kiosk=kiosk_id, print=mode, paper=paper, idle_seconds=s.idle_seconds,
                     ticket_idle_seconds=s.ticket_idle_seconds, print_wait_seconds=s.print_wait_seconds,
                     state=app.hall.state(None))
    context = {"site": app.config.site, "paper": paper, "footer": s.footer}
    return pages.render(request, templates, "kiosk.html", context, policy=pages.KIOSK, boot=boot)


@documented("A citizen's ticket status page (the QR code opens it)", {200: "text/html", 404: "text/html"})
async def status_page(request: Request) -> Response:
    app = request.app.state
    token = request.path_params["token"]
    ticket = await app.store.ticket_by_token(token) if TOKEN_RE.match(token) else None
    if ticket is None or ticket.service not in app.config.services:
        return _not_found(request)
    boot = StatusBoot(token=ticket.token, timezone=app.config.site.timezone, ticket=app.hall.ticket_view(ticket))
    context = {"site": app.config.site, "view": boot.ticket}
    return pages.render(request, templates, "status.html", context, policy=pages.STATUS, boot=boot)


@documented("The QR code of a ticket's status page (SVG)", {200: "image/svg+xml"}, errors=(404,))
async def qr_svg(request: Request) -> Response:
    """The QR code of a ticket's status page, for the kiosk screen and browser printing."""
    kiosk = kiosk_of(request)
    token = request.path_params["token"]
    ticket = await request.app.state.store.ticket_by_token(token) if TOKEN_RE.match(token) else None
    if ticket is None:
        raise unknown_ticket()
    svg = qr.svg(qr.status_url(kiosk.base_url(request), ticket.token))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


def _not_found(request: Request) -> Response:
    return pages.render(request, templates, "notfound.html", {"site": request.app.state.config.site},
                        policy=pages.STATUS, status=404)


@documented("An address of the status page without a ticket: the friendly 'not found' page", {404: "text/html"})
async def not_found_token(request: Request) -> Response:
    return _not_found(request)


routes = [
    pages.static_mount("kiosk", HERE),
    Route("/kiosk", kiosk_page),
    Route("/kiosk/api/tickets", api.issue_ticket, methods=["POST"]),  # the hub's one issuing endpoint
    Route("/kiosk/qr/{token}.svg", qr_svg),
    Route("/t/{token}", status_page),
    Route("/t/", not_found_token),
]
