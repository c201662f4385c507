"""Registered devices: the kiosk's allowance, revoking, pairing, pages on their sockets, the health board; the
registry on both databases, and two hub processes sharing it on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from starlette.websockets import WebSocketDisconnect

from config.site import dump_config, load_config
from server.audit import AuditEntry
from server.devices import ELSEWHERE_SECONDS, OFFLINE_SECONDS, PAIRING_MINUTES, RECONNECT_SECONDS, SHARED_SECONDS
from tests.conftest import TEST_CONFIG, site_config, wait_for
from tests.hub.support import PIN_1111, Clock, error_of, login, receive_json, receive_until, running

RUSH = {"tickets_per_minute": 6, "tickets_burst": 20}  # the default allowance of one address
KOORDINATOR = {"username": "dewi", "name": "Dewi", "pin_hash": PIN_1111, "role": "koordinator",
               "agency": "DUKCAPIL"}


def admin(client) -> dict:
    return login(client, "koordinator", "1111")  # role admin in tests/site.toml


def register(client, headers: dict, **body) -> dict:
    response = client.post("/api/admin/devices", json={"kind": "kiosk", "name": "Kios Lobi", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def board(client, headers: dict) -> dict:
    response = client.get("/api/admin/health", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def row(health: dict, device_id: int) -> dict:
    return next(r for r in health["devices"] if r["id"] == device_id)


def audit_actions(client, headers: dict, action: str) -> list[dict]:
    return client.get(f"/api/admin/audit?action={action}", headers=headers).json()["entries"]


# ---------------------------------------------------------------- the kiosk's allowance


def test_a_registered_kiosk_takes_60_tickets_in_30_s_while_an_unregistered_address_is_limited(tmp_path):
    """At 6 a minute after 20, one address is refused within the rush; the registered kiosk, from that same
    address, takes a ticket every half second for 30 s without one refusal."""
    clock = Clock()
    with running(tmp_path, clock, site_config(site=RUSH)) as client:
        kiosk = register(client, admin(client))["device"]
        for i in range(60):
            response = client.post("/api/tickets", json={"service": "A"}, headers={"X-Device-Token": kiosk["token"]})
            assert response.status_code == 201, (i, response.text)
            clock.advance(seconds=0.5)
        answers = []
        for _ in range(30):
            answers.append(client.post("/api/tickets", json={"service": "B"}).status_code)
            clock.advance(seconds=0.5)
        assert answers[:20] == [201] * 20 and 429 in answers[20:]
        refused = client.post("/api/tickets", json={"service": "B"})
        assert error_of(refused) == (429, "too_many_tickets")
        again = client.post("/kiosk/api/tickets", json={"service": "A"}, headers={"X-Device-Token": kiosk["token"]})
        assert again.status_code == 201 and again.json()["ticket"]["number"] == "A061"


def test_a_registered_kiosk_still_meets_the_quota_and_the_calendar(tmp_path):
    """The token lifts the per-address allowance only: a full quota and a closed hall still refuse."""
    clock = Clock()  # Monday 09:00 WIB
    services = dump_config(load_config(TEST_CONFIG))["services"]
    services[0]["daily_quota"] = 2
    calendar = {"hours": [{"day": "senin", "open": "08:00", "close": "12:00"}]}
    config = site_config(site=RUSH, services=services, calendar=calendar)
    with running(tmp_path, clock, config) as client:
        token = {"X-Device-Token": register(client, admin(client))["device"]["token"]}
        assert [client.post("/api/tickets", json={"service": "A"}, headers=token).status_code
                for _ in range(2)] == [201, 201]
        assert error_of(client.post("/api/tickets", json={"service": "A"}, headers=token)) == (409, "quota_reached")
        clock.advance(hours=4)  # 13:00: closed
        assert error_of(client.post("/api/tickets", json={"service": "A"}, headers=token)) == (409, "hall_closed")


def test_a_revoked_or_unknown_token_is_refused_with_a_clear_message(tmp_path, database_url):
    """A revoked kiosk, a token nobody gave out, and a TV's token used for tickets: 403, saying what to do."""
    with running(tmp_path, database_url=database_url) as client:
        headers = admin(client)
        kiosk = register(client, headers)["device"]
        tv = register(client, headers, kind="display", name="TV Lobi")["device"]
        assert client.delete(f"/api/admin/devices/{kiosk['id']}", headers=headers).status_code == 200
        refused = client.post("/api/tickets", json={"service": "A"}, headers={"X-Device-Token": kiosk["token"]})
        assert error_of(refused) == (403, "device_revoked")
        assert "dicabut" in refused.json()["error"]["message"]
        unknown = client.post("/api/tickets", json={"service": "A"}, headers={"X-Device-Token": "nope"})
        assert error_of(unknown) == (403, "unknown_device") and "/pair" in unknown.json()["error"]["message"]
        wrong = client.post("/api/tickets", json={"service": "A"}, headers={"X-Device-Token": tv["token"]})
        assert error_of(wrong) == (403, "device_wrong_kind") and "Layar TV" in wrong.json()["error"]["message"]
        assert client.get("/api/state").json()["services"][0]["issued"] == 0  # nothing issued
        assert [d["id"] for d in client.get("/api/admin/devices", headers=headers).json()["devices"]] == [tv["id"]]
        assert error_of(client.delete(f"/api/admin/devices/{kiosk['id']}", headers=headers)) == (404, "unknown_device")
        actions = [e["action"] for e in audit_actions(client, headers, "device")]
        assert actions == ["device.revoked", "device.registered", "device.registered"]


