"""The live configuration against a real hub process (`run.py`, uvicorn) with real `websockets` clients."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.sync.client import connect

from tests.conftest import TEST_CONFIG, HubProcess

pytestmark = pytest.mark.e2e


def recv(ws, timeout: float = 10) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def get_config(hub: HubProcess, token: str) -> tuple[int, dict]:
    status, body = hub.request("GET", "/api/admin/config", token=token)
    assert status == 200, body
    return body["version"], body["config"]


def test_concurrent_puts_exactly_one_wins(hub):
    """Eight admins saving version 1 at the same instant: one gets version 2, seven get 409 version_conflict."""
    token = hub.login("koordinator", "1111")
    version, config = get_config(hub, token)
    start = threading.Barrier(8)

    def save(i: int) -> tuple[int, dict, str]:
        mine = {**config, "site": {**config["site"], "running_text": f"Teks dari admin {i}"}}
        start.wait()
        status, body = hub.request("PUT", "/api/admin/config", {"version": version, "config": mine}, token=token)
        return status, body, mine["site"]["running_text"]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(save, range(8)))
    won = [r for r in results if r[0] == 200]
    assert len(won) == 1 and won[0][1] == {"version": version + 1}
    lost = [body["error"]["code"] for status, body, _ in results if status != 200]
    assert lost == ["version_conflict"] * 7
    assert get_config(hub, token)[0] == version + 1
    status, state = hub.request("GET", "/api/state")
    assert state["site"]["running_text"] == won[0][2]
    status, audit = hub.request("GET", "/api/admin/audit?action=config.changed", token=token)
    assert len(audit["entries"]) == 1


def test_a_display_sees_the_change_without_reconnecting(hub):
    """A TV's socket gets config.updated and a snapshot with the renamed counter and the new service,
    then the next events on the same connection."""
    token = hub.login("koordinator", "1111")
    version, config = get_config(hub, token)
    with connect(hub.ws_url + "/ws/display?zone=lantai-2") as ws:
        assert recv(ws)["type"] == "snapshot"
        config["counters"][1]["name"] = "Loket Dua"
        config["services"].append({"code": "L", "name": "Legalisir"})
        config["counters"][1]["services"].append("L")
        status, body = hub.request("PUT", "/api/admin/config", {"version": version, "config": config}, token=token)
        assert status == 200, body
        updated, snap = recv(ws), recv(ws)
        assert updated["type"] == "config.updated" and updated["version"] == body["version"]
        assert snap["type"] == "snapshot" and snap["counters"][1]["name"] == "Loket Dua"
        assert [s["code"] for s in snap["services"]] == ["A", "B", "C", "L"]
        hub.issue("L")
        assert recv(ws)["type"] == "ticket.issued"


def test_the_file_is_imported_only_when_it_changed(tmp_path):
    """A restart with the same file keeps the admin's change; an edited file is the next version."""
    site = tmp_path / "site.toml"
    site.write_text(TEST_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    data = tmp_path / "data"
    hub = HubProcess(data, config=site).start()
    try:
        token = hub.login("koordinator", "1111")
        version, config = get_config(hub, token)
        config["counters"][0]["name"] = "Loket Satu"
        assert hub.request("PUT", "/api/admin/config", {"version": version, "config": config}, token=token)[0] == 200
    finally:
        hub.stop()
    hub = HubProcess(data, config=site).start()
    try:
        status, state = hub.request("GET", "/api/state")
        assert state["config_version"] == 2 and state["counters"][0]["name"] == "Loket Satu"
    finally:
        hub.stop()
    site.write_text(site.read_text(encoding="utf-8").replace('name = "MPP Uji Coba"', 'name = "MPP Uji Dua"'),
                    encoding="utf-8")
    hub = HubProcess(data, config=site).start()
    try:
        status, state = hub.request("GET", "/api/state")
        assert state["config_version"] == 3 and state["site"]["name"] == "MPP Uji Dua"
        assert state["counters"][0]["name"] == "Loket 1"  # the file is the whole configuration
        token = hub.login("koordinator", "1111")
        status, audit = hub.request("GET", "/api/admin/audit?action=config.imported", token=token)
        assert audit["entries"][0]["summary"] == ("Versi 3 dari berkas konfigurasi: pengaturan umum diubah (name); "
                                                  "loket 1 diubah (name)")
    finally:
        hub.stop()
