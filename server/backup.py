"""Backups of the database: the nightly one with its retention, a download on demand, and the pruning
of old ticket history (`[data]`, config/data.py; the restore: server/restore.py, docs/operations.md).

- **Nightly**: at `[data] backup_time` (site time) the whole database is copied with the store's
  online backup (`Store.backup`: SQLite's backup API, consistent while the hub writes) to
  `mpp-YYYY-MM-DD-HHMM.sqlite3` in the backup folder. A hub that was off at that time takes it
  when it starts again (`due`). Then backups older than `backup_keep_days` go (the newest one
  always stays; files the hub did not name are never touched), and, with `ticket_years` set,
  tickets of days more than that many years ago.
- **Download**: `GET /api/admin/backup` takes a fresh copy into the data folder and sends it.
- **Warnings** for the health board: no backup, or the last one older than BACKUP_WARN_DAYS days;
  the last attempt failed; too little free disk (`[data] disk_warning_mb`).

Every backup taken, downloaded or failed, and every pruning, is in the audit log. One `Backups`
object owns the backups: one copy at a time (a lock), each in a worker thread.

On PostgreSQL (`Store.backs_up` False) the database server is backed up with its own tools
(pg_dump, docs/operations.md "Backups of PostgreSQL"): the hub takes no nightly copy, answers a
download with 409 `backup_external`, and the health board says so (`EXTERNAL`) instead of warning
that there is no backup. Old tickets are still pruned at `backup_time` (by whichever hub process
comes first: `Store.prune_tickets` counts under the write lock).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from config.site import SiteConfig
from server import access, audit
from server.api import client_address
from server.audit import AuditEntry
from server.database import BackupFailed, DatabaseUnavailable
from server.errors import HubError
from server.openapi import documented
from server.store import Store

log = logging.getLogger("mpp.backup")

BACKUP_WARN_DAYS = 2  # the health board warns when the last backup is older than this
CHECK_SECONDS = 30  # how often the nightly backup's time is checked
RETRY_MINUTES = 15  # after a failed nightly backup, the next try
SPARE_BYTES = 50 * 1024 * 1024  # free space a backup must leave beyond its own size
NAME_RE = re.compile(r"^mpp-(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})\.sqlite3$")
MEDIA_TYPE = "application/vnd.sqlite3"
# The health board's line where the database server keeps the backups (PostgreSQL).
EXTERNAL = ("Basis data ada di server PostgreSQL: cadangannya dibuat di server itu dengan pg_dump (jadwal "
            "pengelola server), bukan oleh hub. Pemulihan dengan pg_restore (docs/operations.md).")


@dataclass(frozen=True)
class BackupFile:
    """One nightly backup: its file, when it was taken (site time, from its name) and its size in bytes."""

    path: Path
    at: datetime
    bytes: int


@dataclass(frozen=True)
class Failure:
    at: datetime
    message: str


# ---------------------------------------------------------------- the rules (pure)


def file_name(local: datetime) -> str:
    """`mpp-2026-03-02-2100.sqlite3`: a backup taken at `local` (site time)."""
    return f"mpp-{local:%Y-%m-%d-%H%M}.sqlite3"


def taken_at(name: str, tz) -> datetime | None:
    """When a backup named by `file_name` was taken (aware, in `tz`); None for any other name."""
    match = NAME_RE.match(name)
    if match is None:
        return None
    year, month, day, hour, minute = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=tz)
    except ValueError:
        return None


def last_scheduled(local: datetime, at: time) -> datetime:
    """The latest moment at or before `local` at which the nightly backup was due (today's `at`, or
    yesterday's before it)."""
    today = datetime.combine(local.date(), at, tzinfo=local.tzinfo)
    return today if today <= local else today - timedelta(days=1)


def next_scheduled(local: datetime, at: time) -> datetime:
    return last_scheduled(local, at) + timedelta(days=1)


def due(last: datetime | None, local: datetime, at: time) -> bool:
    """Whether a nightly backup must be taken now: none since the last scheduled moment (a hub that
    was off at backup time catches up when it runs again). `last`: the last backup, or the hub's
    first start when there is none (None: unknown, so due)."""
    return last is None or last < last_scheduled(local, at)


def expired(files: list[BackupFile], local: datetime, keep_days: int) -> list[BackupFile]:
    """The backups older than `keep_days` days, except the newest one, which always stays."""
    newest = max(files, key=lambda f: f.at, default=None)
    cutoff = local - timedelta(days=keep_days)
    return [f for f in files if f.at < cutoff and f is not newest]


def stale(last: datetime | None, since: datetime | None, now: datetime) -> bool:
    """Whether the board warns about backups: the last one (or, with none yet, the hub's first start,
    `since`) is more than BACKUP_WARN_DAYS days old."""
    reference = last or since
    return reference is not None and now - reference > timedelta(days=BACKUP_WARN_DAYS)


def prune_before(today: date, years: int) -> date:
    """The first day kept when tickets of days more than `years` years before `today` are deleted."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


# ---------------------------------------------------------------- the owner


class Backups:
    """The hub's backups. `config()` gives the running configuration (`[data]`, the site's time zone),
    `clock()` the hub's time; `data_dir` is the data folder (the default backup folder is inside)."""

    def __init__(self, store: Store, config: Callable[[], SiteConfig], data_dir: Path,
                 clock: Callable[[], datetime]) -> None:
        self.store = store
        self.config = config
        self.data_dir = data_dir
        self.clock = clock
        self.failure: Failure | None = None
        self.since: datetime | None = None  # the hub's first start: "no backup yet" counts from there
        self._pruned_at: datetime | None = None  # without backups of its own: the last pruning (site time)
        self._retry_at: datetime | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None

    @property
    def external(self) -> bool:
        """Whether the database is backed up outside the hub (PostgreSQL, with pg_dump)."""
        return not self.store.backs_up

    @property
    def folder(self) -> Path:
        """Where the nightly backups go: `[data] backup_dir`, else <data-dir>/backups."""
        config = self.config()
        return config.beside(config.data.backup_dir) if config.data.backup_dir else self.data_dir / "backups"

    def files(self) -> list[BackupFile]:
        """The nightly backups in the folder, oldest first (files with other names are not ours)."""
        tz = self.config().site.tz
        found = []
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return []
        for path in entries:
            at = taken_at(path.name, tz)
            if at is None:
                continue
            try:
                found.append(BackupFile(path, at, path.stat().st_size))
            except OSError:
                continue
        return sorted(found, key=lambda f: f.at)

    def last(self) -> BackupFile | None:
        files = self.files()
        return files[-1] if files else None

    def next_at(self) -> datetime:
        config = self.config()
        return next_scheduled(self.clock().astimezone(config.site.tz), config.data.backup_time)

    # ------------------------------------------------------------ nightly

    async def start(self) -> None:
        """Start checking for the nightly backup (at once: a hub that was off at backup time catches up)."""
        first = await self.store.config_version(1)
        self.since = first.saved_at if first is not None else None
        if self._task is None:
            self._task = asyncio.create_task(self._run_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _run_forever(self) -> None:
        while True:
            try:
                await self.check()
            except DatabaseUnavailable:
                pass  # the database said so, once; tried again at the next check
            except Exception:
                log.exception("the nightly backup check failed")
            await asyncio.sleep(CHECK_SECONDS)

    async def check(self) -> BackupFile | None:
        """Take the nightly backup when it is due (and not waiting to retry a failure); then retention."""
        config = self.config()
        now = self.clock()
        local = now.astimezone(config.site.tz)
        if self.external:  # no copy of ours to take: only the pruning, at the same time of day
            if due(self._pruned_at or self.since, local, config.data.backup_time):
                self._pruned_at = local
                if config.data.ticket_years:
                    await self.prune(local.date(), config.data.ticket_years)
            return None
        last = self.last()
        # A hub started after the last backup time has nothing worth saving from before it.
        if not due(last.at if last else self.since, local, config.data.backup_time):
            return None
        if self._retry_at is not None and now < self._retry_at:
            return None
        return await self.nightly()

    async def nightly(self) -> BackupFile | None:
        """Take a backup into the backup folder now, then delete expired ones and prune old tickets.
        A failure is logged, in the audit log once, shown on the board, and retried later."""
        config = self.config()
        now = self.clock()
        local = now.astimezone(config.site.tz)
        target = self.folder / file_name(local)
        try:
            async with self._lock:
                target.parent.mkdir(parents=True, exist_ok=True)
                await self._room_for_copy(target.parent)
                await self.store.backup(target)
        except (BackupFailed, OSError) as exc:
            await self._failed(now, str(exc))
            return None
        size = target.stat().st_size
        self.failure, self._retry_at = None, None
        await self.store.add_audit_entries([AuditEntry(
            now, audit.BACKUP_CREATED, f"Cadangan malam dibuat: {target.name} ({_megabytes(size)})",
            detail={"file": str(target), "bytes": size})])
        log.info("nightly backup %s (%d bytes)", target, size)
        self._expire(local, config.data.backup_keep_days)
        if config.data.ticket_years:
            await self.prune(local.date(), config.data.ticket_years)
        return BackupFile(target, local.replace(second=0, microsecond=0), size)

    async def _failed(self, now: datetime, message: str) -> None:
        first = self.failure is None
        self.failure = Failure(now, message)
        self._retry_at = now + timedelta(minutes=RETRY_MINUTES)
        log.error("backup failed (retrying in %d minutes): %s", RETRY_MINUTES, message)
        if first:  # once per run of failures, not every retry
            await self.store.add_audit_entries([AuditEntry(now, audit.BACKUP_FAILED, f"Pencadangan gagal: {message}",
                                                           detail={"error": message})])

    async def _room_for_copy(self, folder: Path) -> None:
        needed = await self.store.database_bytes() + SPARE_BYTES
        free = shutil.disk_usage(folder).free
        if free < needed:
            raise BackupFailed(f"not enough free space in {folder}: {_megabytes(free)} free, "
                               f"{_megabytes(needed)} needed")

    def _expire(self, local: datetime, keep_days: int) -> None:
        for old in expired(self.files(), local, keep_days):
            try:
                old.path.unlink()
                log.info("backup %s deleted (older than %d days)", old.path.name, keep_days)
            except OSError as exc:
                log.warning("could not delete the old backup %s: %s", old.path, exc)

    async def prune(self, today: date, years: int) -> int:
        """Delete the tickets of days before `prune_before(today, years)`, with their history."""
        first_kept = prune_before(today, years).isoformat()
        now = self.clock()
        count = await self.store.prune_tickets(first_kept, lambda n: [AuditEntry(
            now, audit.HISTORY_PRUNED, f"{n} tiket sebelum {first_kept} dihapus (riwayat disimpan {years} tahun)",
            detail={"before": first_kept, "tickets": n, "years": years})])
        if count:
            log.info("%d tickets of days before %s deleted ([data] ticket_years = %d)", count, first_kept, years)
        return count

    # ------------------------------------------------------------ on demand

    async def download(self, entry: AuditEntry) -> Path:
        """A fresh copy of the database in the data folder (hidden name), for GET /api/admin/backup;
        the caller deletes it once sent. `entry` (who asked, from where) goes into the audit log."""
        target = self.data_dir / f".download-{secrets.token_hex(6)}.sqlite3"
        async with self._lock:
            await self._room_for_copy(self.data_dir)
            await self.store.backup(target)
        size = target.stat().st_size
        await self.store.add_audit_entries([AuditEntry(
            entry.at, audit.BACKUP_DOWNLOADED, f"Cadangan diunduh ({_megabytes(size)})", officer=entry.officer,
            agency=entry.agency, address=entry.address, detail={"bytes": size})])
        return target


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB".replace(".", ",")


# ---------------------------------------------------------------- the download


@documented("Download a consistent copy of the whole database, taken now while the hub runs", {200: MEDIA_TYPE},
            errors=(401, 403, 409, 503), secured=True,
            description="Admin only. SQLite's online backup API, not a file copy: it holds exactly the changes "
                        "committed before it began. 503 backup_failed when it cannot be taken (disk full). "
                        "409 backup_external when the data is in PostgreSQL (run.py --database): back it up "
                        "with pg_dump. Restore: docs/operations.md.")
async def download_backup(request: Request) -> FileResponse:
    officer = await access.admin_of(request, "admin")
    app = request.app.state
    if app.backups.external:
        raise HubError("backup_external", "Basis data hub ini ada di server PostgreSQL, jadi cadangannya tidak "
                       "diunduh dari sini: buat dengan pg_dump di server basis data (lihat docs/operations.md, "
                       "bagian \"Backups of PostgreSQL\").", status=409)
    now = app.clock()
    entry = AuditEntry(now, audit.BACKUP_DOWNLOADED, "", officer=officer.username, agency=officer.agency,
                       address=client_address(request))
    try:
        path = await app.backups.download(entry)
    except (BackupFailed, OSError) as exc:
        log.error("backup for download failed: %s", exc)
        raise HubError("backup_failed", f"Cadangan tidak dapat dibuat: {exc}", status=503) from None
    name = file_name(now.astimezone(app.config.site.tz))
    return FileResponse(path, media_type=MEDIA_TYPE, filename=name, headers={"Cache-Control": "no-store"},
                        background=BackgroundTask(path.unlink, missing_ok=True))


routes = [Route("/api/admin/backup", download_backup)]
