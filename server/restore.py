"""Restoring a backup, and keeping two hubs off one database.

`python run.py restore BACKUP [--data-dir DIR] [--config FILE]` (docs/operations.md, "Restore"):

1. checks the backup: an SQLite database this program understands, passing `PRAGMA integrity_check`;
2. refuses while a hub runs on DIR (the hub holds `mpp.sqlite3.lock` there, `hold_database`);
3. moves the database there (with its `-wal` and `-shm`) aside into `before-restore-<time>/`,
   never deleting it;
4. copies the backup into place with SQLite's backup API, and notes in the restored database that
   the site file FILE was already seen (so the hub runs the backup's configuration, not the file's)
   and, in its audit log, that it was restored.

SQLite only, like `Store.backup`: PostgreSQL is restored with its own tools (pg_restore,
docs/operations.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from config.site import SiteConfig
from server import audit
from server.reconfig import FILE_FINGERPRINT, fingerprint
from server.sqlite import sqlite_online_backup
from server.store import AUDIT_INSERT, MIGRATIONS

LOCK_SUFFIX = ".lock"


class DatabaseBusy(Exception):
    """Another program holds the database (a hub, a restore or a copy-database): the message says which."""


class RestoreRefused(Exception):
    """The backup cannot be restored: the message says why."""


# What a holder of the lock is doing to the database, by the name it writes into the lock file; {pid} its process.
HOLDERS = {
    "hub": "a hub is running on {database} (process {pid}); stop it first (systemctl stop mpp, or Ctrl+C)",
    "restore": "run.py restore (process {pid}) is putting a backup in place at {database}; wait until it is done",
    "copy-database": "run.py copy-database (process {pid}) is copying {database} into PostgreSQL; wait until it is "
                     "done",
}


def hold_database(database: Path, holder: str = "hub") -> IO:
    """Take `<database>.lock` for as long as the returned file stays open (a hub's whole life, a restore's or a
    copy-database's run) and write into it who holds it (`holder`, a key of HOLDERS, and the process id): a second
    hub on the same SQLite file, or a restore or copy under a running hub, is refused with DatabaseBusy, whose
    message says which of them holds it. The operating system lets go of it when the process ends, however it
    ends."""
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = open(database.with_name(database.name + LOCK_SUFFIX), "a+")  # held until the process ends
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        held_by = handle.read(200)
        handle.close()
        raise DatabaseBusy(_busy(database, held_by)) from None
    handle.truncate(0)
    handle.write(f"{holder} {os.getpid()}\n")
    handle.flush()
    return handle


def _busy(database: Path, held_by: str) -> str:
    """Why `database` cannot be taken, from what its lock file says (`<holder> <pid>`): a message true whoever holds
    it when the file says nothing that can be trusted (written by an older version, being written just now, or left
    by a process that has ended)."""
    holder, _, pid = held_by.strip().partition(" ")
    if holder in HOLDERS and pid.isdigit() and _alive(int(pid)):
        return HOLDERS[holder].format(database=database, pid=pid)
    return (f"another program holds {database} (a hub running on it, or a restore or copy-database under way); "
            "stop the hub (systemctl stop mpp, or Ctrl+C) or wait until the other is done")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: schema version, tickets (and the last day with any), configuration version."""

    schema: int
    tickets: int
    last_day: str | None
    config_version: int | None
    site: str | None

    def describe(self) -> str:
        site = f"{self.site}, " if self.site else ""
        config = f", configuration version {self.config_version}" if self.config_version else ""
        last = f" (last day {self.last_day})" if self.last_day else ""
        return f"{site}{self.tickets} tickets{last}{config}, schema {self.schema}"


def inspect(backup: Path) -> BackupSummary:
    """Check that `backup` is a sound database of this program; RestoreRefused otherwise."""
    if not backup.is_file():
        raise RestoreRefused(f"{backup} is not a file")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{backup}?mode=ro", uri=True)) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise RestoreRefused(f"{backup} is damaged (integrity check: {verdict}); take an older backup")
            schema = db.execute("PRAGMA user_version").fetchone()[0]
            if schema < 1 or not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'tickets'").fetchone():
                raise RestoreRefused(f"{backup} is not a backup of the queue hub")
            if schema > len(MIGRATIONS):
                raise RestoreRefused(f"{backup} has schema version {schema}, newer than this program "
                                     f"({len(MIGRATIONS)}); upgrade the program first")
            tickets, last_day = db.execute("SELECT COUNT(*), MAX(day) FROM tickets").fetchone()
            version, site = None, None
            if schema >= 3:
                row = db.execute("SELECT version, body FROM config_versions ORDER BY version DESC LIMIT 1").fetchone()
                if row is not None:
                    version, site = row[0], json.loads(row[1]).get("site", {}).get("name")
    except sqlite3.DatabaseError as exc:
        raise RestoreRefused(f"{backup} is not a usable SQLite database ({exc})") from None
    return BackupSummary(schema, tickets, last_day, version, site)


def restore(backup: Path, database: Path, config: SiteConfig, now: datetime) -> tuple[BackupSummary, Path | None]:
    """Put `backup` in place as `database` (see the module's steps); returns what it holds and the folder
    the previous database was moved to (None when there was none). Raises RestoreRefused, DatabaseBusy."""
    summary = inspect(backup)
    lock = hold_database(database, "restore")
    try:
        aside = None
        previous = [p for p in (database, *_journals(database)) if p.exists()]
        if previous:
            aside = database.parent / f"before-restore-{now.astimezone():%Y%m%d-%H%M%S}"
            aside.mkdir(parents=True)
            for path in previous:
                shutil.move(path, aside / path.name)
        sqlite_online_backup(backup, database)
        _note(database, backup, summary, config, now)
    finally:
        lock.close()
    return summary, aside


def _journals(database: Path) -> tuple[Path, Path]:
    return database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")


def _note(database: Path, backup: Path, summary: BackupSummary, config: SiteConfig, now: datetime) -> None:
    """In the restored database: the site file counts as seen (the backup's configuration runs), and the
    audit log says it was restored."""
    if summary.schema < 3:
        return  # no configuration in the database yet: the hub imports the file, as on a first start
    with contextlib.closing(sqlite3.connect(database, isolation_level=None)) as db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   (FILE_FINGERPRINT, fingerprint(config)))
        detail = {"file": backup.name, "tickets": summary.tickets, "config_version": summary.config_version}
        db.execute(AUDIT_INSERT, (now.isoformat(), audit.BACKUP_RESTORED,
                                  None, None, None, f"Basis data dipulihkan dari cadangan {backup.name}",
                                  json.dumps(detail, ensure_ascii=False, separators=(",", ":"))))
        db.execute("COMMIT")
