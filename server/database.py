"""The database under the store: one small interface, two implementations.

`server/store.py` holds every query and the one list of migrations; it runs them through a
`Database`: SQLite in the data folder (`server/sqlite.py`, the default: one hub process), or
PostgreSQL (`server/postgres.py`: several hub processes on one database, docs/operations.md,
"A city deployment"). The SQL is written once, in the portable subset both understand (`?`
placeholders, `INSERT ... ON CONFLICT`, ISO-8601 text for times); what differs per dialect is
said once, in each implementation (placeholders, column types, how the schema version is kept,
the write lock, the doorbell).

The write lock is the heart of several processes: `writing()` is a transaction that only one
process at a time may hold for the whole database (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a
transaction-scoped advisory lock). Inside it, a process first catches up on what the others
committed, then decides, writes and commits: every decision is taken on the latest state, and the
event log's `seq` grows without gaps in commit order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from server.errors import HubError


class Row(Protocol):
    """A result row: by position (`row[0]`) or by column name (`row["id"]`)."""

    def __getitem__(self, key: int | str) -> Any: ...

    def keys(self) -> list[str]: ...


class Statements(Protocol):
    """SQL inside one transaction (`Database.writing`) or one consistent snapshot (`Database.reading`)."""

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    async def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    async def announce(self, seq: int) -> None:
        """Ring the other processes' doorbell once this transaction commits: the log reaches `seq`."""


class Database(Protocol):
    """Where the store's SQL runs. Implementations: `server.sqlite.SqliteDatabase`,
    `server.postgres.PostgresDatabase`."""

    dialect: str  # "sqlite" or "postgresql"
    label: str  # where it is, for messages (never a password)
    # Why the database server does not answer now, since when (a datetime, UTC), for /api/health; None while
    # it answers (always for SQLite, a file of the hub's own). Queries meanwhile raise DatabaseUnavailable.
    unavailable: str | None
    unavailable_since: Any

    async def open(self, migrations: Sequence[str]) -> None:
        """Connect, and run the migrations the database has not had yet (forward only; each one in its own
        transaction with the new schema version). Raises StoreUnusable (cannot connect, a schema newer
        than `len(migrations)`)."""

    async def close(self) -> None: ...

    async def leads(self) -> bool:
        """Whether this process is the one, of the hub processes using the database, that does what must be done
        once for all (writing devices going offline into the audit log). SQLite: always. PostgreSQL: the holder
        of a session lock, which another process takes over when its holder ends or loses its connection."""

    backs_up: bool  # whether `backup()` copies the database; False: the database server's own tools do

    async def backup(self, target: Path) -> None:
        """A consistent copy of the whole database in the file `target`, taken while the hub keeps writing.
        Raises BackupFailed (also where `backs_up` is False: PostgreSQL is backed up with pg_dump)."""

    async def size_bytes(self) -> int:
        """The database's size on disk, in bytes."""

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """One query on its own (it sees everything committed before it)."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement on its own, committed at once; returns how many rows it changed (0 for an
        `INSERT ... ON CONFLICT DO NOTHING` that met its conflict)."""

    def writing(self) -> contextlib.AbstractAsyncContextManager[Statements]:
        """A transaction holding the database's write lock (one process at a time): committed when the
        block ends, rolled back when it raises."""

    def reading(self) -> contextlib.AbstractAsyncContextManager[Statements]:
        """Several queries that see one consistent state of the database, without the write lock."""

    async def join_epoch(self, fresh: str) -> str:
        """The event log's epoch for this process: `fresh`, stored as meta `epoch`, when no other hub
        process is using the database; else the stored one that the others use. The process counts as
        using the database until `close()`."""

    def listen(self, ring: Callable[[int], None]) -> None:
        """Call `ring(seq)` when another process announces a commit (`Statements.announce`), and `ring(0)`
        after losing and regaining the line (notifications may have been missed). A doorbell only: the
        caller still reads the log. Does nothing where only one process writes (SQLite)."""


class StoreUnusable(Exception):
    """The data folder or database cannot be used; the message says what to do."""


class DatabaseUnavailable(HubError):
    """The database server does not answer while the hub runs (PostgreSQL stopped, unreachable, or out of
    connections): the request is refused at once with 503 `database_unavailable` and may be sent again.
    `reason` (English, for the log) says what the driver said; the message is for the officer or citizen."""

    status = 503

    def __init__(self, where: str, reason: str) -> None:
        super().__init__("database_unavailable", "Server basis data sedang tidak dapat dihubungi, jadi permintaan "
                                                 "ini belum diproses. Silakan coba lagi sebentar lagi.",
                         retry_after=5)
        self.where, self.reason = where, reason

    def __str__(self) -> str:
        return f"{self.where} does not answer: {self.reason}"


class BackupFailed(Exception):
    """A backup could not be taken or is not sound; the message says why (English, for the log)."""


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def check_url(url: str) -> None:
    """That `url` is a PostgreSQL URL the hub can use (`run.py --database`, `copy-database`). Raises
    StoreUnusable with one line saying what is wrong (another kind of URL, a malformed one, a bad port)."""
    if not is_postgres_url(url):
        raise StoreUnusable("--database takes a PostgreSQL URL, postgresql://USER:PASSWORD@HOST:PORT/DATABASE; "
                            "leave it out to keep the data in SQLite in the data folder")
    from server.postgres import check_url as check_postgres_url

    check_postgres_url(url)


def open_database(url: str | None, sqlite_path: Path, *, synchronous: str = "FULL") -> Database:
    """The database `run.py --database URL` names: PostgreSQL for a `postgresql://` URL, else (None) the
    SQLite file `sqlite_path` (`synchronous`: its durability). Raises StoreUnusable for any other URL."""
    if url is None:
        from server.sqlite import SqliteDatabase

        return SqliteDatabase(sqlite_path, synchronous=synchronous)
    check_url(url)
    from server.postgres import PostgresDatabase

    return PostgresDatabase(url)


def check_database(url: str | None, sqlite_path: Path, migrations: int) -> None:
    """Before serving (run.py): the database `open_database` would open can be used by a program that knows
    `migrations` migrations. Raises StoreUnusable with one line saying what to do."""
    if url is None:
        from server.sqlite import check_database as check_sqlite

        return check_sqlite(sqlite_path, migrations)
    check_url(url)
    from server.postgres import check_database as check_postgres

    check_postgres(url, migrations)


def connect_reader(database: str) -> Any:
    """A blocking DB-API connection that only reads (the reports' worker process, reports/reader.py), to the
    SQLite file or the `postgresql://` URL `database`. `execute(sql, params)` takes the store's portable SQL
    (`?` placeholders) and returns a cursor; `execute("BEGIN")` starts one read transaction that sees one
    consistent state, `execute("ROLLBACK")` ends it."""
    if is_postgres_url(database):
        from server.postgres import connect_reader as connect

        return connect(database)
    from server.sqlite import connect_reader as connect

    return connect(Path(database))


def describe(url: str | None, sqlite_path: Path) -> str:
    """Where the data is, for messages (never a password)."""
    if url is None:
        return str(sqlite_path.parent.resolve())
    from server.postgres import label

    return label(url)

