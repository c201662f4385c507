"""The reports' own worker process, with its own read-only connection to the hub's database.

A report reads a year of history in a second or two: it must never hold the write lock
nor make a call wait. So it runs

- on its own connection, opened read-only (server.database.connect_reader): SQLite's `mode=ro`,
  `PRAGMA query_only`, in WAL mode next to the hub's writer, or PostgreSQL's READ ONLY,
  REPEATABLE READ transactions: a reader sees the last committed state when it starts and
  neither blocks nor is blocked by writes;
- in its own process (one owner of this blocking work): counting a year is pure Python for a
  second, which in a thread of the hub would hold the interpreter lock and delay the event
  loop (calls, TV pages) by hundreds of milliseconds (docs/benchmarks.md). In a process it
  takes the other core, and its memory goes back when it is done.

reports/queries.py and reports/work.py take that connection (`execute(sql, params)` with the
store's `?` placeholders, as both databases' connections here take them).

Reports queue for the one worker (the summaries, the recap, the heat map, the IKM report of
survey/work.py, and the closed days' parts the hub stores, reports/keeper.py); each runs in one
read transaction, so it sees one consistent moment. A worker that died is replaced at the next
report. The worker keeps the closed days' parts it has read (reports/work.py) and ends after
IDLE_SECONDS without a report, giving its memory back (with a year of every breakdown kept, about
140 MB: docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from server.database import connect_reader

T = TypeVar("T")
IDLE_SECONDS = 600  # the worker ends after this long without a report (and starts again at the next)

_db: Any = None  # the worker process's connection (set by _open, in that process)


def _open(database: str) -> None:
    global _db
    _db = connect_reader(database)


def _in_transaction(work: Callable[..., T], args: tuple) -> T:
    """In the worker: `work(connection, *args)` in one read transaction. The cyclic garbage collector waits
    meanwhile: a year is hundreds of thousands of small objects, none in a cycle, and collecting them again
    and again costs a third of the time (docs/benchmarks.md)."""
    _db.execute("BEGIN")
    gc.disable()
    try:
        return work(_db, *args)
    finally:
        gc.enable()
        _db.execute("ROLLBACK")  # nothing was written: ending the read is all it does


class Reader:
    """`await reader.run(work, *args)` calls `work(connection, *args)` in the reports' worker process and returns
    what it returns; `work` and `args` travel by pickle (a module-level function, plain values). `database`: the
    SQLite file, or a `postgresql://` URL. The worker starts at the first report; `close()` ends it."""

    def __init__(self, database: Path | str, idle_seconds: float = IDLE_SECONDS) -> None:
        self.database = database
        self.idle_seconds = idle_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._running = 0
        self._idle: asyncio.TimerHandle | None = None

    def _workers(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the hub has threads (SQLite's, the announcer's) that a fork would copy mid-step.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_open, initargs=(str(self.database),))
        return self._pool

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        if self._idle is not None:
            self._idle.cancel()
        self._running += 1
        try:
            try:
                return await loop.run_in_executor(self._workers(), _in_transaction, work, args)
            except BrokenProcessPool:  # the worker died (killed, out of memory): a new one, once
                self._pool = None
                return await loop.run_in_executor(self._workers(), _in_transaction, work, args)
        finally:
            self._running -= 1
            if self._running == 0:
                self._idle = loop.call_later(self.idle_seconds, self._end_idle)

    @property
    def started(self) -> bool:
        """Whether the worker process is there now."""
        return self._pool is not None

    def _end_idle(self) -> None:
        self._idle = None
        if self._running == 0 and self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
