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
    state = hall.state()
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
    assert consistent(hall) and hall.state()["seq"] == 20


@pytest.mark.asyncio
async def test_snapshot_matches_its_seq_while_the_log_is_pruned(hall):
    """On the 1000th write the event log is pruned; a snapshot taken meanwhile still matches its seq."""
    for _ in range(999):
        await hall.issue("A", False)
    task = asyncio.create_task(hall.issue("A", False))
    seen_inconsistent = False
    while not task.done():
        seen_inconsistent |= not consistent(hall)
        await asyncio.sleep(0)
    await task
    assert hall.state()["seq"] == 1000
    assert not seen_inconsistent
