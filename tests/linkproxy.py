"""A TCP proxy in front of the hub whose link can fail the way Wi-Fi and routers fail: no FIN, no RST."""

from __future__ import annotations

import asyncio
import threading

from tests.conftest import free_port


class LinkProxy:
    """Forwards 127.0.0.1:`port` to the hub on `target_port`, on its own thread and event loop.

    - `frozen` (an Event, set and cleared by the test): nothing passes, new connections wait too, as on
      a Wi-Fi link that is down for a while; what was sent meanwhile arrives once it is cleared.
    - `blackhole()`: every connection open now stops passing anything, in both directions, for good,
      without closing (a router that lost its state); new connections pass normally.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.frozen = threading.Event()
        self._dead: list[asyncio.Event] = []  # one per connection: set when black-holed
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        ready = threading.Event()
        self.thread = threading.Thread(target=asyncio.run, args=(self._main(ready),), daemon=True)
        self.thread.start()
        ready.wait(5)

    def blackhole(self) -> None:
        """Kill every connection open now, silently."""
        done = threading.Event()

        def kill() -> None:
            for dead in self._dead:
                dead.set()
            done.set()

        self.loop.call_soon_threadsafe(kill)
        done.wait(5)

    async def _pipe(self, reader, writer, dead: asyncio.Event) -> None:
        try:
            while data := await reader.read(65536):
                while self.frozen.is_set() and not dead.is_set():
                    await asyncio.sleep(0.05)
                if dead.is_set():
                    await asyncio.Event().wait()  # swallow this and everything after; never close
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
        dead = asyncio.Event()
        self._dead.append(dead)
        self.pipes += [asyncio.ensure_future(self._pipe(client_reader, hub_writer, dead)),
                       asyncio.ensure_future(self._pipe(hub_reader, client_writer, dead))]

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
