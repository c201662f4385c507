"""The admin API (docs/protocol.md, "Admin API") through TestClient on a real SQLite file."""

from __future__ import annotations

import copy
import tomllib

import pytest

from config.site import dump_config, load_config, parse_config
from tests.conftest import TEST_CONFIG, site_config
from tests.hub.support import Clock, act, issue, login, running

DEWI = {"username": "dewi", "name": "Dewi Lestari", "role": "koordinator", "agency": "DUKCAPIL",
        "counters": ["1", "2"], "pin_hash": load_config(TEST_CONFIG).officers["koordinator"].pin_hash}  # PIN 1111


def site_with_koordinator():
    """The test site plus a DUKCAPIL koordinator (dewi, PIN 1111) and budi as a DUKCAPIL petugas."""
    officers = dump_config(load_config(TEST_CONFIG))["officers"]
    officers[0]["agency"] = "DUKCAPIL"
    return site_config(officers=[*officers, DEWI])


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(tmp_path, clock):
    with running(tmp_path / "data", clock, site_with_koordinator()) as client:
        yield client


@pytest.fixture
def admin(client):
    return login(client, "koordinator", "1111")


def refused(response, status: int, code: str) -> dict:
    """The error object of a refusal, after checking its status, code and Indonesian message."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    return error


def current(client, headers) -> tuple[int, dict]:
    body = client.get("/api/admin/config", headers=headers).json()
    return body["version"], body["config"]


def put(client, headers, version, config):
    return client.put("/api/admin/config", json={"version": version, "config": config}, headers=headers)


def test_get_config_has_the_file_shape_without_pin_hashes(client, admin):
    """GET answers the version and every section under the file's names; officers have pin_set, never a hash."""
    response = client.get("/api/admin/config", headers=admin)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["version"] == 1
    config = body["config"]
    assert list(config) == ["site", "zones", "agencies", "services", "counters", "officers", "calendar", "display",
                            "kiosk", "counter_panel", "audio", "survey", "pronunciation", "data"]
    assert config["services"][0] == {"code": "A", "name": "Perekaman KTP-el", "agency": "DUKCAPIL",
                                     "target_wait_minutes": 30, "description": "", "active": True}
    assert "pin_hash" not in response.text and "scrypt" not in response.text
    assert {o["username"]: o["pin_set"] for o in config["officers"]} == {
        "budi": True, "sari": True, "koordinator": True, "dewi": True}
    assert config["officers"][2]["role"] == "admin"


def test_who_may_use_the_admin_api(client):
    """401 without a session, 403 role_not_allowed for a petugas, 200 for a koordinator and an admin, never kept in a
    cache (no-store: what a session may see is not for the next one on the same PC)."""
    for path in ("/api/admin/config", "/api/admin/config.toml", "/api/admin/audit", "/api/admin/schema"):
        refused(client.get(path), 401, "unauthorized")
        error = refused(client.get(path, headers=login(client)), 403, "role_not_allowed")
        assert error["message"] == "Hanya admin atau koordinator yang dapat melakukan ini. Anda masuk sebagai petugas."
        answer = client.get(path, headers=login(client, "dewi", "1111"))
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store", (path, answer.headers)
    version, config = current(client, login(client, "koordinator", "1111"))
    refused(put(client, login(client), version, config), 403, "role_not_allowed")


