"""Persistence: tickets and their history, counters, the event log, officer sessions, the
configuration's versions, the audit log, the survey's responses (queried by survey/storage.py) and
the registered devices, in SQLite (the default) or PostgreSQL.

Every query is here, once, in the SQL both databases understand; it runs through a `Database`
(server/database.py: server/sqlite.py, server/postgres.py). Each state change is one transaction
that also appends its events to the log, so a `kill -9` at any moment leaves either all of a
change or none of it.

Several hub processes may share one PostgreSQL database. The event log is then the truth each of
them follows: a change is decided inside `writing()`, which holds the database's write lock, after
`Writing.changes_since` has brought the process up to date with what the others committed
(server/hall.py); `changes_since` outside the lock is the log follower's consistent read.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from server.audit import AuditEntry
from server.database import BackupFailed, Database, Row, Statements, StoreUnusable, open_database
from server.devices import Device
from server.events import ConfigUpdated, DayStarted
from server.queue import ServiceStats
from server.tickets import OPEN, Action, CounterState, Desk, HistoryEntry, Status, Ticket

__all__ = ["Store", "StoreUnusable", "BackupFailed", "MIGRATIONS", "open_database"]

# The one schema, as forward-only migrations in the SQL both databases understand (server/database.py;
# server/postgres.py says how its types are read there). The database keeps how many have run.
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
    # 8: several hub processes on one database (docs/operations.md, "A city deployment"): each ticket and
    # desk row keeps the `seq` of the commit that last wrote it (its last event's), so a process catches up
    # on the rows the others changed after the log position it has applied.
    """
    ALTER TABLE tickets ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE desks ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX tickets_seq ON tickets(seq);
    """,
    # 9: reports (reports/stored.py): a closed day's parts, worked out once by the reports' worker and written
    # by the hub (reports/keeper.py), one row per day, facet and version of the computation. The parts come
    # last in the row: the hub's check of which days are stored reads the key alone.
    """
    CREATE TABLE report_parts (
        day TEXT NOT NULL,
        facet TEXT NOT NULL,
        version INTEGER NOT NULL,
        entries TEXT NOT NULL,
        durations BLOB NOT NULL,
        PRIMARY KEY (day, facet, version)
    );
    """,
]

EVENT_LOG_KEEP = 20_000  # events kept in the log (for resuming clients and for inspection)
CONFIG_VERSIONS_KEEP = 100  # configuration versions kept (the running one and the 99 before it)
TRIM_EVERY = 1000  # trim the log each time seq passes a multiple of this

TICKET_COLUMNS = ("id, number, service, day, priority, status, issued_at, arrived_at, token, counter, called_at, "
                  "finished_at, calls, origin, seq")
# A ticket row in `_ticket_row`'s shape (no `seq`), for tools that fill a database directly (bench/).
TICKET_INSERT = f"INSERT INTO tickets({TICKET_COLUMNS.removesuffix(', seq')}) VALUES ({','.join('?' * 14)})"
TICKET_UPSERT = (f"INSERT INTO tickets({TICKET_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                 "ON CONFLICT(id) DO UPDATE SET service=excluded.service, status=excluded.status, "
                 "counter=excluded.counter, called_at=excluded.called_at, finished_at=excluded.finished_at, "
                 "calls=excluded.calls, seq=excluded.seq")
DESK_UPSERT = ("INSERT INTO desks(id, day, state, current, priority_streak, served, officer, seq) "
               "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET day=excluded.day, state=excluded.state, "
               "current=excluded.current, priority_streak=excluded.priority_streak, served=excluded.served, "
               "officer=excluded.officer, seq=excluded.seq")
DAY_STARTED = DayStarted.model_fields["type"].default
CONFIG_UPDATED = ConfigUpdated.model_fields["type"].default
META_UPSERT = "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
AUDIT_INSERT = "INSERT INTO audit(at, action, officer, agency, address, summary, detail) VALUES (?,?,?,?,?,?,?)"
# A closed day's parts (Store.save_report_parts): `values` is one "(?, ?, ?, ?, ?)" per facet, then the day again.
REPORT_PARTS_INSERT = ("INSERT INTO report_parts(day, facet, version, entries, durations) "
                       "SELECT column1, column2, column3, column4, column5 FROM (VALUES {values}) AS v "
                       "WHERE EXISTS (SELECT 1 FROM tickets WHERE day <= ?) "
                       "ON CONFLICT DO NOTHING RETURNING facet")


@dataclass
class Loaded:
    """What a process starts from, read in one consistent snapshot: the day, today's open and skipped tickets
    (and the day's statistics), the desks, the next ticket id, the log position they reach and the latest
    configuration version."""

    day: str | None
    tickets: list[Ticket]
    desks: list[Desk]
    next_id: int
    stats: dict[str, ServiceStats]
    last_seq: int
    config: ConfigVersion | None = None


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


@dataclass
class Changes:
    """What other processes committed after log position `since` (Store.changes_since).

    `seq`: the log's last seq, which these changes reach; `events`: the events after `since`, in order,
    or None when the log no longer holds them all (trimmed, or it went backwards: a restored database):
    the caller then loads everything again. `tickets` and `desks`: the rows written after `since`, as they
    are now; `day`: the hall's day when a day started after `since` (else None); `config`: the latest
    configuration version when one was saved after `since` and is newer than the one the caller runs.
    """

    since: int
    seq: int
    events: list[LoggedEvent] | None = field(default_factory=list)
    day: str | None = None
    tickets: list[Ticket] = field(default_factory=list)
    desks: list[Desk] = field(default_factory=list)
    config: ConfigVersion | None = None

    @property
    def complete(self) -> bool:
        return self.events is not None


class Writing:
    """One transaction holding the database's write lock (`Store.writing`): catch up, then write."""

    def __init__(self, store: Store, statements: Statements) -> None:
        self.store = store
        self.tx = statements
        self._head: int | None = None  # the log's last seq, once read under the lock

    async def changes_since(self, seq: int, version: int) -> Changes:
        """What others committed after `seq` (see Changes); `version`: the configuration version the caller runs."""
        changes = await self.store._changes(self.tx, seq, version)
        self._head = changes.seq
        return changes

    async def write(self, day: str | None, tickets: Iterable[Ticket], desks: Iterable[Desk],
                    events: Iterable[tuple[str, str | None, dict]], now: datetime,
                    history: Iterable[HistoryEntry] = (), *, config: ConfigVersion | None = None,
                    audit: Iterable[AuditEntry] = (), meta: dict[str, str] | None = None) -> list[LoggedEvent]:
        """Write one change (tickets, desks, their history rows and events; committed when the `writing()` block
        ends); returns its events with their sequence numbers, which follow the log's last one.

        With it: a new configuration version (older ones beyond CONFIG_VERSIONS_KEEP are dropped), audit
        entries and `meta` keys. `day` None: the day is not written (the configuration seeded before the first
        day starts). Raises ValueError for tickets or desks without any event: other processes learn of rows
        through the log.
        """
        tickets, desks, events = list(tickets), list(desks), list(events)
        if (tickets or desks) and not events:
            raise ValueError("a change to tickets or desks must log at least one event")
        tx = self.tx
        logged = []
        head = self._head
        if head is None:
            head = (await tx.fetch("SELECT COALESCE(MAX(seq), 0) FROM events"))[0][0]
        seq = head
        at = now.isoformat()
        for type_, zone, body in events:
            seq += 1
            body["seq"] = seq
            body["at"] = at
            logged.append(LoggedEvent(seq, type_, zone, json.dumps(body, ensure_ascii=False, separators=(",", ":"))))
        await tx.executemany(META_UPSERT, [*([("day", day)] if day is not None else []), *(meta or {}).items()])
        await tx.executemany(TICKET_UPSERT, [(*_ticket_row(t), seq) for t in tickets])
        await tx.executemany(DESK_UPSERT, [(d.id, day, str(d.state), d.current, d.priority_streak, d.served,
                                            d.officer, seq) for d in desks])
        await tx.executemany(
            "INSERT INTO ticket_history(ticket_id, at, action, counter, officer, service) VALUES (?,?,?,?,?,?)",
            [(h.ticket_id, h.at.isoformat(), str(h.action), h.counter, h.officer, h.service) for h in history],
        )
        await tx.executemany("INSERT INTO events(seq, type, zone, at, body) VALUES (?,?,?,?,?)",
                             [(e.seq, e.type, e.zone, at, e.text) for e in logged])
        if config is not None:
            await tx.execute(
                "INSERT INTO config_versions(version, body, source, officer, summary, saved_at) VALUES (?,?,?,?,?,?)",
                (config.version, _json(config.body), config.source, config.officer, config.summary,
                 config.saved_at.isoformat()),
            )
            await tx.execute("DELETE FROM config_versions WHERE version <= ?", (config.version - CONFIG_VERSIONS_KEEP,))
        await tx.executemany(AUDIT_INSERT, [_audit_row(e) for e in audit])
        if seq // TRIM_EVERY != head // TRIM_EVERY:
            await tx.execute("DELETE FROM events WHERE seq <= ?", (seq - EVENT_LOG_KEEP,))
        if logged:
            await tx.announce(seq)
        self._head = seq
        return logged


class Store:
    """The hub's data in `database` (a Database, or the path of a SQLite file: `synchronous` is then its
    durability, FULL or NORMAL; OFF in tests).

    `last_seq` is the log position this process has applied and sent to its pages (the hall moves it);
    `epoch` names the log (Database.join_epoch): positions are comparable only within one epoch.
    """

    def __init__(self, database: Database | Path, *, synchronous: str = "FULL") -> None:
        if isinstance(database, Path | str):
            database = open_database(None, Path(database), synchronous=synchronous)
        self.db: Database = database
        self.last_seq = 0
        self.epoch = ""

    @property
    def dialect(self) -> str:
        return self.db.dialect

    async def open(self) -> None:
        await self.db.open(MIGRATIONS)
        self.last_seq = (await self.fetch("SELECT COALESCE(MAX(seq), 0) FROM events"))[0][0]
        # A new epoch when this is the first (or only) process on the database: `since` positions from
        # before a restart of every process, a wiped database or a restored backup are never resumed into.
        self.epoch = await self.db.join_epoch(secrets.token_hex(6))

    async def close(self) -> None:
        await self.db.close()

    def listen(self, ring: Callable[[int], None]) -> None:
        """Call `ring(seq)` when another process commits (Database.listen)."""
        self.db.listen(ring)

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[Writing]:
        """A transaction holding the database's write lock, committed when the block ends."""
        async with self.db.writing() as tx:
            yield Writing(self, tx)

    async def commit_first_config(self, config: ConfigVersion, audit: Iterable[AuditEntry],
                                  meta: dict[str, str]) -> bool:
        """Store the first configuration version, unless one is stored already (another process starting
        at the same time): returns whether this one was."""
        async with self.writing() as writing:
            if (await writing.tx.fetch("SELECT COUNT(*) FROM config_versions"))[0][0]:
                return False
            await writing.write(None, [], [], [], config.saved_at, config=config, audit=audit, meta=meta)
            return True

    # ------------------------------------------------------------ loading and following

    async def load(self) -> Loaded:
        """Everything a process starts from (see Loaded), in one snapshot; moves `last_seq` to it."""
        async with self.db.reading() as tx:
            loaded = await self._load(tx)
        self.last_seq = loaded.last_seq
        return loaded

    async def _load(self, tx: Statements) -> Loaded:
        rows = await tx.fetch("SELECT value FROM meta WHERE key = 'day'")
        day = rows[0][0] if rows else None
        placeholders = ",".join("?" * len(OPEN))
        rows = await tx.fetch(f"SELECT * FROM tickets WHERE status IN ({placeholders}) OR day = ? ORDER BY id",
                              (*[str(s) for s in OPEN], day or ""))
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
        desks = [_desk(r) for r in await tx.fetch("SELECT * FROM desks WHERE day = ?", (day or "",))]
        next_id = (await tx.fetch("SELECT COALESCE(MAX(id), 0) FROM tickets"))[0][0] + 1
        last_seq = (await tx.fetch("SELECT COALESCE(MAX(seq), 0) FROM events"))[0][0]
        return Loaded(day, tickets, desks, next_id, stats, last_seq, await self._config_version(tx))

    async def changes_since(self, seq: int, version: int) -> Changes:
        """What others committed after `seq`, read in one consistent snapshot without the write lock (the log
        follower); `version`: the configuration version the caller runs."""
        async with self.db.reading() as tx:
            return await self._changes(tx, seq, version)

    async def _changes(self, tx: Statements, since: int, version: int) -> Changes:
        head = (await tx.fetch("SELECT COALESCE(MAX(seq), 0) FROM events"))[0][0]
        if head == since:
            return Changes(since, head)
        if head < since:
            return Changes(since, head, None)  # the log went backwards: a restored or replaced database
        rows = await tx.fetch("SELECT seq, type, zone, body FROM events WHERE seq > ? ORDER BY seq", (since,))
        events = [LoggedEvent(r[0], r[1], r[2], r[3]) for r in rows]
        if len(events) != head - since:
            return Changes(since, head, None)  # trimmed past `since`
        kinds = {e.type for e in events}
        # The day and the configuration change only with their own events: read them only then.
        day = await tx.fetch("SELECT value FROM meta WHERE key = 'day'") if DAY_STARTED in kinds else None
        tickets = [_ticket(r) for r in await tx.fetch("SELECT * FROM tickets WHERE seq > ? ORDER BY id", (since,))]
        desks = [_desk(r) for r in await tx.fetch("SELECT * FROM desks WHERE seq > ?", (since,))]
        latest = await self._config_version(tx) if CONFIG_UPDATED in kinds else None
        return Changes(since, head, events, day[0][0] if day else None, tickets, desks,
                       latest if latest is not None and latest.version > version else None)

    # ------------------------------------------------------------ queries

    async def fetch(self, sql: str, params: tuple = ()) -> list[Row]:
        """Rows of one read on its own (portable SQL, `?` placeholders; also for the parts' own query modules,
        survey/storage.py); rows are read by position or by column name."""
        return await self.db.fetch(sql, params)

    async def execute(self, sql: str, params: tuple = ()) -> int:
        """One write statement committed on its own (portable SQL, `?` placeholders); returns the rows it
        changed (0 for an `INSERT ... ON CONFLICT DO NOTHING` that met its conflict)."""
        return await self.db.execute(sql, params)

    async def events_since(self, seq: int, limit: int) -> list[LoggedEvent] | None:
        """The events after `seq` up to `last_seq` (what this process has sent its pages), or None when they are
        not all in the log or more than `limit`."""
        upto = self.last_seq  # read before any await: a page subscribed before this call gets the rest live
        if seq == upto:
            return []
        if seq > upto or upto - seq > limit:
            return None  # a position this log never had (or this process has not reached yet), or too far behind
        rows = await self.fetch("SELECT seq, type, zone, body FROM events WHERE seq > ? AND seq <= ? ORDER BY seq",
                                 (seq, upto))
        if len(rows) != upto - seq:
            return None  # trimmed
        return [LoggedEvent(r[0], r[1], r[2], r[3]) for r in rows]

    async def ticket_by_token(self, token: str) -> Ticket | None:
        rows = await self.fetch("SELECT * FROM tickets WHERE token = ? ORDER BY id DESC LIMIT 1", (token,))
        return _ticket(rows[0]) if rows else None

    async def ticket_by_id(self, ticket_id: int) -> Ticket | None:
        """The ticket with this id, or None (also for an id no SQLite integer can hold: a client's typo)."""
        if not -(2 ** 63) <= ticket_id < 2 ** 63:
            return None
        rows = await self.fetch("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        return _ticket(rows[0]) if rows else None

    async def history(self, ticket_id: int) -> list[HistoryEntry]:
        """Every action on one ticket, oldest first."""
        rows = await self.fetch("SELECT * FROM ticket_history WHERE ticket_id = ? ORDER BY at, id", (ticket_id,))
        return [HistoryEntry(r["ticket_id"], datetime.fromisoformat(r["at"]), Action(r["action"]), r["service"],
                             r["counter"], r["officer"]) for r in rows]

    async def recent_calls(self, day: str, counters: list[str], limit: int = 10) -> list[tuple[Ticket, str, str]]:
        """The last `limit` tickets of `day` whose latest announcement (call or recall) was at one of
        `counters`, latest first: (ticket, that counter, when, ISO-8601)."""
        if not counters:
            return []
        marks = ",".join("?" * len(counters))
        rows = await self.fetch(
            "SELECT t.*, h.counter AS announced_counter, h.at AS announced_at FROM tickets t "
            "JOIN ticket_history h ON h.ticket_id = t.id WHERE t.day = ? AND h.id = ("
            "SELECT l.id FROM ticket_history l WHERE l.ticket_id = t.id AND l.action IN ('called', 'recalled') "
            f"ORDER BY l.at DESC, l.id DESC LIMIT 1) AND h.counter IN ({marks}) "
            "ORDER BY h.at DESC, t.id DESC LIMIT ?",
            (day, *counters, limit),
        )
        return [(_ticket(r), r["announced_counter"], r["announced_at"]) for r in rows]

    async def meta(self, key: str) -> str | None:
        rows = await self.fetch("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    # ------------------------------------------------------------ configuration and audit

    async def config_version(self, version: int | None = None) -> ConfigVersion | None:
        """A saved configuration version (the latest when `version` is None), or None."""
        if version is None:
            return await self._config_version(self.db)
        rows = await self.fetch("SELECT * FROM config_versions WHERE version = ?", (version,))
        return _config(rows[0]) if rows else None

    async def _config_version(self, tx: Statements | Database) -> ConfigVersion | None:
        rows = await tx.fetch("SELECT * FROM config_versions ORDER BY version DESC LIMIT 1")
        return _config(rows[0]) if rows else None

    async def add_audit(self, entry: AuditEntry) -> None:
        """Append one audit entry on its own (log-ins and log-outs)."""
        await self.execute(AUDIT_INSERT, _audit_row(entry))

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
        rows = await self.fetch(sql, (*params, limit))
        return [AuditEntry(at=datetime.fromisoformat(r["at"]), action=r["action"], summary=r["summary"],
                           officer=r["officer"], agency=r["agency"], address=r["address"],
                           detail=json.loads(r["detail"]), id=r["id"]) for r in rows]

    # ------------------------------------------------------------ sessions

    async def save_session(self, token_hash: str, username: str, now: datetime) -> None:
        await self.execute("INSERT INTO sessions(token_hash, username, created_at, last_seen) VALUES (?,?,?,?)",
                          (token_hash, username, now.isoformat(), now.isoformat()))

    async def session(self, token_hash: str) -> tuple[str, datetime] | None:
        rows = await self.fetch("SELECT username, last_seen FROM sessions WHERE token_hash = ?", (token_hash,))
        return (rows[0][0], datetime.fromisoformat(rows[0][1])) if rows else None

    async def touch_session(self, token_hash: str, now: datetime) -> None:
        await self.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (now.isoformat(), token_hash))

    async def drop_session(self, token_hash: str) -> None:
        await self.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    async def drop_sessions_before(self, cutoff: datetime) -> None:
        await self.execute("DELETE FROM sessions WHERE last_seen < ?", (cutoff.isoformat(),))

    # ------------------------------------------------------------ devices

    async def devices(self) -> list[Device]:
        """Every registered device, revoked ones included (a revoked token is refused by name), by id."""
        return [_device(r) for r in await self.fetch("SELECT * FROM devices ORDER BY id")]

    async def add_device(self, device: Device, audit: Callable[[Device], Iterable[AuditEntry]]) -> Device:
        """Insert a new device under the next id, with the audit entries `audit(device)` gives, in one
        transaction; returns it with its id. The id is taken under the database's write lock, so
        registrations at the same moment (on one hub process or several) never share one."""
        async with self.db.writing() as tx:
            next_id = (await tx.fetch("SELECT COALESCE(MAX(id), 0) + 1 FROM devices"))[0][0]
            device = replace(device, id=next_id)
            await tx.execute(DEVICE_UPSERT, _device_row(device))
            await tx.executemany(AUDIT_INSERT, [_audit_row(e) for e in audit(device)])
        return device

    async def save_device(self, device: Device, audit: Iterable[AuditEntry] = ()) -> None:
        """Update one device (or insert it under its id), with its audit entries, in one transaction."""
        await self._transaction([(DEVICE_UPSERT, [_device_row(device)])], audit)

    async def save_last_seen(self, seen: dict[int, datetime]) -> None:
        """When each device (by id) was last heard from: kept across restarts for the health board. A time
        older than the stored one (another hub process heard it later) is not written."""
        if seen:
            await self._transaction([("UPDATE devices SET last_seen = ? WHERE id = ? AND "
                                      "(last_seen IS NULL OR last_seen < ?)",
                                      [(at.isoformat(), device_id, at.isoformat()) for device_id, at in seen.items()])])

    # ------------------------------------------------------------ retention and backups

    async def prune_tickets(self, before_day: str, audit: Callable[[int], Iterable[AuditEntry]]) -> int:
        """Delete the tickets of days before `before_day` (YYYY-MM-DD) with their history and survey
        responses, in one transaction with the audit entries `audit(count)` gives (none when nothing
        went: several hub processes may prune at the same time); returns how many tickets went.
        A kept ticket's `origin` pointing at a deleted one is cleared (transfers stay within a day,
        so this is only ever a safeguard), as is a counter's desk still naming one."""
        old = "SELECT id FROM tickets WHERE day < ?"
        async with self.db.writing() as tx:
            count = (await tx.fetch("SELECT COUNT(*) FROM tickets WHERE day < ?", (before_day,)))[0][0]
            if not count:
                return 0
            await tx.execute(f"UPDATE tickets SET origin = NULL WHERE day >= ? AND origin IN ({old})",
                             (before_day, before_day))
            await tx.execute(f"UPDATE desks SET current = NULL WHERE current IN ({old})", (before_day,))
            for table, column in (("ticket_history", "ticket_id"), ("survey_responses", "ticket_id")):
                await tx.execute(f"DELETE FROM {table} WHERE {column} IN ({old})", (before_day,))
            await tx.execute("DELETE FROM tickets WHERE day < ?", (before_day,))
            await tx.execute("DELETE FROM report_parts WHERE day < ?", (before_day,))
            await tx.executemany(AUDIT_INSERT, [_audit_row(e) for e in audit(count)])
        return count

    # ------------------------------------------------------------ the reports' stored parts

    async def save_report_parts(self, day: str, version: int, facets: list[tuple[str, str, bytes]]) -> int:
        """Store a closed day's parts (reports/stored.py): `facets` as (facet, entries, durations), worked out by
        the computation `version`; the day's other rows (another version, another time zone's hours) go. Written
        once: a facet stored already (by this process or another) is left as it is, the database deciding (ON
        CONFLICT DO NOTHING); nothing is written for a day before every ticket kept (pruned meanwhile: the write
        lock orders this after `prune_tickets`). Returns the rows written."""
        if not facets:
            return 0
        names = [facet for facet, _, _ in facets]
        values = ", ".join(["(?, ?, ?, ?, ?)"] * len(facets))
        params = [value for facet, entries, durations in facets for value in (day, facet, version, entries, durations)]
        async with self.db.writing() as tx:
            await tx.execute(f"DELETE FROM report_parts WHERE day = ? AND NOT (version = ? AND facet IN "
                             f"({', '.join('?' * len(names))}))", (day, version, *names))
            return len(await tx.fetch(REPORT_PARTS_INSERT.format(values=values), (*params, day)))

    @property
    def backs_up(self) -> bool:
        """Whether `backup()` copies the database (SQLite); False: its backups are the database server's
        (PostgreSQL: pg_dump, docs/operations.md)."""
        return self.db.backs_up

    async def backup(self, target: Path) -> None:
        """A consistent copy of the whole database at `target`, taken while the hub keeps writing
        (Database.backup). Raises BackupFailed (also where `backs_up` is False)."""
        await self.db.backup(target)

    async def database_bytes(self) -> int:
        """The database's size (Database.size_bytes)."""
        return await self.db.size_bytes()

    async def leads(self) -> bool:
        """Whether this process does the chores that one hub process does for all (Database.leads)."""
        return await self.db.leads()

    async def add_audit_entries(self, entries: Iterable[AuditEntry]) -> None:
        """Append audit entries in one transaction (a device seen offline, a backup taken)."""
        await self._transaction([], entries)

    async def _transaction(self, steps: list[tuple[str, list[tuple]]], audit: Iterable[AuditEntry] = ()) -> None:
        """Run `(sql, rows)` steps (executemany) and append `audit`, all or nothing, under the write lock."""
        async with self.db.writing() as tx:
            for sql, rows in steps:
                await tx.executemany(sql, rows)
            await tx.executemany(AUDIT_INSERT, [_audit_row(e) for e in audit])


DEVICE_COLUMNS = ("id", "kind", "name", "zone", "kiosk", "counter", "token", "pairing_code", "pairing_until",
                  "created_at", "created_by", "revoked_at", "last_seen")
# Several hub processes may write one device: a revocation is never undone, and last_seen never goes back.
_DEVICE_KEEPS = {
    "revoked_at": "COALESCE(devices.revoked_at, excluded.revoked_at)",
    "last_seen": "COALESCE(CASE WHEN devices.last_seen > excluded.last_seen THEN devices.last_seen "
                 "ELSE excluded.last_seen END, devices.last_seen)",
}
DEVICE_UPSERT = (f"INSERT INTO devices({', '.join(DEVICE_COLUMNS)}) VALUES ({','.join('?' * len(DEVICE_COLUMNS))}) "
                 "ON CONFLICT(id) DO UPDATE SET "
                 + ", ".join(f"{c} = {_DEVICE_KEEPS.get(c, f'excluded.{c}')}" for c in DEVICE_COLUMNS[1:]))


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _device(row: Row) -> Device:
    return Device(id=row["id"], kind=row["kind"], name=row["name"], zone=row["zone"], kiosk=row["kiosk"],
                  counter=row["counter"], token=row["token"], pairing_code=row["pairing_code"],
                  pairing_until=_ts(row["pairing_until"]),
                  created_at=datetime.fromisoformat(row["created_at"]), created_by=row["created_by"],
                  revoked_at=_ts(row["revoked_at"]), last_seen=_ts(row["last_seen"]))


def _device_row(d: Device) -> tuple:
    return (d.id, d.kind, d.name, d.zone, d.kiosk, d.counter, d.token, d.pairing_code, _iso(d.pairing_until),
            d.created_at.isoformat(), d.created_by, _iso(d.revoked_at), _iso(d.last_seen))


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _audit_row(e: AuditEntry) -> tuple:
    return (e.at.isoformat(), e.action, e.officer, e.agency, e.address, e.summary, _json(e.detail))


def _config(r: Row) -> ConfigVersion:
    return ConfigVersion(r["version"], json.loads(r["body"]), r["source"], r["officer"], r["summary"],
                         datetime.fromisoformat(r["saved_at"]))


def _desk(r: Row) -> Desk:
    return Desk(r["id"], CounterState(r["state"]), r["current"], r["priority_streak"], r["served"], r["officer"])


def _ticket(row: Row) -> Ticket:
    return Ticket(
        id=row["id"],
        number=row["number"],
        service=row["service"],
        day=row["day"],
        priority=bool(row["priority"]),
        status=Status(row["status"]),
        issued_at=_ts(row["issued_at"]),
        arrived_at=_ts(row["arrived_at"]),
        token=row["token"],
        counter=row["counter"],
        called_at=_ts(row["called_at"]),
        finished_at=_ts(row["finished_at"]),
        calls=row["calls"],
        origin=row["origin"],
    )


def _ticket_row(t: Ticket) -> tuple:
    return (
        t.id, t.number, t.service, t.day, int(t.priority), str(t.status), t.issued_at.isoformat(),
        t.arrived_at.isoformat(), t.token, t.counter,
        _iso(t.called_at), _iso(t.finished_at),
        t.calls, t.origin,
    )
