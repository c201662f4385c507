"""Following the event log: what other hub processes on the same database committed reaches this one.

With PostgreSQL, several processes serve one site (docs/operations.md, "A city deployment"). Each
keeps today's queue in memory, so each must take in what the others commit:

- inside the write lock, before deciding anything (`Hall._transact`): a decision is never taken on a
  stale queue, and ticket ids, numbers, quotas and `seq` follow on from the others' without a gap;
- between its own changes, by following the log (`Follower`): when the database rings (PostgreSQL's
  `NOTIFY`, sent with every commit) and at least every FOLLOW_SECONDS, so that a lost notification
  costs only latency. The log is the truth; the doorbell only says "look".

`caught_up()` turns what the log and the rows say (`store.Changes`) into the `Change` the hall
applies and publishes exactly as it does its own: the queue moves on, the events go to this
process's pages in `seq` order, a new configuration is installed and every page redrawn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from config.errors import ConfigError
from config.site import SiteConfig, parse_config
from server.database import DatabaseUnavailable
from server.events import (
    ConfigUpdated,
    DayStarted,
    Event,
    HallUpdated,
    ServiceUpdated,
    TicketCalled,
    TicketDone,
    TicketRecalled,
    event_adapter,
)
from server.queue import Change
from server.store import Changes, ConfigVersion, Store

log = logging.getLogger("mpp.follower")

FOLLOW_SECONDS = 1.0  # the longest a change made on another process waits when its notification is lost
RETRY_SECONDS = 2.0  # after a failed catch-up (the database unreachable)
# The kinds the hall itself reads back (recent calls, the services' and the hall's shown state, the day,
# the calls' audio) or hands to its observers (a finished ticket: the survey's counter tablets); every other
# event is only passed on to the pages, as logged.
READ_BACK = {kind.model_fields["type"].default: kind
             for kind in (TicketCalled, TicketRecalled, TicketDone, ServiceUpdated, HallUpdated, DayStarted,
                          ConfigUpdated)}


def readable(saved: ConfigVersion, path: str | Path) -> SiteConfig | None:
    """A stored configuration version as settings, or None (logged) when this program cannot read it
    (saved by a newer version of the hub: every process must run the same version)."""
    try:
        return parse_config(saved.body, path)
    except ConfigError as exc:
        log.error("configuration version %d from another hub process is not valid for this program (%s); "
                  "keeping the running one: run the same program version on every hub process", saved.version, exc)
        return None


def caught_up(changes: Changes, day: str, path: str | Path) -> tuple[Change, list[Event]]:
    """What other processes committed after `changes.since`, as one Change for a hall whose day is `day`:
    their rows (as they are now), the new day if it turned, the latest configuration if it is newer; and
    the events the hall reads back, typed. `path`: where a new configuration's relative paths resolve."""
    events = [event_adapter.validate_json(e.text) for e in changes.events if e.type in READ_BACK]
    change = Change(tickets=changes.tickets, desks=changes.desks, events=events,
                    day=changes.day if changes.day and changes.day != day else None)
    if changes.config is not None:
        config = readable(changes.config, path)
        if config is not None:
            change.config, change.version = config, changes.config
    return change, events


class Follower:
    """Calls `follow()` when another process announces a commit past `position()` (the database's doorbell),
    and at least every FOLLOW_SECONDS in any case."""

    def __init__(self, store: Store, follow: Callable[[], Awaitable[None]], position: Callable[[], int]) -> None:
        self.store = store
        self.follow = follow
        self.position = position
        self._rung = asyncio.Event()
        self._announced = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self.store.listen(self._ring)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _ring(self, seq: int) -> None:
        # 0: the line was lost and is back; anything may have been missed.
        self._announced = max(self._announced, seq) if seq else -1
        self._rung.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FOLLOW_SECONDS):  # not wait_for: Python 3.11's can swallow a cancel
                    await self._rung.wait()
            rung = self._rung.is_set()
            self._rung.clear()
            if rung and 0 <= self._announced <= self.position():
                continue  # our own commit, or one we have already caught up on
            self._announced = 0
            try:
                await self.follow()
            except DatabaseUnavailable:  # the database said so, once; catching up again in a moment
                await asyncio.sleep(RETRY_SECONDS)
            except Exception:
                log.exception("could not catch up on the event log; retrying in %s s", RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)
