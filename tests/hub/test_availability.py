"""Whether a service gives tickets, and how long the wait is: decided by the hub, told to every page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.conftest import site_config
from tests.hub.support import Clock, act, assert_nothing_more, error_of, issue, login, receive_json, running

# 07:59 WIB on a Monday.
BEFORE_EIGHT = datetime(2026, 3, 2, 0, 59, tzinfo=UTC)
HOURS = [
    {"code": "A", "name": "Perekaman KTP-el", "agency": "DUKCAPIL", "open": "08:00", "close": "14:30"},
    {"code": "B", "name": "Kartu Keluarga", "agency": "DUKCAPIL"},
    {"code": "C", "name": "Pajak Bumi dan Bangunan", "agency": "BAPPENDA", "daily_quota": 1},
]


@pytest.fixture
def clock():
    return Clock(BEFORE_EIGHT)


@pytest.fixture
def client(tmp_path, clock):
    with running(tmp_path / "data", clock, config=site_config(services=HOURS)) as client:
        yield client


def service(snapshot: dict, code: str) -> dict:
    return next(s for s in snapshot["services"] if s["code"] == code)


def test_hours_for_tickets_are_published_when_they_begin_and_end(client, clock):
    """Before 08:00 the service is closed with the refusal's own words; at 08:00 and at 14:30 every page is told."""
    hall = client.app.state.hall
    with client.websocket_connect("/ws/display") as ws:
        a = service(receive_json(ws), "A")
        assert (a["available"], a["closed"]["code"]) == (False, "service_not_open")
        assert a["closed"]["label"] == "Belum buka · 08.00–14.30 WIB"
        refused = client.post("/api/tickets", json={"service": "A"})
        assert error_of(refused) == (409, "service_not_open")
        assert refused.json()["error"]["message"] == a["closed"]["message"]
        assert hall.queue.next_availability_change(clock()) == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

        clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # 08:00 WIB
        client.portal.call(hall.refresh_availability)
        opened = receive_json(ws)
        assert opened["type"] == "service.updated" and [s["code"] for s in opened["services"]] == ["A"]
        assert opened["services"][0]["available"] is True and opened["services"][0]["closed"] is None
        client.portal.call(hall.refresh_availability)  # nothing changed since: nothing is sent
        assert_nothing_more(ws)
        assert issue(client, "A")["number"] == "A001"
        receive_json(ws)  # its ticket.issued

        clock.set(datetime(2026, 3, 2, 7, 30, tzinfo=UTC))  # 14:30 WIB
        client.portal.call(hall.refresh_availability)
        closed = receive_json(ws)
    assert closed["type"] == "service.updated" and closed["services"][0]["closed"]["code"] == "service_closed"
    assert closed["services"][0]["closed"]["message"] == (
        "Pengambilan nomor layanan Perekaman KTP-el sudah ditutup pukul 14.30 WIB. "
        "Silakan datang kembali pada hari kerja berikutnya.")
    assert hall.queue.next_availability_change(clock()) is None  # nothing more today


def test_the_last_ticket_of_the_quota_closes_the_service_at_once(client, clock):
    """The ticket that uses up a daily quota is followed by a service.updated saying so."""
    clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    with client.websocket_connect("/ws/display") as ws:
        assert service(receive_json(ws), "C")["available"] is True
        issue(client, "C")
        issued, updated = receive_json(ws), receive_json(ws)
        assert_nothing_more(ws)
    assert issued["type"] == "ticket.issued" and issued["services"][0]["waiting"] == 1
    assert updated["type"] == "service.updated"
    [c] = updated["services"]
    assert (c["code"], c["available"], c["closed"]["code"], c["issued"]) == ("C", False, "quota_reached", 1)
    refused = client.post("/api/tickets", json={"service": "C"})
    assert refused.json()["error"]["message"] == c["closed"]["message"]


def test_events_carry_the_wait_estimate_the_state_gives(client, clock):
    """Once a ticket is served, the events carry the same estimate and words as /api/state, for every page."""
    clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    budi = login(client)
    for _ in range(4):
        issue(client, "B")
    act(client, "1", "call-next", budi)
    clock.advance(minutes=6)
    with client.websocket_connect("/ws/display") as ws:
        receive_json(ws)
        act(client, "1", "done", budi)  # one ticket served in 6 minutes, three waiting, one counter open
        done = receive_json(ws)
        act(client, "2", "call-next", budi)  # a second counter opens: the estimate halves
        called = receive_json(ws)
    state = service(client.get("/api/state").json(), "B")
    assert done["type"] == "ticket.done"
    assert [(s["code"], s["waiting"], s["estimated_wait"], s["estimated_wait_text"]) for s in done["services"]] == [
        ("B", 3, 3 * 360, "± 18 menit")]
    # Only the lines whose figures moved: A, which counter 2 also serves, has no estimate yet either way.
    assert called["type"] == "ticket.called" and [s["code"] for s in called["services"]] == ["B"]
    b = called["services"][0]
    assert (b["waiting"], b["estimated_wait"], b["estimated_wait_text"]) == (2, 360, "± 6 menit")
    assert {k: state[k] for k in b} == b


def test_a_service_no_counter_calls_gives_no_ticket_until_one_does(tmp_path, clock):
    """A service no counter lists: unavailable with the refusal's words, 409 service_unstaffed; counters that are
    closed for the day still serve theirs; once a counter lists it (a live change), its tickets are given."""
    clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # 09:00 WIB
    extra = {"code": "D", "name": "Legalisir Akta", "agency": "DUKCAPIL"}
    with running(tmp_path / "data", clock, config=site_config(services=[*HOURS, extra])) as client:
        with client.websocket_connect("/ws/display") as ws:
            snapshot = receive_json(ws)
        d = service(snapshot, "D")
        assert (d["available"], d["closed"]["code"], d["closed"]["label"]) == (
            False, "service_unstaffed", "Belum dilayani di loket")
        assert d["closed"]["message"] == ("Layanan Legalisir Akta belum dilayani di loket mana pun. Mohon hubungi "
                                          "petugas informasi.")
        assert all(c["state"] == "closed" for c in snapshot["counters"])  # nobody opened a counter yet
        assert service(snapshot, "B")["available"] is True  # a closed counter still serves its services
        refused = client.post("/api/tickets", json={"service": "D"})
        assert error_of(refused) == (409, "service_unstaffed")
        assert refused.json()["error"]["message"] == d["closed"]["message"]

        admin = login(client, "koordinator", "1111")
        current = client.get("/api/admin/config", headers=admin).json()
        config = current["config"]
        config["counters"][2]["services"].append("D")
        saved = client.put("/api/admin/config", json={"version": current["version"], "config": config}, headers=admin)
        assert saved.status_code == 200, saved.text
        assert service(client.get("/api/state").json(), "D")["available"] is True
        assert issue(client, "D")["number"] == "D001"
