"""The ticket kiosk (`/kiosk`), its issuing endpoint and the citizen's status page (`/t/{token}`).

`/kiosk?id=lobi` is the touchscreen at the entrance; a ticket issued there goes
to the ESC/POS printer configured for kiosk "lobi" (or to the browser's print
dialog, or only to the screen). `/t/{token}` is what the ticket's QR code opens
on a phone. `[kiosk]` is declared in kiosk/settings.py (keys in
docs/configuration.md) and read from `request.app.state.config.kiosk` on each request.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from config.site import SiteConfig
from kiosk import qr, wording
from kiosk.printer import Outcome, PrinterFault, Printers, PrintJob
from kiosk.settings import KIOSK_ID_RE, PAPERS
from server.api import client_address, field, read_json
from server.errors import HubError

log = logging.getLogger("mpp.kiosk")

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
HOST_RE = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}$")

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
        settings = config.kiosk
        self.printers = Printers({kiosk: settings.printer(kiosk) for kiosk in settings.printers})
        self._loopback_warned = False

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


def attach(app) -> Kiosk:
    """Build the app's Kiosk (its printers) when create_app builds the hub.
    create_app calls the returned Kiosk's `close()` at shutdown."""
    app.state.kiosk = Kiosk(app.state.config)
    return app.state.kiosk


def kiosk_of(request: Request) -> Kiosk:
    """The app's Kiosk (built by `attach` in create_app)."""
    return request.app.state.kiosk


def _headers(request: Request, *, private: bool = False) -> dict[str, str]:
    host = request.headers.get("host", "")
    sockets = f" ws://{host} wss://{host}" if HOST_RE.match(host) else ""
    headers = {
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                   f"connect-src 'self'{sockets}; base-uri 'none'; form-action 'none'; "
                                   "frame-ancestors 'none'",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    if private:
        headers["Referrer-Policy"] = "no-referrer"  # the token in the address is the ticket
    return headers


def _tz_abbr(config: SiteConfig, now: datetime) -> str:
    return now.astimezone(config.site.tz).tzname() or ""


# ---------------------------------------------------------------- pages


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
    now = app.clock()
    boot = {
        "kiosk": kiosk_id,
        "print": mode,
        "paper": paper,
        "idleSeconds": s.idle_seconds,
        "ticketIdleSeconds": s.ticket_idle_seconds,
        "printWaitSeconds": s.print_wait_seconds,
        "tzAbbr": _tz_abbr(app.config, now),
        "state": app.hall.state(None),
    }
    context = {"site": app.config.site, "boot": boot, "paper": paper, "footer": s.footer}
    return templates.TemplateResponse(request, "kiosk.html", context, headers=_headers(request))


async def status_page(request: Request) -> Response:
    app = request.app.state
    token = request.path_params["token"]
    ticket = await app.store.ticket_by_token(token) if TOKEN_RE.match(token) else None
    if ticket is None or ticket.service not in app.config.services:
        return templates.TemplateResponse(request, "notfound.html", {"site": app.config.site}, status_code=404,
                                          headers=_headers(request, private=True))
    hall = app.hall
    boot = {
        "token": ticket.token,
        "day": ticket.day,
        "today": hall.queue.day,
        "tzAbbr": _tz_abbr(app.config, app.clock()),
        "timezone": app.config.site.timezone,
        "ticket": hall.ticket_view(ticket),
    }
    context = {"site": app.config.site, "boot": boot, "view": boot["ticket"]}
    return templates.TemplateResponse(request, "status.html", context, headers=_headers(request, private=True))


async def qr_svg(request: Request) -> Response:
    """The QR code of a ticket's status page, for the kiosk screen and browser printing."""
    kiosk = kiosk_of(request)
    token = request.path_params["token"]
    ticket = await request.app.state.store.ticket_by_token(token) if TOKEN_RE.match(token) else None
    if ticket is None:
        return Response("unknown ticket", status_code=404, media_type="text/plain")
    svg = qr.svg(qr.status_url(kiosk.base_url(request), ticket.token))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})


# ---------------------------------------------------------------- issuing


async def issue_ticket(request: Request) -> Response:
    """Issue a ticket, print it where this kiosk prints, and say whether paper came out."""
    kiosk = kiosk_of(request)
    data = await read_json(request)
    service = field(data, "service", str)
    priority = field(data, "priority", bool, required=False, default=False)
    kiosk_id = field(data, "kiosk", str, required=False, default="")
    if kiosk_id and not KIOSK_ID_RE.match(kiosk_id):
        raise HubError("invalid_field", "Kolom 'kiosk' hanya boleh berisi huruf, angka, '-' dan '_'.", status=422)
    app = request.app.state
    hall = app.hall
    app.ticket_limiter.take(client_address(request), app.clock())
    ticket = await hall.issue(service, priority)  # quota or hours: a 409 with the hub's message, nothing issued
    view = hall.ticket_view(ticket)
    url = qr.status_url(kiosk.base_url(request), ticket.token)
    text = {
        "issued": wording.local_time(ticket.issued_at, app.config.site.tz),
        "wait": wording.wait_text(view["estimated_wait"]),
        "ahead": wording.ahead_text(view["ahead"]),
    }
    printer = kiosk.printers.get(kiosk_id)
    printed, fault, outcome = False, None, None
    if printer is not None:
        site = app.config.site
        job = PrintJob(site=site.name, address=site.address, number=ticket.number, service=view["service_name"],
                       agency=view["agency_name"], priority=ticket.priority, ahead=text["ahead"], wait=text["wait"],
                       issued=text["issued"], url=url, footer=app.config.kiosk.footer)
        wait = app.config.kiosk.print_wait_seconds
        future = printer.submit(job, wait)
        try:
            outcome = await asyncio.wait_for(asyncio.wrap_future(future), wait + PRINT_GRACE)
        except PrinterFault as exc:
            fault = exc.kind
        except TimeoutError:
            future.cancel()
            fault = "timeout"  # the printer thread logs what went wrong when it finds out
        printed = outcome is Outcome.PRINTED
        message = MESSAGES[str(outcome)] if outcome is not None else MESSAGES["fault"]
    else:
        message = MESSAGES["browser"] if data.get("browser_print") is True else MESSAGES["none"]
    return JSONResponse({
        "ticket": view,
        "printed": printed,
        "printer": None if printer is None else {"kiosk": kiosk_id, "state": str(outcome or "failed"), "fault": fault},
        "message": message,
        "status_url": url,
        "qr_url": f"/kiosk/qr/{ticket.token}.svg",
        "text": text,
    }, status_code=201, headers={"Cache-Control": "no-store"})


async def not_found_token(request: Request) -> Response:
    return templates.TemplateResponse(request, "notfound.html", {"site": request.app.state.config.site},
                                      status_code=404, headers=_headers(request, private=True))


routes = [
    Mount("/kiosk/static", app=StaticFiles(directory=HERE / "static"), name="kiosk-static"),
    Route("/kiosk", kiosk_page),
    Route("/kiosk/api/tickets", issue_ticket, methods=["POST"]),
    Route("/kiosk/qr/{token}.svg", qr_svg),
    Route("/t/{token}", status_page),
    Route("/t/", not_found_token),
]