def test_revoking_closes_the_devices_open_pages_at_once(tmp_path, database_url):
    """A TV connected with its token is told why and closed the moment it is revoked; it cannot come back."""
    with running(tmp_path, database_url=database_url) as client:
        headers = admin(client)
        tv = register(client, headers, kind="display", name="TV Lobi", zone="lantai-2")["device"]
        with client.websocket_connect(f"/ws/display?zone=lantai-2&page=display&device={tv['token']}") as ws:
            assert receive_json(ws)["type"] == "snapshot"
            client.delete(f"/api/admin/devices/{tv['id']}", headers=headers)
            told = receive_json(ws)
            assert told["type"] == "error" and told["code"] == "device_revoked"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1008
        with client.websocket_connect(f"/ws/display?page=display&device={tv['token']}") as ws:
            assert receive_json(ws)["code"] == "device_revoked"
        with client.websocket_connect("/ws/display?page=display&device=unknown-token") as ws:
            assert receive_json(ws)["code"] == "unknown_device"


def test_registering_checks_its_input_and_is_for_admins_only(tmp_path):
    """Bad kinds, names and zones are refused precisely; a koordinator and a petugas may not register."""
    config = site_config(officers=[*dump_config(load_config(TEST_CONFIG))["officers"], KOORDINATOR])
    with running(tmp_path, config=config) as client:
        headers = admin(client)
        assert error_of(client.post("/api/admin/devices", json={"kind": "printer", "name": "X"}, headers=headers)) == (
            422, "invalid_field")
        assert error_of(client.post("/api/admin/devices", json={"kind": "kiosk"}, headers=headers)) == (
            422, "missing_field")
        assert error_of(client.post("/api/admin/devices", json={"kind": "kiosk", "name": "  "}, headers=headers)) == (
            422, "invalid_field")
        assert error_of(client.post("/api/admin/devices", json={"kind": "display", "name": "TV", "zone": "atap"},
                                    headers=headers)) == (404, "unknown_zone")
        assert error_of(client.post("/api/admin/devices", content=b"{", headers={
            **headers, "Content-Type": "application/json"})) == (400, "invalid_json")
        assert error_of(client.post("/api/admin/devices", json={"kind": "kiosk", "name": "X"})) == (401, "unauthorized")
        for who in (login(client, "dewi", "1111"), login(client)):
            assert error_of(client.post("/api/admin/devices", json={"kind": "kiosk", "name": "X"},
                                        headers=who)) == (403, "role_not_allowed")
            assert error_of(client.get("/api/admin/devices", headers=who)) == (403, "role_not_allowed")
            assert error_of(client.get("/api/admin/backup", headers=who)) == (403, "role_not_allowed")
        for who in (login(client, "dewi", "1111"), login(client)):  # the hall's board: an admin's
            assert error_of(client.get("/api/admin/health", headers=who)) == (403, "role_not_allowed")
        assert error_of(client.delete("/api/admin/devices/abc", headers=headers)) == (404, "unknown_device")


