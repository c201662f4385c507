"""The hall and its store, driven directly (no HTTP), on SQLite and on PostgreSQL: what a snapshot says
matches its seq, every query answers alike, and several halls on one database (as several hub
processes would be) decide each change once and follow each other through the event log."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import pytest
import pytest_asyncio

from config.site import dump_config, load_config
from server import store as store_module
from server.audit import AuditEntry
from server.database import open_database
from server.errors import HubError
from server.events import TicketDone, event_adapter
from server.hall import Hall
from server.hub import Hub, Subscriber
from server.reconfig import Proposal
from server.store import MIGRATIONS, Store
from tests.conftest import TEST_CONFIG, site_config
from tests.hub.support import Clock


async def open_hall(database_url, tmp_path, clock=None, config=None) -> Hall:
    """A started hall on `database_url` (None: the SQLite file in `tmp_path`), as one hub process has it."""
    store = Store(open_database(database_url, tmp_path / "mpp.sqlite3", synchronous="OFF"))
    await store.open()
    hall = Hall(config or load_config(TEST_CONFIG), store, Hub(), None, clock or Clock())
    await hall.start()
    return hall


async def close_hall(hall: Hall) -> None:
    await hall.stop()
    await hall.store.close()


@pytest_asyncio.fixture
async def hall(database_url, tmp_path):
    hall = await open_hall(database_url, tmp_path)
    yield hall
    await close_hall(hall)


@pytest_asyncio.fixture
async def two_halls(database_url, tmp_path):
    """Two halls on one database with one clock: two hub processes serving the same site."""
    clock = Clock()
    first = await open_hall(database_url, tmp_path, clock)
    second = await open_hall(database_url, tmp_path, clock)
    yield first, second
    await close_hall(second)
    await close_hall(first)


class Recorder(Subscriber):
    """A page of this process, reduced to the list of the events it was sent."""

    def __init__(self) -> None:
        super().__init__(None, None, lambda sub: None)
        self.seqs: list[int] = []
        self.types: list[str] = []

    def deliver(self, events, frames) -> None:
        self.seqs += [e.seq for e in events]
        self.types += [e.type for e in events]


def record(hall: Hall) -> Recorder:
    recorder = Recorder()
    hall.hub.subscribers.add(recorder)
    return recorder


def consistent(hall: Hall) -> bool:
    """With only issues, a snapshot's seq must equal the number of tickets it counts."""
    state = hall.state().dump()
    return state["seq"] == sum(s["issued"] for s in state["services"])


def same_state(a: Hall, b: Hall) -> bool:
    """What every page would be shown by either process (the moment aside)."""
    def shown(hall: Hall) -> dict:
        state = hall.state().dump()
        del state["now"], state["epoch"]  # SQLite: one process per file, each starting its own epoch
        return state

    return shown(a) == shown(b)


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
    """A reader during a commit gets exactly the events this process had sent when it asked: never half a change."""
    await hall.issue("A", False)
    task = asyncio.create_task(hall.issue("A", False))
    seen = []
    while not task.done():
        last = hall.store.last_seq
        events = await hall.store.events_since(0, 100)
        seen.append((last, [e.seq for e in events]))
        await asyncio.sleep(0)
    await task
    assert all(seqs == list(range(1, last + 1)) for last, seqs in seen), seen
    assert [e.seq for e in await hall.store.events_since(0, 100)] == [1, 2]


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
async def test_queries_answer_alike_on_both_databases(hall):
    """Tickets, their history, the displays' last calls, the audit log, sessions and the configuration read
    back as written, on either database."""
    store, now = hall.store, hall.clock()
    first = await hall.issue("A", False)
    second = await hall.issue("B", True)
    for counter, action in (("1", hall.call_next), ("1", hall.recall), ("2", hall.call_next)):  # priority first
        hall.clock.advance(seconds=30)
        await action(counter, "budi")
    await hall.transfer("2", "C", "budi")
    assert (await store.ticket_by_token(first.token)).service == "C"  # the transfer's new ticket holds the token
    assert (await store.ticket_by_id(first.id)).status.value == "transferred"
    assert [h.action.value for h in await store.history(second.id)] == ["issued", "called", "recalled"]
    assert [h.officer for h in await store.history(first.id)] == [None, "budi", "budi"]
    recent = await store.recent_calls(hall.queue.day, ["1", "2"], 10)
    assert [(t.number, counter) for t, counter, _ in recent] == [("A001", "2"), ("B001", "1")]
    assert await store.recent_calls(hall.queue.day, ["3"], 10) == []

    for action in ("login", "login.failed", "logout"):
        await store.add_audit(AuditEntry(now, action, f"{action} 100% tercatat", officer="budi", agency="DUKCAPIL"))
    logins = await store.audit(limit=10, action="login")
    assert [e.action for e in logins] == ["login.failed", "login"]
    assert logins[0].summary == "login.failed 100% tercatat" and logins[0].id > logins[1].id
    assert [e.action for e in await store.audit(limit=10, before=logins[0].id)] == ["login", "config.imported"]
    assert await store.audit(limit=10, agency="BAPPENDA") == []

    await store.save_session("hash-1", "budi", now)
    await store.touch_session("hash-1", now + timedelta(minutes=5))
    assert await store.session("hash-1") == ("budi", now + timedelta(minutes=5))
    await store.drop_sessions_before(now + timedelta(minutes=6))
    assert await store.session("hash-1") is None

    saved = await store.config_version()
    assert saved.version == hall.version == 1 and saved.body == dump_config(hall.config)
    assert await store.config_version(2) is None
    assert await store.meta("day") == hall.queue.day
    events = await store.events_since(0, 100)
    assert [e.seq for e in events] == list(range(1, hall.store.last_seq + 1))
    assert event_adapter.validate_json(events[0].text).type == "ticket.issued"


