"""The shared browser client (static/common/hubclient.js) in real Chromium, through a link that can freeze."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.conftest import free_port, wait_for


class FreezingProxy:
    """A TCP proxy in front of the hub that can go half-open: it keeps sockets but passes nothing,
    as a Wi-Fi link that died without a FIN does."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.frozen = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        ready = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._main(ready),), daemon=True)
        self.thread.start()
        ready.wait(5)

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                while self.frozen.is_set():
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _handle(self, client_reader, client_writer) -> None:
        while self.frozen.is_set():  # a frozen link answers no new connection either
            await asyncio.sleep(0.05)
        hub_reader, hub_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.pipes += [asyncio.ensure_future(self._pipe(client_reader, hub_writer)),
                       asyncio.ensure_future(self._pipe(hub_reader, client_writer))]

    async def _main(self, ready: threading.Event) -> None:
        self.loop, self.stop, self.pipes = asyncio.get_running_loop(), asyncio.Event(), []
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        ready.set()
        await self.stop.wait()
        server.close()
        for task in self.pipes:
            task.cancel()
        await asyncio.gather(*self.pipes, return_exceptions=True)
        await server.wait_closed()

    def close(self) -> None:
        self.frozen.clear()
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(5)


@pytest.fixture
def proxy(hub):
    p = FreezingProxy(hub.port)
    yield p
    p.close()


SETUP = """() => new Promise((resolve) => {
  HubClient.limits.tick = 100; HubClient.limits.ping = 300; HubClient.limits.silence = 1000;
  HubClient.limits.connect = 1000; HubClient.limits.backoff = 500;
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
    page.wait_for_function("window.log.includes('snapshot')", timeout=10_000)

    proxy.frozen.set()
    page.wait_for_function("window.log.includes('offline')", timeout=10_000)
    hub.issue("A")  # happens while the TV cannot hear
    page.wait_for_timeout(1500)  # several connect attempts hang on the dead link meanwhile
    proxy.frozen.clear()

    page.wait_for_function("window.log.some((x) => x.startsWith('ticket.issued:A001'))", timeout=15_000)
    log = page.evaluate("window.log")
    assert log.index("offline") < log.index("ticket.issued:A001")
    assert log.count("ticket.issued:A001") == 1
    wait_for(lambda: page.evaluate("window.client.online"), what="the client to be online again")
    page.close()
