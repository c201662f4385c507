"""A skipped citizen who turns up late: listed, called back or reinstated over HTTP and WebSockets,
refused clearly, recorded in the ticket history, and still there after a restart."""

from __future__ import annotations

import sqlite3

import pytest

from tests.hub.support import Clock, act, error_of, issue, login, receive_json, receive_until, running


def history(data_dir, ticket_id: int) -> list[tuple]:
    with sqlite3.connect(data_dir / "mpp.sqlite3") as db:
        return db.execute("SELECT action, counter, officer, service FROM ticket_history WHERE ticket_id = ? "
                          "ORDER BY at, id", (ticket_id,)).fetchall()


def skip_first(client, budi) -> dict:
    """A001 and A002 issued; A001 called at Loket 1 and skipped."""
    first = issue(client, "A")
    issue(client, "A")
    act(client, "1", "call-next", budi)
    assert act(client, "1", "skip", budi).status_code == 200
    return first


def test_the_panel_lists_todays_skipped_tickets_of_its_services(tmp_path):
    """GET /api/counters/{id}/skipped and the counter snapshot list the no-show for Loket 1 and 2 (they serve A),
    not for Loket 3 (C only); a skip made later reaches the open panel as ticket.skipped."""
    with running(tmp_path / "data") as client:
        budi, sari = login(client), login(client, "sari", "2345")
        first = skip_first(client, budi)
        listed = client.get("/api/counters/2/skipped", headers=budi)
        assert listed.status_code == 200
        tickets = listed.json()["tickets"]
        assert [(t["number"], t["status"], t["counter"]) for t in tickets] == [("A001", "skipped", "1")]
        assert client.get("/api/counters/3/skipped", headers=sari).json() == {"tickets": []}
        assert error_of(client.get("/api/counters/1/skipped")) == (401, "unauthorized")
        assert error_of(client.get("/api/counters/3/skipped", headers=budi)) == (403, "counter_not_allowed")
        token = budi["Authorization"].split()[1]
        with client.websocket_connect(f"/ws/counter/1?token={token}") as panel:
            assert [t["id"] for t in receive_json(panel)["skipped"]] == [first["id"]]
            act(client, "1", "call-next", budi)
            act(client, "1", "skip", budi)
            event = receive_until(panel, "ticket.skipped")[-1]
            assert event["ticket"]["number"] == "A002"


def test_calling_a_skipped_ticket_back_is_announced_and_followed_by_its_holder(tmp_path):
    """call-skipped: 200 with the ticket called at this counter; TVs get ticket.called like any call; the holder's
    /ws/ticket goes from skipped to called (calls 2); the history names the officer of each action."""
    clock = Clock()
    data = tmp_path / "data"
    with running(data, clock) as client:
        budi = login(client)
        first = skip_first(client, budi)
        with client.websocket_connect(f"/ws/ticket/{first['token']}") as phone, \
                client.websocket_connect("/ws/display?zone=lantai-2") as tv:
            assert receive_json(phone)["ticket"]["status"] == "skipped"
            receive_json(tv)
            clock.advance(minutes=20)
            answer = act(client, "2", "call-skipped", budi, {"ticket": first["id"]})
            assert answer.status_code == 200, answer.text
            ticket = answer.json()["ticket"]
            assert (ticket["number"], ticket["status"], ticket["counter"]) == ("A001", "called", "2")
            assert ticket["calls"] == 2
            assert answer.json()["counter"]["ticket"]["id"] == first["id"]
            called = receive_until(tv, "ticket.called")[-1]
            assert called["ticket"]["id"] == first["id"] and called["counter"]["name"] == "Loket 2"
            live = receive_json(phone)["ticket"]
            assert (live["status"], live["counter_name"], live["calls"]) == ("called", "Loket 2", 2)
        assert client.get("/api/counters/1/skipped", headers=budi).json() == {"tickets": []}
        recent = client.get("/api/state?zone=lantai-2").json()["recent"]
        assert (recent[0]["number"], recent[0]["counter"]["id"]) == ("A001", "2")
    assert history(data, first["id"]) == [
        ("issued", None, None, "A"), ("called", "1", "budi", "A"), ("skipped", "1", "budi", "A"),
        ("called", "2", "budi", "A")]


