"""WebSockets through TestClient: snapshot, ordered events, zones, resume with since, protocol errors."""

from __future__ import annotations

import sqlite3

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.hub.support import (
    Clock,
    act,
    assert_nothing_more,
    issue,
    login,
    receive,
    receive_json,
    receive_until,
    running,
)


@pytest.fixture
def client(tmp_path):
    with running(tmp_path / "data", Clock()) as client:
        yield client


def events(ws, n: int) -> list[dict]:
    return [receive_json(ws) for _ in range(n)]


def closed_with(ws) -> int:
    """Read until the server closes; returns the close code."""
    while True:
        message = receive(ws)
        if message["type"] == "websocket.close":
            return message["code"]


def test_snapshot_first(client):
    """A display's first message is a snapshot of the state with the current seq."""
    issue(client)
    with client.websocket_connect("/ws/display") as ws:
        snap = receive_json(ws)
    assert snap["type"] == "snapshot" and snap["seq"] == 1
    assert snap["services"][0]["waiting"] == 1 and [c["id"] for c in snap["counters"]] == ["1", "2", "3", "4"]
    assert snap["site"]["name"] == "MPP Uji Coba" and snap["recent"] == []


def test_events_in_order_with_increasing_seq(client):
    """After the snapshot, each change arrives as typed events with seq increasing by one."""
    budi = login(client)
    with client.websocket_connect("/ws/display") as ws:
        seq = receive_json(ws)["seq"]
        issue(client, "A")
        issue(client, "B", priority=True)
        act(client, "1", "call-next", budi)
        act(client, "1", "recall", budi)
        act(client, "1", "done", budi)
        got = events(ws, 5)
        assert_nothing_more(ws)
    assert [e["type"] for e in got] == ["ticket.issued", "ticket.issued", "ticket.called", "ticket.recalled",
                                        "ticket.done"]
    assert [e["seq"] for e in got] == list(range(seq + 1, seq + 6))
    called = got[2]
    assert called["ticket"]["number"] == "B001" and called["ticket"]["status"] == "called"
    assert called["counter"] == {"id": "1", "name": "Loket 1", "zone": "lantai-2", "state": "open", "served": 0}
    assert called["finished"] is None and called["announcement"] is None
    assert [(s["code"], s["waiting"], s["priority_waiting"]) for s in called["services"]] == [("B", 0, 0)]
    assert got[3]["ticket"]["calls"] == 2 and got[4]["ticket"]["status"] == "done"
    assert got[4]["counter"]["served"] == 1


def test_zone_filter(client):
    """A zone's display gets its counters' events plus zone-less ones, never another zone's."""
    budi, sari = login(client), login(client, "sari", "2345")
    with client.websocket_connect("/ws/display?zone=lantai-3") as ws3, \
            client.websocket_connect("/ws/display?zone=lantai-2") as ws2:
        snap3 = receive_json(ws3)
        assert [c["id"] for c in snap3["counters"]] == ["4"]
        receive_json(ws2)
        issue(client, "A")
        issue(client, "A")
        act(client, "1", "call-next", budi)  # lantai-2
        act(client, "4", "call-next", sari)  # lantai-3
        got3 = events(ws3, 3)
        got2 = events(ws2, 3)
        assert_nothing_more(ws3)
        assert_nothing_more(ws2)
    assert [e["type"] for e in got3] == ["ticket.issued", "ticket.issued", "ticket.called"]
    assert got3[2]["counter"]["id"] == "4"
    assert got2[2]["counter"]["id"] == "1"
    assert [e["seq"] for e in got3] == sorted(e["seq"] for e in got3)


def test_since_replays_exactly_the_missed_events(client):
    """Reconnecting with since=N gets exactly the zone's (and zone-less) events after N, then live ones."""
    budi, sari = login(client), login(client, "sari", "2345")
    with client.websocket_connect("/ws/display?zone=lantai-3") as ws:
        since = receive_json(ws)["seq"]
    issue(client, "A")
    issue(client, "C")
    act(client, "1", "call-next", budi)
    act(client, "4", "call-next", sari)
    act(client, "4", "recall", sari)
    act(client, "1", "skip", budi)
    with client.websocket_connect(f"/ws/display?zone=lantai-3&since={since}") as ws:
        replay = events(ws, 4)
        assert_nothing_more(ws)
        issue(client, "B")
        live = receive_json(ws)
    assert [(e["type"], e["seq"]) for e in replay] == [
        ("ticket.issued", since + 1), ("ticket.issued", since + 2),
        ("ticket.called", since + 4), ("ticket.recalled", since + 5)]
    assert live["type"] == "ticket.issued" and live["seq"] == since + 7
    with client.websocket_connect(f"/ws/display?since={since + 5}") as ws:
        everything = events(ws, 2)
        assert_nothing_more(ws)
    assert [(e["type"], e["seq"]) for e in everything] == [
        ("ticket.skipped", since + 6), ("ticket.issued", since + 7)]


