"""The reports' own read-only connection to the hub's database, owned by one worker thread.

A report reads a year of history in about a second: it must never hold the write lock
nor make a call wait. It runs on its own SQLite connection, opened read-only
(`mode=ro`, `PRAGMA query_only`), in WAL mode next to the hub's writer: a reader sees
the last committed state when it starts and neither blocks nor is blocked by writes.
The connection lives in one thread (one owner per blocking resource); reports queue
for it, each in one read transaction, so each sees one consistent moment.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class Reader:
    """`await reader.run(work)` calls `work(connection)` in the reader's thread, inside one read transaction,
    and returns what it returns. The connection is opened at the first report (the hub creates the database
    when it starts). `close()` ends the thread and the connection."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self._db: sqlite3.Connection | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reports")

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._in_transaction, work)

    def _in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        if self._db is None:
            self._db = self._open()
        self._db.execute("BEGIN")
        try:
            return work(self._db)
        finally:
            self._db.execute("ROLLBACK")  # nothing was written: ending the read is all it does

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(f"{self.database.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                             check_same_thread=False)
        db.execute("PRAGMA query_only = ON")
        db.execute("PRAGMA busy_timeout = 5000")
        return db

    def close(self) -> None:
        def shut() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        self._thread.submit(shut).result()
        self._thread.shutdown(wait=True)
