"""server/hub.py's direct fan-out on the production path: run.py, uvicorn, real sockets, a TV that stops reading."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import socket
import threading

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import HubProcess, wait_for

pytestmark = pytest.mark.e2e

POSTERS = 4  # parallel kiosks issuing tickets, to produce events faster than one request at a time


def stalled_display(port: int) -> socket.socket:
    """A display that opens its WebSocket, reads the handshake answer and then never reads again
    (a frozen TV). Its receive buffer is kept small, so what the hub sends piles up on the hub."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /ws/display HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)  # byte by byte: nothing after the handshake is read
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


class Reader(threading.Thread):
    """A display that keeps up: records the seq of every event it receives."""

    def __init__(self, ws) -> None:
        super().__init__(daemon=True)
        self.ws = ws
        self.first = json.loads(self.ws.recv(10))["seq"]  # the snapshot
        self.seqs: list[int] = []
        self.bytes = 0
        self.closed: Exception | None = None

    def run(self) -> None:
        try:
            for message in self.ws:
                self.bytes += len(message.encode())
                event = json.loads(message)
                if event["type"] != "heartbeat":  # the hub's 2-second heartbeats carry no seq
                    self.seqs.append(event["seq"])
        except ConnectionClosed as exc:
            self.closed = exc


def health(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/health")
    body = json.loads(conn.getresponse().read())
    conn.close()
    return body["connections"]


def test_a_stalled_display_is_cut_off_while_the_others_keep_receiving(tmp_path):
    """A TV that stops reading is cut off by the hub (its buffer bound, or uvicorn's keep-alive ping at the latest),
    while two TVs that keep reading get every event in order and the hub keeps answering."""
    hub = HubProcess(tmp_path / "data", extra=("--durability", "NORMAL")).start()  # events faster: no fsync each
    stop = threading.Event()
    issued = [0] * POSTERS

    def post(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=10)
        while not stop.is_set():
            conn.request("POST", "/api/tickets", json.dumps({"service": "A"}), {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            assert response.status == 201
            issued[i] += 1
        conn.close()

    posters = [threading.Thread(target=post, args=(i,), daemon=True) for i in range(POSTERS)]
    with contextlib.ExitStack() as stack:
        stack.callback(hub.stop)
        stack.callback(stop.set)
        stalled = stack.enter_context(stalled_display(hub.port))
        readers = [Reader(stack.enter_context(connect(hub.ws_url + "/ws/display"))) for _ in range(2)]
        for reader in readers:
            reader.start()
        assert health(hub.port)["connections"] == 3
        for poster in posters:
            poster.start()
        # The frozen TV's queued data passes the bound (1 MiB on the hub, after what the kernel holds),
        # or uvicorn's ping (20 s, then 20 s for the pong) gives up on it first: either way it goes.
        wait_for(lambda: health(hub.port)["connections"] == 2, timeout=120, what="the stalled display to be cut off")
        stop.set()
        for poster in posters:
            poster.join(15)
        marker = hub.issue("B")["number"]  # made after the cut: it cannot reach the frozen TV
        total = sum(issued) + 1
        last = readers[0].first + total
        wait_for(lambda: all(r.seqs and r.seqs[-1] >= last for r in readers), timeout=30, what="the readers")
        for reader in readers:
            assert reader.closed is None
            assert reader.seqs == list(range(reader.first + 1, last + 1)), "every event, once, in order"
        assert total > 1000  # far more than one TV's worth of buffering went through
        # What the frozen TV would still find on its socket ends: the hub closed or aborted it (a recv timing
        # out here would mean the connection were still open), and the events after the cut never came.
        stalled.settimeout(30)
        received = b""
        try:
            while chunk := stalled.recv(1 << 20):
                received += chunk
        except ConnectionResetError:
            pass  # aborted by the hub: what was in flight is gone
        assert f'"number":"{marker}"'.encode() not in received