def test_since_up_to_date_sends_nothing_until_the_next_event(client):
    """since equal to the last seq sends nothing first, then streams new events."""
    seq = issue(client)["id"] and client.get("/api/state").json()["seq"]
    with client.websocket_connect(f"/ws/display?since={seq}") as ws:
        assert_nothing_more(ws)
        issue(client)
        assert receive_json(ws)["seq"] == seq + 1


@pytest.mark.parametrize("since", ["999", "abc", "-1", "1e3", "9" * 5000])
def test_since_beyond_or_invalid_gets_a_snapshot(client, since):
    """since beyond the log (or not a number) gets a fresh snapshot."""
    issue(client)
    with client.websocket_connect(f"/ws/display?since={since}") as ws:
        snap = receive_json(ws)
    assert snap["type"] == "snapshot" and snap["seq"] == 1


def test_since_gone_from_the_log_gets_a_snapshot(tmp_path):
    """When the missed events were pruned from the log, the client gets a snapshot instead."""
    data = tmp_path / "data"
    with running(data) as client:
        for _ in range(5):
            issue(client)
    db = sqlite3.connect(data / "mpp.sqlite3")
    with db:
        db.execute("DELETE FROM events WHERE seq <= 3")
    db.close()
    with running(data) as client:
        with client.websocket_connect("/ws/display?since=1") as ws:
            snap = receive_json(ws)
            assert snap["type"] == "snapshot" and snap["seq"] == 5
            assert snap["services"][0]["waiting"] == 5
        with client.websocket_connect("/ws/display?since=3") as ws:
            assert [e["seq"] for e in events(ws, 2)] == [4, 5]
            assert_nothing_more(ws)


def test_ping_gets_pong(client):
    """A {"type": "ping"} is answered with a pong echoing t."""
    with client.websocket_connect("/ws/display") as ws:
        receive_json(ws)
        assert_nothing_more(ws)


def test_garbage_gets_an_error_and_others_are_unaffected(client):
    """Garbage text gets an error event; the connection and other clients keep receiving events."""
    with client.websocket_connect("/ws/display") as bad, client.websocket_connect("/ws/display") as good:
        receive_json(bad)
        receive_json(good)
        for text, code in [("hello", "invalid_json"), ("[1]", "invalid_message"),
                           ('{"type": "subscribe"}', "unknown_message"), ("x" * 5000, "message_too_large")]:
            bad.send_text(text)
            error = receive_json(bad)
            assert error["type"] == "error" and error["code"] == code and error["message"]
        issue(client)
        assert receive_json(bad)["type"] == "ticket.issued"
        assert receive_json(good)["type"] == "ticket.issued"


@pytest.mark.parametrize("path", ["/ws/display", "/ws/counter/1?token={token}"])
def test_json_nested_past_the_stack_is_only_invalid_json(client, path):
    """A message nested deeper than Python's stack ("[[[[…") gets invalid_json; the socket stays up."""
    token = login(client)["Authorization"].split()[1]
    with client.websocket_connect(path.format(token=token)) as ws:
        assert receive_json(ws)["type"] == "snapshot"
        ws.send_text("[" * 2000 + "]" * 2000)
        assert receive_json(ws)["code"] == "invalid_json"
        ws.send_text('{"type": "ping", "t": 1}')
        assert receive_json(ws) == {"type": "pong", "t": 1}


def test_five_bad_messages_close_with_1008(client):
    """Five invalid messages close the socket with 1008; other clients keep receiving."""
    with client.websocket_connect("/ws/display") as ws, client.websocket_connect("/ws/display") as other:
        receive_json(ws)
        receive_json(other)
        for _ in range(4):
            ws.send_text("nope")
            assert receive_json(ws)["code"] == "invalid_json"
        ws.send_text("nope")
        assert closed_with(ws) == 1008
        issue(client)
        assert receive_json(other)["type"] == "ticket.issued"


