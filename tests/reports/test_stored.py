"""The closed days' parts stored in the database (reports/stored.py, reports/keeper.py, Store.save_report_parts):
read back exactly as worked out, written once whoever writes them, replaced by a new computation, gone with pruned
days, and giving the same reports as the tickets themselves, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from array import array
from datetime import timedelta

import pytest

from reports import stored, work
from reports.labels import BY, Labels
from reports.period import Period
from reports.summary import Part
from server.audit import AuditEntry
from server.database import connect_reader, open_database
from server.store import Store
from tests.hub.support import MORNING, Clock, issue, login, running
from tests.hub.test_store_parts import served_day
from tests.reports.support import DAY, NEXT_DAY, build_day, report_site
from tests.reports.test_visits import _random_day

FINGERPRINTS = {1: "25343406ef6a441a"}  # stored.VERSION -> stored.fingerprint() of that computation


def _parts(rng: random.Random) -> stored.Rows:
    keys = ["1", None, 7, "petugas|dua", "Loket ñ"]
    return {(key, service): Part(rng.randint(0, 50), rng.randint(0, 50), rng.randint(0, 5), rng.randint(0, 5),
                                 [rng.random() * 5000 for _ in range(rng.randint(0, 40))],
                                 [rng.expovariate(1 / 400) for _ in range(rng.randint(0, 40))]).frozen()
            for key in keys for service in ("A", "B") if rng.random() < 0.8}


def test_parts_read_back_exactly_as_worked_out():
    """Counts, keys (a code, an hour, none recorded) and every duration to the last bit come back from the table's
    two columns; a row whose durations do not match its entries is refused."""
    rng = random.Random(5)
    for _ in range(20):
        rows = _parts(rng)
        entries, durations = stored.encode(rows)
        back = stored.decode(entries, durations)
        assert back == rows
        assert all(type(p.waits) is array and list(p.waits) == sorted(p.waits) for p in back.values())
    assert stored.decode(*stored.encode({})) == {}
    entries, durations = stored.encode({("1", "A"): Part(1, 1, 0, 0, [1.5], [2.5]).frozen()})
    with pytest.raises(ValueError):
        stored.decode(entries, durations[:-8])


FOREIGN_ROWS = {  # what a damaged or foreign report_parts row may hold: (entries, durations)
    "text durations": ("[]", "garbage"),
    "null entries": ("null", b""),
    "a number for entries": ("5", b""),
    "a short entry": ("[[1,2]]", b""),
    "text counts": ('[["A","A","x",0,0,0,1,0]]', b"\x00" * 8),
    "a negative count": ('[["A","A",1,0,0,0,-1,1]]', b""),
    "bytes that are no doubles": ("[]", b"\x01\x02\x03"),
    "entries that are no JSON": ("{{{", b""),
}


@pytest.mark.parametrize("entries,durations", FOREIGN_ROWS.values(), ids=FOREIGN_ROWS.keys())
def test_a_row_encode_did_not_write_is_refused(entries, durations):
    """A damaged or foreign row (garbage JSON, text where bytes belong, counts that are not whole numbers from 0) is
    refused with ValueError, which the worker answers by reading the day's tickets, never decoded into numbers."""
    with pytest.raises(ValueError):
        stored.decode(entries, durations)


@pytest.mark.parametrize("entries,durations", [FOREIGN_ROWS["text durations"], FOREIGN_ROWS["a negative count"]],
                         ids=["text durations", "a negative count"])
def test_a_damaged_stored_day_is_read_from_its_tickets(tmp_path, entries, durations):
    """A stored day whose service facet was overwritten with garbage: the restarted hub's summary of that day is the
    one worked out while it was the hall's day (200, same numbers), not a 500 or other numbers."""
    clock = Clock()
    config = report_site()
    query = {"from": DAY, "to": DAY, "by": "service"}
    with running(tmp_path / "data", clock, config) as client:
        build_day(client, clock)
        live = client.get("/api/reports/summary", params=query, headers=login(client, "koordinator", "1111")).json()
        clock.set(MORNING + timedelta(days=1))
        issue(client, "A")
        client.portal.call(client.app.state.reports_keeper.settle)
    with sqlite3.connect(tmp_path / "data" / "mpp.sqlite3") as db:
        assert db.execute("UPDATE report_parts SET entries = ?, durations = ? WHERE facet = 'service'",
                          (entries, durations)).rowcount == 1
    db.close()
    with running(tmp_path / "data", clock, config) as client:
        answer = client.get("/api/reports/summary", params=query, headers=login(client, "koordinator", "1111"))
    assert answer.status_code == 200, answer.text
    assert answer.json() == live and live["total"]["served"] == 4


