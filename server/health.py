"""The health board: every registered device and every connected page, and the hub itself.

`GET /api/admin/health` answers `HealthBoard`: one row per registered device (online or not) and
per page connected without being registered; the hub's uptime, database size, disk, audio and
backups; and the warnings the board shows on top, worded here in Indonesian. The admin console's
board (/admin/health) asks for it every BOARD_REFRESH_SECONDS and draws what it says.

A registered device offline within the hall's opening hours (`server.opening.within_hours`) is an
`alert` (red); `watch_devices` logs it once (server/devices.py `Devices.watch`).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from config.site import SiteConfig
from server import access, backup, opening
from server.api import answer
from server.database import DatabaseUnavailable
from server.devices import Device, Devices, Kind, Presence
from server.openapi import documented
from server.store import Store
from server.views import HubStats, Timestamp, View

log = logging.getLogger("mpp.health")

WATCH_SECONDS = 1.0  # how often devices are checked for going offline
BOARD_REFRESH_SECONDS = 2  # how often the board page asks again (devices/static/health.js)
PRINTER_TEXTS = {
    "ok": "Baik", "unconfirmed": "Tidak terpantau: printer tidak menjawab pertanyaan status",
    "unknown": "Belum mencetak sejak hub menyala", "browser": "Dicetak lewat browser (tidak terpantau)",
    "none": "Tanpa printer: nomor hanya tampil di layar",
}
FAULT_TEXTS = {
    "no_paper": "Kertas habis", "offline": "Printer tidak terhubung (mati, kabel lepas, atau penutup terbuka)",
    "stalled": "Printer macet: tiket tidak selesai tercetak", "busy": "Printer kewalahan: terlalu banyak tiket antre",
    "error": "Printer bermasalah",
}


# ---------------------------------------------------------------- payloads


class PrinterHealth(View):
    """A kiosk's printer, as the kiosk's ESC/POS printer thread or its page tells."""

    kiosk: str | None = Field(description="the kiosk id the printer is configured for")
    state: Literal["ok", "unconfirmed", "unknown", "fault", "browser", "none"]
    fault: str | None = Field(description="no_paper, offline, stalled, busy or error (kiosk/printer.py)")
    paper_low: bool
    since: Timestamp | None = Field(description="when the fault began")
    text: str = Field(description="Indonesian, for the board as it is")


class PlayedCallView(View):
    number: str
    counter: str
    at: Timestamp | None
    sound: Literal["announcement", "chime", "none"]


class DeviceHealth(View):
    """One row of the board: a registered device, or a page connected without being registered."""

    id: int | None = Field(description="the registered device's id; null: a page that is not registered")
    kind: Kind
    name: str | None
    zone: str | None
    registered: bool
    online: bool = Field(description="a page open and heard from within the last 10 s")
    alert: bool = Field(description="registered, offline, within the hall's opening hours: shown red")
    status: str = Field(description="Indonesian: Terhubung, Tidak terhubung, Belum pernah terhubung, ...")
    last_seen: Timestamp | None
    address: str | None = Field(description="the network address of its page")
    connections: int = Field(ge=0, description="its pages open now")
    page_version: str | None = Field(description="the code version its page runs")
    page_outdated: bool = Field(description="its page runs older code than the hub serves: reload it")
    sound: Literal["on", "blocked", "off"] | None = Field(description="a TV: whether its sound plays")
    last_call: PlayedCallView | None = Field(description="a TV: the last call it played")
    counter: str | None = Field(description="a counter panel: the counter it serves now; a survey tablet: the counter "
                                            "it stands at (while offline: the one it was registered for)")
    officer: str | None = Field(description="a counter panel: who is logged in")
    printer: PrinterHealth | None = Field(description="a kiosk: its printer")
    problems: list[str] = Field(description="Indonesian lines, for the board as they are")


class BackupFileView(View):
    file: str
    at: Timestamp
    bytes: int = Field(ge=0)


class BackupHealth(View):
    folder: str
    keep_days: int
    files: int = Field(ge=0, description="nightly backups kept")
    last: BackupFileView | None
    next_at: Timestamp = Field(description="the next nightly backup ([data] backup_time)")
    folder_free_bytes: int | None = Field(description="free space of the backup folder's disk, when it is not the "
                                                    "data folder's")
    failed_at: Timestamp | None
    failure: str | None = Field(description="why the last attempt failed (English, from the log)")
    external: str | None = Field(description="the database is backed up outside the hub (PostgreSQL: pg_dump), "
                                             "Indonesian, for the board as it is; null when the hub backs it up")


class HubHealth(View):
    started_at: Timestamp
    uptime_seconds: int = Field(ge=0)
    database_bytes: int = Field(ge=0, description="the SQLite file, or PostgreSQL's pg_database_size")
    disk_free_bytes: int | None = Field(description="on the data folder's disk")
    disk_total_bytes: int | None
    audio: dict[str, Any] = Field(description="as in /api/health (docs/audio.md)")
    page_version: str = Field(description="the pages' code the hub serves now")
    connections: HubStats
    backup: BackupHealth


class BoardWarning(View):
    code: Literal["devices_offline", "backup_missing", "backup_old", "backup_failed", "disk_low", "audio",
                  "printer"]
    message: str = Field(description="Indonesian, for the board as it is")


class HealthBoard(View):
    """GET /api/admin/health."""

    now: Timestamp
    within_hours: bool = Field(description="now is within the hall's opening hours (offline devices are alerts)")
    devices: list[DeviceHealth] = Field(description="registered devices by kind and name, then unregistered pages")
    hub: HubHealth
    warnings: list[BoardWarning]


# ---------------------------------------------------------------- the board


def device_rows(devices: Devices, now: datetime, within_hours: bool, printers: dict[str, dict], page_version: str,
                config: SiteConfig) -> list[DeviceHealth]:
    """The board's rows: every active registered device, then every page present without a device.
    `config`: the running configuration (the time zone; the zones and counters devices were registered for)."""
    rows = []
    for device in sorted(devices.active(), key=lambda d: (KIND_ORDER[d.kind], d.name.lower(), d.id)):
        pages = devices.pages_of(device)
        waiting = devices.reconnecting(device, now)
        rows.append(_row(device.kind, device, pages, devices.last_seen(device), now, within_hours and not waiting,
                         printers, page_version, config.site.tz, waiting, stranded(device, pages, config),
                         devices.elsewhere(device, now)))
    anonymous = sorted((p for p in devices.present if p.device is None),
                       key=lambda p: (KIND_ORDER[p.kind], p.address, p.connected_at))
    rows += [_row(p.kind, None, [p], p.last_heard, now, within_hours, printers, page_version, config.site.tz)
             for p in anonymous]
    return rows


def stranded(device: Device, pages: list[Presence], config: SiteConfig) -> list[str]:
    """What the configuration took from a registered device since it was registered (its zone, its survey
    tablet's counter), in Indonesian with what to do: its page is refused there until it is registered anew
    (a survey tablet moved on its own screen to a counter that exists is fine)."""
    problems = []
    if device.zone is not None and device.zone not in config.zones:
        problems.append(f"Zona '{device.zone}' perangkat ini sudah dihapus dari pengaturan: cabut perangkat ini "
                        "dan daftarkan ulang dengan zona yang ada.")
    moved = any(p.counter in config.counters for p in pages)
    if device.counter is not None and device.counter not in config.counters and not moved:
        problems.append(f"Loket '{device.counter}' tablet ini sudah dihapus dari pengaturan: cabut tablet ini dan "
                        "daftarkan ulang untuk loket lain (atau pilih loket di layar tablet).")
    return problems


KIND_ORDER = {kind: i for i, kind in enumerate(("display", "kiosk", "counter", "survey"))}


def _row(kind: str, device: Device | None, pages: list[Presence], last_seen: datetime | None, now: datetime,
         within_hours: bool, printers: dict[str, dict], page_version: str, tz, waiting: bool = False,
         problems: list[str] | None = None, elsewhere: bool = False) -> DeviceHealth:
    latest = max(pages, key=lambda p: p.last_heard, default=None)
    here = any(p.alive(now) for p in pages)
    online = here or elsewhere  # elsewhere: heard by another hub process on the same database
    alert = device is not None and not online and within_hours
    report = latest.report if latest is not None else None
    problems = list(problems or ())
    if not online:
        if waiting:
            status = "Menunggu tersambung kembali (hub baru dinyalakan)"
        elif latest is not None:
            status = "Tidak menjawab"  # its socket looks open, but it has been silent too long
        elif last_seen is not None:
            status = f"Tidak terhubung sejak {_when(last_seen, now, tz)}"
        else:
            status = "Belum pernah terhubung"
        if alert:
            problems.append("Tidak terhubung pada jam buka: periksa perangkat, listrik, dan jaringannya.")
    else:
        status = "Terhubung" if here else "Terhubung (ke proses hub lain)"
    version = latest.page_version if latest is not None else None
    outdated = online and version is not None and version != page_version
    if outdated:
        problems.append("Halaman versi lama: muat ulang halaman di perangkat ini (F5).")
    sound = report.sound if report is not None and kind == "display" else None
    if online and sound == "blocked":
        problems.append("Suara belum aktif: tekan tombol OK pada remote TV atau sentuh layar.")
    printer = None
    if kind == "kiosk" and (online or device is not None):
        kiosk_id = (report.kiosk if report is not None else None) or (device.kiosk if device is not None else None)
        printer = _printer(kiosk_id, report.print if report is not None else None, printers)
        if printer is not None and (printer.state == "fault" or printer.paper_low):
            problems.append(f"Printer: {printer.text}.")
    call = report.last_call if report is not None and kind == "display" else None
    return DeviceHealth(
        id=device.id if device is not None else None, kind=kind, name=device.name if device is not None else None,
        zone=(device.zone if device is not None else None) or (latest.zone if latest is not None else None),
        registered=device is not None, online=online, alert=alert, status=status, last_seen=last_seen,
        address=latest.address if latest is not None else None, connections=len(pages), page_version=version,
        page_outdated=outdated, sound=sound,
        last_call=PlayedCallView(**call.model_dump()) if call is not None else None,
        counter=(latest.counter if latest is not None else None) or (device.counter if device is not None else None),
        officer=latest.officer if latest is not None else None,
        printer=printer, problems=problems)


def _printer(kiosk_id: str | None, mode: str | None, printers: dict[str, dict]) -> PrinterHealth | None:
    health = printers.get(kiosk_id) if kiosk_id else None
    if health is None:
        if mode in ("browser", "none"):
            return PrinterHealth(kiosk=kiosk_id, state=mode, fault=None, paper_low=False, since=None,
                                 text=PRINTER_TEXTS[mode])
        return None
    state, fault, low = health["state"], health.get("fault"), bool(health.get("paper_low"))
    text = FAULT_TEXTS.get(fault, PRINTER_TEXTS["ok"]) if state == "fault" else PRINTER_TEXTS[state]
    if low and state != "fault":
        text = "Kertas hampir habis: siapkan gulungan baru"
    since = datetime.fromisoformat(health["since"]) if health.get("since") else None
    return PrinterHealth(kiosk=kiosk_id, state=state, fault=fault, paper_low=low, since=since, text=text)


def _when(moment: datetime, now: datetime, tz) -> str:
    """"pukul 09.41 WIB" today, "28 November pukul 09.41 WIB" before."""
    local, today = moment.astimezone(tz), now.astimezone(tz)
    at = f"pukul {opening.clock(local.time())} {local.tzname() or ''}".strip()
    if local.date() == today.date():
        return at
    return f"{local.day} {opening.MONTH_NAMES[local.month - 1]} {local.year} {at}"


def warnings(rows: list[DeviceHealth], hub: HubHealth, backups_stale: bool, disk_warning_mb: int,
             printers: dict[str, dict]) -> list[BoardWarning]:
    """The board's warnings, most urgent first."""
    found = []
    down = [r for r in rows if r.alert]
    if down:
        names = ", ".join(r.name or "?" for r in down[:5]) + (" dan lainnya" if len(down) > 5 else "")
        found.append(BoardWarning(code="devices_offline",
                                  message=f"{len(down)} perangkat tidak terhubung pada jam buka: {names}."))
    b = hub.backup
    if b.failure is not None:
        found.append(BoardWarning(code="backup_failed", message=f"Pencadangan terakhir gagal ({b.failure}). Hub "
                                  "mencoba lagi setiap 15 menit; periksa folder cadangan dan ruang disk."))
    if backups_stale:
        if b.last is None:
            found.append(BoardWarning(code="backup_missing", message="Belum ada cadangan basis data sejak lebih dari "
                                      f"{backup.BACKUP_WARN_DAYS} hari. Unduh cadangan sekarang, dan periksa "
                                      "pencadangan malam."))
        else:
            found.append(BoardWarning(code="backup_old", message=f"Cadangan terakhir ({b.last.file}) lebih tua dari "
                                      f"{backup.BACKUP_WARN_DAYS} hari. Periksa pencadangan malam."))
    limit = disk_warning_mb * 1_000_000
    for label, free in (("folder data", hub.disk_free_bytes), ("folder cadangan", b.folder_free_bytes)):
        if limit and free is not None and free < limit:
            found.append(BoardWarning(code="disk_low", message=f"Disk hampir penuh: {label} tinggal "
                                      f"{_gigabytes(free)} kosong. Kosongkan ruang atau pindahkan cadangan lama."))
    if hub.audio.get("status") == "degraded":
        found.append(BoardWarning(code="audio", message="Suara panggilan bermasalah: "
                                  f"{hub.audio.get('detail') or 'lihat log hub'}. Panggilan tetap tampil di layar."))
    for kiosk_id, health in sorted(printers.items()):
        if health.get("state") == "fault":
            text = FAULT_TEXTS.get(health.get("fault"), "Printer bermasalah")
            found.append(BoardWarning(code="printer", message=f"Printer kios {kiosk_id}: {text}."))
    return found


def _gigabytes(size: int) -> str:
    return f"{size / 1_000_000_000:.1f} GB".replace(".", ",")


def _disk(path: Path) -> tuple[int | None, int | None]:
    try:
        usage = shutil.disk_usage(path)
    except OSError:
        return None, None
    return usage.free, usage.total


def _other_disk(folder: Path, data_dir: Path) -> bool:
    """Whether `folder` exists on another disk than the data folder (its free space is then its own)."""
    try:
        return folder.stat().st_dev != data_dir.stat().st_dev
    except OSError:
        return False


async def board(app) -> HealthBoard:
    """The whole board from the running hub (`app`: the app's state)."""
    config: SiteConfig = app.config
    now = app.clock()
    tz = config.site.tz
    within = opening.within_hours(config.calendar, now.astimezone(tz))
    part = app.health_parts.get("kiosk")
    printers = part.health().get("printers", {}) if part is not None else {}
    rows = device_rows(app.devices, now, within, printers, app.page_version, config)
    backups: backup.Backups = app.backups
    files = backups.files()
    last = files[-1] if files else None
    failure = backups.failure
    free, total = _disk(app.settings.data_dir)
    backup_free = _disk(backups.folder)[0] if _other_disk(backups.folder, app.settings.data_dir) else None
    announcer = app.announcer
    hub = HubHealth(
        started_at=app.started_at, uptime_seconds=max(0, int((now - app.started_at).total_seconds())),
        database_bytes=await app.store.database_bytes(), disk_free_bytes=free, disk_total_bytes=total,
        audio=announcer.health() if announcer is not None else {"status": "off"}, page_version=app.page_version,
        connections=HubStats(**app.hub.stats()),
        backup=BackupHealth(
            folder=str(backups.folder), keep_days=config.data.backup_keep_days, files=len(files),
            last=BackupFileView(file=last.path.name, at=last.at, bytes=last.bytes) if last else None,
            next_at=backups.next_at(), folder_free_bytes=backup_free,
            failed_at=failure.at if failure else None, failure=failure.message if failure else None,
            external=backup.EXTERNAL if backups.external else None))
    stale = not backups.external and backup.stale(last.at if last else None, backups.since, now)
    return HealthBoard(now=now, within_hours=within, devices=rows, hub=hub,
                       warnings=warnings(rows, hub, stale, config.data.disk_warning_mb, printers))


# ---------------------------------------------------------------- watching


async def watch_devices(devices: Devices, store: Store, config: Callable[[], SiteConfig],
                        clock: Callable[[], datetime]) -> None:
    """Forever: every WATCH_SECONDS, log devices that went offline within the opening hours (once) and
    came back, and now and then write when each device was last seen. With several hub processes on one
    database, follow what the others registered and heard (Devices.follow); one of them writes the log."""
    while True:
        await asyncio.sleep(WATCH_SECONDS)
        try:
            now = clock()
            await devices.follow()
            current = config()
            within = opening.within_hours(current.calendar, now.astimezone(current.site.tz))
            entries = devices.watch(now, within)
            if entries and await store.leads():
                await store.add_audit_entries(entries)
            seen = devices.seen_to_save(now)
            if seen:
                await store.save_last_seen(seen)
        except DatabaseUnavailable:
            pass  # the database said so, once; tried again at the next look
        except Exception:
            log.exception("watching the devices failed; trying again")


# ---------------------------------------------------------------- the endpoint


@documented("The health board: every registered device and connected page, the hub itself, and warnings",
            {200: HealthBoard}, errors=(401, 403), secured=True,
            description="Admin only (the devices and the hub are the hall's, not an agency's). A registered device "
                        "offline within the hall's opening hours has `alert: true` within 15 s.")
async def health_board(request: Request) -> JSONResponse:
    await access.admin_of(request, "admin")
    return answer(await board(request.app.state), headers={"Cache-Control": "no-store"})


routes = [Route("/api/admin/health", health_board)]
