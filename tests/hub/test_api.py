"""The HTTP API through TestClient(create_app(...)) on a real SQLite file."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime

import pytest

from config.site import DEFAULT_CONFIG, parse_config
from server import hall as hall_module
from server.api import MAX_BODY
from tests.conftest import site_config
from tests.hub.support import PIN_1111, Clock, act, error_of, issue, login, receive_json, running

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(tmp_path, clock):
    with running(tmp_path / "data", clock) as client:
        yield client


def test_health(client):
    """GET /api/health answers ok with the site, the last seq and today's local date."""
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["site"] == "MPP Uji Coba"
    assert body["day"] == "2026-03-02" and isinstance(body["seq"], int)
    assert body["audio"] == {"status": "off"}


def test_state_and_zone_filter(client):
    """GET /api/state lists services and counters; ?zone= keeps that zone's counters; unknown zone is 404."""
    issue(client, "A")
    state = client.get("/api/state").json()
    assert [s["code"] for s in state["services"]] == ["A", "B", "C"]
    assert state["services"][0]["waiting"] == 1 and state["services"][0]["issued"] == 1
    assert [c["id"] for c in state["counters"]] == ["1", "2", "3", "4"]
    assert state["seq"] >= 1 and state["day"] == "2026-03-02"
    zoned = client.get("/api/state", params={"zone": "lantai-3"}).json()
    assert [c["id"] for c in zoned["counters"]] == ["4"] and zoned["zone"] == "lantai-3"
    assert error_of(client.get("/api/state", params={"zone": "atap"})) == (404, "unknown_zone")


def test_issue_ticket_answers_201_with_the_ticket(client):
    """POST /api/tickets gives 201 with number, status waiting, ahead, token and status URL."""
    response = client.post("/api/tickets", json={"service": "A"})
    assert response.status_code == 201
    ticket = response.json()["ticket"]
    assert {"id", "number", "service", "status", "priority", "ahead", "issued_at", "estimated_wait",
            "token", "status_url"} <= set(ticket)
    assert (ticket["number"], ticket["service"], ticket["status"], ticket["priority"], ticket["ahead"]) == (
        "A001", "A", "waiting", False, 0)
    assert ticket["status_url"] == f"/t/{ticket['token']}" and len(ticket["token"]) >= 16
    assert datetime.fromisoformat(ticket["issued_at"]) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    second = issue(client, "A")
    assert (second["number"], second["ahead"]) == ("A002", 1)
    vip = issue(client, "A", priority=True)
    assert (vip["number"], vip["priority"], vip["ahead"]) == ("A003", True, 0)
    assert issue(client, "B")["number"] == "B001"


def test_ticket_status_by_token(client):
    """GET /api/tickets/{token} shows the holder's ticket; an unknown token is 404."""
    ticket = issue(client, "A")
    response = client.get(f"/api/tickets/{ticket['token']}")
    assert response.status_code == 200
    assert response.json()["ticket"]["number"] == "A001" and response.json()["ticket"]["status"] == "waiting"
    assert error_of(client.get("/api/tickets/not-a-token")) == (404, "unknown_ticket")


@pytest.mark.parametrize(("body", "expected"), [
    ({"service": "Z"}, (404, "unknown_service")),
    ({}, (422, "missing_field")),
    ({"service": 1}, (422, "invalid_field")),
    ({"service": "A", "priority": "ya"}, (422, "invalid_field")),
])
def test_issue_field_errors(client, body, expected):
    """Unknown services are 404, missing or wrongly typed fields 422, each with code and message."""
    assert error_of(client.post("/api/tickets", json=body)) == expected


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b"[" * 5000 + b"]" * 5000,
                                 b'{"a":' * 2000 + b"1" + b"}" * 2000])
def test_malformed_json_is_400(client, raw):
    """A body that is not a JSON object (nested past Python's stack included) is 400 invalid_json."""
    response = client.post("/api/tickets", content=raw, headers={"content-type": "application/json"})
    assert error_of(response) == (400, "invalid_json")