def test_each_device_gets_the_page_for_its_kind_with_its_token(tmp_path):
    """`url` is the kind's page with the token: a kiosk's printer id and a TV's zone ride along."""
    with running(tmp_path) as client:
        headers = admin(client)
        kiosk = register(client, headers)
        token = kiosk["device"]["token"]
        assert kiosk["url"] == kiosk["device"]["url"] == f"/kiosk?device={token}"
        assert len(token) >= 24 and kiosk["device"]["pairing_code"].isdigit()
        printing = register(client, headers, kiosk="lobi")["device"]
        assert printing["url"] == f"/kiosk?device={printing['token']}&id=lobi"
        tv = register(client, headers, kind="display", name="TV Lt 3", zone="lantai-3")["device"]
        assert tv["url"] == f"/display?device={tv['token']}&zone=lantai-3"
        counter = register(client, headers, kind="counter", name="PC Loket 1", zone="lantai-2")["device"]
        assert counter["url"] == f"/counter?device={counter['token']}"
        survey = register(client, headers, kind="survey", name="Tablet Loket 2", counter="2")["device"]
        assert survey["url"] == f"/survey?device={survey['token']}&counter=2" and survey["counter"] == "2"
        for page in (kiosk["url"], tv["url"], survey["url"], f"/survey?device={survey['token']}"):
            assert client.get(page).status_code == 200, page
        assert "Loket 2" in client.get(f"/survey?device={survey['token']}").text  # its counter, from its token


def test_registrations_at_the_same_moment_each_get_their_own_device_kept_across_a_restart(tmp_path, database_url):
    """Ten registrations racing each other: ten devices, ten ids and tokens, all still there after a restart."""
    clock = Clock()

    async def race(devices):
        entry = AuditEntry(clock(), "", "", officer="koordinator")
        return await asyncio.gather(*(devices.register("kiosk", f"Kios {i}", None, None, clock(), entry)
                                      for i in range(10)))

    with running(tmp_path, clock, database_url=database_url) as client:
        made = client.portal.call(race, client.app.state.devices)
    assert len({d.id for d in made}) == len({d.token for d in made}) == 10
    with running(tmp_path, clock, database_url=database_url) as client:
        listed = client.get("/api/admin/devices", headers=admin(client)).json()["devices"]
        assert sorted((d["id"], d["token"]) for d in listed) == sorted((d.id, d.token) for d in made)


# ---------------------------------------------------------------- pairing


def test_a_pairing_code_hands_over_the_token_once_within_30_minutes(tmp_path, database_url):
    """The six digits (spaces allowed) give the device its token and page once; an old code and guesses fail."""
    clock = Clock()
    with running(tmp_path, clock, database_url=database_url) as client:
        headers = admin(client)
        tv = register(client, headers, kind="display", name="TV Lobi", zone="lantai-2")["device"]
        code = tv["pairing_code"]
        paired = client.post("/api/devices/pair", json={"code": f"{code[:3]} {code[3:]}"})
        assert paired.status_code == 200, paired.text
        assert paired.json() == {"device": {"id": tv["id"], "kind": "display", "name": "TV Lobi", "zone": "lantai-2",
                                            "counter": None}, "token": tv["token"], "url": tv["url"]}
        assert error_of(client.post("/api/devices/pair", json={"code": code})) == (404, "unknown_pairing_code")
        assert client.get("/api/admin/devices", headers=headers).json()["devices"][0]["pairing_code"] is None
        fresh = client.post(f"/api/admin/devices/{tv['id']}/pairing-code", headers=headers).json()["device"]
        clock.advance(minutes=PAIRING_MINUTES, seconds=1)
        assert error_of(client.post("/api/devices/pair", json={"code": fresh["pairing_code"]})) == (
            404, "unknown_pairing_code")
        fresh = client.post(f"/api/admin/devices/{tv['id']}/pairing-code", headers=headers).json()["device"]
        wrong = f"{(int(fresh['pairing_code']) + 1) % 1_000_000:06d}"
        answers = [client.post("/api/devices/pair", json={"code": wrong}).status_code for _ in range(9)]
        assert answers == [404] * 9  # with the expired code's try: 10 this minute
        assert error_of(client.post("/api/devices/pair", json={"code": fresh["pairing_code"]})) == (
            429, "too_many_attempts")
        actions = [e["action"] for e in audit_actions(client, headers, "device")]
        assert actions == ["device.paired", "device.registered"]