def test_fifth_bad_message_gets_its_error_before_the_close(client):
    """The fifth invalid message is answered with its error event before the 1008 close."""
    with client.websocket_connect("/ws/display") as ws:
        receive_json(ws)
        for _ in range(4):
            ws.send_text("nope")
            receive_json(ws)
        ws.send_text("nope")
        message = receive(ws)
        assert message["type"] == "websocket.send" and '"type":"error"' in message["text"], message
        assert closed_with(ws) == 1008


def test_binary_frame_closes_with_1003(client):
    """A binary frame closes that socket with 1003; other clients keep receiving."""
    with client.websocket_connect("/ws/display") as ws, client.websocket_connect("/ws/display") as other:
        receive_json(ws)
        receive_json(other)
        ws.send_bytes(b"\x00\x01")
        assert closed_with(ws) == 1003
        issue(client)
        assert receive_json(other)["type"] == "ticket.issued"
        assert_nothing_more(other)


def test_ticket_socket_treats_garbage_like_every_socket(client):
    """A phone's socket answers garbage with error events, closes after the fifth with 1008 and on a binary
    frame with 1003, like the other sockets; the deep nesting of a hostile message is only garbage too."""
    token = issue(client)["token"]
    with client.websocket_connect(f"/ws/ticket/{token}") as ws:
        assert receive_json(ws)["type"] == "ticket.status"
        for text in ["nope", "[" * 2000 + "]" * 2000, "[1]", '{"type": "x"}']:
            ws.send_text(text)
            assert receive_json(ws)["type"] == "error"
        ws.send_text('{"type": "ping", "t": 7}')
        assert receive_json(ws) == {"type": "pong", "t": 7}
        ws.send_text("nope")
        assert receive_json(ws)["code"] == "invalid_json"
        assert closed_with(ws) == 1008
    with client.websocket_connect(f"/ws/ticket/{token}") as ws:
        receive_json(ws)
        ws.send_bytes(b"\x00\x01")
        assert closed_with(ws) == 1003


@pytest.mark.parametrize("path", ["/ws/display", "/ws/counter/1?token=x", "/ws/ticket/x"])
def test_foreign_origin_refused(client, path):
    """A browser Origin of another host is refused before the socket opens."""
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect(path, headers={"origin": "http://evil.example"}):
            pass
    assert refused.value.code == 1008


def test_own_origin_accepted(client):
    """The hub's own origin (and no Origin at all) is accepted."""
    with client.websocket_connect("/ws/display", headers={"origin": "http://testserver"}) as ws:
        assert receive_json(ws)["type"] == "snapshot"


def test_unknown_zone_is_an_error_and_1008(client):
    """A display asking for an unknown zone gets an error event and close 1008."""
    with client.websocket_connect("/ws/display?zone=atap") as ws:
        error = receive_json(ws)
        assert error["type"] == "error" and error["code"] == "unknown_zone"
        assert closed_with(ws) == 1008


@pytest.mark.parametrize(("who", "counter", "code"), [
    (None, "1", "unauthorized"),
    ("bad", "1", "unauthorized"),
    ("budi", "3", "counter_not_allowed"),
    ("koordinator", "99", "unknown_counter"),
])
def test_counter_socket_auth_errors(client, who, counter, code):
    """A counter socket with a missing/bad token, a foreign counter or an unknown counter gets an error + 1008."""
    pins = {"budi": "1234", "koordinator": "1111"}
    query = ""
    if who == "bad":
        query = "?token=not-a-session"
    elif who is not None:
        query = "?token=" + login(client, who, pins[who])["Authorization"].split()[1]
    with client.websocket_connect(f"/ws/counter/{counter}{query}") as ws:
        error = receive_json(ws)
        assert error["type"] == "error" and error["code"] == code and error["message"]
        assert closed_with(ws) == 1008


def test_counter_socket_sees_every_zone(client):
    """A logged-in officer's counter socket gets a snapshot and the events of every zone."""
    token = login(client)["Authorization"].split()[1]
    sari = login(client, "sari", "2345")
    with client.websocket_connect(f"/ws/counter/1?token={token}") as ws:
        snap = receive_json(ws)
        assert snap["type"] == "snapshot" and len(snap["counters"]) == 4
        issue(client, "C")
        act(client, "4", "call-next", sari)
        got = events(ws, 2)
        assert_nothing_more(ws)
    assert [e["type"] for e in got] == ["ticket.issued", "ticket.called"]
    assert got[1]["counter"]["zone"] == "lantai-3"