def test_put_replaces_the_configuration_and_everything_runs_on_it(client, admin):
    """A PUT answers N+1; the API, the snapshot and ticket issuing follow at once."""
    version, config = current(client, admin)
    config["counters"][0]["name"] = "Loket Satu"
    config["services"].append({"code": "L", "name": "Legalisir", "agency": "DUKCAPIL"})
    config["counters"][0]["services"].append("L")
    config["site"]["running_text"] = "Selamat datang, layanan Legalisir kini tersedia."
    response = put(client, admin, version, config)
    assert response.status_code == 200 and response.json() == {"version": version + 1}
    state = client.get("/api/state").json()
    assert state["config_version"] == version + 1
    assert state["counters"][0]["name"] == "Loket Satu" and state["services"][-1]["code"] == "L"
    assert state["site"]["running_text"].startswith("Selamat datang, layanan Legalisir")
    assert issue(client, "L")["number"] == "L001"
    ticket = act(client, "1", "call-next", login(client)).json()["ticket"]
    assert ticket["number"] == "L001" and ticket["counter_name"] == "Loket Satu"
    saved_version, saved = current(client, admin)
    assert saved_version == version + 1 and saved["counters"] == config["counters"]
    assert saved["services"][-1] == {"code": "L", "name": "Legalisir", "agency": "DUKCAPIL", "description": "",
                                     "target_wait_minutes": 30, "active": True}  # defaults filled in


def test_a_put_that_changes_nothing_is_still_the_next_version(client, admin):
    """Saving the configuration unchanged answers N+1 as the contract says, audited as no change, and
    asks no page to redraw (its config.updated names no section)."""
    version, config = current(client, admin)
    with client.websocket_connect("/ws/display") as ws:
        assert ws.receive_json()["type"] == "snapshot"
        assert put(client, admin, version, config).json() == {"version": version + 1}
        event = ws.receive_json()
        while event["type"] == "heartbeat":
            event = ws.receive_json()
        assert event["type"] == "config.updated" and event["version"] == version + 1 and event["sections"] == []
    assert current(client, admin)[0] == version + 1
    entries = client.get("/api/admin/audit", headers=admin).json()["entries"]
    assert entries[0]["summary"] == f"Versi {version + 1}: tidak ada perubahan"


def test_a_stale_version_is_409_and_says_who_changed_what(client, admin, clock):
    """The second of two editors of version N gets 409 version_conflict naming the saver and the changes."""
    version, config = current(client, admin)
    mine, theirs = copy.deepcopy(config), copy.deepcopy(config)
    theirs["counters"][1]["name"] = "Loket Dua"
    assert put(client, admin, version, theirs).status_code == 200
    mine["site"]["running_text"] = "Teks saya"
    error = refused(put(client, login(client, "dewi", "1111"), version, mine), 409, "version_conflict")
    assert error["version"] == version + 1 and error["changed_by"] == "koordinator"
    assert error["message"].startswith("Pengaturan sudah diubah oleh Koordinator MPP pukul 09.00")
    assert error["summary"] == "loket 2 diubah (name)"
    assert error["changes"]["changed"] == {"counters": {"2": ["name"]}}
    assert client.get("/api/state").json()["site"]["running_text"] == "Selamat datang di MPP Uji Coba."


def test_invalid_configuration_is_422_at_the_key(client, admin):
    """A value out of range, an unknown reference or a bad PIN: 422 invalid_config with the key's path."""
    version, config = current(client, admin)
    cases = [
        (lambda c: c["services"][1].update(daily_quota=0), "services[1].daily_quota",
         "Pengaturan services[1].daily_quota: harus bilangan bulat dari 1 sampai 99999, bukan 0"),
        (lambda c: c["counters"][2].update(services=["X"]), "counters[2].services",
         'Pengaturan counters[2].services: layanan "X" tidak dikenal (tambahkan di [[services]])'),
        (lambda c: c["officers"][0].update(pin="12"), "officers[0].pin",
         "Pengaturan officers[0].pin: PIN harus 4 sampai 12 angka"),
        (lambda c: c["site"].update(colour="merah"), "site.colour", None),
        (lambda c: c["calendar"].update(holidays=[{"date": "2026-02-30", "name": "Tidak ada"}]),
         "calendar.holidays[0].date",
         'Pengaturan calendar.holidays[0].date: tanggal "2026-02-30" tidak ada di kalender (bulan 01–12, hari '
         "sesuai jumlah hari bulannya)"),
        (lambda c: c["calendar"].update(closures=[{"date": "2026-3-1", "reason": "Pemeliharaan"}]),
         "calendar.closures[0].date", 'Pengaturan calendar.closures[0].date: harus tanggal "TTTT-BB-HH", bukan '
         '"2026-3-1"'),
    ]
    for change, path, message in cases:
        bad = copy.deepcopy(config)
        change(bad)
        error = refused(put(client, admin, version, bad), 422, "invalid_config")
        assert error["path"] == path
        if message:
            assert error["message"] == message
    refused(client.put("/api/admin/config", json={"config": config}, headers=admin), 422, "missing_field")
    refused(client.put("/api/admin/config", json={"version": "1", "config": config}, headers=admin), 422,
            "invalid_field")
    refused(client.put("/api/admin/config", json={"version": version}, headers=admin), 422, "missing_field")
    assert current(client, admin)[0] == version