def test_malformed_json_is_explained_in_indonesian(client):
    """invalid_json says where the JSON breaks in Indonesian, not in the parser's English."""
    response = client.post("/api/tickets", content=b'{"service": "A",\n "priority": tru}', headers=JSON)
    assert response.json()["error"]["message"] == "Isi permintaan bukan JSON yang valid (baris 2, kolom 14)."
    response = client.post("/api/tickets", content=b'{"service": "\xff"}', headers=JSON)
    assert response.json()["error"]["message"] == "Isi permintaan bukan teks UTF-8 yang valid."


def test_body_over_16_kib_is_413(client):
    """A body over 16 KiB is refused with 413, with or without a Content-Length."""
    big = b'{"service": "A", "pad": "' + b"x" * MAX_BODY + b'"}'
    assert error_of(client.post("/api/tickets", content=big)) == (413, "body_too_large")

    def chunks():
        for i in range(0, len(big), 4096):
            yield big[i:i + 4096]

    assert error_of(client.post("/api/tickets", content=chunks())) == (413, "body_too_large")
    token = login(client, "koordinator", "1111")
    assert error_of(client.post("/api/counters/1/transfer", content=big, headers=token)) == (413, "body_too_large")
    just_fits = b'{"service": "A", "pad": "' + b"x" * (MAX_BODY - 40) + b'"}'
    assert len(just_fits) <= MAX_BODY
    assert client.post("/api/tickets", content=just_fits, headers=JSON).status_code == 201


def test_unknown_path_and_method(client):
    """Unknown paths are 404 and wrong methods 405, both in the error format."""
    assert error_of(client.get("/api/nothing")) == (404, "not_found")
    assert error_of(client.get("/api/tickets")) == (405, "method_not_allowed")


