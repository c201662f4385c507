"""The seam between the hall and spoken calls: what the hub needs from an announcer.

The hub builds its announcer with `Settings.announcer_factory(config, cache_dir)`
and uses it only through `Announcing`, so `server/` never imports `audio/`
(run.py wires `audio.announcer.Announcer` in; `--no-audio` passes no factory).
Every method but `start`/`stop` is called on the event loop and must return at
once and never raise: audio must never stop a call from going out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, runtime_checkable

from starlette.routing import BaseRoute

from config.site import SiteConfig


@runtime_checkable
class Announcing(Protocol):
    """Spoken calls, as the hall and the app use them."""

    async def start(self) -> None:
        """Start rendering (may take seconds: engines are probed). Called once, in the app's lifespan."""

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop within about `timeout` seconds, even while a render hangs."""

    def announce(self, ticket: dict, counter: dict, *, recall: bool = False, play: bool = True,
                 made_as: str | None = None) -> dict | None:
        """Queue the call's sound and return its announcement at once: `{"text", "audio_url"}`, the shape of
        `server.views.Announcement`, which the hall validates it into. `ticket` is a ticket's JSON view
        (`number`, `service`), `counter` a counter reference (`id`, `name`, `zone`). With `play=False`
        the hub's own speakers wait for `play()`, called once the call is committed. `made_as`: for a call
        another hub process made, its event's `audio_url`, which this process's routes must then answer too
        (with this process's sound when it renders the call differently)."""

    def play(self, ticket: dict, counter: dict, *, recall: bool = False) -> None:
        """Play a committed call on the hub PC's speakers, if the site uses them."""

    def prerender(self, pairs: list[tuple[dict, dict]]) -> None:
        """Hints: (ticket, counter) pairs likely to be called next, rendered in idle time."""

    def health(self) -> dict:
        """The `audio` part of /api/health; its `status` is "ok", "degraded" or "off"."""

    def routes(self) -> list[BaseRoute]:
        """HTTP routes the TVs fetch the sound from, and the voice pack's admin API (mounted on the hub's app)."""


# Called once when the app is built, with the site configuration and the data folder's audio cache
# directory; raises config.site.ConfigError for a bad [audio] section (the hub does not start).
AnnouncerFactory = Callable[[SiteConfig, Path], Announcing]
