"""SQLite persistence: tickets and their history, counters, the event log, officer sessions, the
configuration's versions, the audit log the survey's responses (queried by survey/storage.py)
and the registered devices.

One aiosqlite connection (one owner thread) does every write. Each state
change is one transaction that also appends its events to the log, so a
`kill -9` at any moment leaves either all of a change or none of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiosqlite

from server.audit import AuditEntry
from server.devices import Device
from server.queue import ServiceStats
from server.tickets import OPEN, Action, CounterState, Desk, HistoryEntry, Status, Ticket

# Forward-only migrations; PRAGMA user_version holds how many have run.
MIGRATIONS = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        number TEXT NOT NULL,
        service TEXT NOT NULL,
        day TEXT NOT NULL,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        token TEXT NOT NULL,
        counter TEXT,
        called_at TEXT,
        finished_at TEXT,
        calls INTEGER NOT NULL DEFAULT 0,
        origin INTEGER REFERENCES tickets(id)
    );
    CREATE INDEX tickets_status ON tickets(status);
    CREATE INDEX tickets_day ON tickets(day);
    CREATE INDEX tickets_token ON tickets(token);
    CREATE TABLE desks (
        id TEXT PRIMARY KEY,
        day TEXT NOT NULL,
        state TEXT NOT NULL,
        current INTEGER REFERENCES tickets(id),
        priority_streak INTEGER NOT NULL,
        served INTEGER NOT NULL,
        officer TEXT
    );
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        zone TEXT,
        at TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen TEXT NOT NULL
    );
    """,
    # 2: every action on every ticket, for reports (docs/operations.md, "Ticket history").
    """
    CREATE TABLE ticket_history (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        counter TEXT,
        officer TEXT,
        service TEXT NOT NULL
    );
    CREATE INDEX ticket_history_ticket ON ticket_history(ticket_id, at);
    CREATE INDEX ticket_history_at ON ticket_history(at);
    -- Tickets from before this table: what the tickets table still tells (no recalls, no officers).
    INSERT INTO ticket_history(ticket_id, at, action, counter, officer, service)
        SELECT id, issued_at, 'issued', NULL, NULL, service FROM tickets WHERE origin IS NULL;
    INSERT INTO ticket_history(ticket_id, at, action, counter, officer, service)
        SELECT id, called_at, 'called', counter, NULL, service FROM tickets WHERE called_at IS NOT NULL;
    INSERT INTO ticket_history(ticket_id, at, action, counter, officer, service)
        SELECT id, finished_at, status, CASE status WHEN 'expired' THEN NULL ELSE counter END, NULL, service
        FROM tickets WHERE finished_at IS NOT NULL AND status IN ('done', 'skipped', 'transferred', 'expired');
    """,
    # 3: the configuration lives in the database, one row per version; the audit log.
    """
    CREATE TABLE config_versions (
        version INTEGER PRIMARY KEY,
        body TEXT NOT NULL,
        source TEXT NOT NULL,
        officer TEXT,
        summary TEXT NOT NULL,
        saved_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        officer TEXT,
        agency TEXT,
        address TEXT,
        summary TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX audit_action ON audit(action);
    """,
    # 4: the citizens' satisfaction survey (SKM, survey/): one response per ticket, enforced here by the
    # primary key; the nine scores in a column each, by unsur key (never by position).
    """
    CREATE TABLE survey_responses (
        ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
        answered_at TEXT NOT NULL,
        channel TEXT NOT NULL,
        persyaratan INTEGER NOT NULL CHECK (persyaratan BETWEEN 1 AND 4),
        prosedur INTEGER NOT NULL CHECK (prosedur BETWEEN 1 AND 4),
        waktu INTEGER NOT NULL CHECK (waktu BETWEEN 1 AND 4),
        biaya INTEGER NOT NULL CHECK (biaya BETWEEN 1 AND 4),
        produk INTEGER NOT NULL CHECK (produk BETWEEN 1 AND 4),
        kompetensi INTEGER NOT NULL CHECK (kompetensi BETWEEN 1 AND 4),
        perilaku INTEGER NOT NULL CHECK (perilaku BETWEEN 1 AND 4),
        pengaduan INTEGER NOT NULL CHECK (pengaduan BETWEEN 1 AND 4),
        sarana INTEGER NOT NULL CHECK (sarana BETWEEN 1 AND 4),
        jenis_kelamin TEXT,
        usia TEXT,
        pendidikan TEXT,
        pekerjaan TEXT,
        saran TEXT
    );
    CREATE INDEX survey_responses_answered_at ON survey_responses(answered_at);
    -- The served tickets of a period (the IKM's population and the responses' scope): without it the
    -- planner reads every done ticket ever through tickets_status.
    CREATE INDEX tickets_status_day ON tickets(status, day);
    """,
    # 5: registered devices (kiosks, TVs, counter PCs, survey tablets): server/devices.py.
    """
    CREATE TABLE devices (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        zone TEXT,
        kiosk TEXT,
        token TEXT NOT NULL UNIQUE,
        pairing_code TEXT,
        pairing_until TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT,
        revoked_at TEXT,
        last_seen TEXT
    );
    """,
    # 6: reports (reports/queries.py): a period's tickets by day and service, and the monthly recap's
    # count of tickets taken, read from the index alone. It starts with `day`, so it replaces tickets_day.
    """
    CREATE INDEX tickets_day_service ON tickets(day, service, origin);
    DROP INDEX tickets_day;
    """,
    # 7: a survey tablet's counter (server/devices.py Device.counter): its page is that counter's survey.
    """
    ALTER TABLE devices ADD COLUMN counter TEXT;
    """,
]