def test_login_and_me(client):
    """POST /api/login gives a token and the officer's counters; /api/me answers with that officer."""
    response = client.post("/api/login", json={"username": "budi", "pin": "1234"})
    assert response.status_code == 200
    body = response.json()
    assert body["officer"]["username"] == "budi" and body["officer"]["name"] == "Budi Santoso"
    assert [c["id"] for c in body["officer"]["counters"]] == ["1", "2"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["officer"]["username"] == "budi"
    koordinator = client.post("/api/login", json={"username": "koordinator", "pin": "1111"}).json()
    assert [c["id"] for c in koordinator["officer"]["counters"]] == ["1", "2", "3", "4"]


def test_wrong_pin_and_unknown_user_get_the_same_401(client):
    """A wrong PIN and an unknown user get the same 401 answer."""
    wrong = client.post("/api/login", json={"username": "budi", "pin": "9999"})
    unknown = client.post("/api/login", json={"username": "nobody", "pin": "1234"})
    assert error_of(wrong) == error_of(unknown) == (401, "invalid_credentials")
    assert wrong.json() == unknown.json()
    assert error_of(client.post("/api/login", json={"username": "budi"})) == (422, "missing_field")


def test_repeated_wrong_pins_get_429_until_the_lock_ends(client, clock):
    """After 4 wrong PINs the next attempt is 429 (even with the right PIN) until the lock-out passes."""
    for _ in range(4):
        assert error_of(client.post("/api/login", json={"username": "budi", "pin": "0000"})) == (
            401, "invalid_credentials")
    locked = client.post("/api/login", json={"username": "budi", "pin": "1234"})
    assert error_of(locked) == (429, "too_many_attempts")
    wait = locked.json()["error"]["retry_after"]
    assert wait == 16 and locked.headers["retry-after"] == "16"
    assert f"coba lagi dalam {wait} detik" in locked.json()["error"]["message"]
    clock.advance(seconds=10)
    assert client.post("/api/login", json={"username": "budi", "pin": "1234"}).json()["error"]["retry_after"] == 6
    clock.advance(seconds=6)
    assert client.post("/api/login", json={"username": "budi", "pin": "1234"}).status_code == 200


def test_counter_actions_need_a_token(client):
    """Counter actions without, or with an unknown, bearer token are 401."""
    assert error_of(client.post("/api/counters/1/call-next")) == (401, "unauthorized")
    bad = {"Authorization": "Bearer nope"}
    assert error_of(client.post("/api/counters/1/call-next", headers=bad)) == (401, "unauthorized")
    assert error_of(client.get("/api/me")) == (401, "unauthorized")


def test_officer_not_assigned_gets_403(client):
    """An officer acting at a counter they are not assigned to gets 403."""
    budi = login(client)
    response = act(client, "3", "call-next", budi)
    assert error_of(response) == (403, "counter_not_allowed")
    assert "Loket 3" in response.json()["error"]["message"]


def test_unknown_counter_and_action_are_404(client):
    """An unknown counter or action is 404."""
    token = login(client, "koordinator", "1111")
    assert error_of(act(client, "99", "call-next", token)) == (404, "unknown_counter")
    assert error_of(client.get("/api/counters/99")) == (404, "unknown_counter")
    assert error_of(act(client, "1", "dance", token)) == (404, "unknown_action")


def test_call_next_recall_skip_done(client):
    """call-next calls the next ticket at the counter; recall, skip and done act on it; empty gives null."""
    budi = login(client)
    assert act(client, "1", "call-next", budi).json()["ticket"] is None
    a1, a2, a3 = issue(client), issue(client), issue(client)
    called = act(client, "1", "call-next", budi)
    assert called.status_code == 200
    ticket = called.json()["ticket"]
    assert (ticket["id"], ticket["number"], ticket["status"], ticket["counter"]) == (a1["id"], "A001", "called", "1")
    assert called.json()["counter"]["ticket"]["id"] == a1["id"] and called.json()["counter"]["state"] == "open"
    recalled = act(client, "1", "recall", budi).json()["ticket"]
    assert (recalled["id"], recalled["calls"]) == (a1["id"], 2)
    skipped = act(client, "1", "skip", budi).json()
    assert skipped["ticket"]["status"] == "skipped" and skipped["counter"]["ticket"] is None
    for action in ("recall", "skip", "done"):
        assert error_of(act(client, "1", action, budi)) == (409, "no_current_ticket")
    assert act(client, "1", "call-next", budi).json()["ticket"]["id"] == a2["id"]
    # Calling next while A002 is at the counter finishes it.
    assert act(client, "1", "call-next", budi).json()["ticket"]["id"] == a3["id"]
    assert client.get(f"/api/tickets/{a2['token']}").json()["ticket"]["status"] == "done"
    done = act(client, "1", "done", budi).json()
    assert done["ticket"]["status"] == "done" and done["counter"]["served"] == 2
    assert act(client, "1", "call-next", budi).json()["ticket"] is None


def test_transfer_keeps_number_and_arrival(client, clock):
    """transfer moves the ticket to another service with its number and arrival; it goes first there."""
    sari = login(client, "sari", "2345")
    budi = login(client)
    a = issue(client, "A")
    clock.advance(minutes=5)
    issue(client, "C")
    act(client, "4", "call-next", sari)
    clock.advance(minutes=5)
    response = act(client, "4", "transfer", sari, {"service": "B"})
    assert response.status_code == 200
    moved = response.json()["ticket"]
    assert (moved["number"], moved["service"], moved["status"], moved["origin"]) == ("A001", "B", "waiting", a["id"])
    assert moved["arrived_at"] == a["arrived_at"] and moved["id"] != a["id"]
    assert response.json()["counter"]["ticket"] is None
    assert client.get(f"/api/tickets/{a['token']}").json()["ticket"]["service"] == "B"
    issue(client, "B")
    assert act(client, "1", "call-next", budi).json()["ticket"]["number"] == "A001"


def test_transfer_errors(client):
    """transfer needs a current ticket, a service field and a known, different service."""
    budi = login(client)
    assert error_of(act(client, "1", "transfer", budi, {"service": "B"})) == (409, "no_current_ticket")
    issue(client, "A")
    act(client, "1", "call-next", budi)
    assert error_of(act(client, "1", "transfer", budi, {})) == (422, "missing_field")
    assert error_of(act(client, "1", "transfer", budi, {"service": "Z"})) == (404, "unknown_service")
    assert error_of(act(client, "1", "transfer", budi, {"service": "A"})) == (400, "same_service")
    bad_json = client.post("/api/counters/1/transfer", content=b"{", headers={**budi, **JSON})
    assert error_of(bad_json) == (400, "invalid_json")


def test_pause_blocks_calls_and_resume(client):
    """pause answers the counter; a paused counter gets 409 counter_paused; resume opens it again."""
    budi = login(client)
    issue(client)
    paused = act(client, "1", "pause", budi)
    assert paused.status_code == 200 and paused.json()["counter"]["state"] == "paused"
    assert set(paused.json()) == {"counter"}
    assert error_of(act(client, "1", "call-next", budi)) == (409, "counter_paused")
    assert client.get("/api/counters/1").json()["counter"]["state"] == "paused"
    resumed = act(client, "1", "resume", budi)
    assert resumed.json()["counter"]["state"] == "open"
    assert act(client, "1", "call-next", budi).json()["ticket"]["number"] == "A001"
    assert error_of(act(client, "1", "close", budi)) == (409, "counter_busy")
    act(client, "1", "done", budi)
    assert act(client, "1", "close", budi).json()["counter"]["state"] == "closed"


def test_logout_and_idle_session_end(client, clock):
    """Logout ends the session; a session idle longer than session_idle_minutes is 401 session_expired."""
    budi = login(client)
    assert client.post("/api/logout", headers=budi).json() == {"ok": True}
    assert error_of(client.get("/api/me", headers=budi)) == (401, "unauthorized")
    sari = login(client, "sari", "2345")
    clock.advance(minutes=479)
    assert client.get("/api/me", headers=sari).status_code == 200
    clock.advance(minutes=481)
    assert error_of(client.get("/api/me", headers=sari)) == (401, "session_expired")


def test_day_rollover_restarts_numbers_and_expires_old_tickets(client, clock):
    """At 17:00 UTC (midnight WIB) numbering restarts at A001 and yesterday's waiting ticket is expired."""
    clock.set(datetime(2026, 3, 2, 16, 50, tzinfo=UTC))
    old = issue(client, "A")
    assert issue(client, "A")["number"] == "A002"
    clock.set(datetime(2026, 3, 2, 17, 5, tzinfo=UTC))
    fresh = issue(client, "A")
    assert fresh["number"] == "A001" and fresh["id"] != old["id"]
    expired = client.get(f"/api/tickets/{old['token']}").json()["ticket"]
    assert expired["status"] == "expired" and expired["ahead"] == 0
    state = client.get("/api/state").json()
    assert state["day"] == "2026-03-03"
    assert state["services"][0]["waiting"] == 1 and state["services"][0]["issued"] == 1


def test_hours_and_quota_refuse_with_409(tmp_path, clock):
    """Outside a service's opening hours or past the daily quota, issuing is 409 with an Indonesian message."""
    no_calendar = {"hours": [], "breaks": [], "holidays": [], "closures": []}  # the services' own hours only
    config = site_config(DEFAULT_CONFIG, calendar=no_calendar)
    clock.set(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))  # 07:30 WIB
    with running(tmp_path / "data", clock, config) as client:
        early = client.post("/api/tickets", json={"service": "B"})
        assert error_of(early) == (409, "service_not_open")
        assert "mulai pukul 08.00 WIB" in early.json()["error"]["message"]
        clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))  # 14:30 WIB: A closed, B open
        late = client.post("/api/tickets", json={"service": "A"})
        assert error_of(late) == (409, "service_closed")
        assert "sudah ditutup pukul 14.30 WIB" in late.json()["error"]["message"]
        assert issue(client, "B")["number"] == "B001"

    small = parse_config({
        "site": {"name": "Kecil", "timezone": "Asia/Jakarta"},
        "services": [{"code": "Q", "name": "Legalisir", "daily_quota": 2}],
        "counters": [{"id": "1", "name": "Loket 1", "services": ["Q"]}],
        "officers": [{"username": "koordinator", "name": "Koordinator", "pin_hash": PIN_1111}],
    })
    with running(tmp_path / "small", clock, small) as client:
        issue(client, "Q")
        issue(client, "Q")
        full = client.post("/api/tickets", json={"service": "Q"})
        assert error_of(full) == (409, "quota_reached")
        assert "Kuota harian layanan Legalisir (2 nomor) sudah habis" in full.json()["error"]["message"]


