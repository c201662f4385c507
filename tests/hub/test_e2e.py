"""A real uvicorn hub (`hub` fixture) with a real `websockets` client."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.conftest import HubProcess, wait_for

pytestmark = pytest.mark.e2e


def recv(ws, timeout: float = 10) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def recv_until(ws, type_: str) -> list[dict]:
    got = []
    while not got or got[-1]["type"] != type_:
        got.append(recv(ws))
    return got


def nothing_more(ws) -> None:
    """The pong comes right after anything already sent: if it is next, nothing else was pending."""
    ws.send(json.dumps({"type": "ping", "t": 7}))
    assert recv(ws) == {"type": "pong", "t": 7}


def close_code(ws) -> int:
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    return closed.value.rcvd.code


def test_display_receives_the_call(hub):
    """A display socket gets the snapshot, then ticket.issued and ticket.called for a real call."""
    with connect(hub.ws_url + "/ws/display?zone=lantai-2") as ws:
        snap = recv(ws)
        assert snap["type"] == "snapshot" and snap["zone"] == "lantai-2"
        ticket = hub.issue("B")
        token = hub.login()
        status, body = hub.request("POST", "/api/counters/2/call-next", token=token)
        assert status == 200 and body["ticket"]["id"] == ticket["id"]
        got = recv_until(ws, "ticket.called")
    assert [e["type"] for e in got] == ["ticket.issued", "ticket.called"]
    called = got[-1]
    assert called["ticket"]["number"] == "B001" and called["counter"]["name"] == "Loket 2"
    assert called["seq"] == got[0]["seq"] + 1 == snap["seq"] + 2


def test_reconnect_with_since_gets_exactly_the_missed_events(hub):
    """Reconnecting with since=N over a real socket gets exactly the events after N, then live ones."""
    token = hub.login()
    with connect(hub.ws_url + "/ws/display") as ws:
        since = recv(ws)["seq"]
    hub.issue("A")
    hub.issue("A", priority=True)
    hub.request("POST", "/api/counters/1/call-next", token=token)
    hub.request("POST", "/api/counters/1/skip", token=token)
    with connect(hub.ws_url + f"/ws/display?since={since}") as ws:
        missed = [recv(ws) for _ in range(4)]
        nothing_more(ws)
        hub.issue("C")
        live = recv(ws)
    assert [(e["type"], e["seq"]) for e in missed] == [
        ("ticket.issued", since + 1), ("ticket.issued", since + 2), ("ticket.called", since + 3),
        ("ticket.skipped", since + 4)]
    assert missed[2]["ticket"]["number"] == "A002" and missed[2]["ticket"]["priority"] is True
    assert (live["type"], live["seq"]) == ("ticket.issued", since + 5)


def test_protocol_errors_on_the_real_socket(hub):
    """On uvicorn: garbage gets error events, the 5th closes with 1008, binary closes with 1003; others go on."""
    with connect(hub.ws_url + "/ws/display") as bad, connect(hub.ws_url + "/ws/display") as binary, \
            connect(hub.ws_url + "/ws/display") as good:
        for ws in (bad, binary, good):
            recv(ws)
        errors = []
        for _ in range(5):
            bad.send("{oops")
            errors.append(recv(bad))
        assert [e["code"] for e in errors] == ["invalid_json"] * 5
        assert close_code(bad) == 1008
        binary.send(b"\x00\xff")
        assert close_code(binary) == 1003
        hub.issue("A")
        assert recv(good)["type"] == "ticket.issued"
        nothing_more(good)


def test_foreign_origin_refused_on_the_real_socket(hub):
    """The real server refuses a handshake whose Origin is another host, and accepts its own."""
    with pytest.raises(InvalidStatus) as refused:
        connect(hub.ws_url + "/ws/display", origin="http://evil.example")
    assert refused.value.response.status_code == 403
    with connect(hub.ws_url + "/ws/display", origin=hub.url) as ws:
        assert recv(ws)["type"] == "snapshot"


def test_ticket_socket_on_the_real_server(hub):
    """A citizen's ticket socket over uvicorn is told when the ticket is called."""
    ticket = hub.issue("C")
    with connect(hub.ws_url + f"/ws/ticket/{ticket['token']}") as ws:
        assert recv(ws)["ticket"]["status"] == "waiting"
        hub.request("POST", "/api/counters/3/call-next", token=hub.login("sari", "2345"))
        called = recv(ws)
    assert called["type"] == "ticket.status" and called["ticket"]["status"] == "called"
    assert called["ticket"]["counter"] == "3"


def test_large_backlog_with_live_events_stays_in_order(hub):
    """A 300-event since-replay, with calls going on while it is sent, arrives gapless and in order."""
    with connect(hub.ws_url + "/ws/display") as ws:
        since = recv(ws)["seq"]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: hub.issue("ABC"[i % 3]), range(300)))
    token = hub.login("koordinator", "1111")
    with connect(hub.ws_url + f"/ws/display?since={since}", max_queue=None) as ws:
        with ThreadPoolExecutor(2) as pool:
            calls = list(pool.map(lambda c: hub.request("POST", f"/api/counters/{c}/call-next", token=token),
                                  ["1", "2", "3", "4"] * 5))
        assert all(status == 200 for status, _ in calls)
        last = hub.request("GET", "/api/state")[1]["seq"]
        got = [recv(ws) for _ in range(last - since)]
        nothing_more(ws)
    assert [e["seq"] for e in got] == list(range(since + 1, last + 1))
    assert sum(e["type"] == "ticket.called" for e in got) == 20


def test_session_tokens_stay_out_of_the_log(tmp_path):
    """uvicorn logs every WebSocket it accepts; officers' and citizens' tokens are masked there."""
    hub = HubProcess(tmp_path / "data", extra=("--log-level", "info")).start()
    try:
        token = hub.login()
        ticket = hub.issue("A")["token"]
        with connect(f"{hub.ws_url}/ws/counter/1?token={token}") as ws:
            assert json.loads(ws.recv())["type"] == "snapshot"
        with connect(f"{hub.ws_url}/ws/ticket/{ticket}") as ws:
            assert json.loads(ws.recv())["type"] == "ticket.status"
        wait_for(lambda: "/ws/counter/1?token=" in hub.log() and "/ws/ticket/" in hub.log(),
                 what="the accept lines in the log")
        assert token not in hub.log() and ticket not in hub.log()
    finally:
        hub.stop()


def test_real_server_uses_the_direct_fan_out(hub):
    """Under run.py every page takes the one-write-per-change path (uvicorn's protocol internals still fit)."""
    with connect(f"{hub.ws_url}/ws/display?zone=lantai-2") as ws:
        assert json.loads(ws.recv())["type"] == "snapshot"
        status, health = hub.request("GET", "/api/health")
    assert health["connections"]["connections"] == 1 and health["connections"]["direct"] == 1
