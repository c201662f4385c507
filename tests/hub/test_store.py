"""The hall and its SQLite store, driven directly (no HTTP): what a snapshot says matches its seq."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from config.site import load_config
from server.hall import Hall
from server.hub import Hub
from server.store import Store
from tests.conftest import TEST_CONFIG
from tests.hub.support import Clock


@pytest_asyncio.fixture
async def hall(tmp_path):
    store = Store(tmp_path / "mpp.sqlite3", synchronous="OFF")
    await store.open()
    hall = Hall(load_config(TEST_CONFIG), store, Hub(), None, Clock())
    await hall.start()
    yield hall
    await hall.stop()
    await store.close()


def consistent(hall: Hall) -> bool:
    """With only issues, a snapshot's seq must equal the number of tickets it counts."""
    state = hall.state().dump()
    return state["seq"] == sum(s["issued"] for s in state["services"])


@pytest.mark.asyncio
async def test_snapshot_matches_its_seq_during_ordinary_commits(hall):
    """While a change is being committed, a snapshot never claims a seq whose change it does not show."""
    for _ in range(20):
        task = asyncio.create_task(hall.issue("A", False))
        while not task.done():
            assert consistent(hall)
            await asyncio.sleep(0)
        await task
    assert consistent(hall) and hall.state().seq == 20


@pytest.mark.asyncio
async def test_snapshot_matches_its_seq_while_the_log_is_pruned(hall):
    """On the 1000th write the event log is pruned; a snapshot taken meanwhile still matches its seq."""
    for _ in range(999):
        await hall.issue("A", False)
    task = asyncio.create_task(hall.issue("A", False))
    seen_inconsistent = False
    while not task.done():
        seen_inconsistent |= not consistent(hall)
        await asyncio.sleep(0.001)  # not 0: a busy loop would starve SQLite's thread of the GIL
    await task
    assert hall.state().seq == 1000
    assert not seen_inconsistent


@pytest.mark.asyncio
async def test_a_change_cancelled_while_committing_still_completes(hall):
    """Cancelling the request that asked for a change neither half-applies it nor wedges later changes."""
    task = asyncio.create_task(hall.issue("A", False))
    await asyncio.sleep(0)  # let it reach the database
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    while hall.lock.locked():  # the shielded change finishes on its own
        await asyncio.sleep(0.01)
    second = await hall.issue("A", False)
    assert consistent(hall)
    assert second.number == f"A{hall.state().seq:03d}"


@pytest.mark.asyncio
async def test_reads_never_see_a_change_that_is_not_committed(hall):
    """A reader on the shared connection during a commit sees the log as it was before, not half a change."""
    await hall.issue("A", False)
    task = asyncio.create_task(hall.issue("A", False))
    seen = []
    while not task.done():
        events = await hall.store.events_since(0, 100)
        seen.append((hall.store.last_seq, [e.seq for e in events]))
        await asyncio.sleep(0)
    await task
    assert all(seqs == list(range(1, last + 1)) for last, seqs in seen), seen


@pytest.mark.asyncio
async def test_a_clock_that_jumps_back_does_not_start_a_new_day(hall):
    """A PC clock set back a day keeps today's tickets and numbering instead of rolling backwards."""
    first = await hall.issue("A", False)
    hall.clock.advance(days=-1)
    second = await hall.issue("A", False)
    assert hall.queue.day == first.day and (first.number, second.number) == ("A001", "A002")
    assert first.id in hall.queue.open


@pytest.mark.asyncio
async def test_parallel_pin_guesses_are_locked_out_too(hall):
    """Twenty guesses sent at once get no more wrong-PIN answers than four sent one by one."""
    from server.auth import FREE_FAILURES, Auth
    from server.errors import HubError

    auth = Auth(lambda: hall.config, hall.store)

    async def guess(pin: str) -> int:
        try:
            await auth.login("budi", pin, "10.0.0.9", hall.clock())
            return 200
        except HubError as exc:
            return exc.status

    answers = await asyncio.gather(*(guess(f"{n:04d}") for n in range(20)))
    assert answers.count(401) == FREE_FAILURES + 1 and answers.count(429) == 20 - FREE_FAILURES - 1


@pytest.mark.asyncio
async def test_the_history_migration_keeps_what_older_databases_tell(tmp_path):
    """A database from before the ticket history is migrated forward: its tickets get the rows the tickets
    table can still tell (issue, last call, how each ended), without officers."""
    import sqlite3

    from server.store import MIGRATIONS

    path = tmp_path / "mpp.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(f"BEGIN; {MIGRATIONS[0]}; PRAGMA user_version=1; COMMIT;")
        row = "INSERT INTO tickets VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        t0, t1, t2 = "2026-03-02T02:00:00+00:00", "2026-03-02T02:05:00+00:00", "2026-03-02T02:09:00+00:00"
        db.execute(row, (1, "A001", "A", "2026-03-02", 0, "done", t0, t0, "x1", "1", t1, t2, 2, None))
        db.execute(row, (2, "A002", "A", "2026-03-02", 0, "transferred", t0, t0, "x2", "1", t1, t2, 1, None))
        db.execute(row, (3, "A002", "B", "2026-03-02", 0, "waiting", t2, t0, "x2", None, None, None, 0, 2))
    store = Store(path, synchronous="OFF")
    await store.open()
    try:
        assert [(h.action, h.at.isoformat(), h.counter, h.officer) for h in await store.history(1)] == [
            ("issued", t0, None, None), ("called", t1, "1", None), ("done", t2, "1", None)]
        assert [h.action for h in await store.history(2)] == ["issued", "called", "transferred"]
        assert await store.history(3) == []  # a transfer's new ticket starts with its own call
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