@pytest.mark.asyncio
async def test_two_halls_call_each_ticket_exactly_once(two_halls):
    """Counters of two processes pressing call-next at once over one database call every ticket exactly once."""
    first, second = two_halls
    for n in range(30):
        await (first if n % 2 else second).issue("A", False)
    calls: list[int] = []

    async def counter(hall: Hall, counter_id: str) -> None:
        while (ticket := await hall.call_next(counter_id)) is not None:
            calls.append(ticket.id)

    await asyncio.gather(counter(first, "1"), counter(first, "4"), counter(second, "2"))
    assert sorted(calls) == list(range(1, 31))
    await first.follow()
    await second.follow()
    assert first.store.last_seq == second.store.last_seq and same_state(first, second)


@pytest.mark.asyncio
async def test_a_hall_follows_what_another_committed(two_halls):
    """Changes made on one process reach the other's pages in seq order with no gap, and its state matches."""
    first, second = two_halls
    pages = record(second)
    await first.issue("A", False)
    await second.issue("B", False)  # catches up on the first's ticket before deciding
    await first.call_next("1", "budi")
    await first.recall("1", "budi")
    await second.follow()
    assert pages.seqs == list(range(1, first.store.last_seq + 1))
    assert pages.types == ["ticket.issued", "ticket.issued", "ticket.called", "ticket.recalled"]
    assert same_state(first, second)
    assert [c.number for c in second.recent_calls()] == ["A001"]
    assert second.queue.stats["A"].issued == 1 and second.queue.next_id == 3


@pytest.mark.asyncio
async def test_a_ticket_finished_on_one_process_reaches_the_observers_of_another(two_halls):
    """The survey's counter tablets observe the hall: a ticket finished (Selesai) through one process is handed,
    with its row as it is now, to the observers of the other when it takes the change in from the log."""
    first, second = two_halls
    seen = []
    second.observers.append(seen.append)
    ticket = await first.issue("A", False)
    await first.call_next("1", "budi")
    await first.done("1", "budi")
    await second.follow()
    [done] = [(e, c) for c in seen for e in c.events if isinstance(e, TicketDone)]
    event, change = done
    assert event.ticket.id == ticket.id and event.counter.id == "1"
    assert [t.status.value for t in change.tickets if t.id == ticket.id] == ["done"]


@pytest.mark.asyncio
async def test_numbers_and_quotas_hold_across_halls(database_url, tmp_path):
    """Ticket numbers continue from one process to the other and a daily quota counts both."""
    config = site_config(services=[{**s, "daily_quota": 3} if s["code"] == "A" else s
                                   for s in dump_config(load_config(TEST_CONFIG))["services"]])
    clock = Clock()
    first = await open_hall(database_url, tmp_path, clock, config)
    second = await open_hall(database_url, tmp_path, clock, config)
    try:
        numbers = [(await hall.issue("A", False)).number for hall in (first, second, first)]
        assert numbers == ["A001", "A002", "A003"]
        with pytest.raises(HubError) as refused:
            await second.issue("A", False)
        assert refused.value.code == "quota_reached"
    finally:
        await close_hall(second)
        await close_hall(first)


@pytest.mark.asyncio
async def test_the_day_rolls_over_once(two_halls):
    """At midnight both processes check the day; the log says day.started once and both start the new day."""
    first, second = two_halls
    ticket = await first.issue("A", False)
    first.clock.advance(days=1)
    await asyncio.gather(first.refresh_availability(), second.refresh_availability())
    events = await first.store.events_since(0, 100)
    assert [e.type for e in events].count("day.started") == 1
    await first.follow()
    assert first.queue.day == second.queue.day > ticket.day
    assert ticket.id not in second.queue.open and (await second.issue("A", False)).number == "A001"