def test_bad_bodies_are_refused(client, admin):
    """Malformed JSON, a wrong media type and a body over 1 MiB are refused before anything is read."""
    refused(client.put("/api/admin/config", content=b"{", headers={**admin, "Content-Type": "application/json"}),
            400, "invalid_json")
    refused(client.put("/api/admin/config", content=b"{}", headers={**admin, "Content-Type": "text/plain"}),
            415, "unsupported_media_type")
    huge = b'{"version": 1, "config": {"x": "' + b"a" * (1 << 20) + b'"}}'
    refused(client.put("/api/admin/config", content=huge, headers={**admin, "Content-Type": "application/json"}),
            413, "body_too_large")


def test_a_koordinator_is_held_to_their_agency(client):
    """dewi (DUKCAPIL) may rename a DUKCAPIL service but not BAPPENDA's; the 403 names the key."""
    dewi = login(client, "dewi", "1111")
    version, config = current(client, dewi)
    theirs = copy.deepcopy(config)
    theirs["services"][2]["name"] = "PBB"
    error = refused(put(client, dewi, version, theirs), 403, "outside_agency")
    assert error["path"] == "services[2]"
    assert error["message"] == "Layanan C bukan layanan instansi DUKCAPIL: hanya admin yang dapat mengubahnya."
    config["services"][0]["name"] = "KTP Elektronik"
    assert put(client, dewi, version, config).json() == {"version": version + 1}


def test_data_protection_409s(client, admin):
    """Removing a service with tickets waiting, a counter serving someone or the last admin is refused."""
    version, config = current(client, admin)
    issue(client, "C")
    no_c = copy.deepcopy(config)
    no_c["services"] = [s for s in no_c["services"] if s["code"] != "C"]
    no_c["counters"] = [c for c in no_c["counters"] if c["id"] != "3"]
    no_c["counters"][-1]["services"] = ["A"]
    no_c["officers"][1]["counters"] = ["4"]
    error = refused(put(client, admin, version, no_c), 409, "service_in_use")
    assert error["key"] == "C" and "masih punya 1 nomor antrian" in error["message"]
    act(client, "3", "call-next", login(client, "sari", "2345"))
    no_3 = copy.deepcopy(config)
    no_3["counters"] = [c for c in no_3["counters"] if c["id"] != "3"]
    no_3["officers"][1]["counters"] = ["4"]
    error = refused(put(client, admin, version, no_3), 409, "counter_busy")
    assert error["message"] == "Loket 3 masih melayani nomor C001. Selesaikan dulu sebelum menghapus loket ini."
    no_admin = copy.deepcopy(config)
    no_admin["officers"][2]["active"] = False
    refused(put(client, admin, version, no_admin), 409, "last_admin")
    act(client, "3", "done", login(client, "sari", "2345"))
    assert put(client, admin, version, no_3).json() == {"version": version + 1}


