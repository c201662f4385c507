"""The hub's side of the closed days' stored parts (reports/stored.py): which days lack them, and writing them.

The reports' worker (reports/reader.py) reads on a read-only connection, so it cannot store what it works out.
The hub writes instead: when it starts, when a new day starts (the day before is closed then) and when the
site's time zone changes (another facet of hours), `Keeper` looks for the closed days whose parts are not stored
(a cheap read of the table's key on the hub's connection), asks the worker to work them out, a few days at a time
(`parts_to_store`, in the worker's process: the hub's event loop does no counting), and writes each day in its own
short transaction (Store.save_report_parts: one statement, the database deciding that a day is written once).
Newest days first: they are the ones asked for most. A year after an upgrade takes the worker some seconds per
month of days; meanwhile reports work the missing days out from the tickets, as before.

With several hub processes on one PostgreSQL database, the one that leads (Store.leads) does it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

from config.site import SiteConfig
from reports import queries, stored
from reports.reader import Reader
from reports.work import parts_to_store
from server.events import DayStarted
from server.queue import Change

if TYPE_CHECKING:
    from server.hall import Hall

log = logging.getLogger("mpp.reports")

BATCH_DAYS = 5  # days the worker works out per request: other reports wait at most that long for it
RETRY_SECONDS = 300  # after a failure (the database away, the worker killed), the next attempt


class Keeper:
    """Keeps the closed days' parts stored. `hall`: the running hall (its day, its configuration, its observers);
    `reader`: the reports' worker. `start()` looks once; each new day and each change of time zone look again."""

    def __init__(self, hall: Hall, reader: Reader) -> None:
        self.hall = hall
        self.store = hall.store
        self.reader = reader
        self._task: asyncio.Task | None = None
        self._again = False
        self._retry: asyncio.TimerHandle | None = None
        self._zone = hall.config.site.tz
        hall.observers.append(self.observe)

    async def start(self) -> None:
        self.wake()

    def observe(self, change: Change) -> None:
        """A committed change (Hall.observers): a new day closes the one before."""
        if any(isinstance(e, DayStarted) for e in change.events):
            self.wake()

    def reconfigure(self, config: SiteConfig) -> None:
        if config.site.tz != self._zone:
            self._zone = config.site.tz
            self.wake()

    def wake(self) -> None:
        """Look for missing days now (or again, right after the look going on)."""
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._looking())

    async def _looking(self) -> None:
        while True:
            self._again = False
            try:
                await self.fill()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not store the closed days' report parts; trying again in %d s", RETRY_SECONDS)
                self._retry = asyncio.get_running_loop().call_later(RETRY_SECONDS, self.wake)
                return
            if not self._again:
                return

    async def missing(self) -> list[str]:
        """The closed local days (ISO, from the first day with tickets to the day before the hall's) whose facets
        are not all stored by this computation, newest first."""
        live_from = self.hall.queue.day
        first = (await self.store.fetch(queries.FIRST_DAY))[0][0]
        if first is None or first >= live_from:
            return []
        sql, params = queries.stored_days(stored.VERSION, first, live_from, stored.facets(self.hall.config.site.tz))
        done = {row[0] for row in await self.store.fetch(sql, params)}
        day, end, days = date.fromisoformat(first), date.fromisoformat(live_from), []
        while day < end:
            if day.isoformat() not in done:
                days.append(day.isoformat())
            day += timedelta(days=1)
        return days[::-1]

    async def fill(self) -> int:
        """Store the parts of every missing closed day (when this process leads); returns the rows written."""
        if not await self.store.leads():
            return 0
        missing = await self.missing()
        if missing:
            log.info("storing the report parts of %d closed days", len(missing))
        written = 0
        tz = self.hall.config.site.tz
        for at in range(0, len(missing), BATCH_DAYS):
            days = sorted(missing[at:at + BATCH_DAYS])
            for day, facets in await self.reader.run(parts_to_store, days, tz):
                written += await self.store.save_report_parts(day, stored.VERSION, facets)
        return written

    async def settle(self) -> None:
        """Wait until the look going on (if any) is over (tests, benchmarks)."""
        while self._task is not None and not self._task.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._task)

    def close(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
        if self._task is not None:
            self._task.cancel()