def test_reinstating_puts_the_ticket_back_at_its_original_place(tmp_path):
    """reinstate: 200 with the ticket waiting and nobody ahead (it arrived first); a ticket.reinstated event with the
    new waiting counts; the next call-next anywhere picks it."""
    with running(tmp_path / "data") as client:
        budi = login(client)
        first = skip_first(client, budi)
        issue(client, "A")
        token = budi["Authorization"].split()[1]
        with client.websocket_connect(f"/ws/counter/2?token={token}") as panel:
            receive_json(panel)
            answer = act(client, "1", "reinstate", budi, {"ticket": first["id"]})
            assert answer.status_code == 200, answer.text
            ticket = answer.json()["ticket"]
            assert (ticket["status"], ticket["ahead"], ticket["arrived_at"]) == ("waiting", 0, first["arrived_at"])
            event = receive_until(panel, "ticket.reinstated")[-1]
            assert [(q["code"], q["waiting"]) for q in event["services"]] == [("A", 3)]
            assert event["counter"]["id"] == "1"
        assert act(client, "2", "call-next", budi).json()["ticket"]["number"] == "A001"
        assert client.get("/api/state").json()["services"][0]["issued"] == 3


def test_refusals_are_precise_and_change_nothing(tmp_path):
    """409 ticket_not_skipped (waiting, called, served), ticket_other_service, ticket_other_day; 404 unknown_ticket;
    422 for a missing or non-integer ticket; each in Indonesian, and the event log does not move."""
    clock = Clock()
    with running(tmp_path / "data", clock) as client:
        budi, sari = login(client), login(client, "sari", "2345")
        first = skip_first(client, budi)
        waiting = issue(client, "A")
        seq = client.get("/api/health").json()["seq"]
        for action in ("call-skipped", "reinstate"):
            for body, expected in (({"ticket": waiting["id"]}, (409, "ticket_not_skipped")),
                                   ({"ticket": 9999}, (404, "unknown_ticket")),
                                   ({"ticket": 10 ** 22}, (404, "unknown_ticket")),  # past SQLite's integers
                                   ({"ticket": -(10 ** 22)}, (404, "unknown_ticket")),
                                   ({}, (422, "missing_field")),
                                   ({"ticket": "A001"}, (422, "invalid_field")),
                                   ({"ticket": True}, (422, "invalid_field"))):
                assert error_of(act(client, "1", action, budi, body)) == expected, (action, body)
            refused = act(client, "3", action, sari, {"ticket": first["id"]})
            assert error_of(refused) == (409, "ticket_other_service")
            assert refused.json()["error"]["message"] == (
                "Nomor A001 adalah nomor layanan Perekaman KTP-el, yang tidak dilayani Loket 3.")
        assert client.get("/api/health").json()["seq"] == seq
        act(client, "1", "call-skipped", budi, {"ticket": first["id"]})
        act(client, "1", "done", budi)
        served = act(client, "1", "reinstate", budi, {"ticket": first["id"]})
        assert error_of(served) == (409, "ticket_not_skipped") and "sudah selesai dilayani" in served.text
        act(client, "1", "call-next", budi)
        act(client, "1", "skip", budi)  # A002 skipped today...
        clock.advance(days=1)  # ...and tomorrow it belongs to another day
        late = act(client, "1", "call-skipped", login(client), {"ticket": first["id"] + 1})
        assert error_of(late) == (409, "ticket_other_day") and "bukan hari ini" in late.json()["error"]["message"]


def test_skipped_tickets_survive_a_restart(tmp_path):
    """After the hub restarts the no-show is still listed and can be called back; yesterday's are not listed."""
    clock = Clock()
    data = tmp_path / "data"
    with running(data, clock) as client:
        first = skip_first(client, login(client))
    with running(data, clock) as client:
        budi = login(client)
        assert [t["id"] for t in client.get("/api/counters/1/skipped", headers=budi).json()["tickets"]] == [first["id"]]
        with client.websocket_connect(f"/ws/ticket/{first['token']}") as phone:
            assert receive_json(phone)["ticket"]["status"] == "skipped"
            assert act(client, "1", "call-skipped", budi, {"ticket": first["id"]}).status_code == 200
            assert receive_json(phone)["ticket"]["status"] == "called"
        act(client, "1", "skip", budi)
    clock.advance(days=1, hours=1)
    with running(data, clock) as client:
        assert client.get("/api/counters/1/skipped", headers=login(client)).json() == {"tickets": []}


def test_history_is_written_with_the_change_or_not_at_all(tmp_path):
    """A change whose history row cannot be written is not made at all: ticket, desk and history share
    one transaction."""
    data = tmp_path / "data"
    with running(data) as client:
        budi = login(client)
        first = issue(client, "A")
        with sqlite3.connect(data / "mpp.sqlite3") as db:
            db.execute("CREATE TRIGGER refuse BEFORE INSERT ON ticket_history WHEN NEW.action = 'called' "
                       "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END")
        with pytest.raises(sqlite3.DatabaseError):
            act(client, "1", "call-next", budi)
        assert client.get(f"/api/tickets/{first['token']}").json()["ticket"]["status"] == "waiting"
    with sqlite3.connect(data / "mpp.sqlite3") as db:
        assert db.execute("SELECT status FROM tickets WHERE id = ?", (first["id"],)).fetchone() == ("waiting",)
    assert history(data, first["id"]) == [("issued", None, None, "A")]
