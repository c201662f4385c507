"""Live configuration: pages, counter panels, printers and spoken calls follow a change without a restart;
the TOML file is imported at start only when it changed (TestClient, real SQLite)."""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
from datetime import UTC, datetime

import pytest

from audio.announcer import Announcer
from config.site import dump_config, load_config
from tests.conftest import TEST_CONFIG, site_config, wait_for
from tests.hub.support import (
    Clock,
    act,
    called_on_display,
    issue,
    login,
    receive,
    receive_json,
    receive_until,
    running,
)
from tests.kiosk.fakes import FakePrinter


@pytest.fixture
def clock():
    return Clock()


def current(client, headers) -> tuple[int, dict]:
    body = client.get("/api/admin/config", headers=headers).json()
    return body["version"], body["config"]


def change(client, edit, who=("koordinator", "1111")) -> int:
    """Apply `edit` to the current configuration through PUT /api/admin/config; the new version."""
    headers = login(client, *who)
    version, config = current(client, headers)
    edit(config)
    response = client.put("/api/admin/config", json={"version": version, "config": config}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["version"]


def closed_with(ws) -> int:
    while True:
        message = receive(ws)
        if message["type"] == "websocket.close":
            return message["code"]


def test_a_display_gets_the_change_and_a_fresh_snapshot_without_reconnecting(tmp_path, clock):
    """After a PUT, an open display receives config.updated, then its zone's snapshot with the new names."""
    with running(tmp_path / "data", clock) as client, \
            client.websocket_connect("/ws/display?zone=lantai-2") as ws, \
            client.websocket_connect("/ws/display") as kiosk:
        assert receive_json(ws)["counters"][0]["name"] == "Loket 1"
        receive_json(kiosk)

        def edit(config):
            config["counters"][0]["name"] = "Loket Satu"
            config["services"].append({"code": "L", "name": "Legalisir", "agency": "DUKCAPIL"})
            config["counters"][0]["services"].append("L")
            config["site"]["running_text"] = "Layanan Legalisir kini tersedia."
            config["display"] = {"image_seconds": 30}

        version = change(client, edit)
        updated = receive_json(ws)
        assert updated["type"] == "config.updated" and updated["version"] == version
        assert updated["sections"] == ["site", "services", "counters", "display"]
        snap = receive_json(ws)
        assert snap["type"] == "snapshot" and snap["seq"] == updated["seq"] and snap["config_version"] == version
        assert snap["zone"] == "lantai-2" and [c["id"] for c in snap["counters"]] == ["1", "2", "3"]
        assert snap["counters"][0]["name"] == "Loket Satu" and snap["services"][-1]["name"] == "Legalisir"
        assert snap["site"]["running_text"] == "Layanan Legalisir kini tersedia."
        assert snap["settings"]["display"]["image_seconds"] == 30
        receive_json(kiosk)
        kiosk_snap = receive_json(kiosk)
        assert kiosk_snap["zone"] is None and len(kiosk_snap["counters"]) == 4
        issue(client, "L")  # the stream goes on as before
        assert receive_json(ws)["type"] == "ticket.issued"


def test_nothing_overtakes_the_fresh_snapshot(tmp_path, clock):
    """Events committed while the snapshots go out reach a display after its snapshot, never lost;
    two quick changes end with the newer snapshot."""
    with running(tmp_path / "data", clock) as client, client.websocket_connect("/ws/display") as ws:
        receive_json(ws)
        change(client, lambda c: c["counters"][0].update(name="Loket Satu"))
        issue(client, "A")
        got = receive_until(ws, "ticket.issued")
        assert [m["type"] for m in got] == ["config.updated", "snapshot", "ticket.issued"]
        assert got[2]["seq"] > got[1]["seq"] and got[1]["counters"][0]["name"] == "Loket Satu"
        change(client, lambda c: c["counters"][0].update(name="Loket A"))
        last = change(client, lambda c: c["counters"][0].update(name="Loket B"))
        got = receive_until(ws, "snapshot")
        while got[-1]["config_version"] != last:
            got += receive_until(ws, "snapshot")
        assert got[-1]["counters"][0]["name"] == "Loket B"
        issue(client, "A")
        assert receive_json(ws)["type"] == "ticket.issued"


def test_a_page_resuming_across_a_change_gets_a_snapshot(tmp_path, clock):
    """A display that reconnects with since=N from before a config.updated gets a snapshot, not the events."""
    with running(tmp_path / "data", clock) as client:
        with client.websocket_connect("/ws/display") as ws:
            snap = receive_json(ws)
        issue(client, "A")
        change(client, lambda c: c["counters"][1].update(name="Loket Dua"))
        with client.websocket_connect(f"/ws/display?since={snap['seq']}&epoch={snap['epoch']}") as ws:
            again = receive_json(ws)
        assert again["type"] == "snapshot" and again["counters"][1]["name"] == "Loket Dua"
        assert again["services"][0]["waiting"] == 1


def test_a_counter_panel_that_lost_its_counter_is_told_and_closed(tmp_path, clock):
    """The panel of an officer taken off a counter gets error counter_not_allowed and a 1008 close;
    a panel whose officer keeps the counter stays open and gets the snapshot."""
    with running(tmp_path / "data", clock) as client:
        budi = login(client)["Authorization"].split()[1]
        sari = login(client, "sari", "2345")["Authorization"].split()[1]
        with client.websocket_connect(f"/ws/counter/2?token={budi}") as lost, \
                client.websocket_connect(f"/ws/counter/3?token={sari}") as kept:
            receive_json(lost)
            receive_json(kept)
            change(client, lambda c: c["officers"][0].update(counters=["1"]))
            got = receive_until(lost, "error")
            assert got[-1] == {"type": "error", "code": "counter_not_allowed",
                               "message": "Anda tidak lagi ditugaskan di Loket 2. Silakan pilih loket lain."}
            assert closed_with(lost) == 1008
            assert [m["type"] for m in (receive_json(kept), receive_json(kept))] == ["config.updated", "snapshot"]
        response = act(client, "2", "call-next", {"Authorization": f"Bearer {budi}"})
        assert response.status_code == 403 and response.json()["error"]["code"] == "counter_not_allowed"


@pytest.mark.parametrize(("edit", "code"), [
    (lambda c: c["officers"][0].update(active=False), "officer_disabled"),
    (lambda c: c["officers"].pop(0), "officer_removed"),
    (lambda c: (c["counters"].pop(1), c["officers"][0].update(counters=["1"])), "counter_removed"),
])
def test_each_way_of_losing_a_counter_has_its_code(tmp_path, clock, edit, code):
    """Disabled, removed, or the counter removed: the panel is told which."""
    with running(tmp_path / "data", clock) as client:
        budi = login(client)["Authorization"].split()[1]
        with client.websocket_connect(f"/ws/counter/2?token={budi}") as ws:
            receive_json(ws)
            change(client, edit)
            assert receive_until(ws, "error")[-1]["code"] == code
            assert closed_with(ws) == 1008


def test_a_status_page_shows_the_new_service_name(tmp_path, clock):
    """A citizen's ticket page receives its view again with the renamed service."""
    with running(tmp_path / "data", clock) as client:
        token = issue(client, "B")["token"]
        with client.websocket_connect(f"/ws/ticket/{token}") as ws:
            assert receive_json(ws)["ticket"]["service_name"] == "Kartu Keluarga"
            change(client, lambda c: c["services"][1].update(name="Kartu Keluarga (KK)"))
            assert receive_json(ws)["ticket"]["service_name"] == "Kartu Keluarga (KK)"


def test_the_hall_opening_is_published_when_the_calendar_says(tmp_path):
    """At the calendar's opening time the displays get hall.updated (open, no closure) and the services'
    availability with it."""
    clock = Clock(datetime(2026, 3, 2, 0, 59, 59, 900000, tzinfo=UTC))  # Monday 07:59:59.9 WIB
    config = site_config(calendar={"hours": [{"day": "senin", "open": "08:00", "close": "15:00"}]})
    with running(tmp_path / "data", clock, config) as client, client.websocket_connect("/ws/display") as ws:
        snap = receive_json(ws)
        assert snap["hall"]["open"] is False and snap["hall"]["closed"]["code"] == "hall_not_open"
        assert snap["services"][0]["closed"]["code"] == "hall_not_open"
        clock.set(datetime(2026, 3, 2, 1, 0, 0, 500000, tzinfo=UTC))
        services, event = receive_until(ws, "hall.updated")
        assert event["hall"]["open"] is True and event["hall"]["closed"] is None
        assert services["type"] == "service.updated" and all(s["available"] for s in services["services"])
        assert issue(client, "A")["number"] == "A001"


def test_printers_follow_the_configuration(tmp_path, clock):
    """A printer added or moved in the admin console prints the next ticket; other changes keep its thread."""
    with FakePrinter() as first, FakePrinter() as second, running(tmp_path / "data", clock) as client:
        kiosk = client.app.state.kiosk
        assert kiosk.printers.get("lobi") is None
        change(client, lambda c: c["kiosk"].update(printers=[{"kiosk": "lobi", "host": "127.0.0.1",
                                                               "port": first.port}]))
        printer = kiosk.printers.get("lobi")
        assert printer is not None and printer.settings.port == first.port
        change(client, lambda c: c["site"].update(running_text="Halo"))
        assert kiosk.printers.get("lobi") is printer
        assert client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "lobi"}).json()["printed"] is True
        change(client, lambda c: c["kiosk"]["printers"][0].update(port=second.port))
        assert kiosk.printers.get("lobi").settings.port == second.port
        response = client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "lobi"})
        assert response.status_code == 201 and response.json()["printed"] is True
        wait_for(lambda: second.jobs, what="the ticket at the new printer")
        assert len(first.jobs) == 1
        printers = client.get("/api/health").json()["kiosk"]["printers"]
        assert printers["lobi"]["printer"] == f"127.0.0.1:{second.port}", printers