# ---------------------------------------------------------------- pages on their sockets


def test_pages_say_what_they_are_and_report_their_state(tmp_path):
    """A registered TV, an unregistered kiosk and a counter PC appear on the board with what they report;
    a client that says nothing (a script, the admin console) does not; a malformed report is refused."""
    with running(tmp_path) as client:
        headers = admin(client)
        officer = login(client)["Authorization"].split()[1]
        tv = register(client, headers, kind="display", name="TV Lobi", zone="lantai-2")["device"]
        pc = register(client, headers, kind="counter", name="PC Loket 1")["device"]
        played = {"number": "A001", "counter": "Loket 1", "at": "2026-03-02T01:59:58+00:00", "sound": "announcement"}
        with client.websocket_connect(f"/ws/display?zone=lantai-2&page=display&v=old1&device={tv['token']}") as a, \
                client.websocket_connect("/ws/display?page=kiosk&v=x") as b, \
                client.websocket_connect(f"/ws/counter/1?token={officer}&page=counter&device={pc['token']}") as c, \
                client.websocket_connect("/ws/display") as d:
            for ws in (a, b, c, d):
                assert receive_json(ws)["type"] == "snapshot"
            a.send_text(json.dumps({"type": "status", "sound": "blocked", "last_call": played}))
            b.send_text(json.dumps({"type": "status", "kiosk": "pintu", "print": "browser"}))
            a.send_text(json.dumps({"type": "status", "sound": "loud"}))
            assert receive_json(a) == {"type": "error", "code": "invalid_status",
                                       "message": "Laporan keadaan halaman tidak valid."}
            health = board(client, headers)
            assert health["hub"]["connections"]["connections"] == 4
            shown = {(r["id"], r["kind"], r["registered"]) for r in health["devices"]}
            assert shown == {(tv["id"], "display", True), (pc["id"], "counter", True), (None, "kiosk", False)}
            screen = row(health, tv["id"])
            assert screen["online"] and not screen["alert"] and screen["status"] == "Terhubung"
            assert screen["sound"] == "blocked" and screen["last_call"] == played
            assert screen["page_version"] == "old1" and screen["page_outdated"]
            assert any("Suara belum aktif" in p for p in screen["problems"])
            assert any("versi lama" in p for p in screen["problems"])
            desk = row(health, pc["id"])
            assert (desk["counter"], desk["officer"], desk["sound"]) == ("1", "budi", None)
            kiosk = next(r for r in health["devices"] if r["id"] is None)
            assert kiosk["printer"]["state"] == "browser" and kiosk["address"] == "testclient"
        # The unregistered page is gone; the registered TV stays, offline, red (the hall is open).
        wait_for(lambda: [r["id"] for r in board(client, headers)["devices"]] == [tv["id"], pc["id"]],
                 what="the closed pages to leave the board")
        assert not row(board(client, headers), tv["id"])["online"] and row(board(client, headers), tv["id"])["alert"]


def test_a_device_silent_for_10_s_is_offline_red_and_logged_once(tmp_path, database_url):
    """With its socket still open, a TV that stops reporting is offline after OFFLINE_SECONDS (red: the test
    hall is open all day; on PostgreSQL too, where what this process wrote of it is not another's word),
    logged once however long it stays so, and logged again when it is back."""
    clock = Clock()
    with running(tmp_path, clock, database_url=database_url) as client:
        headers = admin(client)
        tv = register(client, headers, kind="display", name="TV Lobi")["device"]
        with client.websocket_connect(f"/ws/display?page=display&device={tv['token']}") as ws:
            receive_json(ws)
            ws.send_text(json.dumps({"type": "status", "sound": "on"}))
            assert row(board(client, headers), tv["id"])["online"]
            clock.advance(seconds=OFFLINE_SECONDS + 1)
            devices = client.app.state.devices
            wait_for(lambda: not devices.shared or tv["id"] in devices._written, what="its last_seen written")
            screen = row(board(client, headers), tv["id"])
            assert not screen["online"] and screen["alert"] and screen["status"] == "Tidak menjawab"
            assert board(client, headers)["warnings"][0]["code"] == "devices_offline"
            wait_for(lambda: audit_actions(client, headers, "device.offline"), what="the offline entry")
            clock.advance(minutes=5)
            assert client.portal.call(client.app.state.devices.watch, clock(), True) == []  # logged already
            [entry] = audit_actions(client, headers, "device.offline")
            assert entry["summary"] == "Layar TV “TV Lobi” tidak terhubung pada jam buka"
            ws.send_text(json.dumps({"type": "status", "sound": "on"}))
            assert row(board(client, headers), tv["id"])["online"]
            wait_for(lambda: audit_actions(client, headers, "device.online"), what="the back-online entry")