@pytest.mark.asyncio
async def test_a_configuration_change_reaches_the_other_hall(two_halls):
    """A configuration saved on one process is installed on the other, which redraws its pages."""
    first, second = two_halls
    pages = record(second)
    raw = dump_config(first.config)
    raw["services"][0]["name"] = "Perekaman KTP-el (baru)"
    assert await first.reconfigure(Proposal(raw, "api", based_on=first.version)) == 2
    await second.follow()
    assert second.version == 2 and second.config.services["A"].name == "Perekaman KTP-el (baru)"
    await second.hub.settle()
    assert pages.types == ["config.updated", "snapshot"]  # the event, then a fresh snapshot
    with pytest.raises(HubError) as stale:  # the other process knows the version moved on
        await second.reconfigure(Proposal(raw, "api", based_on=1))
    assert stale.value.code == "version_conflict"
    # Log-ins on both processes at once: one audit log, every entry with its own id.
    now = first.clock()
    await asyncio.gather(*(hall.store.add_audit(AuditEntry(now, "login", f"{n}")) for n in range(10)
                           for hall in (first, second)))
    entries = await second.store.audit(limit=100, action="login")
    assert len(entries) == 20 and len({e.id for e in entries}) == 20


@pytest.mark.asyncio
async def test_a_hall_behind_the_trimmed_log_loads_again(two_halls, monkeypatch):
    """A process that fell further behind than the log keeps loads the hall again and redraws every page."""
    first, second = two_halls
    monkeypatch.setattr(store_module, "EVENT_LOG_KEEP", 5)
    monkeypatch.setattr(store_module, "TRIM_EVERY", 5)
    for _ in range(12):
        await first.issue("A", False)
    assert len(await first.store.events_since(7, 100)) == 5 and await first.store.events_since(0, 100) is None
    await second.follow()
    assert second.store.last_seq == 12 and same_state(first, second)


@pytest.mark.asyncio
async def test_processes_share_an_epoch_until_all_have_stopped(database_url, tmp_path):
    """The log's epoch names the database: processes running together share it (PostgreSQL), and a start after
    every process stopped begins a new one (a restored backup is never resumed into)."""
    path = tmp_path / "mpp.sqlite3"
    first = Store(open_database(database_url, path, synchronous="OFF"))
    await first.open()
    if database_url is not None:
        second = Store(open_database(database_url, path))
        await second.open()
        assert second.epoch == first.epoch
        await first.close()
        third = Store(open_database(database_url, path))
        await third.open()
        assert third.epoch == first.epoch  # the second still runs
        await second.close()
        await third.close()
    else:
        await first.close()  # SQLite: one process per file
    again = Store(open_database(database_url, path))
    await again.open()
    assert again.epoch != first.epoch and await again.meta("epoch") == again.epoch
    await again.close()


@pytest.mark.asyncio
async def test_the_history_migration_keeps_what_older_databases_tell(tmp_path):
    """A database from before the ticket history is migrated forward: its tickets get the rows the tickets
    table can still tell (issue, last call, how each ended), without officers."""
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


async def eventually(condition, timeout: float = 10.0, what: str = "condition"):
    """Wait (on the event loop) until `condition()` holds; fail after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_a_process_that_lost_its_doorbell_still_follows_the_log(postgres, tmp_path, caplog):
    """With every LISTEN connection cut (the server still answering), changes still reach the other process's pages
    (it reads the log at least every second), no request is refused as if the server were down, and the doorbell
    comes back on its own."""
    import psycopg

    url = postgres.create_database()
    clock = Clock()
    first, second = await open_hall(url, tmp_path, clock), await open_hall(url, tmp_path, clock)
    try:
        pages = record(second)
        await first.issue("A", False)
        await eventually(lambda: pages.seqs == [1], what="the doorbell")
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as admin:
            cut = await (await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")).fetchall()
            assert len(cut) == 2
            await first.issue("A", False)
            await eventually(lambda: pages.seqs == [1, 2], what="the log read without a doorbell")
            listening = "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND state = 'idle'"
            for _ in range(500):  # both processes listen again (they wait 0.5 s, then reconnect)
                if (await (await admin.execute(listening)).fetchone())[0] == 2:
                    break
                await asyncio.sleep(0.02)
            assert (await (await admin.execute(listening)).fetchone())[0] == 2
        await first.issue("A", False)
        await eventually(lambda: pages.seqs == [1, 2, 3], what="the doorbell again")
        assert same_state(first, second)
        assert not [r.getMessage() for r in caplog.records if "does not answer" in r.getMessage()]
    finally:
        await close_hall(second)
        await close_hall(first)