def test_a_changed_prefix_after_tickets_today_is_409(client, admin):
    """Renaming service B's code to K after B issued tickets today is refused; tomorrow it is not."""
    version, config = current(client, admin)
    issue(client, "B")
    act(client, "1", "call-next", login(client))
    act(client, "1", "done", login(client))
    renamed = copy.deepcopy(config)
    renamed["services"][1]["code"] = "K"
    for counter in renamed["counters"]:
        counter["services"] = ["K" if s == "B" else s for s in counter["services"]]
    error = refused(put(client, admin, version, renamed), 409, "prefix_in_use")
    assert error["path"] == "services[1].code"
    assert error["message"].startswith("Kode antrian B sudah dipakai untuk 1 nomor hari ini")


def test_pins_are_set_hashed_never_returned(client, admin):
    """A new officer gets a PIN through `pin` and logs in; an officer sent without `pin` keeps theirs."""
    version, config = current(client, admin)
    config["officers"].append({"username": "ani", "name": "Ani Rahayu", "counters": ["1"], "pin": "482913"})
    config["officers"].append({"username": "joko", "name": "Joko", "counters": ["2"]})  # no PIN yet
    assert put(client, admin, version, config).status_code == 200
    ani = login(client, "ani", "482913")
    assert client.get("/api/me", headers=ani).json()["officer"]["counters"][0]["id"] == "1"
    login(client, "budi", "1234")  # kept
    refused(client.post("/api/login", json={"username": "joko", "pin": "0000"}), 401, "invalid_credentials")
    text = client.get("/api/admin/config", headers=admin).text
    assert "482913" not in text and "scrypt" not in text
    officers = {o["username"]: o for o in current(client, admin)[1]["officers"]}
    assert officers["ani"]["pin_set"] is True and officers["joko"]["pin_set"] is False


def test_a_disabled_officer_cannot_log_in_and_their_session_ends(client, admin):
    """active = false: the right PIN is 403 officer_disabled and an open session is 401."""
    budi = login(client)
    version, config = current(client, admin)
    config["officers"][0]["active"] = False
    assert put(client, admin, version, config).status_code == 200
    refused(client.get("/api/me", headers=budi), 401, "officer_disabled")
    error = refused(client.post("/api/login", json={"username": "budi", "pin": "1234"}), 403, "officer_disabled")
    assert error["message"] == "Akun Anda telah dinonaktifkan. Hubungi admin."
    refused(act(client, "1", "call-next", budi), 401, "unauthorized")


def test_an_inactive_service_is_not_issued(client, admin):
    """active = false keeps the service listed (active: false) and refuses tickets with a clear message."""
    version, config = current(client, admin)
    config["services"][1]["active"] = False
    put(client, admin, version, config)
    assert [s["active"] for s in client.get("/api/state").json()["services"]] == [True, False, True]
    error = refused(client.post("/api/tickets", json={"service": "B"}), 409, "service_inactive")
    assert error["message"] == "Layanan Kartu Keluarga sedang tidak tersedia."


def test_the_calendar_reaches_the_snapshot_and_the_kiosk(client, admin, clock):
    """A holiday set in the admin console closes the hall: the snapshot says so and tickets are refused."""
    version, config = current(client, admin)
    config["calendar"]["holidays"] = [{"date": "2026-03-02", "name": "Cuti Bersama"}]
    put(client, admin, version, config)
    hall = client.get("/api/state").json()["hall"]
    assert hall["open"] is False and hall["closed"]["code"] == "hall_holiday"
    assert hall["closed"]["label"] == "Libur: Cuti Bersama"
    error = refused(client.post("/api/tickets", json={"service": "A"}), 409, "hall_holiday")
    assert error["message"] == ("MPP Uji Coba tutup hari ini, Cuti Bersama. Pengambilan nomor dibuka kembali "
                                "besok, Selasa.")