def test_outside_opening_hours_an_offline_device_is_neither_red_nor_logged(tmp_path):
    """At night a switched-off TV is grey; at opening time, still off, it turns red and is logged."""
    clock = Clock(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))  # Monday 07:30 WIB
    calendar = {"hours": [{"day": "senin", "open": "08:00", "close": "15:00"}]}
    with running(tmp_path, clock, site_config(calendar=calendar)) as client:
        headers = admin(client)
        tv = register(client, headers, kind="display", name="TV Lobi")["device"]
        devices = client.app.state.devices
        health = board(client, headers)
        assert not health["within_hours"] and not row(health, tv["id"])["alert"]
        assert row(health, tv["id"])["status"] == "Belum pernah terhubung"
        assert client.portal.call(devices.watch, clock(), False) == []
        clock.advance(minutes=31)  # 08:01
        health = board(client, headers)
        assert health["within_hours"] and row(health, tv["id"])["alert"]
        wait_for(lambda: audit_actions(client, headers, "device.offline"), what="the offline entry at opening")


def test_after_a_hub_restart_devices_get_time_to_come_back_before_they_count_as_offline(tmp_path):
    """A restart during opening hours logs nothing for the TVs that reconnect; one that stays away is
    "waiting" for RECONNECT_SECONDS, then red and logged once."""
    clock = Clock()
    with running(tmp_path, clock) as client:
        headers = admin(client)
        back = register(client, headers, kind="display", name="TV Kembali")["device"]
        gone = register(client, headers, kind="display", name="TV Mati")["device"]
    clock.advance(minutes=1)
    with running(tmp_path, clock) as client:
        headers = admin(client)
        devices = client.app.state.devices
        health = board(client, headers)
        assert [(r["name"], r["alert"], r["status"]) for r in health["devices"]] == [
            ("TV Kembali", False, "Menunggu tersambung kembali (hub baru dinyalakan)"),
            ("TV Mati", False, "Menunggu tersambung kembali (hub baru dinyalakan)")]
        with client.websocket_connect(f"/ws/display?page=display&device={back['token']}") as ws:
            receive_json(ws)
            clock.advance(seconds=5)
            ws.send_text(json.dumps({"type": "status", "sound": "on"}))
            assert client.portal.call(devices.watch, clock(), True) == []  # nobody judged yet
            assert not audit_actions(client, headers, "device")[0]["action"].startswith("device.o")
            clock.advance(seconds=RECONNECT_SECONDS - 8)
            ws.send_text(json.dumps({"type": "status", "sound": "on"}))
            wait_for(lambda: row(board(client, headers), back["id"])["last_seen"] == clock().isoformat(),
                     what="the report to arrive")
            clock.advance(seconds=5)  # RECONNECT_SECONDS after the start, the TV heard from 5 s ago
            [entry] = wait_for(lambda: audit_actions(client, headers, "device.offline"), what="the offline entry")
            assert entry["detail"]["device"] == gone["id"] and entry["summary"].startswith("Layar TV “TV Mati”")
            health = board(client, headers)
            assert [(r["name"], r["online"], r["alert"]) for r in health["devices"]] == [
                ("TV Kembali", True, False), ("TV Mati", False, True)]


