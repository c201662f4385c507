"""The store's tables for the hub's parts (devices, the survey's responses, the reports' reads, retention,
size and backups), on SQLite and on PostgreSQL, with two stores on one database where several hub processes
would meet."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
import pytest_asyncio

from reports import queries
from server.audit import AuditEntry
from server.database import BackupFailed, connect_reader, open_database
from server.devices import Device
from server.store import Store
from survey import storage
from survey.answers import Response
from survey.ikm import UNSUR
from survey.storage import Responses, Scope
from tests.hub.support import MORNING
from tests.hub.test_store import close_hall, open_hall


@pytest_asyncio.fixture
async def stores(database_url, tmp_path):
    """Two stores on one database, as two hub processes have them (on SQLite: two connections to one file)."""
    opened = []
    for _ in range(2):
        store = Store(open_database(database_url, tmp_path / "mpp.sqlite3", synchronous="OFF"))
        await store.open()
        opened.append(store)
    yield opened
    for store in opened:
        await store.close()


def draft(name: str) -> Device:
    return Device(id=0, kind="kiosk", name=name, zone=None, token=f"token-{name}", created_at=MORNING)


def registered(device: Device) -> list[AuditEntry]:
    return [AuditEntry(MORNING, "device.registered", f"Kios {device.name}", detail={"device": device.id})]


@pytest.mark.asyncio
async def test_devices_get_their_ids_from_the_database_and_a_revocation_is_never_undone(stores):
    """Ten registrations racing on two stores get ten ids, each with its audit entry naming it; a stale write
    from the other store neither brings a revoked device back nor moves its last_seen back."""
    first, second = stores
    made = await asyncio.gather(*(store.add_device(draft(f"{which}{i}"), registered)
                                  for i in range(5) for which, store in (("a", first), ("b", second))))
    assert sorted(d.id for d in made) == list(range(1, 11))
    logged = await second.audit(limit=20, action="device.registered")
    assert sorted(e.detail["device"] for e in logged) == list(range(1, 11))
    assert {e.detail["device"]: e.summary for e in logged} == {d.id: f"Kios {d.name}" for d in made}

    device = made[0]
    seen = MORNING + timedelta(minutes=5)
    await first.save_device(replace(device, revoked_at=MORNING, last_seen=seen))
    stale = replace(device, pairing_code="123456", last_seen=MORNING)
    await second.save_device(stale)  # written from what the other process had before the revocation
    [stored] = [d for d in await second.devices() if d.id == device.id]
    assert stored.revoked_at == MORNING and stored.last_seen == seen and stored.pairing_code == "123456"
    await second.save_last_seen({device.id: MORNING, made[1].id: seen})
    by_id = {d.id: d for d in await first.devices()}
    assert by_id[device.id].last_seen == seen and by_id[made[1].id].last_seen == seen


async def served_day(database_url, tmp_path, count: int) -> list[int]:
    """`count` tickets issued, called and finished on Monday, the first answered: their ids."""
    hall = await open_hall(database_url, tmp_path)
    try:
        ids = []
        for _ in range(count):
            ticket = await hall.issue("A", False)
            await hall.call_next("1", "budi")
            await hall.done("1", "budi")
            ids.append(ticket.id)
        assert await Responses(hall.store).add(ids[0], Response({key: 4 for key in UNSUR}), hall.clock())
        assert not await Responses(hall.store).add(ids[0], Response({key: 1 for key in UNSUR}), hall.clock())
    finally:
        await close_hall(hall)
    return ids


@pytest.mark.asyncio
async def test_old_tickets_go_with_their_history_and_responses_once_whoever_prunes(database_url, tmp_path):
    """Two stores pruning the same days at once: the tickets go with their history rows and survey responses,
    counted once, with one audit entry; the survey's sums come back as whole numbers on both databases."""
    ids = await served_day(database_url, tmp_path, 3)
    stores = [Store(open_database(database_url, tmp_path / "mpp.sqlite3", synchronous="OFF")) for _ in range(2)]
    for store in stores:
        await store.open()
    try:
        scope = Scope("2026-03-02", "2026-03-02")
        totals = await Responses(stores[0]).totals(scope)
        assert (totals.respondents, totals.sums["waktu"]) == (1, 4) and type(totals.sums["waktu"]) is int
        reader = connect_reader(database_url or str(tmp_path / "mpp.sqlite3"))
        try:
            assert storage.served(reader, scope) == 3 and storage.totals(reader, scope) == totals
        finally:
            reader.close()

        def pruned(count: int) -> list[AuditEntry]:
            return [AuditEntry(MORNING, "history.pruned", f"{count} tiket dihapus", detail={"tickets": count})]

        counts = await asyncio.gather(*(store.prune_tickets("2026-03-03", pruned) for store in stores))
        assert sorted(counts) == [0, 3]
        assert await stores[1].ticket_by_id(ids[0]) is None and await stores[1].history(ids[0]) == []
        assert not await Responses(stores[1]).answered(ids[0])
        assert [e.detail for e in await stores[1].audit(limit=5, action="history.pruned")] == [{"tickets": 3}]
    finally:
        for store in stores:
            await store.close()


@pytest.mark.asyncio
async def test_the_reports_reader_reads_one_state_and_writes_nothing(database_url, tmp_path):
    """The reports' connection (server.database.connect_reader) runs the reports' SQL with `?` placeholders on
    either database, and refuses to write."""
    await served_day(database_url, tmp_path, 2)
    reader = connect_reader(database_url or str(tmp_path / "mpp.sqlite3"))
    try:
        reader.execute("BEGIN")
        assert queries.issued_per_day(reader, "2026-03-02", "2026-03-02") == [("2026-03-02", "A", 2)]
        assert queries.issued_per_day(reader, "2026-03-02", "2026-03-02", ["B"]) == []
        [row] = queries.histories(reader, "2026-03-02", "2026-03-02", every=True)[:1]
        assert row[0] == "A" and row[4].endswith("|1|budi")  # the first call's "at|counter|officer"
        reader.execute("ROLLBACK")
        with pytest.raises(Exception, match="(?i)read.?only"):
            reader.execute("DELETE FROM tickets")
    finally:
        reader.close()


@pytest.mark.asyncio
async def test_the_databases_size_and_who_backs_it_up(database_url, tmp_path):
    """SQLite: the file's size and an online copy by the hub; PostgreSQL: pg_database_size, and a backup
    refused naming pg_dump (the database server's own tool)."""
    store = Store(open_database(database_url, tmp_path / "mpp.sqlite3", synchronous="OFF"))
    await store.open()
    try:
        assert await store.database_bytes() > 0
        target = tmp_path / "copy.sqlite3"
        if database_url is None:
            assert store.backs_up
            await store.backup(target)
            assert target.stat().st_size > 0
        else:
            assert not store.backs_up
            with pytest.raises(BackupFailed, match="pg_dump"):
                await store.backup(target)
            assert not target.exists()
        assert await store.leads()
    finally:
        await store.close()