def test_toml_export_is_reimportable(client, admin):
    """GET config.toml reads back as the same settings; a PUT of it changed is the next version."""
    response = client.get("/api/admin/config.toml", headers=admin)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/toml")
    assert response.headers["content-disposition"] == 'attachment; filename="mpp-konfigurasi-v1.toml"'
    text = response.text
    assert "pin_hash =" not in text and "scrypt" not in text and "# The hall's name, shown on the TVs" in text
    exported = dump_config(parse_config(tomllib.loads(text)))
    assert {k: v for k, v in exported.items() if k != "officers"} == {
        k: v for k, v in current(client, admin)[1].items() if k != "officers"}
    toml = {"Content-Type": "application/toml", **admin}
    assert client.put("/api/admin/config.toml", content=text.encode(), headers=toml).json() == {"version": 2}
    changed = text.replace('name = "Loket 2"', 'name = "Loket Dua"')
    assert client.put("/api/admin/config.toml?version=2", content=changed.encode(), headers=toml).json() == {
        "version": 3}
    assert client.get("/api/state").json()["counters"][1]["name"] == "Loket Dua"
    login(client, "budi", "1234")  # PINs kept, though the file carries no hashes
    refused(client.put("/api/admin/config.toml?version=2", content=text.encode(), headers=toml), 409,
            "version_conflict")
    error = refused(client.put("/api/admin/config.toml", content=b"[site\n", headers=toml), 422, "invalid_config")
    assert error["path"] == "(syntax)" and "TOML tidak sah" in error["message"]
    for hostile in (b"x = " + b"[" * 3000 + b"]" * 3000, b"\xff\xfe"):  # nested past the stack; not UTF-8
        error = refused(client.put("/api/admin/config.toml", content=hostile, headers=toml), 422, "invalid_config")
        assert error["path"] == "(syntax)" and "TOML tidak sah" in error["message"]
    for version in ("abc", "9" * 5000, "9" * 23):
        refused(client.put(f"/api/admin/config.toml?version={version}", content=text.encode(), headers=toml), 422,
                "invalid_field")
    refused(client.put("/api/admin/config.toml", content=text.encode(), headers={**admin, "Content-Type":
                                                                                   "application/json"}),
            415, "unsupported_media_type")


def test_audit_lists_logins_pins_and_changes_newest_first(client, admin, clock):
    """Log-ins (right and wrong), log-outs, PIN changes and configuration changes, paginated."""
    client.post("/api/login", json={"username": "budi", "pin": "9999"})
    client.post("/api/login", json={"username": "nobody", "pin": "9999"})
    budi = login(client)
    client.post("/api/logout", headers=budi)
    version, config = current(client, admin)
    config["officers"][0]["pin"] = "5555"
    config["counters"][0]["name"] = "Loket Satu"
    put(client, admin, version, config)
    entries = client.get("/api/admin/audit", headers=admin).json()["entries"]
    assert [(e["action"], e["summary"]) for e in entries] == [
        ("pin.changed", "PIN budi diubah"),
        ("config.changed", "Versi 2: loket 1 diubah (name); petugas budi diubah (PIN)"),
        ("logout", "budi keluar"),
        ("login", "budi masuk"),
        ("login.failed", "Nama pengguna tidak dikenal: nobody"),
        ("login.failed", "PIN salah untuk budi"),
        ("login", "koordinator masuk"),
        ("config.imported", f"Versi 1 dari berkas konfigurasi {TEST_CONFIG}"),
    ]
    assert entries[0]["officer"] == "koordinator" and entries[0]["officer_name"] == "Koordinator MPP"
    assert entries[2]["address"] == "testclient" and entries[1]["detail"]["version"] == 2
    assert "5555" not in str(entries) and "scrypt" not in str(entries)
    first = client.get("/api/admin/audit?limit=3", headers=admin).json()
    assert [e["id"] for e in first["entries"]] == [e["id"] for e in entries[:3]]
    rest = client.get(f"/api/admin/audit?limit=10&before={first['next_before']}", headers=admin).json()
    assert [e["id"] for e in rest["entries"]] == [e["id"] for e in entries[3:]] and rest["next_before"] is None
    logins = client.get("/api/admin/audit?action=login", headers=admin).json()["entries"]
    assert {e["action"] for e in logins} == {"login", "login.failed"}
    refused(client.get("/api/admin/audit?limit=0", headers=admin), 422, "invalid_field")
    for huge in ("9" * 23, "9" * 5000):  # past SQLite's integers, past int()'s digits: refused, not a 500
        refused(client.get(f"/api/admin/audit?before={huge}", headers=admin), 422, "invalid_field")
        refused(client.get(f"/api/admin/audit?limit={huge}", headers=admin), 422, "invalid_field")
    refused(client.get("/api/admin/audit?action=tickets", headers=admin), 422, "invalid_field")
    for name in ("before", "limit"):  # a minus sign is not "not a whole number": the message says what is wanted
        error = refused(client.get(f"/api/admin/audit?{name}=-1", headers=admin), 422, "invalid_field")
        assert error["message"] == (f"Parameter '{name}' harus ditulis dengan angka 0–9 saja (bilangan bulat "
                                    "positif), bukan '-1'.")
    dewi = client.get("/api/admin/audit", headers=login(client, "dewi", "1111")).json()["entries"]
    assert {e["officer"] for e in dewi} == {"budi", "dewi"}  # only DUKCAPIL's officers