def test_ticket_socket_pushes_status_changes(client):
    """/ws/ticket/{token} sends the ticket's status, then again when it is called and finished."""
    budi = login(client)
    ticket = issue(client)
    issue(client)
    with client.websocket_connect(f"/ws/ticket/{ticket['token']}") as ws:
        first = receive_json(ws)
        assert first["type"] == "ticket.status" and first["ticket"]["status"] == "waiting"
        assert first["ticket"]["number"] == "A001" and first["ticket"]["ahead"] == 0
        act(client, "1", "call-next", budi)
        called = receive_json(ws)
        assert called["ticket"]["status"] == "called" and called["ticket"]["counter"] == "1"
        assert called["ticket"]["counter_name"] == "Loket 1"
        act(client, "1", "done", budi)
        assert receive_json(ws)["ticket"]["status"] == "done"


def test_ticket_socket_unknown_token(client):
    """A ticket socket with an unknown token gets an error and close 1008."""
    with client.websocket_connect("/ws/ticket/nope") as ws:
        assert receive_json(ws)["code"] == "unknown_ticket"
        assert closed_with(ws) == 1008


def test_resume_after_close_keeps_the_events_in_order(client):
    """Events published while a client catches up on its backlog are delivered after it, in seq order."""
    with client.websocket_connect("/ws/display") as ws:
        since = receive_json(ws)["seq"]
    for _ in range(30):
        issue(client)
    with client.websocket_connect(f"/ws/display?since={since}") as ws:
        for _ in range(5):
            issue(client)
        got = receive_until(ws, "ticket.issued")
        got += events(ws, 34)
        assert_nothing_more(ws)
    assert [e["seq"] for e in got] == list(range(since + 1, since + 36))


def test_ticket_socket_follows_a_transfer(client):
    """After a transfer the citizen's socket shows the ticket waiting in the new service with the same number."""
    budi = login(client)
    ticket = issue(client, "A")
    act(client, "1", "call-next", budi)
    with client.websocket_connect(f"/ws/ticket/{ticket['token']}") as ws:
        assert receive_json(ws)["ticket"]["status"] == "called"
        act(client, "1", "transfer", budi, {"service": "C"})
        moved = receive_json(ws)["ticket"]
    assert (moved["number"], moved["service"], moved["status"]) == ("A001", "C", "waiting")
    assert moved["origin"] == ticket["id"]


def test_resume_from_another_database_gets_a_snapshot(client):
    """A `since` from another database (wiped or restored data folder) is not resumed: snapshot instead."""
    with client.websocket_connect("/ws/display") as ws:
        epoch = receive_json(ws)["epoch"]
    issue(client)
    issue(client)
    with client.websocket_connect(f"/ws/display?since=1&epoch={epoch}") as ws:
        resumed = receive_json(ws)
    with client.websocket_connect("/ws/display?since=1&epoch=not-this-one") as ws:
        fresh = receive_json(ws)
    assert resumed["type"] == "ticket.issued" and resumed["seq"] == 2 and resumed["at"]
    assert fresh["type"] == "snapshot" and fresh["seq"] == 2 and fresh["epoch"] == epoch


def test_ticket_socket_answers_pings(client):
    """A citizen's phone can check its link: the ticket socket answers a ping with a pong."""
    token = issue(client)["token"]
    with client.websocket_connect(f"/ws/ticket/{token}") as ws:
        assert receive_json(ws)["type"] == "ticket.status"
        ws.send_json({"type": "ping", "t": 7})
        assert receive_json(ws) == {"type": "pong", "t": 7}


def test_displays_get_heartbeats_and_counter_panels_do_not(tmp_path):
    """/ws/display receives {"type": "heartbeat", "interval"} every interval (its snapshot says the interval);
    a counter panel gets none (it pings when it wants to)."""
    with running(tmp_path / "data", heartbeat_seconds=0.05) as client:
        token = login(client)["Authorization"].split()[1]
        with client.websocket_connect("/ws/display?zone=lantai-2") as display, \
                client.websocket_connect(f"/ws/counter/1?token={token}") as panel:
            assert receive_json(display)["heartbeat"] == 0.05
            assert "heartbeat" not in receive_json(panel)
            beats = [receive_json(display) for _ in range(3)]
            assert beats == [{"type": "heartbeat", "interval": 0.05}] * 3
            assert_nothing_more(panel)