def test_spoken_calls_follow_the_names_and_the_voice_settings(tmp_path, clock):
    """A renamed service is spoken with its new name; a change that calls do not use keeps the announcer."""
    config = site_config(audio={"template": "Nomor {letter}, {number}, layanan {service}, menuju {counter}."})
    with running(tmp_path / "data", clock, config, announcer_factory=lambda c, d: Announcer(c, d)) as client:
        live = client.app.state.announcer
        first = live.current
        change(client, lambda c: c["services"][0].update(daily_quota=50))
        assert live.current is first
        change(client, lambda c: c["services"][0].update(name="Rekam Kartu Penduduk"))
        wait_for(lambda: live.current is not first, what="the announcer to be replaced")
        called = called_on_display(client)
        assert called["announcement"]["text"] == "Nomor a, satu, layanan rekam kartu penduduk, menuju loket satu."
        assert client.get(called["announcement"]["audio_url"]).content[:4] == b"RIFF"


# ---------------------------------------------------------------- the file at start


def test_a_changed_file_is_imported_at_start_an_unchanged_one_is_not(tmp_path, clock):
    """Start 1 seeds version 1; a changed file is version 2 at the next start; an unchanged one changes
    nothing, so a change made in the admin console stays."""
    data = tmp_path / "data"
    with running(data, clock) as client:
        assert client.get("/api/state").json()["config_version"] == 1
    edited = site_config(counters=[{**c, "name": c["name"].replace("Loket", "Meja")}
                                   for c in dump_config(load_config(TEST_CONFIG))["counters"]])
    with running(data, clock, edited) as client:
        state = client.get("/api/state").json()
        assert state["config_version"] == 2 and state["counters"][0]["name"] == "Meja 1"
        change(client, lambda c: c["counters"][0].update(name="Meja Satu"))
    with running(data, clock, edited) as client:
        state = client.get("/api/state").json()
        assert state["config_version"] == 3 and state["counters"][0]["name"] == "Meja Satu"
        admin = login(client, "koordinator", "1111")
        entries = client.get("/api/admin/audit?action=config", headers=admin).json()["entries"]
    assert [(e["action"], e["summary"]) for e in entries] == [
        ("config.changed", "Versi 3: loket 1 diubah (name)"),
        ("config.imported", "Versi 2 dari berkas konfigurasi: loket 1 diubah (name); loket 2 diubah (name); "
                            "loket 3 diubah (name); loket 4 diubah (name)"),
        ("config.imported", f"Versi 1 dari berkas konfigurasi {TEST_CONFIG}"),
    ]


