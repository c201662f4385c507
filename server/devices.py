"""Registered devices (kiosks, TVs, counter PCs, survey tablets) and the pages connected right now.

An admin registers a device (`POST /api/admin/devices`); it gets a secret token, carried by its
page's address (`/kiosk?device=<token>`) or handed over with a six-digit pairing code typed once
on the device (`/pair`); the page keeps it in localStorage. With it:

- a kiosk's tickets (`X-Device-Token` on `POST /api/tickets`) skip the per-address allowance
  (server/limits.py): quota, hours and the calendar still apply;
- a TV, counter panel or survey tablet says which one it is on its WebSocket (`device=<token>`),
  so the health board (server/health.py) names it, and knows when it goes dark. A survey tablet
  is registered for a counter: its page is that counter's survey (`/survey?counter=<id>`), on its
  own socket `/ws/survey/{counter}` (survey/tablets.py).

Every page that says what it is (`page=display|kiosk|counter|survey` on its WebSocket, which
/static/common/hubclient.js adds) is *present* while its socket is open; it reports its state
every REPORT_SECONDS (`{"type": "status", ...}`: sound unlocked, the last call it played, its
kiosk's printer) and counts as offline after OFFLINE_SECONDS without a word, even if the socket
looks open (a dead link without FIN). A registered device that is offline within the hall's
opening hours is an alert: red on the board and in GET /api/admin/health, logged once
(`Devices.watch`).

Revoking (`DELETE /api/admin/devices/{id}`) refuses the token at once: its open connections get
an error message and are closed (each socket hands `connect` how to refuse its page), its next
ticket is refused.

Several hub processes on one PostgreSQL database (docs/operations.md, "A city deployment") share
the registry through the database: each reads it again every SHARED_SECONDS, before an admin's
change and when a token it does not know arrives (`verify`), so a device registered or paired on
one process is known to every other when it first comes, and a revocation closes the device's
pages wherever they are within SHARED_SECONDS. A page is connected to one process; each writes
when it last heard from its devices every SHARED_SECONDS, so a device heard by another process
within ELSEWHERE_SECONDS counts as online on every board (its own process judges its pages by
OFFLINE_SECONDS, as a single hub does). One process (`Store.leads`) writes the offline and
back-online entries of the audit log.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from server import audit
from server.audit import AuditEntry
from server.errors import Forbidden, HubError, NotFound

if TYPE_CHECKING:
    from server.store import Store

log = logging.getLogger("mpp.devices")

Kind = Literal["display", "kiosk", "counter", "survey"]
KINDS: tuple[str, ...] = ("display", "kiosk", "counter", "survey")
KIND_NAMES = {"display": "Layar TV", "kiosk": "Kios", "counter": "Panel loket", "survey": "Tablet survei"}
PAGES = {"display": "/display", "kiosk": "/kiosk", "counter": "/counter", "survey": "/survey"}
# The kinds of page each WebSocket serves (a kiosk listens like a TV; a survey tablet has its counter's socket).
SOCKET_KINDS = {"display": ("display", "kiosk"), "counter": ("counter",), "survey": ("survey",)}

REPORT_SECONDS = 4  # a page reports its state this often (hubclient.js LIMITS.report)
OFFLINE_SECONDS = 10  # a page silent this long is offline: red on the board within 15 s
# After the hub starts, its pages need a moment to reconnect (hubclient.js backs off up to 10 s): a device
# not back yet is "waiting", neither red nor logged, for this long.
RECONNECT_SECONDS = 20
PAIRING_MINUTES = 30  # a pairing code is valid this long, once
PAIRING_DIGITS = 6
SEEN_SAVE_SECONDS = 60  # how often the devices' last_seen is written to the database
# Several hub processes on one database: how often each writes last_seen and reads the registry again, and how
# recently another process must have heard a device for it to count as online (its page's report every
# REPORT_SECONDS, written and read within SHARED_SECONDS each: 8 s at most for a device that is there).
SHARED_SECONDS = 2
ELSEWHERE_SECONDS = OFFLINE_SECONDS + 2 * SHARED_SECONDS
NAME_MAX = 80


@dataclass(frozen=True)
class Device:
    """A registered device.

    `token`: its secret (token_urlsafe, 24 characters); `kiosk`: for a kiosk, the kiosk id whose
    printer prints its tickets (`[kiosk] printers`); `counter`: for a survey tablet, the id of the
    counter it stands at (its page is that counter's survey); `pairing_code`: six digits that hand the token
    to the device once, until `pairing_until`; `revoked_at`: set once revoked (kept, so its token is
    refused by name); `last_seen`: the last time it was heard from (WebSocket or a ticket).
    """

    id: int
    kind: str
    name: str
    zone: str | None
    token: str
    created_at: datetime
    kiosk: str | None = None
    counter: str | None = None
    created_by: str | None = None
    pairing_code: str | None = None
    pairing_until: datetime | None = None
    revoked_at: datetime | None = None
    last_seen: datetime | None = None

    @property
    def url(self) -> str:
        """The page for its kind with the device token: `/kiosk?device=<token>[&id=<kiosk>]`,
        `/display?device=<token>[&zone=<zone>]`, `/counter?device=<token>`,
        `/survey?device=<token>&counter=<counter>`."""
        params: dict[str, str] = {"device": self.token}
        if self.kind == "display" and self.zone:
            params["zone"] = self.zone
        if self.kind == "kiosk" and self.kiosk:
            params["id"] = self.kiosk
        if self.kind == "survey" and self.counter:
            params["counter"] = self.counter
        return f"{PAGES[self.kind]}?{urlencode(params)}"

    def pairing_valid(self, now: datetime) -> bool:
        return self.pairing_code is not None and self.pairing_until is not None and now < self.pairing_until


class PlayedCall(BaseModel):
    """The last call a TV played, as it reports it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    number: str = Field(max_length=16)
    counter: str = Field("", max_length=NAME_MAX, description="the counter's name, as the TV showed it")
    at: datetime | None = Field(None, description="when it started playing, by the hub's clock")
    sound: Literal["announcement", "chime", "none"] = Field("none", description="what was heard")


class PageReport(BaseModel):
    """`{"type": "status", ...}`: what a page reports about itself every REPORT_SECONDS (docs/protocol.md,
    "Messages from clients"). Every field is optional; unknown ones are ignored (newer pages)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["status"]
    sound: Literal["on", "blocked", "off"] | None = Field(
        None, description="a TV: on (sound plays), blocked (the browser waits for a first press), off (?audio=0)")
    last_call: PlayedCall | None = None
    kiosk: str | None = Field(None, max_length=32, description="a kiosk: its id (?id=)")
    print: Literal["escpos", "browser", "none"] | None = Field(None, description="a kiosk: where its tickets print")


def read_report(data: dict[str, Any]) -> PageReport | None:
    """A status message as a PageReport; None when it is malformed."""
    try:
        return PageReport.model_validate(data)
    except ValidationError:
        return None


@dataclass(eq=False)
class Presence:
    """One open page: its kind, the device it is (None: not registered), and what it last reported.

    `last_heard`: its last message (hub clock); `counter`: the counter a counter panel serves or a survey
    tablet stands at; `officer`: a counter panel's logged-in officer; `refuse`: tells the page why it may
    not stay and closes its connection (a revoked device).
    """

    kind: str
    device: Device | None
    address: str
    zone: str | None
    page_version: str | None
    connected_at: datetime
    last_heard: datetime
    refuse: Callable[[HubError], None] | None = None
    counter: str | None = None
    officer: str | None = None
    report: PageReport | None = None

    def alive(self, now: datetime) -> bool:
        return (now - self.last_heard).total_seconds() <= OFFLINE_SECONDS


@dataclass
class _Episode:
    """A registered device's time offline: since when, and whether it was logged."""

    since: datetime | None
    logged: bool = False


class Devices:
    """The registry (loaded from the store at start; every change is written through it) and the pages
    present now. `shared`: other hub processes may use the same database (PostgreSQL): the registry and
    last_seen are then followed there (`follow`)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.shared = store.dialect != "sqlite"
        self.by_id: dict[int, Device] = {}
        self._by_token: dict[str, Device] = {}
        self.present: list[Presence] = []
        self._read_at: float | None = None  # shared: when the registry was last read (time.monotonic)
        self._episodes: dict[int, _Episode] = {}
        self._seen: dict[int, datetime] = {}  # last_seen not written to the database yet
        self._written: dict[int, datetime] = {}  # the last last_seen this process wrote, by device id
        self._saved_at: datetime | None = None
        self.started_at: datetime | None = None  # the hub's start (set by create_app's lifespan)

    async def load(self) -> None:
        self.by_id = {d.id: d for d in await self.store.devices()}
        self._by_token = {d.token: d for d in self.by_id.values()}

    async def follow(self, force: bool = False) -> None:
        """Shared database: read the registry again (every SHARED_SECONDS, or at once with `force`): what other
        hub processes registered, paired, revoked, and when they last heard from each device. The pages here of
        a device revoked elsewhere are told why and closed. Does nothing on a database of one process."""
        started = time.monotonic()  # a cadence of reading, not a time of the hall: not the hub's clock
        if not self.shared or not force and self._read_at is not None and started - self._read_at < SHARED_SECONDS:
            return
        self._read_at = started
        for stored in await self.store.devices():
            known = self.by_id.get(stored.id)
            if known == stored:
                continue
            self._put(stored)
            if stored.revoked_at is not None and (known is None or known.revoked_at is None):
                self._episodes.pop(stored.id, None)
                self._close_pages(stored)

    # ------------------------------------------------------------ the registry

    def active(self) -> list[Device]:
        """The devices not revoked, by id."""
        return [d for d in self.by_id.values() if d.revoked_at is None]

    def get(self, device_id: int) -> Device:
        """An active device; 404 unknown_device otherwise."""
        device = self.by_id.get(device_id)
        if device is None or device.revoked_at is not None:
            raise NotFound("unknown_device", f"Perangkat nomor {device_id} tidak terdaftar (atau sudah dicabut).")
        return device

    async def register(self, kind: str, name: str, zone: str | None, kiosk: str | None, now: datetime,
                       entry: AuditEntry, counter: str | None = None) -> Device:
        """A new device with a fresh token and pairing code; `entry` (its summary and detail are filled
        in here) goes into the audit log with it. `kiosk`: a kiosk's id; `counter`: a survey tablet's
        counter id (checked by the caller). Its id is the database's next (Store.add_device)."""
        await self.follow(force=True)  # pairing codes given by other processes
        draft = Device(id=0, kind=kind, name=name, zone=zone, kiosk=kiosk, counter=counter,
                       token=secrets.token_urlsafe(18), created_at=now, created_by=entry.officer,
                       pairing_code=self._new_code(now), pairing_until=now + timedelta(minutes=PAIRING_MINUTES))
        device = await self.store.add_device(draft, lambda device: [replace(
            entry, action=audit.DEVICE_REGISTERED, summary=f"{KIND_NAMES[kind]} “{name}” didaftarkan",
            detail={"device": device.id, "kind": kind, "name": name, "zone": zone, "kiosk": kiosk,
                    "counter": counter})])
        self._put(device)
        log.info("device %d registered: %s %r", device.id, kind, name)
        return device

    async def revoke(self, device_id: int, now: datetime, entry: AuditEntry) -> Device:
        """Revoke a device at once: its token is refused from now on and its open pages are told why
        and closed. 404 for an unknown or already revoked device."""
        await self.follow(force=True)
        device = replace(self.get(device_id), revoked_at=now, pairing_code=None, pairing_until=None)
        logged = replace(entry, action=audit.DEVICE_REVOKED,
                         summary=f"{KIND_NAMES[device.kind]} “{device.name}” dicabut",
                         detail={"device": device.id, "kind": device.kind, "name": device.name})
        await self.store.save_device(device, [logged])
        self._put(device)
        self._episodes.pop(device.id, None)
        self._close_pages(device)
        log.info("device %d revoked: %s %r", device.id, device.kind, device.name)
        return device

    def _close_pages(self, device: Device) -> None:
        """Tell a revoked device's open pages why, and close them."""
        refusal = revoked_error()
        for presence in [p for p in self.present if p.device is not None and p.device.id == device.id]:
            self.present.remove(presence)
            if presence.refuse is not None:
                presence.refuse(refusal)

    async def new_pairing_code(self, device_id: int, now: datetime) -> Device:
        """A fresh pairing code for a device (the last one expired, or the device lost its token)."""
        await self.follow(force=True)
        device = replace(self.get(device_id), pairing_code=self._new_code(now),
                         pairing_until=now + timedelta(minutes=PAIRING_MINUTES))
        await self.store.save_device(device)
        self._put(device)
        return device

    async def pair(self, code: str, now: datetime, entry: AuditEntry) -> Device:
        """The device whose valid pairing code `code` is; the code is used up. 404 otherwise."""
        await self.follow(force=True)  # a code given by another hub process
        digits = "".join(ch for ch in code if ch.isdigit())
        found = next((d for d in self.active() if d.pairing_valid(now) and d.pairing_code == digits), None)
        if found is None or len(digits) != PAIRING_DIGITS:
            raise NotFound("unknown_pairing_code", "Kode pemasangan salah atau sudah kedaluwarsa. Periksa kode di "
                           "konsol admin (Perangkat), atau minta kode baru.")
        device = replace(found, pairing_code=None, pairing_until=None, last_seen=now)
        logged = replace(entry, action=audit.DEVICE_PAIRED,
                         summary=f"{KIND_NAMES[device.kind]} “{device.name}” dipasangkan dengan kode",
                         detail={"device": device.id, "kind": device.kind, "name": device.name})
        await self.store.save_device(device, [logged])
        self._put(device)
        return device

    def _new_code(self, now: datetime) -> str:
        taken = {d.pairing_code for d in self.active() if d.pairing_valid(now)}
        while True:
            code = f"{secrets.randbelow(10 ** PAIRING_DIGITS):0{PAIRING_DIGITS}d}"
            if code not in taken:
                return code

    def _put(self, device: Device) -> None:
        old = self.by_id.get(device.id)
        if old is not None:
            self._by_token.pop(old.token, None)
        self.by_id[device.id] = device
        self._by_token[device.token] = device
        for presence in self.present:
            if presence.device is not None and presence.device.id == device.id:
                presence.device = device

    # ------------------------------------------------------------ tokens

    def check(self, token: str, kinds: tuple[str, ...]) -> Device:
        """The active device of `token`, which must be one of `kinds`; 403 `unknown_device`,
        `device_revoked` or `device_wrong_kind` otherwise (Indonesian messages for the page to show)."""
        device = self._by_token.get(token)
        if device is None:
            raise Forbidden("unknown_device", "Perangkat ini tidak dikenal oleh hub (kode perangkat salah, atau "
                            "data hub dipulihkan dari cadangan lama). Minta admin memasangkannya lagi lewat "
                            "halaman /pair.")
        if device.revoked_at is not None:
            raise revoked_error()
        if device.kind not in kinds:
            wanted = " atau ".join(KIND_NAMES[k] for k in kinds)
            raise Forbidden("device_wrong_kind", f"Perangkat ini terdaftar sebagai {KIND_NAMES[device.kind]}, "
                            f"bukan {wanted}. Buka halaman yang sesuai: {PAGES[device.kind]}.")
        return device

    async def verify(self, token: str, kinds: tuple[str, ...]) -> Device:
        """`check`, after reading the registry again when the token is not known here and other hub processes
        share the database (a device registered or paired through one of them a moment ago)."""
        if self.shared and token not in self._by_token:
            await self.follow(force=True)
        return self.check(token, kinds)

    async def kiosk(self, token: str | None, now: datetime) -> Device | None:
        """The registered kiosk of a ticket request's `X-Device-Token` (None without one); 403 for an
        unknown, revoked or non-kiosk token."""
        if token is None:
            return None
        device = await self.verify(token.strip(), ("kiosk",))
        self._seen[device.id] = now
        return device

    # ------------------------------------------------------------ presence

    def connect(self, kind: str, device: Device | None, address: str, zone: str | None, page_version: str | None,
                now: datetime, refuse: Callable[[HubError], None] | None = None, *, counter: str | None = None,
                officer: str | None = None) -> Presence:
        """A page that said what it is opened its WebSocket. `refuse` tells it why it may not stay and closes
        it (called when its device is revoked); `counter`: where a counter panel or survey tablet is;
        `officer`: who is logged in at a counter panel."""
        presence = Presence(kind, device, address, zone, page_version, now, now, refuse, counter=counter,
                            officer=officer)
        self.present.append(presence)
        if device is not None:
            self._seen[device.id] = now
        return presence

    def disconnect(self, presence: Presence, now: datetime) -> None:
        if presence in self.present:
            self.present.remove(presence)
        if presence.device is not None:
            self._seen[presence.device.id] = now

    def heard(self, presence: Presence, now: datetime, report: PageReport | None = None) -> None:
        """Any message from the page; a status report replaces the last one."""
        presence.last_heard = now
        if report is not None:
            presence.report = report
        if presence.device is not None:
            self._seen[presence.device.id] = now

    def last_seen(self, device: Device) -> datetime | None:
        return self._seen.get(device.id) or self.by_id.get(device.id, device).last_seen

    def pages_of(self, device: Device) -> list[Presence]:
        return [p for p in self.present if p.device is not None and p.device.id == device.id]

    def online(self, device: Device, now: datetime) -> bool:
        """Online: at least one of its pages open and heard from within OFFLINE_SECONDS, or (shared database)
        heard from by another hub process (`elsewhere`)."""
        return any(p.alive(now) for p in self.pages_of(device)) or self.elsewhere(device, now)

    def elsewhere(self, device: Device, now: datetime) -> bool:
        """Shared database: another hub process heard from the device within ELSEWHERE_SECONDS, as the database
        says (a time this process wrote itself is not another's: its own pages are judged by OFFLINE_SECONDS)."""
        seen = self.by_id.get(device.id, device).last_seen
        return (self.shared and seen is not None and seen != self._written.get(device.id)
                and (now - seen).total_seconds() <= ELSEWHERE_SECONDS)

    def offline_since(self, device: Device) -> datetime | None:
        episode = self._episodes.get(device.id)
        return episode.since if episode is not None else None

    def reconnecting(self, device: Device, now: datetime) -> bool:
        """Whether the hub started so recently that the device may still be on its way back (it was not
        heard from since the start): then it is not judged offline yet."""
        if self.started_at is None or device.created_at >= self.started_at or \
                (now - self.started_at).total_seconds() >= RECONNECT_SECONDS:
            return False
        seen = self.last_seen(device)
        return seen is None or seen < self.started_at

    # ------------------------------------------------------------ watching

    def watch(self, now: datetime, within_hours: bool) -> list[AuditEntry]:
        """Follow each active device's online state; returns the audit entries to write: one when a
        device is offline within the hall's opening hours (once per time offline), one when a device
        logged offline comes back. Call it every second or so."""
        entries = []
        for device in self.active():
            episode = self._episodes.get(device.id)
            if self.online(device, now):
                if episode is not None and episode.logged:
                    entries.append(AuditEntry(now, audit.DEVICE_ONLINE,
                                              f"{KIND_NAMES[device.kind]} “{device.name}” terhubung kembali",
                                              detail={"device": device.id, "kind": device.kind,
                                                      "offline_since": _iso(episode.since)}))
                    log.info("device %d (%s) is back online", device.id, device.name)
                self._episodes.pop(device.id, None)
                continue
            if self.reconnecting(device, now):
                continue
            if episode is None:
                episode = self._episodes[device.id] = _Episode(since=self.last_seen(device))
            if within_hours and not episode.logged:
                episode.logged = True
                entries.append(AuditEntry(now, audit.DEVICE_OFFLINE,
                                          f"{KIND_NAMES[device.kind]} “{device.name}” tidak terhubung pada jam buka",
                                          detail={"device": device.id, "kind": device.kind, "zone": device.zone,
                                                  "last_seen": _iso(episode.since)}))
                log.warning("device %d (%s %r) is offline during opening hours (last seen %s)", device.id,
                            device.kind, device.name, _iso(episode.since) or "never")
        return entries

    def seen_to_save(self, now: datetime, force: bool = False) -> dict[int, datetime]:
        """The last_seen times to write now (every SEEN_SAVE_SECONDS, SHARED_SECONDS on a shared database, or at
        once with `force`), forgotten once handed out."""
        every = SHARED_SECONDS if self.shared else SEEN_SAVE_SECONDS
        if not force and self._saved_at is not None and (now - self._saved_at).total_seconds() < every:
            return {}
        self._saved_at = now
        seen, self._seen = self._seen, {}
        seen = {i: at for i, at in seen.items() if i in self.by_id}
        for device_id, at in seen.items():
            self._put(replace(self.by_id[device_id], last_seen=at))
        self._written.update(seen)
        return seen


def revoked_error() -> HubError:
    return Forbidden("device_revoked", "Perangkat ini sudah dicabut dari daftar perangkat oleh admin. Hubungi "
                     "admin bila perangkat ini masih dipakai: ia perlu didaftarkan dan dipasangkan lagi.")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