def test_schema_for_the_forms(client, admin):
    """The form schema has every section with types, ranges and help text; officers have pin, not pin_hash."""
    schema = client.get("/api/admin/schema", headers=admin).json()["schema"]
    assert set(schema["properties"]) >= {"site", "services", "officers", "calendar", "display"}
    quota = schema["$defs"]["Service"]["properties"]["daily_quota"]
    assert quota["anyOf"][0] == {"maximum": 99999, "minimum": 1, "type": "integer"} and quota["description"]
    officer = schema["$defs"]["Officer"]["properties"]
    assert "pin_hash" not in officer and officer["pin"]["writeOnly"] and officer["pin_set"]["readOnly"]
    assert officer["role"]["enum"] == ["petugas", "koordinator", "admin"]


def test_the_form_schema_labels_every_key_of_the_console_in_indonesian(client, admin):
    """Each key the admin console edits has an Indonesian label (`title`) and help text (`x-help`), written as a
    sentence (a capital first letter: "petugas bekerja di loket" read as a fragment)."""
    schema = client.get("/api/admin/schema", headers=admin).json()["schema"]
    missing, lowercase = [], []
    for model in ("Site", "Zone", "Agency", "Service", "Counter", "Officer", "Calendar", "OpeningHours", "Break",
                  "Holiday", "Closure", "DisplaySettings"):
        for key, node in schema["$defs"][model]["properties"].items():
            if "x-help" not in node:  # declared with config.fields.labelled(title, help) or not at all
                missing.append(f"{model}.{key}")
            elif node["x-help"][:1].islower():
                lowercase.append(f"{model}.{key}: {node['x-help'][:40]}")
    assert missing == [] and lowercase == []
    assert schema["$defs"]["Officer"]["properties"]["pin"]["title"] == "PIN baru"
    assert schema["$defs"]["Service"]["properties"]["daily_quota"]["title"] == "Kuota harian"
    assert schema["properties"]["services"]["title"] == "Layanan"


def test_the_login_answer_says_the_role(client):
    """The login answer and /api/me carry the officer's role and agency."""
    body = client.post("/api/login", json={"username": "dewi", "pin": "1111"}).json()
    assert body["officer"]["role"] == "koordinator" and body["officer"]["agency"] == "DUKCAPIL"
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}).json()["officer"]
    assert (me["role"], me["agency"]) == ("koordinator", "DUKCAPIL")


def test_a_restart_keeps_the_change(tmp_path, clock):
    """A change made through the API is still there after the hub restarts with the unchanged file."""
    with running(tmp_path / "data", clock) as client:
        admin = login(client, "koordinator", "1111")
        version, config = current(client, admin)
        config["counters"][0]["name"] = "Loket Satu"
        put(client, admin, version, config)
    with running(tmp_path / "data", clock) as client:
        state = client.get("/api/state").json()
        assert state["config_version"] == 2 and state["counters"][0]["name"] == "Loket Satu"