def test_each_start_logs_once_where_its_configuration_came_from(tmp_path, clock, caplog):
    """The first start logs "version 1 imported" alone (not also "from the database (unchanged)"); a later start
    with the same file logs "from the database" once; a changed file logs its import once."""
    caplog.set_level(logging.INFO, logger="mpp.config")
    data = tmp_path / "data"

    def started(config=None) -> list[str]:
        caplog.clear()
        with running(data, clock, config):
            pass
        return [r.getMessage() for r in caplog.records if r.name == "mpp.config"]

    assert started() == [f"configuration: version 1 imported from {TEST_CONFIG}"]
    assert started() == [f"configuration: version 1 from the database ({TEST_CONFIG} unchanged)"]
    edited = site_config(site={"name": "MPP Uji Coba Baru"})
    assert started(edited) == [f"configuration: {TEST_CONFIG} changed, imported as version 2"]


def test_a_file_without_pin_hashes_keeps_the_officers_pins(tmp_path, clock):
    """An exported file (no PIN hashes) used as the file at start: existing officers keep their PINs."""
    data = tmp_path / "data"
    with running(data, clock):
        pass
    raw = dump_config(load_config(TEST_CONFIG))
    for officer in raw["officers"]:
        del officer["pin_hash"]
    raw["site"]["name"] = "MPP Uji Coba Baru"
    with running(data, clock, site_config(site=raw["site"], officers=raw["officers"])) as client:
        assert client.get("/api/state").json()["site"]["name"] == "MPP Uji Coba Baru"
        login(client, "budi", "1234")


