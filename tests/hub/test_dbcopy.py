"""`python run.py copy-database`: a hall's SQLite data moves into PostgreSQL whole, and a hub runs on it."""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import subprocess
import sys
import urllib.request

import psycopg
import pytest

from server.dbcopy import tables
from survey.ikm import UNSUR
from tests.conftest import ROOT, TEST_CONFIG, HubProcess, free_port

pytestmark = pytest.mark.e2e


def copy_database(data_dir, url) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "copy-database", "--data-dir", str(data_dir), "--database", url],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def contents(sqlite_path, url) -> tuple[dict, dict]:
    """Every table's rows on both sides, in a comparable order."""
    with contextlib.closing(sqlite3.connect(sqlite_path)) as db, psycopg.connect(url) as pg:
        found = tables(db)
        here = {name: sorted(db.execute(f"SELECT {', '.join(cols)} FROM {name}").fetchall(), key=repr)
                for name, cols in found}
        there = {name: sorted((tuple(r) for r in pg.execute(f"SELECT {', '.join(cols)} FROM {name}")), key=repr)
                 for name, cols in found}
    return here, there


def kiosk_ticket(hub: HubProcess, device_token: str) -> int:
    """POST a ticket as a registered kiosk (X-Device-Token): the status."""
    request = urllib.request.Request(hub.url + "/api/tickets", data=json.dumps({"service": "B"}).encode(),
                                     headers={"Content-Type": "application/json", "X-Device-Token": device_token})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def test_a_halls_data_moves_into_postgresql_and_a_hub_runs_on_it(tmp_path, postgres):
    """Every row of every table is copied as it was; a hub on PostgreSQL then shows the same hall, keeps the
    officers' sessions, the registered kiosk and the survey's answers, continues the numbering and the audit log."""
    sqlite_hub = HubProcess(tmp_path / "hall").start()
    try:
        token = sqlite_hub.login("koordinator", "1111")
        first = sqlite_hub.issue("A")
        for service in "ABC":
            sqlite_hub.issue(service)
        for action in ("call-next", "recall", "call-next"):  # the second call-next finishes A001
            assert sqlite_hub.request("POST", f"/api/counters/1/{action}", token=token)[0] == 200
        assert sqlite_hub.request("POST", f"/api/survey/{first['token']}",
                                  {"answers": dict.fromkeys(UNSUR, 3)})[0] == 201
        status, kiosk = sqlite_hub.request("POST", "/api/admin/devices", {"kind": "kiosk", "name": "Kios Lobi"},
                                           token=token)
        assert status == 201, kiosk
        assert sqlite_hub.request("POST", "/api/counters/1/transfer", {"service": "C"}, token=token)[0] == 200
        status, config = sqlite_hub.request("GET", "/api/admin/config", token=token)
        config["config"]["services"][0]["name"] = "Perekaman KTP-el Baru"
        body = {"version": config["version"], "config": config["config"]}
        assert sqlite_hub.request("PUT", "/api/admin/config", body, token=token)[0] == 200
        before = sqlite_hub.request("GET", "/api/state")[1]
    finally:
        sqlite_hub.stop()

    url = postgres.create_database()
    done = copy_database(tmp_path / "hall", url)
    assert done.returncode == 0, done.stderr
    assert "tickets: 5 rows" in done.stdout and "Done:" in done.stdout
    here, there = contents(tmp_path / "hall" / "mpp.sqlite3", url)
    assert here == there and len(here["tickets"]) == 5 and len(here["config_versions"]) == 2
    assert len(here["survey_responses"]) == len(here["devices"]) == 1

    hub = HubProcess(tmp_path / "pg", database=url).start()
    try:
        after = hub.request("GET", "/api/state")[1]
        for key in ("day", "services", "counters", "recent", "config_version"):
            assert after[key] == before[key], key
        assert hub.request("GET", "/api/me", token=token)[0] == 200  # the session came along
        assert hub.issue("A")["number"] == "A003"
        assert kiosk_ticket(hub, kiosk["device"]["token"]) == 201 and kiosk_ticket(hub, "nope") == 403
        day = after["day"]
        ikm = hub.request("GET", f"/api/reports/ikm?from={day}&to={day}", token=token)[1]
        assert (ikm["respondents"], ikm["population"], ikm["ikm"]) == (1, 1, 75.0)
        audit = hub.request("GET", "/api/admin/audit?limit=1", token=hub.login("koordinator", "1111"))[1]
        assert audit["entries"][0]["action"] == "login" and audit["entries"][0]["id"] == len(here["audit"]) + 1
        status, second = hub.request("POST", "/api/admin/devices", {"kind": "display", "name": "TV"}, token=token)
        assert status == 201 and second["device"]["id"] == kiosk["device"]["id"] + 1
    finally:
        hub.stop()


