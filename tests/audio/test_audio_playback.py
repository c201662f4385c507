"""Server-mode playback through a recording sound card: one at a time on the output, each zone in call order."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GatedEngines, RecordingPlayer, counter, make_site, ticket, wait_for

from audio.announcer import Announcer
from audio.engine import EngineUnavailable
from audio.player import PlaybackQueue


def key_of(result: dict) -> str:
    return result["audio_url"].removeprefix("/audio/").removesuffix(".wav")


@pytest.mark.asyncio
async def test_zone_plays_calls_one_at_a_time_in_call_order(cache_dir):
    """Five counters calling at once in one zone are heard one after another, in the order called."""
    site = make_site({"output": "both"})
    player = RecordingPlayer(gated=True)
    a = Announcer(site, cache_dir, player=player)
    await a.start()
    try:
        calls = [a.announce(ticket(f"A{10 + n}"), counter(str(n), site)) for n in range(1, 6)]
        keys = [key_of(c) for c in calls]
        for i in range(len(keys)):
            wait_for(lambda i=i: len(player.started()) == i + 1, what=f"playback {i + 1} to start")
            assert player.active == 1
            player.release()
        wait_for(lambda: len(player.ended()) == 5, what="all playbacks to end")
        assert player.started() == keys
        assert player.max_active == 1
        starts_and_ends = [event for event, _, _ in player.log]
        assert starts_and_ends == ["start", "end"] * 5
    finally:
        player.release(10)
        await a.stop()


@pytest.mark.asyncio
async def test_zones_take_turns_on_the_one_output(cache_dir):
    """Two floors calling at once never overlap on the hub's one sound output; each floor keeps its order."""
    site = make_site({"output": "both"})
    player = RecordingPlayer(gated=True)
    a = Announcer(site, cache_dir, player=player)
    await a.start()
    try:
        upstairs = [key_of(a.announce(ticket("A1"), counter("1", site)))]  # lantai-2
        wait_for(lambda: len(player.started()) == 1, what="the first upstairs call to start")
        downstairs = [key_of(a.announce(ticket(f"H{n}"), counter("20", site))) for n in (1, 2)]  # lantai-1
        upstairs.append(key_of(a.announce(ticket("A2"), counter("2", site))))
        for key in upstairs + downstairs:
            assert await a.wait_ready(key) == "ready"  # every zone now only waits for the output
        for i in range(4):
            wait_for(lambda i=i: len(player.started()) > i, what=f"playback {i + 1} to start")
            assert player.active == 1 and len(player.started()) == i + 1, "two calls at once on one output"
            player.release()
        wait_for(lambda: len(player.ended()) == 4, what="all playbacks to end")
        assert player.max_active == 1
        played = player.started()
        assert [k for k in played if k in upstairs] == upstairs
        assert [k for k in played if k in downstairs] == downstairs
        threads = {thread for event, thread, _ in player.log if event == "start"}
        assert threads == {"audio-zone-lantai-2", "audio-zone-lantai-1"}
    finally:
        player.release(10)
        await a.stop()


def test_a_call_waiting_too_long_is_skipped():
    """A call still queued two minutes after it was made is dropped; the next one plays."""
    now = [0.0]
    player = RecordingPlayer(gated=True)
    playback = PlaybackQueue(player, max_age=120, clock=lambda: now[0])
    try:
        playback.enqueue("lantai-1", lambda: Path("A1.wav"))
        wait_for(lambda: player.started() == ["A1"], what="the first call to start")
        playback.enqueue("lantai-1", lambda: Path("A2.wav"))
        now[0] = 121.0  # the sound output hung on A1 for two minutes
        playback.enqueue("lantai-1", lambda: Path("A3.wav"))
        player.release(2)
        wait_for(lambda: player.ended() == ["A1", "A3"], what="A1 and then A3 to play")
        assert playback.skipped == 1 and playback.played == 2
    finally:
        player.release(10)
        playback.stop()