def test_a_change_in_the_computation_needs_a_new_version():
    """The code that decides what a part holds is pinned to the stored VERSION: changing it without a new VERSION
    (and its fingerprint here) would leave stored days with the old numbers."""
    assert {stored.VERSION: stored.fingerprint()} == {stored.VERSION: FINGERPRINTS.get(stored.VERSION)}, (
        "reports' computation changed: bump reports/stored.py VERSION and pin the new fingerprint here")


def _facets(tag: str) -> list[tuple[str, str, bytes]]:
    return [(name, f'[["{tag}","A",1,0,0,0,0,0]]', b"") for name in stored.facets(report_site().site.tz)]


@pytest.mark.asyncio
async def test_a_closed_day_is_written_once_whoever_writes_it(database_url, tmp_path):
    """Two stores (two hub processes) writing the same day at once: one writes its four facets, the other none, and
    the table holds one of them whole; a day before every ticket kept is not written; a new computation replaces the
    day's rows; pruning the day deletes them."""
    await served_day(database_url, tmp_path, 2)
    stores = [Store(open_database(database_url, tmp_path / "mpp.sqlite3", synchronous="OFF")) for _ in range(2)]
    for store in stores:
        await store.open()
    try:
        counts = await asyncio.gather(*(store.save_report_parts(DAY, 1, _facets(tag))
                                        for store, tag in zip(stores, "ab", strict=True)))
        assert sorted(counts) == [0, 4]
        rows = await stores[1].fetch("SELECT facet, version, entries FROM report_parts ORDER BY facet")
        assert len({r["entries"] for r in rows}) == 1 and len(rows) == 4 and {r["version"] for r in rows} == {1}
        assert await stores[0].save_report_parts(DAY, 1, _facets("c")) == 0
        assert await stores[0].save_report_parts("2026-03-01", 1, _facets("c")) == 0  # no ticket that early
        assert await stores[1].save_report_parts(DAY, 2, _facets("d")) == 4
        rows = await stores[0].fetch("SELECT DISTINCT version, entries FROM report_parts")
        assert [(r[0], r[1][3]) for r in rows] == [(2, "d")]

        def pruned(count: int) -> list[AuditEntry]:
            return [AuditEntry(MORNING, "history.pruned", f"{count} tiket dihapus", detail={"tickets": count})]

        assert await stores[0].prune_tickets(NEXT_DAY, pruned) == 2
        assert (await stores[1].fetch("SELECT COUNT(*) FROM report_parts"))[0][0] == 0
    finally:
        for store in stores:
            await store.close()


def _summaries(database: str, period: Period, live_from: str, labels: Labels, tz, services=None) -> dict:
    """Every breakdown's summary read on a fresh read-only connection, as a fresh worker would (nothing kept)."""
    db = connect_reader(database)
    try:
        found = {}
        for by in BY:
            work._kept.clear()
            db.execute("BEGIN")
            found[by] = work.summary_of(db, period, by, services, labels, tz, live_from)
            db.execute("ROLLBACK")
        return found
    finally:
        work._kept.clear()
        db.close()