EVENT_LOG_KEEP = 20_000  # events kept in the log (for resuming clients and for inspection)
CONFIG_VERSIONS_KEEP = 100  # configuration versions kept (the running one and the 99 before it)
TRIM_EVERY = 1000  # trim the log each time seq passes a multiple of this


@dataclass
class Loaded:
    day: str | None
    tickets: list[Ticket]
    desks: list[Desk]
    next_id: int
    stats: dict[str, ServiceStats]
    last_seq: int


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    type: str
    zone: str | None
    text: str  # the JSON sent to clients, encoded once


@dataclass(frozen=True)
class ConfigVersion:
    """One saved version of the site configuration.

    `body`: the configuration in the file's shape (`config.site.dump_config`), PIN hashes
    included; `source`: "file" (imported from the TOML file at start), "api" (PUT
    /api/admin/config) or "toml" (PUT /api/admin/config.toml); `officer`: who saved it.
    """

    version: int
    body: dict
    source: str
    officer: str | None
    summary: str
    saved_at: datetime


class StoreUnusable(Exception):
    """The data folder or database cannot be used; the message says what to do."""


def check_database(path: Path) -> None:
    """Before serving: the folder is writable and the database is one this program understands."""
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
    if version > len(MIGRATIONS):
        raise StoreUnusable(f"{path} has schema version {version}, newer than this program ({len(MIGRATIONS)}); "
                            "upgrade the program or restore a matching backup")