@pytest.mark.asyncio
async def test_recall_plays_again(cache_dir):
    """A recall of the same ticket is played a second time, from the cache."""
    site = make_site({"output": "server"})
    player = RecordingPlayer()
    a = Announcer(site, cache_dir, player=player)
    await a.start()
    try:
        first = a.announce(ticket("C12"), counter("2", site))
        a.announce(ticket("C12"), counter("2", site), recall=True)
        assert first["audio_url"] is None  # server mode: the TVs stay quiet
        wait_for(lambda: len(player.ended()) == 2, what="both playbacks")
        assert len(set(player.started())) == 1
        assert a.synth.syntheses == 1
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_display_mode_never_touches_the_speakers(cache_dir):
    """In display mode the TVs play the call; the hub's player is not used."""
    site = make_site({"output": "display"})
    player = RecordingPlayer()
    a = Announcer(site, cache_dir, player=player)
    await a.start()
    try:
        result = a.announce(ticket("A1"), counter("1", site))
        assert await a.wait_ready(key_of(result)) == "ready"
        assert player.log == []
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_engine_missing_server_mode_plays_the_chime(cache_dir):
    """Without a speech engine, server mode still rings the chime for each call."""
    def missing(settings):
        raise EngineUnavailable("espeak-ng missing; install it with `sudo apt-get install espeak-ng`")

    site = make_site({"output": "server"})
    player = RecordingPlayer()
    a = Announcer(site, cache_dir, engine_factory=missing, player=player)
    await a.start()
    try:
        a.announce(ticket("A1"), counter("1", site))
        wait_for(lambda: player.ended() == ["chime"], what="the chime to play")
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_server_mode_without_sound_card_is_degraded(cache_dir, caplog):
    """With no player program or sound card, server mode says so once and in health()."""
    site = make_site({"output": "server", "player": "none"})
    a = Announcer(site, cache_dir)
    await a.start()
    try:
        result = a.announce(ticket("A1"), counter("1", site))
        assert result["text"].startswith("Nomor antrian")
        health = a.health()
        assert health["status"] == "degraded" and "alsa-utils" in health["detail"]
        assert sum("alsa-utils" in r.getMessage() for r in caplog.records) == 1
    finally:
        await a.stop()


class BrokenSoundCard:
    name = "broken"

    def __init__(self) -> None:
        self.tries = 0

    def play(self, path):
        self.tries += 1
        raise OSError("aplay: main:831: audio open error: No such file or directory")


@pytest.mark.asyncio
async def test_playback_error_does_not_stop_the_zone(cache_dir):
    """A failing sound card is logged and the next call is still tried."""
    site = make_site({"output": "server"})
    card = BrokenSoundCard()
    a = Announcer(site, cache_dir, player=card)
    await a.start()
    try:
        a.announce(ticket("A1"), counter("1", site))
        a.announce(ticket("A2"), counter("1", site))
        wait_for(lambda: card.tries == 2, what="both playbacks to be tried")
        wait_for(lambda: "last_playback_error" in a.health(), what="the error in health()")
        assert "audio open error" in a.health()["last_playback_error"]
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_stop_while_a_render_hangs_plays_nothing_and_wakes_everyone(cache_dir):
    """stop() during a hung render gives up on it: queued calls fail, waiters wake, zones end silent."""
    factory = GatedEngines()
    engines = factory.engines

    site = make_site({"output": "both"})
    player = RecordingPlayer()
    a = Announcer(site, cache_dir, engine_factory=factory, player=player)
    await a.start()
    try:
        keys = [key_of(a.announce(ticket(f"A{n}"), counter("1", site))) for n in (1, 2)]
        keys += [key_of(a.announce(ticket(f"H{n}"), counter("20", site))) for n in (1, 2)]
        wait_for(engines[0].waiting.is_set, what="the first render to hang")
        zones = [thread for _, thread in a.playback._zones.values()]
        await a.stop(timeout=0.5)
        assert [a.key_state(key) for key in keys] == ["failed"] * 4
        assert a.synth._waiters == {}
        wait_for(lambda: not any(thread.is_alive() for thread in zones), what="the zone threads to end")
        assert player.log == [], "nothing is played while the hub shuts down"
    finally:
        engines[0].release(10)
