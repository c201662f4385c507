"""Backups: consistent under load, nightly with retention, downloaded, restored; old tickets pruned."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server import backup
from server.backup import BackupFile, due, expired, prune_before, stale
from tests.conftest import ROOT, TEST_CONFIG, HubProcess, site_config, wait_for
from tests.hub.support import Clock, error_of, issue, login, running

WIB = ZoneInfo("Asia/Jakarta")
EVENING = datetime(2026, 3, 2, 13, 59, tzinfo=UTC)  # Monday 20:59 WIB, a minute before the nightly backup


def download(hub: HubProcess, token: str, target: Path) -> Path:
    request = urllib.request.Request(hub.url + "/api/admin/backup", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200 and response.headers["Content-Type"] == backup.MEDIA_TYPE
        target.write_bytes(response.read())
    return target


def opened(path: Path):
    return contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


# ---------------------------------------------------------------- the rules


def test_the_nightly_backup_is_due_once_per_scheduled_moment():
    """Due when none was taken since the last backup time (today's, or yesterday's before it)."""
    at = time(21, 0)
    evening = datetime(2026, 3, 2, 21, 5, tzinfo=WIB)
    assert due(None, evening, at)
    assert due(datetime(2026, 3, 1, 21, 0, tzinfo=WIB), evening, at)
    assert not due(datetime(2026, 3, 2, 21, 0, tzinfo=WIB), evening, at)
    morning = datetime(2026, 3, 3, 7, 30, tzinfo=WIB)  # the hub was off at 21:00: it catches up
    assert due(datetime(2026, 3, 1, 21, 0, tzinfo=WIB), morning, at)
    assert not due(datetime(2026, 3, 2, 21, 1, tzinfo=WIB), morning, at)


def test_retention_deletes_old_backups_but_never_the_newest():
    """Older than keep_days goes; the newest stays even when it is old (backups failing for weeks)."""
    now = datetime(2026, 3, 2, 21, 0, tzinfo=WIB)

    def file(days: int) -> BackupFile:
        return BackupFile(Path(f"{days}"), now - timedelta(days=days), 1)

    files = [file(40), file(31), file(30), file(1)]
    assert [f.path.name for f in expired(files, now, 30)] == ["40", "31"]
    assert [f.path.name for f in expired([file(90), file(60)], now, 30)] == ["90"]
    assert expired([], now, 30) == []


def test_ticket_retention_and_the_backup_warning_rules():
    """N years back from today (29 February too); the warning after 2 days without a backup."""
    assert prune_before(date(2026, 3, 2), 5) == date(2021, 3, 2)
    assert prune_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
    now = datetime(2026, 3, 5, 9, 0, tzinfo=WIB)
    assert not stale(now - timedelta(days=1), None, now) and stale(now - timedelta(days=2, minutes=1), None, now)
    assert not stale(None, now - timedelta(days=1), now) and stale(None, now - timedelta(days=3), now)


# ---------------------------------------------------------------- under load


def test_a_backup_taken_under_load_is_consistent(tmp_path):
    """While kiosks issue and counters call, three downloads of a real hub: each passes SQLite's integrity
    check, holds every ticket confirmed before it was asked for, and holds whole transactions only
    (no gap in ticket ids or event numbers, every ticket with its history)."""
    hub = HubProcess(tmp_path / "data").start()
    stop = threading.Event()
    confirmed: list[dict] = []
    failures: list[str] = []

    def kiosk(service: str) -> None:
        while not stop.is_set():
            status, body = hub.request("POST", "/api/tickets", {"service": service})
            if status == 201:
                confirmed.append(body["ticket"])
            else:
                failures.append(f"issue {status}: {body}")

    def counter(username: str, pin: str, counter_id: str) -> None:
        token = hub.login(username, pin)
        while not stop.is_set():
            status, body = hub.request("POST", f"/api/counters/{counter_id}/call-next", token=token)
            if status != 200:
                failures.append(f"call-next {status}: {body}")

    workers = [threading.Thread(target=kiosk, args=(s,)) for s in "AAC"] + [
        threading.Thread(target=counter, args=a) for a in (("budi", "1234", "1"), ("sari", "2345", "3"))]
    try:
        admin = hub.login("koordinator", "1111")
        for worker in workers:
            worker.start()
        for n in range(3):
            wait_for(lambda n=n: len(confirmed) >= 40 * (n + 1), timeout=60, what="tickets under load")
            before = list(confirmed)
            copy = download(hub, admin, tmp_path / f"copy-{n}.sqlite3")
            with opened(copy) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
                tokens = {row[0] for row in db.execute("SELECT token FROM tickets")}
                assert {t["token"] for t in before} <= tokens, "every confirmed ticket is in the backup"
                ids = [row[0] for row in db.execute("SELECT id FROM tickets ORDER BY id")]
                assert ids == list(range(1, len(ids) + 1))
                seqs = [row[0] for row in db.execute("SELECT seq FROM events ORDER BY seq")]
                assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
                assert not db.execute("SELECT id FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_history h "
                                      "WHERE h.ticket_id = t.id AND h.action = 'issued')").fetchall()
                called = db.execute("SELECT COUNT(*) FROM tickets WHERE called_at IS NOT NULL").fetchone()[0]
                assert called == db.execute("SELECT COUNT(DISTINCT ticket_id) FROM ticket_history "
                                            "WHERE action = 'called'").fetchone()[0]
            assert called > 0, "calls were running"
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
        hub.stop()
    assert not failures, failures[:3]
    assert not list((tmp_path / "data").glob(".download-*")), "the downloaded copies were deleted"


# ---------------------------------------------------------------- nightly


def test_the_nightly_backup_runs_at_its_time_and_keeps_30_days(tmp_path):
    """At 21:00 the database goes to data/backups/ (with the tickets of the day); backups older than
    30 days go, the newest and files the hub did not name stay; it is in the audit log and on the board."""
    clock = Clock(EVENING)
    folder = tmp_path / "backups"
    folder.mkdir()
    for name in ("mpp-2026-01-20-2100.sqlite3", "mpp-2026-02-20-2100.sqlite3", "mpp-2026-03-01-2100.sqlite3",
                 "arsip-pribadi.sqlite3"):
        (folder / name).write_bytes(b"old")
    with running(tmp_path, clock) as client:
        backups = client.app.state.backups
        tokens = [issue(client, "A")["token"] for _ in range(3)]
        assert client.portal.call(backups.check) is None  # 20:59: not yet
        clock.advance(seconds=90)
        taken = client.portal.call(backups.check)
        assert taken.path == folder / "mpp-2026-03-02-2100.sqlite3"
        assert client.portal.call(backups.check) is None  # once a night
        assert sorted(p.name for p in folder.iterdir()) == [
            "arsip-pribadi.sqlite3", "mpp-2026-02-20-2100.sqlite3", "mpp-2026-03-01-2100.sqlite3",
            "mpp-2026-03-02-2100.sqlite3"]
        with opened(taken.path) as db:
            assert {r[0] for r in db.execute("SELECT token FROM tickets")} == set(tokens)
        headers = login(client, "koordinator", "1111")
        [entry] = client.get("/api/admin/audit?action=backup.created", headers=headers).json()["entries"]
        assert entry["summary"].startswith("Cadangan malam dibuat: mpp-2026-03-02-2100.sqlite3")
        last = client.get("/api/admin/health", headers=headers).json()["hub"]["backup"]["last"]
        assert last["file"] == "mpp-2026-03-02-2100.sqlite3" and last["bytes"] == taken.bytes


def test_a_hub_that_was_off_at_backup_time_catches_up_when_it_starts(tmp_path):
    """The PC was switched off at 21:00: the next morning the hub backs up as it starts."""
    with running(tmp_path, Clock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))) as client:  # Monday 09:00, first start
        issue(client, "A")
        assert client.portal.call(client.app.state.backups.check) is None  # nothing due on the first day
    with running(tmp_path, Clock(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))):  # Tuesday 07:30
        wait_for(lambda: (tmp_path / "backups" / "mpp-2026-03-03-0730.sqlite3").exists(), what="the catch-up backup")


def test_a_failed_backup_is_shown_logged_once_and_retried(tmp_path):
    """A backup folder that cannot be made: the board warns, the audit log says so once, the hub retries
    after 15 minutes (not before) and the warning goes once it works."""
    clock = Clock(EVENING)
    blocker = tmp_path / "usb"
    blocker.write_text("not a folder")
    with running(tmp_path / "data", clock, site_config(data={"backup_dir": str(blocker / "mpp")})) as client:
        backups = client.app.state.backups
        headers = login(client, "koordinator", "1111")
        clock.advance(minutes=2)
        assert client.portal.call(backups.check) is None
        warnings = client.get("/api/admin/health", headers=headers).json()["warnings"]
        assert warnings[0]["code"] == "backup_failed" and "15 menit" in warnings[0]["message"]
        clock.advance(minutes=5)
        assert client.portal.call(backups.check) is None  # waiting to retry
        clock.advance(minutes=11)
        assert client.portal.call(backups.check) is None  # failed again
        assert len(client.get("/api/admin/audit?action=backup.failed", headers=headers).json()["entries"]) == 1
        blocker.unlink()
        clock.advance(minutes=16)
        assert client.portal.call(backups.check).path.parent == blocker / "mpp"
        assert client.get("/api/admin/health", headers=headers).json()["warnings"] == []


def test_tickets_older_than_the_retention_are_deleted_only_when_set(tmp_path):
    """By default every ticket is kept; with [data] ticket_years = 2 (changed live), the nightly backup is
    followed by deleting the tickets (and their history) of days more than 2 years ago."""
    clock = Clock(datetime(2023, 5, 10, 2, 0, tzinfo=UTC))
    with running(tmp_path, clock) as client:
        old = [issue(client, "A") for _ in range(2)]
        client.post("/api/counters/1/call-next", headers=login(client))
        clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
        recent = issue(client, "A")
        backups = client.app.state.backups
        clock.set(EVENING + timedelta(minutes=2))
        headers = login(client, "koordinator", "1111")
        assert client.portal.call(backups.check) is not None
        assert client.get(f"/api/tickets/{old[0]['token']}").status_code == 200  # kept: no retention set
        current = client.get("/api/admin/config", headers=headers).json()
        config = {**current["config"], "data": {**current["config"]["data"], "ticket_years": 2}}
        response = client.put("/api/admin/config", json={"version": current["version"], "config": config},
                              headers=headers)
        assert response.status_code == 200, response.text
        clock.advance(days=1)
        headers = login(client, "koordinator", "1111")
        assert client.portal.call(backups.check) is not None
        for ticket in old:
            assert error_of(client.get(f"/api/tickets/{ticket['token']}")) == (404, "unknown_ticket")
        assert client.get(f"/api/tickets/{recent['token']}").status_code == 200
        [entry] = client.get("/api/admin/audit?action=history.pruned", headers=headers).json()["entries"]
        assert entry["detail"] == {"before": "2024-03-03", "tickets": 2, "years": 2}
        with opened(tmp_path / "mpp.sqlite3") as db:
            assert db.execute("SELECT COUNT(*) FROM ticket_history WHERE ticket_id IN (1, 2)").fetchone()[0] == 0


# ---------------------------------------------------------------- download


def test_the_download_is_a_fresh_whole_database_for_an_admin(tmp_path, monkeypatch):
    """An admin gets the database as a file named for the moment; the copy is deleted once sent; the
    download is audited; a disk without room for the copy gives 503 backup_failed."""
    with running(tmp_path) as client:
        tokens = {issue(client, "B")["token"] for _ in range(4)}
        headers = login(client, "koordinator", "1111")
        response = client.get("/api/admin/backup", headers=headers)
        assert response.status_code == 200 and response.headers["content-type"] == backup.MEDIA_TYPE
        assert response.headers["content-disposition"] == 'attachment; filename="mpp-2026-03-02-0900.sqlite3"'
        assert response.content.startswith(b"SQLite format 3\x00")
        copy = tmp_path / "copy.sqlite3"
        copy.write_bytes(response.content)
        with opened(copy) as db:
            assert {r[0] for r in db.execute("SELECT token FROM tickets")} == tokens
        assert not list(tmp_path.glob(".download-*"))
        [entry] = client.get("/api/admin/audit?action=backup.downloaded", headers=headers).json()["entries"]
        assert entry["officer"] == "koordinator" and entry["detail"]["bytes"] == len(response.content)
        monkeypatch.setattr(backup, "SPARE_BYTES", 1 << 62)  # a full disk cannot be made here
        assert error_of(client.get("/api/admin/backup", headers=headers)) == (503, "backup_failed")
        assert error_of(client.get("/api/admin/backup")) == (401, "unauthorized")


# ---------------------------------------------------------------- restore


def run_py(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_restore_into_a_fresh_data_dir_and_start_the_hub_on_it(tmp_path):
    """docs/operations.md, "Restore": a backup restored with `run.py restore` into a new data folder, and
    the hub started there (with another site file), has every ticket, the configuration as changed in the
    admin console, the registered devices, and says so in its audit log."""
    hub = HubProcess(tmp_path / "old").start()
    try:
        admin = hub.login("koordinator", "1111")
        tickets = [hub.issue(s) for s in "AABCA"]
        officer = hub.login()
        assert hub.request("POST", "/api/counters/1/call-next", token=officer)[0] == 200
        status, current = hub.request("GET", "/api/admin/config", token=admin)
        current["config"]["site"]["running_text"] = "Teks dari konsol admin"
        assert hub.request("PUT", "/api/admin/config", {"version": current["version"], "config": current["config"]},
                           token=admin)[0] == 200
        status, kiosk = hub.request("POST", "/api/admin/devices", {"kind": "kiosk", "name": "Kios Lobi"}, token=admin)
        copy = download(hub, admin, tmp_path / "mpp-cadangan.sqlite3")
        before = {t["token"]: hub.request("GET", f"/api/tickets/{t['token']}")[1]["ticket"] for t in tickets}
    finally:
        hub.stop()
    other_site = tmp_path / "site.toml"  # the new PC's file says something else: the backup's configuration wins
    other_site.write_text(TEST_CONFIG.read_text().replace("Selamat datang di MPP Uji Coba.", "Teks berkas baru"))
    done = run_py("restore", str(copy), "--data-dir", str(tmp_path / "new"), "--config", str(other_site))
    assert done.returncode == 0, done.stderr
    assert "5 tickets" in done.stdout and "configuration version 2" in done.stdout

    restored = HubProcess(tmp_path / "new", config=other_site).start()
    try:
        for token, ticket in before.items():
            status, body = restored.request("GET", f"/api/tickets/{token}")
            assert status == 200 and {k: body["ticket"][k] for k in ("number", "status", "service", "counter")} == {
                k: ticket[k] for k in ("number", "status", "service", "counter")}
        admin = restored.login("koordinator", "1111")
        status, config = restored.request("GET", "/api/admin/config", token=admin)
        assert config["version"] == 2 and config["config"]["site"]["running_text"] == "Teks dari konsol admin"
        assert restored.issue("A")["number"] == "A004"  # numbering goes on
        request = urllib.request.Request(restored.url + "/api/tickets", data=b'{"service": "B"}', method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-Device-Token": kiosk["device"]["token"]})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201  # the kiosk's token survived
        status, audit = restored.request("GET", "/api/admin/audit?action=backup.restored", token=admin)
        assert audit["entries"][0]["summary"] == "Basis data dipulihkan dari cadangan mpp-cadangan.sqlite3"
        busy = run_py("restore", str(copy), "--data-dir", str(tmp_path / "new"))
        assert busy.returncode == 2 and "a hub is running" in busy.stderr
        second = run_py("--config", str(other_site), "--data-dir", str(tmp_path / "new"), "--port", "0",
                        "--no-audio")
        assert second.returncode == 2 and "a hub is running" in second.stderr
    finally:
        restored.stop()
    again = run_py("restore", str(copy), "--data-dir", str(tmp_path / "new"))
    assert again.returncode == 0, again.stderr
    [aside] = (tmp_path / "new").glob("before-restore-*")
    assert (aside / "mpp.sqlite3").exists(), "the replaced database is moved aside, never deleted"


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, b"SQLite format 3\x00" + b"\x00" * 200])
def test_restore_refuses_what_is_not_a_backup(tmp_path, content):
    """An empty file, garbage or a damaged database is refused with a reason; nothing is touched."""
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    done = run_py("restore", str(bad), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2 and done.stderr.startswith("Cannot restore: "), done.stderr
    assert not (tmp_path / "data" / "mpp.sqlite3").exists()


def test_restore_refuses_on_a_hub_whose_data_is_in_postgresql(tmp_path):
    """With $MPP_DATABASE_URL set (a city deployment's hub), `run.py restore` points to pg_restore and touches
    nothing."""
    backup_file = tmp_path / "mpp-2026-03-01-2100.sqlite3"
    with contextlib.closing(sqlite3.connect(backup_file)) as db:
        db.execute("CREATE TABLE tickets (id INTEGER)")
        db.execute("PRAGMA user_version = 1")
    done = subprocess.run([sys.executable, "run.py", "restore", str(backup_file), "--data-dir", str(tmp_path / "data")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPP_DATABASE_URL": "postgresql://mpp@127.0.0.1:1/mpp"})
    assert done.returncode == 2 and "pg_restore" in done.stderr and done.stderr.startswith("Cannot restore: ")
    assert not (tmp_path / "data").exists()


def test_restore_refuses_a_backup_from_a_newer_program(tmp_path):
    """A database with a schema newer than this program is refused, naming both versions."""
    newer = tmp_path / "newer.sqlite3"
    with contextlib.closing(sqlite3.connect(newer)) as db:
        db.execute("CREATE TABLE tickets (id INTEGER)")
        db.execute("PRAGMA user_version = 99")
    done = run_py("restore", str(newer), "--data-dir", str(tmp_path / "data"))
    assert done.returncode == 2 and "schema version 99, newer than this program" in done.stderr


def test_the_restored_file_is_written_as_it_was_checked(tmp_path):
    """Restoring copies with SQLite's backup API into a sound single file; `json` detail in the audit."""
    with running(tmp_path / "a") as client:
        issue(client, "A")
        (tmp_path / "copy.sqlite3").write_bytes(client.get("/api/admin/backup", headers=login(
            client, "koordinator", "1111")).content)
    done = run_py("restore", str(tmp_path / "copy.sqlite3"), "--data-dir", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    with opened(tmp_path / "b" / "mpp.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        detail = json.loads(db.execute("SELECT detail FROM audit WHERE action = 'backup.restored'").fetchone()[0])
        assert detail == {"file": "copy.sqlite3", "tickets": 1, "config_version": 1}


# ---------------------------------------------------------------- PostgreSQL: the database server's backups


def test_on_postgresql_the_hub_takes_no_copy_says_so_and_still_prunes(tmp_path, postgres):
    """Data in PostgreSQL: no file at backup time, the download is 409 backup_external naming pg_dump, the board
    says where the backups are (and warns of none missing days later), the size is the database's, and old
    tickets still go at backup time with their history and survey responses, logged once."""
    clock = Clock(datetime(2023, 5, 10, 2, 0, tzinfo=UTC))
    with running(tmp_path, clock, site_config(data={"ticket_years": 2}), database_url=postgres.create_database()) \
            as client:
        budi = login(client)
        old = issue(client, "A")
        assert client.post("/api/counters/1/call-next", headers=budi).status_code == 200
        assert client.post("/api/counters/1/done", headers=budi).status_code == 200
        answers = {"answers": dict.fromkeys(("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi",
                                             "perilaku", "pengaduan", "sarana"), 4)}
        assert client.post(f"/api/survey/{old['token']}", json=answers).status_code == 201
        clock.set(EVENING + timedelta(minutes=2))
        recent = issue(client, "A")
        backups = client.app.state.backups
        headers = login(client, "koordinator", "1111")
        assert client.portal.call(backups.check) is None  # no copy of the hub's own
        assert not (tmp_path / "backups").exists()
        assert error_of(client.get(f"/api/tickets/{old['token']}")) == (404, "unknown_ticket")
        assert client.get(f"/api/tickets/{recent['token']}").status_code == 200
        [entry] = client.get("/api/admin/audit?action=history.pruned", headers=headers).json()["entries"]
        assert entry["detail"] == {"before": "2024-03-02", "tickets": 1, "years": 2}

        refused = client.get("/api/admin/backup", headers=headers)
        assert error_of(refused) == (409, "backup_external") and "pg_dump" in refused.json()["error"]["message"]
        hub = client.get("/api/admin/health", headers=headers).json()["hub"]
        assert hub["backup"]["external"] == backup.EXTERNAL and hub["backup"]["last"] is None
        assert hub["database_bytes"] > 1_000_000  # pg_database_size: PostgreSQL's catalog alone is megabytes
        clock.advance(days=3)
        assert client.portal.call(backups.check) is None
        headers = login(client, "koordinator", "1111")
        warnings = client.get("/api/admin/health", headers=headers).json()["warnings"]
        assert [w["code"] for w in warnings if w["code"].startswith("backup")] == []
        assert len(client.get("/api/admin/audit?action=history.pruned", headers=headers).json()["entries"]) == 1
