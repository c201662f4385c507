"""SQLite under the store (server/database.py): the embedded default, one hub process per file.

One aiosqlite connection (one owner thread) runs every statement, one sequence at a time under an
asyncio lock: on the one connection, a statement queued while a transaction is open would run
inside it (and read its uncommitted rows, or be rolled back with it). The schema version is
`PRAGMA user_version`. The write lock is `BEGIN IMMEDIATE`, which also holds against another
process on the same file; there is no doorbell, so such a process would see changes only when its
log follower polls (server/hall.py): SQLite is meant for one process, PostgreSQL for several.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from server.database import BackupFailed, StoreUnusable

EPOCH_UPSERT = ("INSERT INTO meta(key, value) VALUES ('epoch', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value")


def check_database(path: Path, migrations: int) -> None:
    """Before serving: the folder is writable and the database is one this program understands
    (`migrations`: how many this program has). Raises StoreUnusable saying what to do."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.parent / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StoreUnusable(f"the data folder {path.parent} is not writable ({exc.strerror}); "
                            "choose another with --data-dir or fix its permissions") from None
    try:
        with contextlib.closing(sqlite3.connect(path)) as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreUnusable(f"{path} is not a usable SQLite database ({exc}); restore a backup "
                            "(docs/operations.md) or move it away to start empty") from None
    if version > migrations:
        raise StoreUnusable(f"{path} has schema version {version}, newer than this program ({migrations}); "
                            "upgrade the program or restore a matching backup")


class _Statements:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self.conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self.conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:  # each statement is a round trip to the connection's thread
            await self.conn.executemany(sql, rows)

    async def announce(self, seq: int) -> None:
        pass  # one process: nobody to tell


class SqliteDatabase:
    """The SQLite file `path`; `synchronous`: FULL survives power loss, NORMAL only process crashes
    (OFF: tests only)."""

    dialect = "sqlite"
    backs_up = True
    unavailable = None  # a file of the hub's own: there is no server to lose
    unavailable_since = None

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self.path = path
        self.label = str(path)
        self.synchronous = synchronous
        self.conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self, migrations: Sequence[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = await aiosqlite.connect(self.path, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        await self.conn.execute("PRAGMA journal_mode=WAL")
        await self.conn.execute(f"PRAGMA synchronous={self.synchronous}")
        await self.conn.execute("PRAGMA foreign_keys=ON")
        await self.conn.execute("PRAGMA busy_timeout=5000")
        async with self.conn.execute("PRAGMA user_version") as cur:
            version = (await cur.fetchone())[0]
        if version > len(migrations):
            raise StoreUnusable(f"database {self.path} has schema version {version}, newer than this program "
                                f"({len(migrations)}); upgrade the program or restore a matching backup")
        for number, script in enumerate(migrations[version:], start=version + 1):
            await self.conn.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()
            self.conn = None

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            return await _Statements(self.conn).fetch(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._lock, self.conn.execute(sql, params) as cur:
            return cur.rowcount

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[_Statements]:
        async with self._transaction("BEGIN IMMEDIATE") as statements:
            yield statements

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[_Statements]:
        # A deferred transaction: in WAL mode its reads share one snapshot.
        async with self._transaction("BEGIN") as statements:
            yield statements

    @contextlib.asynccontextmanager
    async def _transaction(self, begin: str) -> AsyncIterator[_Statements]:
        async with self._lock:
            await self.conn.execute(begin)
            try:
                yield _Statements(self.conn)
                await self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise

    async def join_epoch(self, fresh: str) -> str:
        # One process per file: every start is a new epoch (after a restart, a wiped data folder or a
        # restored backup, `since` positions of pages are not comparable).
        await self.execute(EPOCH_UPSERT, (fresh,))
        return fresh

    def listen(self, ring: Callable[[int], None]) -> None:
        pass

    async def leads(self) -> bool:
        return True  # one process per file

    async def backup(self, target: Path) -> None:
        # In a thread of its own, on connections of its own: the hub's connection keeps writing meanwhile.
        await asyncio.to_thread(sqlite_online_backup, self.path, target)

    async def size_bytes(self) -> int:
        total = 0
        for path in (self.path, self.path.with_name(self.path.name + "-wal")):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total


def sqlite_online_backup(database: Path, target: Path) -> None:
    """Copy the SQLite database at `database` to `target` with SQLite's online backup API, while the
    hub keeps writing (blocking: run it in a thread).

    Not a file copy: the copy is made from one read transaction on a connection of its own, so it
    holds exactly the transactions committed before it started, whatever is written meanwhile (WAL
    lets the hub's writer go on). The copy is a single self-contained file (rollback journal, no
    `-wal`), read back with `PRAGMA quick_check`, written under a temporary name and renamed into
    place, then flushed to disk. Raises BackupFailed.
    """
    part = target.with_name(target.name + ".part")
    try:
        part.unlink(missing_ok=True)
        with contextlib.closing(sqlite3.connect(database, timeout=30)) as source, \
                contextlib.closing(sqlite3.connect(part)) as copy:
            source.backup(copy)  # pages=-1: everything in one step, one consistent read
            copy.execute("PRAGMA journal_mode=DELETE")
            # quick_check: every page and record of the copy read back (integrity_check adds the indexes'
            # agreement with their tables, twice the time for a copy made page by page; a restore runs it).
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"the copy of {database} failed its check: {verdict}")
        with open(part, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(part, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except (sqlite3.Error, OSError) as exc:
        raise BackupFailed(f"could not copy {database} to {target}: {exc}") from None
    finally:
        part.unlink(missing_ok=True)


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection to the SQLite file `path` (server.database.connect_reader): `mode=ro` and
    `query_only`; in WAL mode its transactions read the last committed state beside the hub's writer,
    neither blocking it nor blocked by it."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    db.execute("PRAGMA query_only = ON")
    db.execute("PRAGMA busy_timeout = 5000")
    return db