class Store:
    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        self.path = path
        self.synchronous = synchronous
        self.db: aiosqlite.Connection | None = None
        self.last_seq = 0
        self.epoch = ""
        self._lock = asyncio.Lock()  # one statement sequence at a time on the one connection
        self._audit_id = 0  # the last audit entry's id: ids are given here, so the SQL stays portable

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = await aiosqlite.connect(self.path, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        await self.db.execute("PRAGMA journal_mode=WAL")
        await self.db.execute(f"PRAGMA synchronous={self.synchronous}")
        await self.db.execute("PRAGMA foreign_keys=ON")
        await self.db.execute("PRAGMA busy_timeout=5000")
        await self._migrate()
        async with self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events") as cur:
            self.last_seq = (await cur.fetchone())[0]
        async with self.db.execute("SELECT COALESCE(MAX(id), 0) FROM audit") as cur:
            self._audit_id = (await cur.fetchone())[0]
        # A new epoch at every start: `since` positions from before a restart, a
        # wiped data folder or a restored backup are never resumed into.
        self.epoch = secrets.token_hex(6)

    async def close(self) -> None:
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def _migrate(self) -> None:
        async with self.db.execute("PRAGMA user_version") as cur:
            version = (await cur.fetchone())[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"database {self.path} has schema version {version}, newer than this program "
                f"({len(MIGRATIONS)}); upgrade the program or restore a matching backup"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await self.db.executescript(f"BEGIN; {script}; PRAGMA user_version={number}; COMMIT;")

    # ------------------------------------------------------------ loading

    async def load(self) -> Loaded:
        db = self.db
        async with db.execute("SELECT value FROM meta WHERE key = 'day'") as cur:
            row = await cur.fetchone()
        day = row[0] if row else None
        placeholders = ",".join("?" * len(OPEN))
        async with db.execute(
            f"SELECT * FROM tickets WHERE status IN ({placeholders}) OR day = ? ORDER BY id",
            (*[str(s) for s in OPEN], day or ""),
        ) as cur:
            rows = await cur.fetchall()
        tickets, stats = [], {}
        for row in rows:
            t = _ticket(row)
            if t.status in OPEN or t.status is Status.SKIPPED and t.day == day:  # today's no-shows may come back
                tickets.append(t)
            if t.day == day:
                s = stats.setdefault(t.service, ServiceStats())
                s.issued += t.origin is None
                if t.status is Status.DONE and t.called_at and t.finished_at:
                    s.served += 1
                    s.served_seconds += (t.finished_at - t.called_at).total_seconds()
        async with db.execute("SELECT * FROM desks WHERE day = ?", (day or "",)) as cur:
            desks = [
                Desk(r["id"], CounterState(r["state"]), r["current"], r["priority_streak"], r["served"], r["officer"])
                for r in await cur.fetchall()
            ]
        async with db.execute("SELECT COALESCE(MAX(id), 0) FROM tickets") as cur:
            next_id = (await cur.fetchone())[0] + 1
        return Loaded(day, tickets, desks, next_id, stats, self.last_seq)

    # ------------------------------------------------------------ writing

    async def commit(self, day: str | None, tickets: Iterable[Ticket], desks: Iterable[Desk],
                     events: Iterable[tuple[str, str | None, dict]], now: datetime,
                     history: Iterable[HistoryEntry] = (), *, config: ConfigVersion | None = None,
                     audit: Iterable[AuditEntry] = (), meta: dict[str, str] | None = None) -> list[LoggedEvent]:
        """Write one change atomically (tickets, desks, their history rows and events); returns its
        events with their sequence numbers.

        With it, in the same transaction: a new configuration version (older ones beyond
        CONFIG_VERSIONS_KEEP are dropped), audit entries and `meta` keys. `day` None: the day is
        not written (the configuration seeded before the first day starts).
        """
        logged = []
        seq = self.last_seq
        at = now.isoformat()
        for type_, zone, body in events:
            seq += 1
            body["seq"] = seq
            body["at"] = at
            logged.append(LoggedEvent(seq, type_, zone, json.dumps(body, ensure_ascii=False, separators=(",", ":"))))
        async with self._writing(audit) as db:
            await db.executemany(
                "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [*([("day", day)] if day is not None else []), *(meta or {}).items()],
            )
            await db.executemany(
                "INSERT INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                "service=excluded.service, status=excluded.status, counter=excluded.counter, "
                "called_at=excluded.called_at, finished_at=excluded.finished_at, calls=excluded.calls",
                [_ticket_row(t) for t in tickets],
            )
            await db.executemany(
                "INSERT OR REPLACE INTO desks VALUES (?,?,?,?,?,?,?)",
                [(d.id, day, str(d.state), d.current, d.priority_streak, d.served, d.officer) for d in desks],
            )
            await db.executemany(
                "INSERT INTO ticket_history(ticket_id, at, action, counter, officer, service) VALUES (?,?,?,?,?,?)",
                [(h.ticket_id, h.at.isoformat(), str(h.action), h.counter, h.officer, h.service) for h in history],
            )
            await db.executemany(
                "INSERT INTO events(seq, type, zone, at, body) VALUES (?,?,?,?,?)",
                [(e.seq, e.type, e.zone, at, e.text) for e in logged],
            )
            if config is not None:
                await self._insert_config(config)
            if seq // TRIM_EVERY != self.last_seq // TRIM_EVERY:
                # Inside the transaction: no await may come between last_seq
                # moving on and the hall applying the change (snapshots read both).
                await db.execute("DELETE FROM events WHERE seq <= ?", (seq - EVENT_LOG_KEEP,))
        self.last_seq = seq
        return logged

    async def _insert_config(self, config: ConfigVersion) -> None:
        await self.db.execute(
            "INSERT INTO config_versions(version, body, source, officer, summary, saved_at) VALUES (?,?,?,?,?,?)",
            (config.version, json.dumps(config.body, ensure_ascii=False, separators=(",", ":")), config.source,
             config.officer, config.summary, config.saved_at.isoformat()),
        )
        await self.db.execute("DELETE FROM config_versions WHERE version <= ?",
                              (config.version - CONFIG_VERSIONS_KEEP,))

    def _audit_rows(self, entries: Iterable[AuditEntry]) -> list[tuple]:
        rows = []
        for e in entries:
            self._audit_id += 1
            rows.append((self._audit_id, e.at.isoformat(), e.action, e.officer, e.agency, e.address, e.summary,
                         json.dumps(e.detail, ensure_ascii=False, separators=(",", ":"))))
        return rows

    # ------------------------------------------------------------ queries
    # Every statement holds the lock: on the one connection, a statement queued
    # while a commit is open would run inside that transaction (and read its
    # uncommitted rows, or be rolled back with it).

    async def _fetch(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        async with self._lock, self.db.execute(sql, params) as cur:
            return await cur.fetchall()

    async def _write(self, sql: str, params: tuple = ()) -> None:
        async with self._lock:
            await self.db.execute(sql, params)

    async def fetch(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        """Rows of one read (portable SQL, `?` placeholders), for the parts' own query modules
        (survey/storage.py); rows are read by column name."""
        return await self._fetch(sql, params)

    async def execute(self, sql: str, params: tuple = ()) -> int:
        """One write statement in its own transaction (portable SQL, `?` placeholders); returns the rows it
        changed (0 for an `INSERT ... ON CONFLICT DO NOTHING` that met its conflict)."""
        async with self._lock:
            async with self.db.execute(sql, params) as cur:
                return cur.rowcount

    async def events_since(self, seq: int, limit: int) -> list[LoggedEvent] | None:
        """The events after `seq`, or None when they are not all in the log or more than `limit`."""
        if seq == self.last_seq:
            return []
        if seq > self.last_seq or self.last_seq - seq > limit:
            return None  # a position this log never had, or too far behind
        oldest = (await self._fetch("SELECT MIN(seq) FROM events"))[0][0]
        if oldest is None or oldest > seq + 1:
            return None
        rows = await self._fetch("SELECT seq, type, zone, body FROM events WHERE seq > ? ORDER BY seq", (seq,))
        return [LoggedEvent(r[0], r[1], r[2], r[3]) for r in rows]

    async def ticket_by_token(self, token: str) -> Ticket | None:
        rows = await self._fetch("SELECT * FROM tickets WHERE token = ? ORDER BY id DESC LIMIT 1", (token,))
        return _ticket(rows[0]) if rows else None

    async def ticket_by_id(self, ticket_id: int) -> Ticket | None:
        """The ticket with this id, or None (also for an id no SQLite integer can hold: a client's typo)."""
        if not -(2 ** 63) <= ticket_id < 2 ** 63:
            return None
        rows = await self._fetch("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return _ticket(rows[0]) if rows else None

    async def history(self, ticket_id: int) -> list[HistoryEntry]:
        """Every action on one ticket, oldest first."""
        rows = await self._fetch("SELECT * FROM ticket_history WHERE ticket_id = ? ORDER BY at, id", (ticket_id,))
        return [HistoryEntry(r["ticket_id"], datetime.fromisoformat(r["at"]), Action(r["action"]), r["service"],
                             r["counter"], r["officer"]) for r in rows]

    async def recent_calls(self, day: str, counters: list[str], limit: int = 10) -> list[tuple[Ticket, str, str]]:
        """The last `limit` tickets of `day` whose latest announcement (call or recall) was at one of
        `counters`, latest first: (ticket, that counter, when, ISO-8601)."""
        if not counters:
            return []
        marks = ",".join("?" * len(counters))
        # SQLite gives the bare column h.counter from the row holding MAX(h.at).
        rows = await self._fetch(
            "SELECT t.*, h.counter AS announced_counter, MAX(h.at) AS announced_at FROM tickets t "
            "JOIN ticket_history h ON h.ticket_id = t.id WHERE t.day = ? AND h.action IN ('called', 'recalled') "
            f"GROUP BY t.id HAVING announced_counter IN ({marks}) ORDER BY announced_at DESC, t.id DESC LIMIT ?",
            (day, *counters, limit),
        )
        return [(_ticket(r), r["announced_counter"], r["announced_at"]) for r in rows]

    async def meta(self, key: str) -> str | None:
        rows = await self._fetch("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    # ------------------------------------------------------------ configuration and audit

    async def config_version(self, version: int | None = None) -> ConfigVersion | None:
        """A saved configuration version (the latest when `version` is None), or None."""
        if version is None:
            rows = await self._fetch("SELECT * FROM config_versions ORDER BY version DESC LIMIT 1")
        else:
            rows = await self._fetch("SELECT * FROM config_versions WHERE version = ?", (version,))
        if not rows:
            return None
        r = rows[0]
        return ConfigVersion(r["version"], json.loads(r["body"]), r["source"], r["officer"], r["summary"],
                             datetime.fromisoformat(r["saved_at"]))

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append one audit entry on its own (log-ins and log-outs)."""
        async with self._lock:
            audit_from = self._audit_id
            try:
                await self.db.executemany(AUDIT_INSERT, self._audit_rows([entry]))
            except BaseException:
                self._audit_id = audit_from
                raise

    async def audit(self, *, limit: int, before: int | None = None, action: str | None = None,
                    agency: str | None = None) -> list[AuditEntry]:
        """Audit entries newest first: at most `limit`, with ids below `before`; `action` "login" also
        matches "login.failed"; `agency`: only entries of officers of that agency."""
        where, params = [], []
        if before is not None:
            where.append("id < ?")
            params.append(before)
        if action:
            where.append("(action = ? OR action LIKE ?)")
            params += [action, action + ".%"]
        if agency is not None:
            where.append("agency = ?")
            params.append(agency)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
        rows = await self._fetch(sql, (*params, limit))
        return [AuditEntry(at=datetime.fromisoformat(r["at"]), action=r["action"], summary=r["summary"],
                           officer=r["officer"], agency=r["agency"], address=r["address"],
                           detail=json.loads(r["detail"]), id=r["id"]) for r in rows]

    # ------------------------------------------------------------ sessions

    async def save_session(self, token_hash: str, username: str, now: datetime) -> None:
        await self._write("INSERT INTO sessions VALUES (?,?,?,?)",
                          (token_hash, username, now.isoformat(), now.isoformat()))

    async def session(self, token_hash: str) -> tuple[str, datetime] | None:
        rows = await self._fetch("SELECT username, last_seen FROM sessions WHERE token_hash = ?", (token_hash,))
        return (rows[0][0], datetime.fromisoformat(rows[0][1])) if rows else None

    async def touch_session(self, token_hash: str, now: datetime) -> None:
        await self._write("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (now.isoformat(), token_hash))

    async def drop_session(self, token_hash: str) -> None:
        await self._write("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    async def drop_sessions_before(self, cutoff: datetime) -> None:
        await self._write("DELETE FROM sessions WHERE last_seen < ?", (cutoff.isoformat(),))

    # ------------------------------------------------------------ devices

    async def devices(self) -> list[Device]:
        """Every registered device, revoked ones included (a revoked token is refused by name), by id."""
        rows = await self._fetch("SELECT * FROM devices ORDER BY id")
        return [_device(r) for r in rows]

    async def save_device(self, device: Device, audit: Iterable[AuditEntry] = ()) -> None:
        """Insert or update one device (`device.id` given by the registry), with its audit entries, in one
        transaction."""
        await self._transaction([(DEVICE_UPSERT, [_device_row(device)])], audit)

    async def save_last_seen(self, seen: dict[int, datetime]) -> None:
        """When each device (by id) was last heard from: kept across restarts for the health board."""
        if seen:
            await self._transaction([("UPDATE devices SET last_seen = ? WHERE id = ?",
                                      [(at.isoformat(), device_id) for device_id, at in seen.items()])])

    # ------------------------------------------------------------ retention and backups

    async def prune_tickets(self, before_day: str, audit: Callable[[int], Iterable[AuditEntry]]) -> int:
        """Delete the tickets of days before `before_day` (YYYY-MM-DD) with their history, in one
        transaction with the audit entries `audit(count)` gives; returns how many tickets went.
        A kept ticket's `origin` pointing at a deleted one is cleared (transfers stay within a day,
        so this is only ever a safeguard), as is a counter's desk still naming one."""
        async with self._lock:
            async with self.db.execute("SELECT COUNT(*) FROM tickets WHERE day < ?", (before_day,)) as cur:
                count = (await cur.fetchone())[0]
        if not count:
            return 0
        old = "SELECT id FROM tickets WHERE day < ?"
        await self._transaction([
            (f"UPDATE tickets SET origin = NULL WHERE day >= ? AND origin IN ({old})", [(before_day, before_day)]),
            (f"UPDATE desks SET current = NULL WHERE current IN ({old})", [(before_day,)]),
            (f"DELETE FROM ticket_history WHERE ticket_id IN ({old})", [(before_day,)]),
            ("DELETE FROM tickets WHERE day < ?", [(before_day,)]),
        ], audit(count))
        return count

    async def backup(self, target: Path) -> None:
        """A consistent copy of the whole database at `target`, taken while the hub keeps writing
        (`sqlite_online_backup`, in a thread of its own). Raises BackupFailed."""
        await asyncio.to_thread(sqlite_online_backup, self.path, target)

    def database_bytes(self) -> int:
        """The database's size on disk: the file and its write-ahead log."""
        total = 0
        for path in (self.path, self.path.with_name(self.path.name + "-wal")):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    async def add_audit_entries(self, entries: Iterable[AuditEntry]) -> None:
        """Append audit entries in one transaction (a device seen offline, a backup taken)."""
        await self._transaction([], entries)

    async def _transaction(self, steps: list[tuple[str, list[tuple]]], audit: Iterable[AuditEntry] = ()) -> None:
        """Run `(sql, rows)` steps (executemany) and append `audit`, all or nothing."""
        async with self._writing(audit) as db:
            for sql, rows in steps:
                await db.executemany(sql, rows)

    @contextlib.asynccontextmanager
    async def _writing(self, audit: Iterable[AuditEntry] = ()):
        """One write transaction on the connection, under the lock: what the block writes, then the
        `audit` entries; all of it or, on any error (cancellation included), none."""
        db = self.db
        async with self._lock:
            audit_from = self._audit_id
            audit_rows = self._audit_rows(audit)
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                if audit_rows:
                    await db.executemany(AUDIT_INSERT, audit_rows)
                await db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    await db.execute("ROLLBACK")
                self._audit_id = audit_from
                raise


AUDIT_INSERT = ("INSERT INTO audit(id, at, action, officer, agency, address, summary, detail) "
                "VALUES (?,?,?,?,?,?,?,?)")
DEVICE_COLUMNS = ("id", "kind", "name", "zone", "kiosk", "counter", "token", "pairing_code", "pairing_until",
                  "created_at", "created_by", "revoked_at", "last_seen")
DEVICE_UPSERT = (f"INSERT INTO devices({', '.join(DEVICE_COLUMNS)}) VALUES ({','.join('?' * len(DEVICE_COLUMNS))}) "
                 "ON CONFLICT(id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in DEVICE_COLUMNS[1:]))


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _device(row: sqlite3.Row) -> Device:
    return Device(id=row["id"], kind=row["kind"], name=row["name"], zone=row["zone"], kiosk=row["kiosk"],
                  counter=row["counter"], token=row["token"], pairing_code=row["pairing_code"],
                  pairing_until=_ts(row["pairing_until"]),
                  created_at=datetime.fromisoformat(row["created_at"]), created_by=row["created_by"],
                  revoked_at=_ts(row["revoked_at"]), last_seen=_ts(row["last_seen"]))


def _device_row(d: Device) -> tuple:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return (d.id, d.kind, d.name, d.zone, d.kiosk, d.counter, d.token, d.pairing_code, iso(d.pairing_until),
            d.created_at.isoformat(), d.created_by, iso(d.revoked_at), iso(d.last_seen))


class BackupFailed(Exception):
    """A backup could not be taken or is not sound; the message says why (English, for the log)."""


def sqlite_online_backup(database: Path, target: Path) -> None:
    """Copy the SQLite database at `database` to `target` with SQLite's online backup API, while the
    hub keeps writing (blocking: run it in a thread).

    Not a file copy: the copy is made from one read transaction on a connection of its own, so it
    holds exactly the transactions committed before it started, whatever is written meanwhile (WAL
    lets the hub's writer go on). The copy is a single self-contained file (rollback journal, no
    `-wal`), read back with `PRAGMA quick_check`, written under a temporary name and renamed into
    place, then flushed to disk. SQLite only: another store gives its own `backup()` (pg_dump) or
    refuses. Raises BackupFailed.
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


def _ticket(row: sqlite3.Row) -> Ticket:
    def ts(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return Ticket(
        id=row["id"],
        number=row["number"],
        service=row["service"],
        day=row["day"],
        priority=bool(row["priority"]),
        status=Status(row["status"]),
        issued_at=ts(row["issued_at"]),
        arrived_at=ts(row["arrived_at"]),
        token=row["token"],
        counter=row["counter"],
        called_at=ts(row["called_at"]),
        finished_at=ts(row["finished_at"]),
        calls=row["calls"],
        origin=row["origin"],
    )


def _ticket_row(t: Ticket) -> tuple:
    return (
        t.id, t.number, t.service, t.day, int(t.priority), str(t.status), t.issued_at.isoformat(),
        t.arrived_at.isoformat(), t.token, t.counter,
        t.called_at.isoformat() if t.called_at else None,
        t.finished_at.isoformat() if t.finished_at else None,
        t.calls, t.origin,
    )