def test_copying_into_a_database_that_holds_a_hall_is_refused(tmp_path, postgres):
    """A second copy into the same database stops with one line saying why, and changes nothing there."""
    HubProcess(tmp_path / "hall").start().stop()
    url = postgres.create_database()
    assert copy_database(tmp_path / "hall", url).returncode == 0
    again = copy_database(tmp_path / "hall", url)
    assert again.returncode == 2 and "already has rows" in again.stderr
    here, there = contents(tmp_path / "hall" / "mpp.sqlite3", url)
    assert here == there
    missing = copy_database(tmp_path / "nowhere", url)
    assert missing.returncode == 2 and "there is no hall database" in missing.stderr


def test_copying_a_hall_whose_hub_still_runs_is_refused(tmp_path, postgres):
    """While the hall's hub still runs on the data folder the copy is refused, naming it, and the target stays
    empty (tickets issued after a copy would be lost); once the hub is stopped the same command copies."""
    hub = HubProcess(tmp_path / "hall").start()
    url = postgres.create_database()
    try:
        hub.issue("A")
        refused = copy_database(tmp_path / "hall", url)
        assert refused.returncode == 2, refused.stdout
        assert "a hub is running on" in refused.stderr and "stop it first" in refused.stderr
        with psycopg.connect(url) as pg:
            assert pg.execute("SELECT to_regclass('tickets')").fetchone()[0] is None  # nothing written there
        assert hub.issue("A")["number"] == "A002"  # the hall goes on meanwhile
    finally:
        hub.stop()
    done = copy_database(tmp_path / "hall", url)
    assert done.returncode == 0 and "tickets: 2 rows" in done.stdout, done.stderr


def test_a_hub_started_while_a_copy_holds_the_data_folder_says_the_copy_holds_it(tmp_path):
    """A hub started on the data folder while copy-database is copying it is refused with a message naming the copy
    and its process, not "a hub is running"."""
    hall = tmp_path / "hall"
    HubProcess(hall).start().stop()  # a hall database to copy
    with socket.create_server(("127.0.0.1", 0)) as silent:  # a "PostgreSQL" that takes the connection, never answers
        copy = subprocess.Popen([sys.executable, "run.py", "copy-database", "--data-dir", str(hall), "--database",
                                 f"postgresql://mpp@127.0.0.1:{silent.getsockname()[1]}/mpp"],
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            silent.settimeout(30)
            connection, _ = silent.accept()  # the copy holds the folder's lock by now, connecting to the target
            with connection:
                started = subprocess.run([sys.executable, "run.py", "--config", str(TEST_CONFIG), "--data-dir",
                                          str(hall), "--host", "127.0.0.1", "--port", str(free_port()), "--no-audio"],
                                         cwd=ROOT, capture_output=True, text=True, timeout=60)
                assert started.returncode == 2, started.stdout
                assert "a hub is running" not in started.stderr, started.stderr
                assert f"run.py copy-database (process {copy.pid}) is copying" in started.stderr, started.stderr
        finally:
            copy.kill()
            copy.communicate()


@pytest.mark.parametrize("command", ["copy-database", "restore", "hash-pin"])
def test_a_commands_help_shows_its_usage_as_it_is_typed(command):
    """`run.py copy-database --help` (and restore's, hash-pin's) shows the command's usage as an admin types it,
    with no stray `command` argument to fill in."""
    shown = subprocess.run([sys.executable, "run.py", command, "--help"], cwd=ROOT, capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0, shown.stderr
    usage = " ".join(shown.stdout.split("\n\n")[0].split())
    assert usage.startswith(f"usage: run.py {command} [-h]") and "command" not in usage.split(command, 1)[1], usage