def test_every_change_is_logged_with_increasing_seq(tmp_path, clock):
    """The SQLite event log holds every change's events with gapless increasing seq, matching state.seq."""
    data = tmp_path / "data"
    with running(data, clock) as client:
        budi = login(client)
        for _ in range(3):
            issue(client)
        act(client, "1", "call-next", budi)
        act(client, "1", "recall", budi)
        act(client, "1", "transfer", budi, {"service": "B"})
        act(client, "1", "pause", budi)
        seq = client.get("/api/state").json()["seq"]
    db = sqlite3.connect(data / "mpp.sqlite3")
    rows = db.execute("SELECT seq, type FROM events ORDER BY rowid").fetchall()
    db.close()
    assert [s for s, _ in rows] == list(range(1, seq + 1))
    assert [t for _, t in rows] == [
        "ticket.issued", "ticket.issued", "ticket.issued",
        "ticket.called",
        "ticket.recalled",
        "ticket.transferred",
        "counter.updated",
    ]


def test_hub_off_over_midnight_expires_yesterday_on_start(tmp_path, clock):
    """A hub started on a new local day expires yesterday's open tickets and numbers from A001."""
    data = tmp_path / "data"
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # 16:00 WIB
    with running(data, clock) as client:
        old = issue(client, "A")
        issue(client, "A")
    clock.set(datetime(2026, 3, 3, 1, 30, tzinfo=UTC))  # 08:30 WIB the next day
    with running(data, clock) as client:
        state = client.get("/api/state").json()
        assert state["day"] == "2026-03-03" and state["services"][0]["waiting"] == 0
        assert client.get(f"/api/tickets/{old['token']}").json()["ticket"]["status"] == "expired"
        assert issue(client, "A")["number"] == "A001"


