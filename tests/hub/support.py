"""Helpers for the hub tests: a controllable clock, in-process apps and WebSocket reads with a timeout."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
from starlette.testclient import TestClient

from config.site import SiteConfig, load_config
from server.app import create_app
from server.settings import Settings
from tests.conftest import TEST_CONFIG

PIN_1111 = "scrypt$16384$8$1$B1Mf2cXIZI1NW2Ar8Nr6zQ==$E3jaOAQxCztJJJQD0NaDrgmC1u8oyWZ3j4WToTvf8IM="
# 09:00 WIB on a Monday.
MORNING = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand; the hub reads it through Settings(clock=...)."""

    def __init__(self, now: datetime = MORNING) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def set(self, now: datetime) -> None:
        with self._lock:
            self.now = now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self.now += timedelta(**delta)
            return self.now


@contextlib.contextmanager
def running(data_dir: Path, clock: Clock | None = None, config: SiteConfig | None = None,
            **settings) -> Iterator[TestClient]:
    """create_app() on a real SQLite file in `data_dir`, lifespan started."""
    config = config or load_config(TEST_CONFIG)
    app = create_app(Settings(config, data_dir, clock=clock or Clock(), **settings))
    with TestClient(app) as client:
        yield client


def login(client: TestClient, username: str = "budi", pin: str = "1234") -> dict[str, str]:
    """Log in and return the Authorization header."""
    response = client.post("/api/login", json={"username": username, "pin": pin})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def issue(client: TestClient, service: str = "A", priority: bool = False) -> dict:
    response = client.post("/api/tickets", json={"service": service, "priority": priority})
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


def act(client: TestClient, counter: str, action: str, headers: dict, body: dict | None = None):
    return client.post(f"/api/counters/{counter}/{action}", json=body, headers=headers)


def called_on_display(client: TestClient, service: str = "A", counter: str = "1", zone: str = "lantai-2",
                      officer: tuple[str, str] = ("budi", "1234")) -> dict:
    """Issue a ticket of `service`, call it at `counter`; the ticket.called event as a display of `zone` got it."""
    headers = login(client, *officer)
    issue(client, service)
    with client.websocket_connect(f"/ws/display?zone={zone}") as ws:
        receive_json(ws)
        act(client, counter, "call-next", headers)
        return receive_json(ws)


def error_of(response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) - {"retry_after"} == {"code", "message"}, body
    assert body["error"]["message"], body
    if "retry_after" in body["error"]:  # a 429: the wait as a number too, in the body and the header
        assert response.status_code == 429 and body["error"]["retry_after"] > 0, body
        assert response.headers["retry-after"] == str(body["error"]["retry_after"]), response.headers
    return response.status_code, body["error"]["code"]


def receive(ws, timeout: float = 5.0) -> dict:
    """The next message of a TestClient WebSocket, as an ASGI message; fails instead of hanging."""

    async def get():
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    return ws.portal.call(get)


def receive_json(ws, timeout: float = 5.0) -> dict:
    message = receive(ws, timeout)
    assert message["type"] == "websocket.send", message
    return json.loads(message["text"])


def assert_nothing_more(ws) -> None:
    """A ping is answered after everything already queued: if pong comes next, nothing else was pending."""
    ws.send_text(json.dumps({"type": "ping", "t": 1}))
    assert receive_json(ws) == {"type": "pong", "t": 1}


def receive_until(ws, type_: str, timeout: float = 5.0) -> list[dict]:
    """Messages up to and including the first of `type_`."""
    got = []
    while True:
        got.append(receive_json(ws, timeout))
        if got[-1]["type"] == type_:
            return got


def assert_private_page(response) -> None:
    """A page that holds a session token (counter panel, admin console): a strict policy, never cached or sent
    as a referrer, and nothing in it that the policy would block (its start-up data is JSON, not code)."""
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    for rule in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                 "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"):
        assert rule in csp, rule
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert not re.search(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>', response.text)
    assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", response.text)
    assert "<style" not in response.text
