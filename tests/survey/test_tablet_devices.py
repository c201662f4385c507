"""Survey tablets as registered devices: registered for a counter, on the health board through their own
socket /ws/survey/{counter}, refused once revoked (TestClient, then a real hub with a real websockets client)."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from config.site import dump_config, load_config
from server.devices import OFFLINE_SECONDS
from tests.conftest import TEST_CONFIG, site_config, wait_for
from tests.hub.support import Clock, error_of, login, receive_json, running
from tests.survey.support import served


def admin(client) -> dict:
    return login(client, "koordinator", "1111")  # role admin in tests/site.toml


def register(client, headers: dict, **body) -> dict:
    response = client.post("/api/admin/devices", json={"kind": "survey", "name": "Tablet Loket 1", "counter": "1",
                                                       **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["device"]


def board_row(client, headers: dict, device_id: int) -> dict:
    rows = client.get("/api/admin/health", headers=headers).json()["devices"]
    return next(r for r in rows if r["id"] == device_id)


def refused(ws) -> str:
    """The error a refused socket gets before its 1008 close: its code."""
    told = receive_json(ws)
    assert told["type"] == "error", told
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive_json()
    assert closed.value.code == 1008
    return told["code"]


def test_a_survey_tablet_is_registered_for_a_counter(tmp_path):
    """kind survey needs a counter that exists (422 missing_field, 404 unknown_counter); other kinds ignore it;
    its page address and pairing answer carry it."""
    with running(tmp_path) as client:
        headers = admin(client)
        post = lambda body: client.post("/api/admin/devices", json=body, headers=headers)  # noqa: E731
        missing = post({"kind": "survey", "name": "Tablet"})
        assert error_of(missing) == (422, "missing_field") and "loket" in missing.json()["error"]["message"]
        assert error_of(post({"kind": "survey", "name": "Tablet", "counter": "9"})) == (404, "unknown_counter")
        assert error_of(post({"kind": "survey", "name": "Tablet", "counter": 1})) == (422, "invalid_field")
        tv = post({"kind": "display", "name": "TV", "counter": "1"}).json()["device"]
        assert tv["counter"] is None and "counter=" not in tv["url"]
        tablet = register(client, headers, counter="2", zone="lantai-3")
        assert tablet["url"] == f"/survey?device={tablet['token']}&counter=2"
        paired = client.post("/api/devices/pair", json={"code": tablet["pairing_code"]}).json()
        assert paired["device"]["counter"] == "2" and paired["url"] == tablet["url"]
        listed = client.get("/api/admin/devices", headers=headers).json()["devices"]
        assert [d["counter"] for d in listed] == [None, "2"]
        entry = client.get("/api/admin/audit?action=device.registered", headers=headers).json()["entries"][0]
        assert entry["detail"]["counter"] == "2"


def test_a_registered_tablet_is_on_the_board_while_it_reports_and_red_when_silent(tmp_path):
    """On its socket with page=survey and its token, the tablet is online at its counter; silent past
    OFFLINE_SECONDS (the test hall is open all day) it is red; an unregistered tablet is listed while open,
    and a client that says nothing is not."""
    clock = Clock()
    with running(tmp_path, clock) as client:
        headers = admin(client)
        tablet = register(client, headers)
        assert board_row(client, headers, tablet["id"])["status"] == "Belum pernah terhubung"
        with client.websocket_connect(f"/ws/survey/1?page=survey&v=abc&device={tablet['token']}") as ws, \
                client.websocket_connect("/ws/survey/3?page=survey") as stranger, \
                client.websocket_connect("/ws/survey/4") as script:
            for socket in (ws, stranger, script):
                assert receive_json(socket)["type"] == "survey.tablet"
            ws.send_text(json.dumps({"type": "status"}))
            row = board_row(client, headers, tablet["id"])
            assert (row["online"], row["alert"], row["status"]) == (True, False, "Terhubung")
            assert (row["kind"], row["counter"], row["zone"], row["page_version"]) == ("survey", "1", "lantai-2", "abc")
            rows = client.get("/api/admin/health", headers=headers).json()["devices"]
            assert [(r["kind"], r["registered"], r["counter"]) for r in rows] == [
                ("survey", True, "1"), ("survey", False, "3")]
            clock.advance(seconds=OFFLINE_SECONDS + 1)
            row = board_row(client, headers, tablet["id"])
            assert (row["online"], row["alert"], row["status"]) == (False, True, "Tidak menjawab")
            ws.send_text(json.dumps({"type": "status"}))  # a report brings it back
            assert board_row(client, headers, tablet["id"])["online"]
            ws.send_text(json.dumps({"type": "status", "sound": "loud"}))
            assert receive_json(ws)["code"] == "invalid_status"
        wait_for(lambda: client.get("/api/health").json()["survey"] == {"tablets": {}}, what="the tablets to leave")
        row = board_row(client, headers, tablet["id"])
        assert not row["online"] and row["alert"] and row["counter"] == "1"
        assert [r["id"] for r in client.get("/api/admin/health", headers=headers).json()["devices"]] == [tablet["id"]]


def test_a_revoked_unknown_or_foreign_token_is_refused_with_its_reason(tmp_path):
    """Revoking closes the open tablet at once with device_revoked (1008) and refuses it afterwards; an unknown
    token, a TV's token on the tablet socket and a tablet's on the TVs' socket are refused too."""
    with running(tmp_path) as client:
        headers = admin(client)
        tablet = register(client, headers)
        tv = client.post("/api/admin/devices", json={"kind": "display", "name": "TV"}, headers=headers).json()["device"]
        with client.websocket_connect(f"/ws/survey/1?page=survey&device={tablet['token']}") as ws:
            receive_json(ws)
            assert client.delete(f"/api/admin/devices/{tablet['id']}", headers=headers).status_code == 200
            told = receive_json(ws)
            assert told["code"] == "device_revoked" and "dicabut" in told["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1008
        for path, code in ((f"/ws/survey/1?page=survey&device={tablet['token']}", "device_revoked"),
                           ("/ws/survey/1?page=survey&device=made-up", "unknown_device"),
                           (f"/ws/survey/1?device={tv['token']}", "device_wrong_kind"),
                           (f"/ws/display?page=display&device={register(client, headers)['token']}",
                            "device_wrong_kind")):
            with client.websocket_connect(path) as ws:
                assert refused(ws) == code, path
        assert client.get("/api/health").json()["survey"] == {"tablets": {}}


def test_registered_tablets_only_refuses_a_browser_that_is_not_one(tmp_path):
    """With [survey] registered_tablets_only, an unregistered tablet gets device_required (the offers carry
    tickets' tokens); a registered one is served and offered the survey."""
    with running(tmp_path, config=site_config(survey={"registered_tablets_only": True})) as client:
        headers = admin(client)
        tablet = register(client, headers)
        for path in ("/ws/survey/1", "/ws/survey/1?page=survey"):
            with client.websocket_connect(path) as ws:
                told = receive_json(ws)
                assert told["code"] == "device_required" and "/admin/devices" in told["message"]
        with client.websocket_connect(f"/ws/survey/1?page=survey&device={tablet['token']}") as ws:
            assert receive_json(ws)["type"] == "survey.tablet"
            ticket = served(client, login(client), "1")
            assert receive_json(ws)["token"] == ticket["token"]


def test_removing_a_tablets_counter_closes_it_and_the_board_says_what_to_do(tmp_path):
    """The console removes Loket 2: its open tablet is told unknown_counter and closed; the registered tablet's
    board row says its counter is gone and how to fix it; the tablet page lists the counters to choose from."""
    with running(tmp_path) as client:
        headers = admin(client)
        tablet = register(client, headers, name="Tablet Loket 2", counter="2")
        with client.websocket_connect(f"/ws/survey/2?page=survey&device={tablet['token']}") as ws:
            receive_json(ws)
            current = client.get("/api/admin/config", headers=headers).json()
            config = current["config"]
            config["counters"] = [c for c in config["counters"] if c["id"] != "2"]
            for officer in config["officers"]:
                if "2" in officer.get("counters", []):
                    officer["counters"].remove("2")
            saved = client.put("/api/admin/config", json={"version": current["version"], "config": config},
                               headers=headers)
            assert saved.status_code == 200, saved.text
            assert refused(ws) == "unknown_counter"
        row = board_row(client, headers, tablet["id"])
        assert any("Loket '2' tablet ini sudah dihapus" in p for p in row["problems"]), row["problems"]
        page = client.get(tablet["url"])
        assert page.status_code == 404 and "Pilih loket tempat tablet ini dipasang" in page.text
        with client.websocket_connect(f"/ws/survey/3?page=survey&device={tablet['token']}") as ws:
            receive_json(ws)  # chosen on the tablet's screen: it works at Loket 3, and the board says so
            row = board_row(client, headers, tablet["id"])
            assert row["online"] and row["counter"] == "3" and row["problems"] == []


@pytest.mark.e2e
def test_a_paired_tablet_on_a_real_hub_reports_is_offered_and_is_refused_once_revoked(hub):
    """A real hub and a real websockets client: pairing gives the tablet its token and page; on its socket
    it is online on GET /api/admin/health, gets the survey of a ticket finished at its counter, and when the
    admin revokes it, is told why and closed (1008), then offline."""
    admin_token = hub.login("koordinator", "1111")
    status, made = hub.request("POST", "/api/admin/devices", {"kind": "survey", "name": "Tablet Loket 1",
                                                              "counter": "1"}, token=admin_token)
    assert status == 201, made
    status, paired = hub.request("POST", "/api/devices/pair", {"code": made["device"]["pairing_code"]})
    assert status == 200 and paired["url"] == f"/survey?device={paired['token']}&counter=1"
    device_id = made["device"]["id"]

    def row() -> dict:
        status, board = hub.request("GET", "/api/admin/health", token=admin_token)
        assert status == 200, board
        return next(r for r in board["devices"] if r["id"] == device_id)

    with connect(f"{hub.ws_url}/ws/survey/1?page=survey&v=t1&device={paired['token']}") as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "survey.tablet" and hello["counter"]["id"] == "1"
        ws.send(json.dumps({"type": "status"}))
        wait_for(lambda: row()["online"], what="the tablet online on the board")
        assert (row()["counter"], row()["page_version"]) == ("1", "t1")
        officer = hub.login()
        ticket = hub.issue("A")
        assert hub.request("POST", "/api/counters/1/call-next", token=officer)[0] == 200
        assert hub.request("POST", "/api/counters/1/done", token=officer)[0] == 200
        offer = json.loads(ws.recv(timeout=5))
        assert offer["type"] == "survey.offer" and offer["token"] == ticket["token"]
        assert hub.request("DELETE", f"/api/admin/devices/{device_id}", token=admin_token)[0] == 200
        told = json.loads(ws.recv(timeout=5))
        assert told["type"] == "error" and told["code"] == "device_revoked"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
        assert closed.value.rcvd.code == 1008
    with connect(f"{hub.ws_url}/ws/survey/1?page=survey&device={paired['token']}") as ws:
        assert json.loads(ws.recv(timeout=5))["code"] == "device_revoked"
    status, board = hub.request("GET", "/api/admin/health", token=admin_token)
    assert [r for r in board["devices"] if r["kind"] == "survey"] == []  # revoked: off the board


def test_the_koordinator_sees_neither_devices_nor_the_board(tmp_path):
    """Devices, the health board and backups are the hall's, not an agency's: a koordinator gets 403."""
    dewi = {"username": "dewi", "name": "Dewi", "role": "koordinator", "agency": "DUKCAPIL",
            "pin_hash": load_config(TEST_CONFIG).officers["koordinator"].pin_hash}
    config = site_config(officers=[*dump_config(load_config(TEST_CONFIG))["officers"], dewi])
    with running(tmp_path, config=config) as client:
        headers = login(client, "dewi", "1111")
        for path in ("/api/admin/health", "/api/admin/devices", "/api/admin/backup"):
            assert error_of(client.get(path, headers=headers)) == (403, "role_not_allowed"), path


def test_switching_registered_tablets_only_on_closes_the_unregistered_tablets(tmp_path):
    """Saved in the console while tablets are open: the unregistered one is told device_required and closed,
    the registered one stays and gets survey.tablet again."""
    with running(tmp_path) as client:
        headers = admin(client)
        tablet = register(client, headers)
        with client.websocket_connect(f"/ws/survey/1?page=survey&device={tablet['token']}") as mine, \
                client.websocket_connect("/ws/survey/1?page=survey") as stranger:
            receive_json(mine)
            receive_json(stranger)
            current = client.get("/api/admin/config", headers=headers).json()
            config = current["config"]
            config["survey"] = {**config.get("survey", {}), "registered_tablets_only": True}
            saved = client.put("/api/admin/config", json={"version": current["version"], "config": config},
                               headers=headers)
            assert saved.status_code == 200, saved.text
            assert refused(stranger) == "device_required"
            assert receive_json(mine)["type"] == "survey.tablet"
            ticket = served(client, login(client), "1")
            assert receive_json(mine)["token"] == ticket["token"]