def test_new_day_starts_by_itself_at_midnight(tmp_path, clock, monkeypatch):
    """Without any operation, the hall starts the new day after local midnight: displays get day.started."""
    monkeypatch.setattr(hall_module, "DAY_CHECK_SECONDS", 0.02)  # instead of checking every 30 s
    clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))
    with running(tmp_path / "data", clock) as client:
        old = issue(client, "A")
        with client.websocket_connect("/ws/display") as ws:
            assert receive_json(ws)["day"] == "2026-03-02"
            clock.set(datetime(2026, 3, 2, 17, 1, tzinfo=UTC))
            started = receive_json(ws)
        assert (started["type"], started["day"], started["expired"]) == ("day.started", "2026-03-03", 1)
        state = client.get("/api/state").json()
        assert state["day"] == "2026-03-03" and state["services"][0]["waiting"] == 0
        assert client.get(f"/api/tickets/{old['token']}").json()["ticket"]["status"] == "expired"


def test_one_device_cannot_empty_a_quota(tmp_path, clock):
    """After its burst, a device gets 429 with a wait in seconds; the allowance refills with time."""
    config = site_config(site={"tickets_per_minute": 6, "tickets_burst": 3})
    with running(tmp_path / "data", clock, config=config) as client:
        answers = [client.post("/api/tickets", json={"service": "A"}).status_code for _ in range(4)]
        refused = client.post("/api/tickets", json={"service": "A"})
        clock.advance(seconds=10)
        again = client.post("/api/tickets", json={"service": "A"})
        state = client.get("/api/state").json()
    assert answers == [201, 201, 201, 429]
    assert error_of(refused) == (429, "too_many_tickets") and re.search(r"dalam \d+ detik", refused.text)
    assert again.status_code == 201 and state["services"][0]["issued"] == 4


def test_non_json_body_is_415(client):
    """A form or text body (what another web site could post cross-site) is refused with 415."""
    response = client.post("/api/tickets", content=b'{"service": "A"}', headers={"Content-Type": "text/plain"})
    assert error_of(response) == (415, "unsupported_media_type")
    assert client.get("/api/state").json()["services"][0]["issued"] == 0


def test_history_says_how_often_and_when_a_ticket_was_last_announced(client, clock):
    """The displays' history moves a recalled ticket to the top with its new time and call count."""
    budi = login(client)
    issue(client, "A")
    issue(client, "A")
    act(client, "1", "call-next", budi)
    called_at = clock().isoformat()
    act(client, "2", "call-next", budi)
    clock.advance(seconds=30)
    act(client, "1", "recall", budi)
    recent = client.get("/api/state").json()["recent"]
    assert [(r["number"], r["calls"]) for r in recent] == [("A001", 2), ("A002", 1)]
    assert recent[0]["called_at"] == called_at and recent[0]["at"] == clock().isoformat()