def test_a_file_that_would_strand_tickets_is_not_imported(tmp_path, clock):
    """A changed file removing a service with tickets waiting stays out (logged and audited); the
    database's version runs, and the file is tried again at the next start."""
    data = tmp_path / "data"
    with running(data, clock) as client:
        issue(client, "C")
    raw = dump_config(load_config(TEST_CONFIG))
    without_c = site_config(services=raw["services"][:2],
                            counters=[c for c in raw["counters"] if c["id"] != "3"][:2]
                            + [{"id": "4", "name": "Loket 4", "services": ["A"], "zone": "lantai-3"}],
                            officers=[*raw["officers"][:1], {**raw["officers"][1], "counters": ["4"]},
                                      *raw["officers"][2:]])
    for _ in range(2):
        with running(data, clock, without_c) as client:
            state = client.get("/api/state").json()
            assert state["config_version"] == 1 and [s["code"] for s in state["services"]] == ["A", "B", "C"]
            entries = client.get("/api/admin/audit?action=config", headers=login(client, "koordinator", "1111"))
    refusals = [e for e in entries.json()["entries"] if e["action"] == "config.import_refused"]
    assert len(refusals) == 2 and refusals[0]["detail"]["code"] == "service_in_use"
    assert refusals[0]["summary"].startswith("Berkas konfigurasi tidak diimpor: Layanan Pajak Bumi dan Bangunan (C)")
    clock.advance(days=1)  # tomorrow the waiting ticket has expired: the file goes in
    with running(data, clock, without_c) as client:
        assert [s["code"] for s in client.get("/api/state").json()["services"]] == ["A", "B"]


def test_a_stored_version_this_program_cannot_read_gives_way_to_the_file(tmp_path, clock):
    """A stored configuration that no longer validates (e.g. written by another version of the program)
    does not stop the hub: the file is imported as the next version."""
    data = tmp_path / "data"
    with running(data, clock):
        pass
    with sqlite3.connect(data / "mpp.sqlite3") as db:
        body = json.loads(db.execute("SELECT body FROM config_versions WHERE version = 1").fetchone()[0])
        body["site"]["colour"] = "merah"
        db.execute("UPDATE config_versions SET body = ? WHERE version = 1", (json.dumps(body),))
    with running(data, clock) as client:
        state = client.get("/api/state").json()
        assert state["config_version"] == 2 and state["site"]["name"] == "MPP Uji Coba"


def test_the_page_settings_reach_open_pages(tmp_path, clock):
    """Kiosk idle times and the panel's idle log-out change in the snapshot a page already holds."""
    with running(tmp_path / "data", clock) as client, client.websocket_connect("/ws/display") as ws:
        before = receive_json(ws)["settings"]
        assert before["kiosk"]["idle_seconds"] == 60 and before["counter_panel"]["idle_minutes"] == 480

        def edit(config):
            config["kiosk"]["idle_seconds"] = 90
            config["site"]["session_idle_minutes"] = 240

        change(client, edit)
        receive_json(ws)
        after = receive_json(ws)["settings"]
        assert after["kiosk"]["idle_seconds"] == 90 and after["counter_panel"]["idle_minutes"] == 240


def test_removing_and_readding_a_service_the_same_day_keeps_its_numbering(tmp_path, clock):
    """Numbers are never handed out twice in a day, even when a service goes and comes back."""
    with running(tmp_path / "data", clock) as client:
        budi = login(client)
        issue(client, "B")
        act(client, "1", "call-next", budi)
        act(client, "1", "done", budi)
        saved = copy.deepcopy(current(client, login(client, "koordinator", "1111"))[1])

        def drop_b(config):
            config["services"].pop(1)
            for counter in config["counters"]:
                counter["services"] = [s for s in counter["services"] if s != "B"]

        change(client, drop_b)
        change(client, lambda config: config.update(services=saved["services"], counters=saved["counters"]))
        assert issue(client, "B")["number"] == "B002"
