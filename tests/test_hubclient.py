"""The shared browser client (static/common/hubclient.js) in real Chromium, through a link that can freeze."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.linkproxy import LinkProxy


@pytest.fixture
def proxy(hub):
    p = LinkProxy(hub.port)
    yield p
    p.close()


SETUP = """() => new Promise((resolve) => {
  HubClient.limits.tick = 100; HubClient.limits.ping = 300; HubClient.limits.silence = 1000;
  HubClient.limits.connect = 1000; HubClient.limits.backoff = 500; HubClient.limits.beats = 0.5;
  window.log = [];
  window.client = new HubClient({
    path: "/ws/display?zone=lantai-2",
    onSnapshot: (s) => window.log.push("snapshot"),
    onEvent: (e) => window.log.push(e.type + ":" + (e.ticket ? e.ticket.number : "")),
    onStatus: (online) => window.log.push(online ? "online" : "offline"),
  });
  window.client.start();
  resolve();
})"""


def test_a_frozen_link_is_left_and_the_client_catches_up(hub, proxy, browser):
    """A half-open link is noticed within about a second (not Chromium's one-minute close wait),
    reconnects are retried while the link stays dead, and the missed call arrives once it is back."""
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{proxy.port}/api/health")
    page.add_script_tag(url="/static/common/hubclient.js")
    page.evaluate(SETUP)
    page.wait_for_function("() => window.log.includes('snapshot')", timeout=10_000)

    proxy.frozen.set()
    page.wait_for_function("() => window.log.includes('offline')", timeout=10_000)
    hub.issue("A")  # happens while the TV cannot hear
    page.wait_for_timeout(1500)  # several connect attempts hang on the dead link meanwhile
    proxy.frozen.clear()

    page.wait_for_function("() => window.log.some((x) => x.startsWith('ticket.issued:A001'))", timeout=15_000)
    log = page.evaluate("window.log")
    assert log.index("offline") < log.index("ticket.issued:A001")
    assert log.count("ticket.issued:A001") == 1
    wait_for(lambda: page.evaluate("window.client.online"), what="the client to be online again")
    page.close()
