"""The devices' pages: the admin's device list (`/admin/devices`), the live health board
(`/admin/health`), and pairing a device with its code (`/pair`).

- `/admin/devices`: register a kiosk, TV, counter PC or survey tablet (at its counter); each gets a six-digit pairing
  code (typed once on a TV with its remote at `/pair`), a QR code of its page address (for a
  tablet's camera) and the address itself; revoke one at once. Admin only.
- `/admin/health`: every registered device and every connected page, red when offline within the
  hall's opening hours; the hub's uptime, database, disk, audio and backups, with warnings; a
  backup downloaded on the spot. Asks GET /api/admin/health every 2 s. Admin only.
- `/pair`: a page a TV opens once (or as its start page): the code gives it its device token, kept
  in localStorage, and it goes on to its page (`/display?zone=...&device=...`).

The admin pages log in like the admin console and share its session in the same browser tab.
Everything they show comes from the API (docs/protocol.md, "Devices" and "Health board").
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kiosk import qr
from server import access, pages
from server.devices import KIND_NAMES, PAIRING_DIGITS, Kind
from server.devices_api import NO_STORE, device_id
from server.health import BOARD_REFRESH_SECONDS
from server.openapi import documented
from server.views import View

HERE = Path(__file__).resolve().parent
templates = pages.templates_for(HERE)


class Choice(View):
    id: str
    name: str


class KindChoice(View):
    id: Kind
    name: str


class AdminPageBoot(View):
    """What /admin/devices and /admin/health start with, before anyone logs in."""

    site_name: str
    timezone: str = Field(description="the site's IANA time zone, for the times shown")
    kinds: list[KindChoice]
    zones: list[Choice]
    counters: list[Choice] = Field(description="the counters, for a survey tablet's counter and the board's names")
    kiosks: list[str] = Field(description="kiosk ids with an ESC/POS printer ([[kiosk.printers]])")
    refresh_seconds: int = Field(description="how often the health board asks again")
    base_url: str = Field(description="the hub's address as devices reach it ([kiosk] public_url, else this page's)")


class PairBoot(View):
    site_name: str
    digits: int = Field(description="how many digits a pairing code has")
    kinds: list[KindChoice]


def _admin_boot(request: Request) -> AdminPageBoot:
    config = request.app.state.config
    return AdminPageBoot(site_name=config.site.name, timezone=config.site.timezone,
                         kinds=[KindChoice(id=k, name=n) for k, n in KIND_NAMES.items()],
                         zones=[Choice(id=z.id, name=z.name) for z in config.zones.values()],
                         counters=[Choice(id=c.id, name=c.name) for c in config.counters.values()],
                         kiosks=sorted(config.kiosk.printers), refresh_seconds=BOARD_REFRESH_SECONDS,
                         base_url=qr.base_url(request, config.kiosk.public_url))


def _admin_page(request: Request, name: str, title: str) -> Response:
    context = {"site_name": request.app.state.config.site.name, "title": title}
    return pages.render(request, templates, name, context, policy=pages.ADMIN, boot=_admin_boot(request))


@documented("The admin's device list: register, pair (code, QR) and revoke devices (docs/operations.md)",
            {200: "text/html"})
async def devices_page(request: Request) -> Response:
    return _admin_page(request, "devices.html", "Perangkat")


@documented("The live health board: devices, pages, the hub, backups (docs/operations.md)", {200: "text/html"})
async def health_page(request: Request) -> Response:
    return _admin_page(request, "health.html", "Kesehatan sistem")


@documented("Pair this device with the code the admin console shows (a TV's remote: digits and OK)",
            {200: "text/html"})
async def pair_page(request: Request) -> Response:
    config = request.app.state.config
    boot = PairBoot(site_name=config.site.name, digits=PAIRING_DIGITS,
                    kinds=[KindChoice(id=k, name=n) for k, n in KIND_NAMES.items()])
    return pages.render(request, templates, "pair.html", {"site_name": config.site.name}, policy=pages.KIOSK,
                        boot=boot)


@documented("The QR code of a device's page address with its token (SVG), for a tablet's camera",
            {200: "image/svg+xml"}, errors=(401, 403, 404), secured=True, description="Admin only.")
async def device_qr(request: Request) -> Response:
    await access.admin_of(request, "admin")
    app = request.app.state
    device = app.devices.get(device_id(request))
    base = qr.base_url(request, app.config.kiosk.public_url)
    return Response(qr.svg(base + device.url), media_type="image/svg+xml", headers=NO_STORE)

routes = [
    Route("/admin/devices", devices_page),
    Route("/admin/health", health_page),
    Route("/pair", pair_page),
    Route("/api/admin/devices/{id}/qr.svg", device_qr),
    pages.static_mount("devices", HERE),
]
