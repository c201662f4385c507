"""kill -9 of the hub process loses no committed ticket; numbering, seq and sessions continue."""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading

import pytest
from websockets.sync.client import connect

from tests.conftest import HubProcess, wait_for

pytestmark = pytest.mark.e2e


def recv(ws) -> dict:
    return json.loads(ws.recv(timeout=10))


def test_kill_and_restart_keeps_everything(tmp_path):
    """After SIGKILL and a restart on the same data: tickets, numbering, seq, sessions and since-replay continue."""
    data = tmp_path / "data"
    hub = HubProcess(data).start()
    try:
        with connect(hub.ws_url + "/ws/display") as ws:
            since = recv(ws)["seq"]
        tickets = [hub.issue("A") for _ in range(5)] + [hub.issue("B") for _ in range(2)]
        token = hub.login()
        hub.request("POST", "/api/counters/1/call-next", token=token)
        status, body = hub.request("POST", "/api/counters/1/call-next", token=token)
        assert status == 200 and body["ticket"]["number"] == "A002"
        before = hub.request("GET", "/api/state")[1]
    finally:
        hub.kill()
    assert hub.proc.returncode == -9

    again = HubProcess(data).start()
    try:
        state = again.request("GET", "/api/state")[1]
        assert state["seq"] == before["seq"]
        assert {s["code"]: (s["waiting"], s["issued"]) for s in state["services"]} == {
            "A": (3, 5), "B": (2, 2), "C": (0, 0)}
        counter = next(c for c in state["counters"] if c["id"] == "1")
        assert counter["state"] == "open" and counter["ticket"]["number"] == "A002" and counter["served"] == 1
        statuses = [again.request("GET", f"/api/tickets/{t['token']}")[1]["ticket"] for t in tickets]
        assert [(t["number"], t["status"]) for t in statuses] == [
            ("A001", "done"), ("A002", "called"), ("A003", "waiting"), ("A004", "waiting"), ("A005", "waiting"),
            ("B001", "waiting"), ("B002", "waiting")]
        assert again.issue("A")["number"] == "A006"
        assert again.issue("B")["number"] == "B003"
        # The session survived the crash: the officer continues where they were.
        status, body = again.request("POST", "/api/counters/1/call-next", token=token)
        assert status == 200 and body["ticket"]["number"] == "A003"
        with connect(again.ws_url + f"/ws/display?since={since}") as ws:
            replay = [recv(ws) for _ in range(before["seq"] - since + 3)]
            ws.send(json.dumps({"type": "ping"}))
            assert recv(ws)["type"] == "pong"
        assert [e["seq"] for e in replay] == list(range(since + 1, before["seq"] + 4))
        assert [e["type"] for e in replay[-3:]] == ["ticket.issued", "ticket.issued", "ticket.called"]
        assert replay[-1]["finished"]["number"] == "A002"
    finally:
        again.stop()


def test_kill_during_a_burst_of_issues(tmp_path):
    """SIGKILL while tickets are being issued: every 201 ticket survives and numbers stay gapless and unique."""
    data = tmp_path / "data"
    hub = HubProcess(data).start()
    received: list[dict] = []
    lock = threading.Lock()
    stop = threading.Event()

    def issue_until_dead(service: str) -> None:
        while not stop.is_set():
            try:
                status, body = hub.request("POST", "/api/tickets", {"service": service})
            except (OSError, http.client.HTTPException):
                return  # the hub died under us
            assert status == 201, body
            with lock:
                received.append(body["ticket"])

    threads = [threading.Thread(target=issue_until_dead, args=("AB"[i % 2],)) for i in range(6)]
    try:
        for t in threads:
            t.start()
        wait_for(lambda: len(received) >= 150, timeout=30, what="150 tickets issued")
    finally:
        hub.kill()
        stop.set()
        for t in threads:
            t.join(20)
    assert not any(t.is_alive() for t in threads)

    again = HubProcess(data).start()
    try:
        for ticket in received:
            status, body = again.request("GET", f"/api/tickets/{ticket['token']}")
            assert status == 200 and body["ticket"]["number"] == ticket["number"]
        db = sqlite3.connect(f"file:{data / 'mpp.sqlite3'}?mode=ro", uri=True)
        rows = db.execute("SELECT service, number FROM tickets ORDER BY id").fetchall()
        db.close()
        state = again.request("GET", "/api/state")[1]
        for code in "AB":
            numbers = [n for s, n in rows if s == code]
            assert numbers == [f"{code}{k:03d}" for k in range(1, len(numbers) + 1)], numbers
            issued = next(s["issued"] for s in state["services"] if s["code"] == code)
            assert issued == len(numbers)
            assert again.issue(code)["number"] == f"{code}{len(numbers) + 1:03d}"
        assert len(rows) >= len(received)
    finally:
        again.stop()
