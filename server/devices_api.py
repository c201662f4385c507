"""The devices' API: registering, listing and revoking them (admin), and pairing one with its code.

Contract in docs/protocol.md ("Devices"). Device administration is for an admin only, not a
koordinator: a TV shows every agency's calls and a kiosk issues every agency's tickets, so a
device belongs to the hall, not to one agency (the health board and backups likewise: server/health.py).
`POST /api/devices/pair` needs no log-in: the six-digit code is the proof, tried at most
PAIRING_PER_MINUTE times a minute per address.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server import access
from server.api import answer, client_address, read_body
from server.audit import AuditEntry
from server.devices import KINDS, NAME_MAX, Device, Kind
from server.errors import HubError, NotFound, unknown_counter, unknown_zone
from server.openapi import documented
from server.views import Body, Timestamp, View

NO_STORE = {"Cache-Control": "no-store"}
ERRORS = (401, 403)


class DeviceView(View):
    """A registered device, as the admin sees it (with its token: keep it secret)."""

    id: int
    kind: Kind
    name: str
    zone: str | None
    kiosk: str | None = Field(description="a kiosk: the kiosk id whose printer prints its tickets")
    counter: str | None = Field(description="a survey tablet: the id of the counter it stands at")
    token: str = Field(description="the device's secret: its page sends it (X-Device-Token, device=)")
    url: str = Field(description="the page for its kind with the token, e.g. /kiosk?device=<token>")
    pairing_code: str | None = Field(description="six digits typed once on the device at /pair; null once used "
                                                 "or expired")
    pairing_until: Timestamp | None
    created_at: Timestamp
    created_by: str | None
    last_seen: Timestamp | None
    online: bool

    @classmethod
    def of(cls, device: Device, request: Request) -> DeviceView:
        app = request.app.state
        now = app.clock()
        valid = device.pairing_valid(now)
        return cls(id=device.id, kind=device.kind, name=device.name, zone=device.zone, kiosk=device.kiosk,
                   counter=device.counter, token=device.token, url=device.url,
                   pairing_code=device.pairing_code if valid else None,
                   pairing_until=device.pairing_until if valid else None, created_at=device.created_at,
                   created_by=device.created_by, last_seen=app.devices.last_seen(device),
                   online=app.devices.online(device, now))


class DeviceAnswer(View):
    device: DeviceView
    url: str = Field(description="the page for its kind with the device token")


class DeviceList(View):
    devices: list[DeviceView] = Field(description="active devices by id (revoked ones are not listed)")


class DeviceRequest(Body):
    kind: Literal["display", "kiosk", "counter", "survey"] = Field(json_schema_extra={
        "message": f"Kolom 'kind' harus salah satu dari: {', '.join(KINDS)}."})
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX)] = Field(
        examples=["Kiosk Lobi"], json_schema_extra={"message": f"Kolom 'name' wajib diisi (1 sampai {NAME_MAX} "
                                                               "karakter)."})
    zone: str | None = Field(None, description="the zone it stands in; a TV shows that zone's calls")
    kiosk: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,32}$",
                              description="a kiosk: its id, whose [[kiosk.printers]] printer prints its tickets",
                              json_schema_extra={"message": "Kolom 'kiosk' hanya boleh berisi huruf, angka, '-' "
                                                            "dan '_'."})
    counter: str | None = Field(None, max_length=64, description="a survey tablet (required): the id of the counter "
                                "it stands at; its page is that counter's survey",
                                json_schema_extra={"message": "Kolom 'counter' harus berisi kode loket."})


class PairRequest(Body):
    code: str = Field(max_length=20, examples=["482913"], description="the six digits the admin console shows")


class PairedDevice(View):
    id: int
    kind: Kind
    name: str
    zone: str | None
    counter: str | None = Field(description="a survey tablet: its counter's id")


class PairAnswer(View):
    device: PairedDevice
    token: str = Field(description="the device's secret: the page keeps it (localStorage) and sends it")
    url: str = Field(description="the page to open, with the token")


def _entry(request: Request, officer=None) -> AuditEntry:
    """An audit entry of this request (action and words filled in by the registry)."""
    app = request.app.state
    return AuditEntry(app.clock(), "", "", officer=officer.username if officer else None,
                      agency=officer.agency if officer else None, address=client_address(request))


def device_id(request: Request) -> int:
    """The device id in the path; 404 unknown_device when it is not a number."""
    text = request.path_params["id"]
    if not (text.isascii() and text.isdigit()):
        raise NotFound("unknown_device", f"Perangkat nomor {text[:20]} tidak terdaftar.")
    return int(text)


@documented("Register a device (kiosk, TV, counter PC, survey tablet): its token and page address",
            {201: DeviceAnswer}, body=DeviceRequest, errors=(400, *ERRORS, 404, 413, 415, 422), secured=True,
            description="Admin only. 404 unknown_zone, unknown_counter; 422 missing_field: a survey tablet without "
                        "its counter. The answer's pairing code is valid 30 minutes.")
async def register(request: Request) -> JSONResponse:
    officer = await access.admin_of(request, "admin")
    order = await read_body(request, DeviceRequest)
    app = request.app.state
    zone = order.zone or None
    if zone is not None and zone not in app.config.zones:
        raise unknown_zone(zone)
    kiosk = order.kiosk if order.kind == "kiosk" else None
    counter = (order.counter or None) if order.kind == "survey" else None
    if order.kind == "survey" and counter is None:
        raise HubError("missing_field", "Tablet survei perlu loket: pilih loket tempat tablet ini dipasang (kolom "
                       "'counter').", status=422)
    if counter is not None and counter not in app.config.counters:
        raise unknown_counter(counter)
    device = await app.devices.register(order.kind, order.name, zone, kiosk, app.clock(), _entry(request, officer),
                                        counter=counter)
    return answer(DeviceAnswer(device=DeviceView.of(device, request), url=device.url), 201, headers=NO_STORE)


@documented("The registered devices", {200: DeviceList}, errors=ERRORS, secured=True, description="Admin only.")
async def list_devices(request: Request) -> JSONResponse:
    await access.admin_of(request, "admin")
    devices = request.app.state.devices.active()
    return answer(DeviceList(devices=[DeviceView.of(d, request) for d in devices]), headers=NO_STORE)


@documented("Revoke a device at once: its token is refused, its open pages are told and closed", {200: DeviceAnswer},
            errors=(*ERRORS, 404), secured=True, description="Admin only. 404 unknown_device.")
async def revoke(request: Request) -> JSONResponse:
    officer = await access.admin_of(request, "admin")
    app = request.app.state
    device = await app.devices.revoke(device_id(request), app.clock(), _entry(request, officer))
    return answer(DeviceAnswer(device=DeviceView.of(device, request), url=device.url), headers=NO_STORE)


@documented("A new pairing code for a device (valid 30 minutes)", {200: DeviceAnswer}, errors=(*ERRORS, 404),
            secured=True, description="Admin only.")
async def pairing_code(request: Request) -> JSONResponse:
    await access.admin_of(request, "admin")
    app = request.app.state
    device = await app.devices.new_pairing_code(device_id(request), app.clock())
    return answer(DeviceAnswer(device=DeviceView.of(device, request), url=device.url), headers=NO_STORE)


@documented("Pair a device with the code the admin console shows: its token and page", {200: PairAnswer},
            body=PairRequest, errors=(400, 404, 413, 415, 422, 429),
            description="No log-in: the code is the proof, once, within 30 minutes. 404 unknown_pairing_code; "
                        "429 after 10 tries a minute from one address.")
async def pair(request: Request) -> JSONResponse:
    order = await read_body(request, PairRequest)
    app = request.app.state
    app.pairing_limiter.take(client_address(request), app.clock())
    device = await app.devices.pair(order.code, app.clock(), _entry(request))
    return answer(PairAnswer(device=PairedDevice(id=device.id, kind=device.kind, name=device.name, zone=device.zone,
                                                 counter=device.counter),
                             token=device.token, url=device.url), headers=NO_STORE)


routes = [
    Route("/api/admin/devices", register, methods=["POST"]),
    Route("/api/admin/devices", list_devices, methods=["GET"]),
    Route("/api/admin/devices/{id}", revoke, methods=["DELETE"]),
    Route("/api/admin/devices/{id}/pairing-code", pairing_code, methods=["POST"]),
    Route("/api/devices/pair", pair, methods=["POST"]),
]
