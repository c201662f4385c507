"""PostgreSQL under the store (server/database.py): several hub processes on one database.

Why psycopg 3 (with psycopg_pool) rather than asyncpg: it keeps the DB-API shape the SQLite side
has (`execute`, `executemany`, placeholders in the SQL text), so the one set of queries in
server/store.py needs only its `?` placeholders rewritten; its asyncio support, connection pool and
`notifies()` for LISTEN are maintained by the PostgreSQL adapter's own project, and the binary
wheel needs no compiler on the hub machine.

What differs from SQLite, all of it here:

- statements: `?` placeholders become `%s` (and a literal `%` becomes `%%`): `statement()`;
- migrations: `INTEGER` is 64-bit `BIGINT` (as in SQLite), an `INTEGER PRIMARY KEY` left out of an
  INSERT gets its value from an identity column (SQLite's rowid), `TEXT` compares byte by byte
  (`COLLATE "C"`, as SQLite does: ISO-8601 times sort as text), `REAL` is `DOUBLE PRECISION` and
  `BLOB` is `BYTEA`: `schema()`. The schema version is the table `schema_version`;
- the write lock: a transaction-scoped advisory lock (`WRITE_LOCK`), taken first in every writing
  transaction, which stays at READ COMMITTED so that each statement after the lock sees every
  commit made before it;
- the doorbell: `NOTIFY mpp_log, '<seq>'` sent with each commit, `LISTEN` on one connection per
  process; payloads are just the new last `seq`;
- the epoch: every process holds a shared advisory lock (`EPOCH_LOCK`) for as long as it runs;
  one that finds nobody holding it starts a new epoch;
- numbers: `SUM` of integers is `numeric` in PostgreSQL (a Decimal in Python) but an integer in
  SQLite; a whole `numeric` is read as an int here, any other as a float (`_Number`);
- backups: the database server's own (pg_dump), not the hub's (`backs_up` False;
  docs/operations.md); the size is `pg_database_size`;
- the reports' worker reads through its own read-only connection (`connect_reader`), each report
  in one REPEATABLE READ transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.numeric import NumericLoader
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from server.database import BackupFailed, DatabaseUnavailable, StoreUnusable

log = logging.getLogger("mpp.postgres")

CHANNEL = "mpp_log"
# Advisory lock keys (any 64-bit numbers the hub owns in its database).
WRITE_LOCK = 0x4D50505F5752  # "MPP_WR": one writer at a time
EPOCH_LOCK = 0x4D50505F4550  # "MPP_EP": held shared by every running hub process
MIGRATE_LOCK = 0x4D50505F4D49  # "MPP_MI": one process migrates at a time
LEAD_LOCK = 0x4D50505F4C45  # "MPP_LE": held by the one process that does the chores done once for all (leads())
POOL_SIZE = 10  # connections per process for queries and transactions (plus one for LISTEN)
CONNECT_TIMEOUT = 10  # seconds
POOL_WAIT = 30.0  # seconds a query waits for a connection of the pool (psycopg_pool's own default)
# While the database is known not to answer, a request is refused (503) at once without asking the pool (requests
# queue behind one another under the hall's lock: waiting even a second each, the tenth waited ten); meanwhile one
# background probe takes a connection every PROBE_SECONDS, waiting at most PROBE_WAIT, until one answers.
PROBE_SECONDS = 1.0
PROBE_WAIT = 2.0
RECONNECT_SECONDS = (0.5, 1, 2, 5)  # waits between attempts to get the LISTEN connection back
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 15, "keepalives_interval": 5, "keepalives_count": 3}
# A process that stops in the middle of a transaction (frozen, or cut off from the database) would hold the
# write lock and stall every other process: the server ends such a session after this long. A live process
# holds a transaction for milliseconds.
STALLED = "-c idle_in_transaction_session_timeout=30s"


URL_FORM = "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"


def check_url(url: str) -> dict[str, str]:
    """The connection settings of a `postgresql://` URL, read as libpq reads it (several hosts and ports may be
    listed, comma-separated). Raises StoreUnusable with one line saying what is wrong: a URL libpq cannot
    read, a port that is not a number from 1 to 65535, or a host holding "@" (a password with "@" written
    as it is; it must be percent-encoded, "%40"). Never names the password."""
    try:
        settings = conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        # libpq's message quotes the whole URL, password included: keep only what is wrong.
        reason = _reason(exc).split(' in URI: "', 1)[0]
        if "percent-encoded" in reason:  # it quotes the token, which may be a piece of the password
            reason = reason.split(': "', 1)[0]
        raise StoreUnusable(f"--database is not a valid PostgreSQL URL ({reason}); write it as {URL_FORM}") from None
    if "@" in settings.get("host", ""):
        raise StoreUnusable("--database has a \"@\" after the host's \"@\": a \"@\" in the password (or user name) "
                            f"must be written as %40, and \"/\" as %2F, \":\" as %3A, \"#\" as %23 ({URL_FORM})")
    for port in filter(None, settings.get("port", "").split(",")):
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise StoreUnusable(f"--database names the port \"{port}\": a port is a number from 1 to 65535 "
                                f"(PostgreSQL's own is 5432), as in {URL_FORM}")
    return settings


def label(url: str) -> str:
    """host:port/database of a URL, for messages (never the password). Takes any text, even one `check_url`
    refuses."""
    try:
        settings = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        settings = {}
    return (f"PostgreSQL {settings.get('host') or 'localhost'}:{settings.get('port') or 5432}"
            f"/{settings.get('dbname', '')}")


@functools.lru_cache(maxsize=512)
def statement(sql: str) -> str:
    """A statement of the store (SQLite's `?` placeholders) for psycopg: `?` -> `%s`, `%` -> `%%`;
    quoted text is left as it is."""
    out, quoted = [], False
    for char in sql:
        if char == "'":
            quoted = not quoted
        if quoted:
            out.append("%%" if char == "%" else char)
        else:
            out.append({"?": "%s", "%": "%%"}.get(char, char))
    return "".join(out)


_TYPES = [
    # A key of its own (SQLite's rowid), not one that is another table's (survey_responses.ticket_id).
    (re.compile(r"\bINTEGER PRIMARY KEY\b(?!\s+REFERENCES)"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bTEXT\b"), 'TEXT COLLATE "C"'),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
]


def schema(script: str) -> str:
    """A migration of the store (SQLite's column types) for PostgreSQL (see the module's docstring)."""
    for pattern, replacement in _TYPES:
        script = pattern.sub(replacement, script)
    return script


class _Number(NumericLoader):
    """`numeric` as SQLite gives it: a whole number as an int (SUM of integers), any other as a float."""

    def load(self, data) -> int | float:
        value: Decimal = super().load(data)
        return int(value) if value == value.to_integral_value() else float(value)


def _adapt(conn: psycopg.BaseConnection) -> None:
    conn.adapters.register_loader("numeric", _Number)


async def _configure(conn: psycopg.AsyncConnection) -> None:
    _adapt(conn)


class Record:
    """A row by position or by column name, like sqlite3.Row."""

    __slots__ = ("_values", "_index")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = values
        self._index = index

    def __getitem__(self, key: int | str) -> Any:
        return self._values[key if isinstance(key, int) else self._index[key]]

    def keys(self) -> list[str]:
        return list(self._index)

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self):
        return iter(self._values)


def _records(cursor) -> Callable[[Sequence[Any]], Record]:
    index: dict[str, int] = {}
    for i, column in enumerate(cursor.description or ()):
        index.setdefault(column.name, i)
    return lambda values: Record(values, index)


class _Statements:
    def __init__(self, conn: psycopg.AsyncConnection) -> None:
        self.conn = conn

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        cur = await self.conn.execute(statement(sql), tuple(params))
        return await cur.fetchall()  # in pipeline mode (writing), this waits for the answer

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self.conn.execute(statement(sql), tuple(params))

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            async with self.conn.cursor() as cur:
                await cur.executemany(statement(sql), [tuple(r) for r in rows])

    async def announce(self, seq: int) -> None:
        await self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(seq)))


def check_database(url: str, migrations: int) -> None:
    """Before serving: the database answers and its schema is one this program understands.
    Raises StoreUnusable saying what to do."""
    try:
        with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT, autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
                return
            row = conn.execute("SELECT version FROM schema_version").fetchone()
    except psycopg.Error as exc:
        raise StoreUnusable(f"cannot use the database at {label(url)}: {_reason(exc)}") from None
    if row is not None and row[0] > migrations:
        raise StoreUnusable(f"the database at {label(url)} has schema version {row[0]}, newer than this program "
                            f"({migrations}); upgrade every hub process to the same version")


def conn_lost(exc: psycopg.OperationalError) -> bool:
    """Whether an error means the server is gone (the connection closed or broken), not one statement's
    failure (a query cancelled by a timeout is an OperationalError too)."""
    return exc.sqlstate is None or exc.sqlstate.startswith("08") or exc.sqlstate.startswith("57P")


def _reason(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


class PostgresDatabase:
    """The PostgreSQL database at `url` (postgresql://USER:PASSWORD@HOST:PORT/DATABASE)."""

    dialect = "postgresql"
    backs_up = False

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.label = label(url)
        self.pool_size = pool_size
        self.pool: AsyncConnectionPool | None = None
        self.unavailable: str | None = None  # why the server does not answer (Database.unavailable)
        self.unavailable_since: datetime | None = None
        self._session: psycopg.AsyncConnection | None = None  # migrations, the epoch's lock, LISTEN
        self._listening: asyncio.Task | None = None
        self._leader: psycopg.AsyncConnection | None = None  # holds LEAD_LOCK while `_leading`
        self._leading = False
        self._probing: asyncio.Task | None = None  # looks for the server while it does not answer (`_probe`)

    async def open(self, migrations: Sequence[str]) -> None:
        self._session = await self._connect()
        for number, script in enumerate(migrations, start=1):
            await self._migrate(number, script, len(migrations))
        self.pool = AsyncConnectionPool(
            self.url, min_size=2, max_size=self.pool_size, open=False, name="mpp",
            kwargs={"autocommit": True, "row_factory": _records, "options": STALLED, **KEEPALIVE},
            check=AsyncConnectionPool.check_connection, configure=_configure,
        )
        try:
            await self.pool.open(wait=True, timeout=CONNECT_TIMEOUT)
        except PoolTimeout:
            raise StoreUnusable(f"cannot open connections to {self.label} (see the log above)") from None

    async def _connect(self) -> psycopg.AsyncConnection:
        try:
            conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True, row_factory=_records,
                                                         connect_timeout=CONNECT_TIMEOUT, **KEEPALIVE)
        except psycopg.OperationalError as exc:
            raise StoreUnusable(f"cannot connect to {self.label}: {_reason(exc)}") from None
        _adapt(conn)
        return conn

    async def _migrate(self, number: int, script: str, known: int) -> None:
        """Run migration `number` unless the database has it (another process may be migrating too)."""
        conn = self._session
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATE_LOCK,))
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")
            row = await (await conn.execute("SELECT version FROM schema_version")).fetchone()
            if row is None:
                await conn.execute("INSERT INTO schema_version VALUES (0)")
            version = row[0] if row is not None else 0
            if version > known:
                raise StoreUnusable(f"the database at {self.label} has schema version {version}, newer than this "
                                    f"program ({known}); upgrade every hub process to the same version")
            if version >= number:
                return
            await conn.execute(schema(script))
            await conn.execute("UPDATE schema_version SET version = %s", (number,))

    async def close(self) -> None:
        if self._probing is not None:
            self._probing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probing
            self._probing = None
        if self._leader is not None:
            with contextlib.suppress(Exception):
                await self._leader.close()
            self._leader = None
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
            self._listening = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self.pool is not None:
            await self.pool.close()
            self.pool = None

    def _lost(self, reason: str) -> None:
        if self.unavailable is None:
            self.unavailable_since = datetime.now(UTC)
            log.warning("%s does not answer (%s): requests that need it are refused with 503 until it is back",
                        self.label, reason)
        self.unavailable = reason
        self._look_for_it()

    def _look_for_it(self) -> None:
        if self._probing is None or self._probing.done():
            self._probing = asyncio.create_task(self._probe())

    async def _probe(self) -> None:
        """While the server is marked as not answering: take a connection of the pool every PROBE_SECONDS (the
        pool checks it is alive) and mark the server back at the first that answers, so the next request is
        served; the LISTEN loop may find it back first."""
        while self.unavailable is not None:
            await asyncio.sleep(PROBE_SECONDS)
            if await self._answers():
                self._back()

    async def _reaches(self) -> bool:
        """Whether a new connection to the server can be made now (a stopped server refuses it at once; an
        unreachable one takes up to CONNECT_TIMEOUT seconds)."""
        try:
            conn = await self._connect()
        except (StoreUnusable, psycopg.Error, OSError):
            return False
        with contextlib.suppress(Exception):
            await conn.close()
        return True

    async def _answers(self) -> bool:
        """Whether the server answers now: a connection of the pool (checked alive when taken, waited for at
        most PROBE_WAIT seconds) runs `SELECT 1`."""
        try:
            async with self.pool.connection(timeout=PROBE_WAIT) as conn:
                await conn.execute("SELECT 1")
        except (PoolTimeout, psycopg.Error, OSError):
            return False
        return True

    def _back(self) -> None:
        if self.unavailable is not None:
            log.warning("%s answers again (it did not since %s)", self.label,
                        self.unavailable_since.isoformat(timespec="seconds"))
        self.unavailable = self.unavailable_since = None

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection]:
        """A connection of the pool (checked alive when taken). Raises DatabaseUnavailable at once while the
        server is known not to answer (`_probe` finds it back), when none comes within POOL_WAIT, and when the
        connection is lost meanwhile."""
        if self.unavailable is not None:
            self._look_for_it()  # running already, unless it ended on something unexpected
            raise DatabaseUnavailable(self.label, self.unavailable)
        try:
            async with self.pool.connection(timeout=POOL_WAIT) as conn:
                self._back()
                yield conn
        except PoolTimeout as exc:
            self._lost(_reason(exc))
            raise DatabaseUnavailable(self.label, _reason(exc)) from None
        except psycopg.OperationalError as exc:
            if conn_lost(exc):
                self._lost(_reason(exc))
            raise DatabaseUnavailable(self.label, _reason(exc)) from None

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Record]:
        async with self._connection() as conn:
            return await _Statements(conn).fetch(sql, params)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        async with self._connection() as conn:
            return (await conn.execute(statement(sql), tuple(params))).rowcount

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[_Statements]:
        # In pipeline mode: statements whose results nobody reads (the lock, the writes, the NOTIFY, the
        # COMMIT) go out without waiting for each answer; a fetch waits for everything before it. The write
        # lock is held for fewer round trips, and so for less time.
        async with self._connection() as conn, conn.pipeline(), conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            yield _Statements(conn)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[_Statements]:
        # Commits are serialised by WRITE_LOCK and a commit is visible before its lock is released,
        # so one snapshot sees a prefix of the log: every commit up to some seq, nothing after.
        async with self._connection() as conn:
            await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield _Statements(conn)
            finally:
                if not conn.closed:  # a broken connection is dropped by the pool
                    await conn.execute("ROLLBACK")

    async def join_epoch(self, fresh: str) -> str:
        conn = self._session
        async with conn.transaction():
            # Exclusive only if no other process holds the shared lock; a process starting at the same
            # moment waits on the shared lock below until this transaction (and its epoch) is committed.
            alone = (await (await conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (EPOCH_LOCK,))).fetchone())[0]
            await conn.execute("SELECT pg_advisory_lock_shared(%s)", (EPOCH_LOCK,))
            if alone:
                await conn.execute("INSERT INTO meta(key, value) VALUES ('epoch', %s) "
                                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (fresh,))
                return fresh
            row = await (await conn.execute("SELECT value FROM meta WHERE key = 'epoch'")).fetchone()
            if row is None:  # the others started before epochs were kept here
                await conn.execute("INSERT INTO meta(key, value) VALUES ('epoch', %s)", (fresh,))
                return fresh
            return row[0]

    def listen(self, ring: Callable[[int], None]) -> None:
        if self._listening is None:
            self._listening = asyncio.create_task(self._listen(ring))

    async def _listen(self, ring: Callable[[int], None]) -> None:
        failures = 0
        while True:
            try:
                if self._session is None or self._session.closed:
                    self._session = await self._connect()
                    # Back in the club of running processes, under the same epoch.
                    await self._session.execute("SELECT pg_advisory_lock_shared(%s)", (EPOCH_LOCK,))
                    ring(0)  # notifications may have been missed meanwhile
                await self._session.execute(f"LISTEN {CHANNEL}")
                failures = 0
                self._back()
                async for note in self._session.notifies():
                    ring(int(note.payload) if note.payload.isdigit() else 0)
            except (psycopg.Error, StoreUnusable, OSError) as exc:
                wait = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                # The line itself was lost, not one statement. Only that connection may have ended (terminated
                # by an administrator, an idle timeout, a proxy): the server is marked as not answering only
                # when the pool's connections do not answer either.
                if (self._session is None or self._session.closed) and not await self._reaches():
                    self._lost(_reason(exc))
                log.warning("lost the notification line to %s (%s); the log is polled meanwhile, reconnecting in %s s",
                            self.label, exc, wait)
                if self._session is not None:
                    with contextlib.suppress(Exception):
                        await self._session.close()
                    self._session = None
                await asyncio.sleep(wait)

    async def leads(self) -> bool:
        # A connection of its own: the session lock lives as long as it does (the LISTEN one is busy waiting).
        try:
            if self._leader is None or self._leader.closed:
                self._leading = False
                self._leader = await self._connect()
            if self._leading:
                await self._leader.execute("SELECT 1")  # still connected, so still holding it
            else:
                row = await (await self._leader.execute("SELECT pg_try_advisory_lock(%s)", (LEAD_LOCK,))).fetchone()
                self._leading = bool(row[0])
        except (psycopg.Error, StoreUnusable, OSError) as exc:
            log.warning("lost the connection that decides which hub process leads (%s)", exc)
            if self._leader is not None:
                with contextlib.suppress(Exception):
                    await self._leader.close()
            self._leader, self._leading = None, False
        return self._leading

    async def backup(self, target: Path) -> None:
        raise BackupFailed(f"the hub does not copy {self.label}: back it up with pg_dump (docs/operations.md)")

    async def size_bytes(self) -> int:
        return (await self.fetch("SELECT pg_database_size(current_database())"))[0][0]


class _Reader:
    """A blocking connection that runs the store's portable SQL (`statement()`), for connect_reader."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        return self.conn.execute(statement(sql), tuple(params))

    def close(self) -> None:
        self.conn.close()


def connect_reader(url: str) -> _Reader:
    """A blocking connection to `url` that only reads (server.database.connect_reader): every transaction is
    READ ONLY and REPEATABLE READ, so one `BEGIN` ... `ROLLBACK` sees one consistent state. Raises
    psycopg.OperationalError when the database cannot be reached."""
    conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, **KEEPALIVE,
                           options="-c default_transaction_read_only=on "
                                   "-c default_transaction_isolation=repeatable\\ read")
    _adapt(conn)
    return _Reader(conn)
