"""The hub's announcer, replaced when a configuration change touches what calls sound like.

An announcer (audio/announcer.py) is built from the configuration: its voice,
phrases and pronunciation, the names it speaks (services, agencies, counters,
zones), its cache folder and its player. `LiveAnnouncer` stands in its place for
the hall and the app: when the configuration changes in any of those parts
(`spoken_parts`), it builds a new announcer with the same factory, starts it,
sends every call to it from then on and stops the old one. Its HTTP routes
(`/audio/...`, `/api/admin/voice...`) stay the same objects and reach whichever announcer is current,
so nothing in the app is rebuilt. A call announced in the second before the
switch may lose its voice (the new announcer plays the chime for it); every
later call uses the new settings.

Any other change (a quota, a running text, a PIN) leaves the announcer alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from config.site import SiteConfig
from server.announcing import AnnouncerFactory, Announcing

log = logging.getLogger("mpp.audio")


def spoken_parts(config: SiteConfig) -> Any:
    """Everything an announcer is built from: when this changes, the announcer is replaced."""
    return (
        config.audio, config.pronunciation, config.path,
        [(s.code, s.name, s.agency) for s in config.services.values()],
        [(a.code, a.short_name) for a in config.agencies.values()],
        [(c.id, c.name, c.zone) for c in config.counters.values()],
        [(z.id, z.name) for z in config.zones.values()],
    )


class LiveAnnouncer:
    """An announcer (server.announcing.Announcing) that follows the running configuration.
    `factory(config, cache_dir)` builds one (run.py's announcer factory); every call is passed
    to the current one."""

    def __init__(self, factory: AnnouncerFactory, config: SiteConfig, cache_dir: Path) -> None:
        self._factory = factory
        self._cache_dir = cache_dir
        self.current: Announcing = factory(config, cache_dir)
        self._built_from = spoken_parts(config)
        self._wanted: SiteConfig | None = None
        self._started = False
        self._switching: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._endpoints: dict[str, Callable] = {}
        self._take_endpoints()
        self._routes: list[BaseRoute] = [
            Route(route.path, self._endpoint(route), methods=route.methods, name=route.name)
            for route in self.current.routes()
        ]

    # -- the announcer's own interface, passed on ----------------------------------------

    async def start(self) -> None:
        self._started = True
        await self.current.start()

    async def stop(self, timeout: float = 5.0) -> None:
        self._started = False
        if self._switching is not None:
            self._switching.cancel()
        await self.current.stop(timeout)

    def announce(self, ticket: dict, counter: dict, **kwargs) -> Any:
        return self.current.announce(ticket, counter, **kwargs)

    def play(self, ticket: dict, counter: dict, **kwargs) -> None:
        self.current.play(ticket, counter, **kwargs)

    def prerender(self, pairs: list[tuple[dict, dict]]) -> None:
        self.current.prerender(pairs)

    def health(self) -> dict:
        return self.current.health()

    def routes(self) -> list[BaseRoute]:
        """The audio routes, once: each reaches the current announcer's endpoint for its path."""
        return self._routes

    def __getattr__(self, name: str) -> Any:  # anything else (tests, tools): the current announcer's
        if name.startswith("_") or name == "current":
            raise AttributeError(name)
        return getattr(self.current, name)

    # -- following the configuration -------------------------------------------------------

    def reconfigure(self, config: SiteConfig) -> None:
        """Take a new configuration: replace the announcer if what calls sound like changed. Returns at
        once; the new announcer is built and started in the background, the old one serves meanwhile."""
        self._wanted = config
        if spoken_parts(config) == self._built_from and (self._switching is None or self._switching.done()):
            return
        if not self._started:  # not started yet (the hub is starting): just build it now
            self._switch_now(config)
            return
        if self._switching is None or self._switching.done():
            self._switching = asyncio.ensure_future(self._switch())

    async def settled(self) -> None:
        """Wait until a replacement in progress is done (tests, benchmarks)."""
        while self._switching is not None and not self._switching.done():
            await asyncio.shield(self._switching)

    def _switch_now(self, config: SiteConfig) -> None:
        try:
            self.current = self._factory(config, self._cache_dir)
        except Exception:
            log.exception("spoken calls keep their old settings: the new announcer could not be created")
            return
        self._built_from = spoken_parts(config)
        self._take_endpoints()

    async def _switch(self) -> None:
        async with self._lock:
            while self._wanted is not None and spoken_parts(self._wanted) != self._built_from:
                config = self._wanted
                try:
                    new = self._factory(config, self._cache_dir)
                    await new.start()
                except Exception:
                    log.exception("spoken calls keep their old settings: the new announcer could not start")
                    return
                old, self.current = self.current, new
                self._built_from = spoken_parts(config)
                self._take_endpoints()
                log.info("spoken calls now follow the new configuration")
                try:
                    await old.stop()
                except Exception:
                    log.exception("the previous announcer did not stop cleanly")

    def _take_endpoints(self) -> None:
        # By name, not path: one path may have a route per method (GET, PUT and DELETE of a voice clip).
        self._endpoints.update({route.name: route.endpoint for route in self.current.routes()})

    def _endpoint(self, route: Route) -> Callable:
        name = route.name

        async def endpoint(request: Request):
            return await self._endpoints[name](request)

        endpoint.__name__ = name
        if hasattr(route.endpoint, "openapi"):  # its documentation (server/openapi.py) goes with it
            endpoint.openapi = route.endpoint.openapi
        return endpoint
