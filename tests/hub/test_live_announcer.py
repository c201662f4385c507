"""server/live_announcer.py: the announcer is rebuilt when what calls sound like changes, and only then."""

from __future__ import annotations

import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from config.site import dump_config
from server.live_announcer import LiveAnnouncer
from tests.conftest import site_config


class FakeAnnouncer:
    """Stands in for audio.announcer.Announcer: records its life and answers its one route with its name."""

    def __init__(self, config, cache_dir, name: str) -> None:
        self.config, self.name = config, name
        self.started = self.stopped = False

    async def start(self) -> None:
        self.started = True

    async def stop(self, timeout: float = 5.0) -> None:
        self.stopped = True

    def announce(self, ticket, counter, **kwargs):
        return {"text": f"{self.name}: {self.config.services[ticket['service']].name}", "audio_url": None}

    def routes(self):
        async def chime(request):
            return PlainTextResponse(self.name)

        return [Route("/audio/chime.wav", chime)]


class Factory:
    def __init__(self) -> None:
        self.built: list[FakeAnnouncer] = []
        self.fail = False

    def __call__(self, config, cache_dir):
        if self.fail:
            raise RuntimeError("no voice")
        self.built.append(FakeAnnouncer(config, cache_dir, f"v{len(self.built) + 1}"))
        return self.built[-1]


@pytest.mark.asyncio
async def test_replaced_when_spoken_names_change_kept_otherwise(tmp_path):
    """A renamed service builds, starts and switches to a new announcer and stops the old one; a quota
    change does not; the /audio route reaches whichever is current."""
    factory = Factory()
    base = site_config()
    live = LiveAnnouncer(factory, base, tmp_path)
    (route,) = live.routes()
    await live.start()
    live.reconfigure(site_config(services=[{**s, "daily_quota": 5} for s in _services(base)]))
    await live.settled()
    assert len(factory.built) == 1
    renamed = site_config(services=[{**s, "name": "KTP Elektronik"} if s["code"] == "A" else s
                                    for s in _services(base)])
    live.reconfigure(renamed)
    await live.settled()
    first, second = factory.built
    assert live.current is second and second.started and first.stopped
    assert live.announce({"service": "A"}, {})["text"] == "v2: KTP Elektronik"
    assert (await route.endpoint(None)).body == b"v2"


@pytest.mark.asyncio
async def test_a_failing_rebuild_keeps_the_old_announcer(tmp_path):
    """If the new announcer cannot be built, calls go on with the old one."""
    factory = Factory()
    base = site_config()
    live = LiveAnnouncer(factory, base, tmp_path)
    await live.start()
    factory.fail = True
    live.reconfigure(site_config(audio={"rate": 170}))
    await live.settled()
    assert live.current is factory.built[0] and not factory.built[0].stopped
    factory.fail = False
    live.reconfigure(site_config(audio={"rate": 170}))
    await live.settled()
    assert live.current is factory.built[1] and factory.built[0].stopped


def _services(config):
    return dump_config(config)["services"]