def test_the_board_tells_about_the_hub_and_warns(tmp_path):
    """Uptime, database and disk, audio, backups; no backup for over 2 days and a nearly full disk warn."""
    clock = Clock()
    with running(tmp_path, clock, site_config(data={"disk_warning_mb": 10_000_000})) as client:
        headers = admin(client)
        clock.advance(hours=1)
        health = board(client, headers)
        hub = health["hub"]
        assert hub["uptime_seconds"] == 3600 and hub["database_bytes"] > 0 and hub["disk_free_bytes"] > 0
        assert hub["audio"] == {"status": "off"} and hub["backup"]["last"] is None and hub["backup"]["files"] == 0
        assert hub["backup"]["next_at"].startswith("2026-03-02T21:00:00+07:00")
        assert hub["page_version"] == client.app.state.page_version
        codes = [w["code"] for w in health["warnings"]]
        assert codes == ["disk_low"]  # the backup folder is on the data folder's disk: said once
        client.portal.call(client.app.state.backups.stop)  # no nightly backup: as on a hub whose backups fail
        clock.advance(days=2, hours=1)
        codes = [w["code"] for w in board(client, admin(client))["warnings"]]
        assert codes[0] == "backup_missing"


# ---------------------------------------------------------------- two hub processes on one database


def test_two_hub_processes_share_the_registry_the_board_and_one_offline_entry(tmp_path, postgres):
    """On one PostgreSQL database: a kiosk and a TV registered through A are known at once on B (a kiosk's ticket,
    the TV's page); the TV, whose page is on B, is online on A's board; gone dark, it is logged offline once
    (not once per process); revoked through A, its page on B is told so and closed."""
    url = postgres.create_database()
    clock = Clock()
    with running(tmp_path / "a", clock, database_url=url) as a, running(tmp_path / "b", clock, database_url=url) as b:
        headers = admin(a)
        b.portal.call(b.app.state.devices.follow, True)  # B just read the registry: not again for 2 s
        kiosk = register(a, headers)["device"]
        tv = register(a, headers, kind="display", name="TV Lobi")["device"]
        # B reads the registry again for a token it does not know (registered through A a moment ago).
        kiosk_ticket = b.post("/api/tickets", json={"service": "A"}, headers={"X-Device-Token": kiosk["token"]})
        assert kiosk_ticket.status_code == 201, kiosk_ticket.text
        with b.websocket_connect(f"/ws/display?page=display&device={tv['token']}") as ws:
            assert receive_json(ws)["type"] == "snapshot"
            ws.send_text(json.dumps({"type": "status", "sound": "on"}))
            heard = clock().isoformat()
            wait_for(lambda: row(board(b, headers), tv["id"])["status"] == "Terhubung", what="the TV on B")
            clock.advance(seconds=SHARED_SECONDS)  # B writes when it heard from the TV
            wait_for(lambda: row(board(a, headers), tv["id"])["status"] == "Terhubung (ke proses hub lain)",
                     what="A's board to show the TV connected to B")
            assert [r["online"] for r in (row(board(a, headers), tv["id"]), row(board(b, headers), tv["id"]))] == [
                True, True]

            clock.advance(seconds=ELSEWHERE_SECONDS)  # silent since: offline everywhere, red (open all day)
            assert row(board(a, headers), tv["id"])["alert"] and row(board(b, headers), tv["id"])["alert"]

            def offline_entries() -> list:  # the TV's times offline: before its first connection, and now
                return [e["detail"]["last_seen"] for e in audit_actions(a, headers, "device.offline")
                        if e["detail"]["device"] == tv["id"]]

            wait_for(lambda: heard in offline_entries(), what="the offline entry")
            episodes = [client.app.state.devices._episodes for client in (a, b)]
            wait_for(lambda: all(tv["id"] in e and e[tv["id"]].logged for e in episodes),
                     what="both processes to have judged the TV offline")
            assert offline_entries() == [heard, None]  # each time once, whichever process wrote it

            assert a.delete(f"/api/admin/devices/{tv['id']}", headers=headers).status_code == 200
            told = receive_until(ws, "error", timeout=10)[-1]
            assert told["code"] == "device_revoked"
        refused = b.post("/api/tickets", json={"service": "A"}, headers={"X-Device-Token": tv["token"]})
        assert error_of(refused) == (403, "device_revoked")