@pytest.mark.parametrize("seed", [7, 8])
def test_reports_over_stored_days_equal_reports_from_the_tickets(database_url, tmp_path, seed):
    """Three random days of calls, recalls, skips, call-backs, put-backs and transfers, closed by a fourth: once
    the hub has stored their parts, every breakdown of the period (the hall, and one agency) read from the stored
    days equals the one worked out from the tickets and their history; a new computation (another VERSION) reads
    none of them and lists every closed day as missing again."""
    clock = Clock(MORNING)
    rng = random.Random(seed)
    config = report_site()
    with running(tmp_path / "data", clock, config, database_url=database_url) as client:
        for day in range(3):
            clock.set(MORNING + timedelta(days=day))
            _random_day(client, clock, rng, 120)
        clock.set(MORNING + timedelta(days=3))
        issue(client, "A")  # the fourth day starts: the three before are closed
        keeper = client.app.state.reports_keeper
        client.portal.call(keeper.settle)
        assert client.portal.call(keeper.missing) == []
        first, last = DAY, (MORNING + timedelta(days=2)).date().isoformat()
        live = client.app.state.hall.queue.day
        assert live > last
    database = database_url or str(tmp_path / "data" / "mpp.sqlite3")
    db = connect_reader(database)
    try:
        db.execute("BEGIN")
        names = stored.facets(config.site.tz)
        assert sorted(work._stored(db, [first, NEXT_DAY, last], names)) == [first, NEXT_DAY, last]
        db.execute("ROLLBACK")
    finally:
        db.close()
    period = Period(MORNING.date(), (MORNING + timedelta(days=3)).date())
    labels, tz = Labels(config), config.site.tz
    for services in (None, frozenset({"A", "B"})):
        from_stored = _summaries(database, period, live, labels, tz, services)
        from_tickets = _summaries(database, period, period.first.isoformat(), labels, tz, services)
        assert from_stored == from_tickets
        assert from_stored["service"].total.measures.served > 10 and from_stored["officer"].rows


@pytest.mark.asyncio
async def test_a_new_computation_works_the_closed_days_out_again(tmp_path, monkeypatch):
    """With another VERSION, the stored days are neither read nor counted as stored: the keeper lists them as
    missing, and the worker reads them from the tickets."""
    from reports.keeper import Keeper
    from reports.reader import Reader
    from tests.hub.test_store import close_hall, open_hall

    clock = Clock(MORNING)
    hall = await open_hall(None, tmp_path, clock, report_site())
    reader = Reader(tmp_path / "mpp.sqlite3")
    keeper = Keeper(hall, reader)
    try:
        await hall.issue("A", False)
        assert await keeper.missing() == []  # the hall's own day is not closed
        clock.set(MORNING + timedelta(days=1))
        await hall.issue("A", False)  # the new day wakes the keeper
        await keeper.settle()
        assert await keeper.missing() == [] and await keeper.fill() == 0
        monkeypatch.setattr(stored, "VERSION", 2)
        assert await keeper.missing() == [DAY]
        assert await keeper.fill() == 4 and await keeper.missing() == []
        versions = await hall.store.fetch("SELECT DISTINCT version FROM report_parts")
        assert [r[0] for r in versions] == [2]
        db = connect_reader(str(tmp_path / "mpp.sqlite3"))
        db.execute("BEGIN")
        names = stored.facets(hall.config.site.tz)
        assert list(work._stored(db, [DAY], names)) == [DAY]
        monkeypatch.setattr(stored, "VERSION", 3)
        assert work._stored(db, [DAY], names) == {}
        db.close()
    finally:
        reader.close()
        await close_hall(hall)


def test_stored_days_give_the_known_day_after_a_restart(database_url, tmp_path):
    """The known day (tests/reports/support.py) by every breakdown, as computed while it was the hall's day, is
    what a hub restarted the next day answers from its stored parts; the restarted hub finds nothing to store."""
    clock = Clock()
    config = report_site()
    query = {"from": DAY, "to": DAY}
    with running(tmp_path / "data", clock, config, database_url=database_url) as client:
        build_day(client, clock)
        admin = login(client, "koordinator", "1111")
        live = {by: client.get("/api/reports/summary", params={**query, "by": by}, headers=admin).json()
                for by in BY}
        clock.set(MORNING + timedelta(days=1))
        issue(client, "A")
        client.portal.call(client.app.state.reports_keeper.settle)
    with running(tmp_path / "data", clock, config, database_url=database_url) as client:
        keeper = client.app.state.reports_keeper
        client.portal.call(keeper.settle)
        assert client.portal.call(keeper.fill) == 0
        rows = client.portal.call(client.app.state.store.fetch, "SELECT day, facet FROM report_parts ORDER BY facet")
        assert [tuple(r) for r in rows] == [(DAY, name) for name in sorted(stored.facets(config.site.tz))]
        admin = login(client, "koordinator", "1111")
        again = {by: client.get("/api/reports/summary", params={**query, "by": by}, headers=admin).json()
                 for by in BY}
    assert again == live and live["service"]["total"]["served"] == 4
