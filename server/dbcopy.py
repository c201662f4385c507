"""Moving a hall's data from its SQLite file into PostgreSQL (`python run.py copy-database`,
docs/operations.md "Moving a hall's data into PostgreSQL").

The hall's hub is stopped first (a copy is refused while a hub holds the data folder's lock, as a restore
is, and the hub cannot start while the copy runs). The SQLite file is copied to a temporary file (the original is
never written to) and brought forward to this program's schema; the PostgreSQL database, which
must be empty, gets the same schema (the same migrations, server/postgres.py's reading of them).
Then every table is copied, row by row in `rowid` order (a transferred ticket comes after the one
it came from), parents before the tables that refer to them, all in one transaction: the copy is
complete or not there at all. The identity counters (ticket history, audit, devices) continue
after the copied ids, and the row counts of both sides are compared before the command says it is
done. Every table of the hub is copied, whichever part owns it (survey responses, devices).
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from server.database import StoreUnusable
from server.postgres import PostgresDatabase
from server.restore import DatabaseBusy, hold_database
from server.sqlite import SqliteDatabase, check_database
from server.store import MIGRATIONS

BATCH = 5000  # rows read and written at a time


def tables(db: sqlite3.Connection) -> list[tuple[str, list[str]]]:
    """The hub's tables of a SQLite database with their columns, each after the tables it refers to."""
    names = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    parents = {name: {r[2] for r in db.execute(f'PRAGMA foreign_key_list("{name}")')} - {name} for name in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:
            raise StoreUnusable(f"the tables {sorted(set(names) - set(ordered))} refer to each other in a circle")
        ordered += ready
    return [(name, [r[1] for r in db.execute(f'PRAGMA table_info("{name}")')]) for name in ordered]


async def copy_to_postgres(source: Path, url: str, report: Callable[[str], None] = print) -> dict[str, int]:
    """Copy the hall in the SQLite file `source` into the empty PostgreSQL database at `url`; returns the
    rows copied per table. Raises StoreUnusable (source unreadable or from a newer program, a hub still running
    on it, target not reachable or not empty, counts that differ after copying)."""
    if not source.is_file():
        raise StoreUnusable(f"there is no hall database at {source} (give the hall's --data-dir)")
    check_database(source, len(MIGRATIONS))
    try:
        # The hall's hub must be stopped: what it wrote after the copy would be in neither database the hall
        # goes on with. Held until the copy is done, so the hub cannot start meanwhile either.
        held = hold_database(source, "copy-database")
    except DatabaseBusy as exc:
        raise StoreUnusable(str(exc)) from None
    with held, tempfile.TemporaryDirectory(prefix="mpp-copy-") as folder:
        copy = Path(folder) / "mpp.sqlite3"
        with contextlib.closing(sqlite3.connect(source)) as db, contextlib.closing(sqlite3.connect(copy)) as out:
            db.backup(out)  # consistent even if a hub still had it open
        local = SqliteDatabase(copy, synchronous="OFF")
        await local.open(MIGRATIONS)  # the copy, brought forward to this program's schema
        await local.close()
        target = PostgresDatabase(url, pool_size=2)
        await target.open(MIGRATIONS)
        try:
            with contextlib.closing(sqlite3.connect(copy)) as db:
                return await _copy(db, target, report)
        finally:
            await target.close()


async def _copy(db: sqlite3.Connection, target: PostgresDatabase, report: Callable[[str], None]) -> dict[str, int]:
    copied: dict[str, int] = {}
    async with target.writing() as tx:
        found = tables(db)
        for name, _ in found:
            if (await tx.fetch(f'SELECT COUNT(*) FROM "{name}"'))[0][0]:
                raise StoreUnusable(f"the table {name} of {target.label} already has rows: copy into an empty "
                                    "database (createdb a new one)")
        for name, columns in found:
            listed = ", ".join(f'"{c}"' for c in columns)
            insert = f'INSERT INTO "{name}" ({listed}) VALUES ({", ".join("?" * len(columns))})'
            last, count = 0, 0
            while rows := db.execute(f'SELECT rowid, {listed} FROM "{name}" WHERE rowid > ? ORDER BY rowid LIMIT ?',
                                     (last, BATCH)).fetchall():
                await tx.executemany(insert, [row[1:] for row in rows])
                last, count = rows[-1][0], count + len(rows)
            copied[name] = count
            report(f"{name}: {count} rows")
        identities = await tx.fetch("SELECT table_name, column_name FROM information_schema.columns "
                                    "WHERE is_identity = 'YES' AND table_schema = current_schema()")
        for table, column in ((r[0], r[1]) for r in identities):
            if table in copied:
                await tx.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                                 f'COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table}"')
        for name, count in copied.items():
            there = (await tx.fetch(f'SELECT COUNT(*) FROM "{name}"'))[0][0]
            if there != count:
                raise StoreUnusable(f"{name}: {count} rows read but {there} in {target.label}; nothing was copied")
    return copied
