"""Announcer end to end with the real espeak-ng: rendered WAVs, the cache, priorities, degraded mode."""

from __future__ import annotations

import os
import wave

import psutil
import pytest
from conftest import GatedEngines, counter, make_site, ticket, wait_for

from audio import cache
from audio.announcer import CHIME_URL, Announcer
from audio.chime import chime
from audio.engine import EngineUnavailable
from audio.wav import read_wav, rms


def key_of(result: dict) -> str:
    return result["audio_url"].removeprefix("/audio/").removesuffix(".wav")


@pytest.mark.asyncio
async def test_call_renders_a_valid_spoken_wav(announcer, site):
    """A call gives its text at once and a WAV that is valid, audible and 2-12 s long."""
    result = announcer.announce(ticket("A123"), counter("3", site))
    assert result["text"] == "Nomor antrian, a, seratus dua puluh tiga. Silakan menuju loket tiga."
    assert result["audio_url"].startswith("/audio/")
    assert await announcer.wait_ready(key_of(result)) == "ready"
    path = announcer.cache.path(key_of(result))
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        seconds = w.getnframes() / w.getframerate()
    assert 2 <= seconds <= 12
    sound = read_wav(path)
    assert rms(sound) > 0.02
    assert announcer.health()["status"] == "ok"


@pytest.mark.asyncio
async def test_chime_comes_first_then_the_voice(announcer, site):
    """The WAV starts with the exact chime, and there is speech after it."""
    result = announcer.announce(ticket("C012"), counter("20", site))
    assert await announcer.wait_ready(key_of(result)) == "ready"
    sound = read_wav(announcer.cache.path(key_of(result)))
    ding = chime(sound.rate)
    assert sound.frames[:len(ding.frames)] == ding.frames
    after = sound.frames[len(ding.frames):]
    assert rms(type(sound)(sound.rate, after)) > 0.02


@pytest.mark.asyncio
async def test_chime_off_means_voice_only(site, cache_dir):
    """With chime = false the WAV holds only the voice."""
    a = Announcer(make_site({"chime": False}), cache_dir)
    await a.start()
    try:
        result = a.announce(ticket("A1"), counter("1", site))
        assert await a.wait_ready(key_of(result)) == "ready"
        sound = read_wav(a.cache.path(key_of(result)))
        ding = chime(sound.rate)
        assert sound.frames[:len(ding.frames)] != ding.frames
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_second_identical_call_is_a_cache_hit(announcer, site):
    """Calling the same number at the same counter again renders nothing new; a recall neither."""
    first = announcer.announce(ticket("A5"), counter("2", site))
    assert await announcer.wait_ready(key_of(first)) == "ready"
    assert announcer.synth.syntheses == 1
    again = announcer.announce(ticket("A5", id=99), counter("2", site))
    recall = announcer.announce(ticket("A5"), counter("2", site), recall=True)
    assert again == first == recall
    assert await announcer.wait_ready(key_of(again)) == "ready"
    assert announcer.synth.syntheses == 1
    other = announcer.announce(ticket("A5"), counter("3", site))
    assert await announcer.wait_ready(key_of(other)) == "ready"
    assert announcer.synth.syntheses == 2


@pytest.mark.asyncio
async def test_cache_survives_a_restart(site, cache_dir):
    """A new Announcer on the same cache directory finds earlier renders."""
    a = Announcer(site, cache_dir)
    await a.start()
    result = a.announce(ticket("A77"), counter("1", site))
    assert await a.wait_ready(key_of(result)) == "ready"
    await a.stop()
    b = Announcer(site, cache_dir)
    await b.start()
    try:
        assert b.announce(ticket("A77"), counter("1", site)) == result
        assert b.key_state(key_of(result)) == "ready"
        assert b.synth.syntheses == 0
    finally:
        await b.stop()


@pytest.mark.asyncio
async def test_settings_that_change_the_sound_change_the_key(site, cache_dir):
    """Voice rate, volume and chime are part of the cache key; the text alone is not enough."""
    urls = set()
    for audio in ({}, {"rate": 170}, {"volume": 0.5}, {"chime": False}):
        a = Announcer(make_site(audio), cache_dir)
        await a.start()
        urls.add(a.announce(ticket("A1"), counter("1", site))["audio_url"])
        await a.stop()
    assert len(urls) == 4


@pytest.mark.asyncio
async def test_cache_is_bounded(site, cache_dir, monkeypatch):
    """Beyond cache_max_files the least recently used renders are deleted, once no TV may still play them."""
    monkeypatch.setattr(cache, "KEEP_SECONDS", 0)  # calls older than this are no longer played by any TV
    a = Announcer(make_site({"cache_max_files": 38}), cache_dir)
    await a.start()
    try:
        results = []
        for n in range(1, 46):
            results.append(a.announce(ticket(f"A{n}"), counter("1", site)))
            assert await a.wait_ready(key_of(results[-1])) == "ready"
        assert len(list(cache_dir.glob("*.wav"))) <= 38 + 1  # + chime.wav
        assert len(a.cache) <= 38
        assert a.key_state(key_of(results[0])) is None  # the oldest has gone
        assert all(a.key_state(key_of(r)) == "ready" for r in results[-12:])  # the zone's last 12 are kept
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_real_calls_go_before_prerenders(site, cache_dir):
    """Pre-rendered hints wait while a real call is rendered first."""
    factory = GatedEngines()
    engines = factory.engines

    a = Announcer(site, cache_dir, engine_factory=factory)
    await a.start()
    try:
        engine = engines[0]
        a.prerender([(ticket("A1"), counter("1", site))])
        wait_for(engine.waiting.is_set, what="the first pre-render to start")
        a.prerender([(ticket(f"A{n}"), counter("1", site)) for n in range(2, 6)])
        call = a.announce(ticket("C9"), counter("2", site))
        engine.release(10)
        assert await a.wait_ready(key_of(call)) == "ready"
        wait_for(lambda: len(engine.said) == 7, what="all renders")
        said = [text for text in engine.said if text != "tes"]  # drop the start-up probe
        assert said[0].startswith("Nomor antrian, a, satu.")  # already running when the call came
        assert said[1].startswith("Nomor antrian, ce, sembilan.")
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_engine_missing_degrades_to_chime(site, cache_dir, caplog):
    """Without espeak-ng, calls keep their text, play the chime, and health says what to install."""
    def missing(settings):
        raise EngineUnavailable("libespeak-ng could not be loaded; install it with `sudo apt-get install espeak-ng`")

    a = Announcer(site, cache_dir, engine_factory=missing)
    await a.start()
    try:
        result = a.announce(ticket("A123"), counter("3", site))
        assert result == {"text": "Nomor antrian, a, seratus dua puluh tiga. Silakan menuju loket tiga.",
                          "audio_url": CHIME_URL}
        health = a.health()
        assert health["status"] == "degraded"
        assert "apt-get install espeak-ng" in health["detail"]
        warnings = [r for r in caplog.records if r.levelname == "WARNING"]
        assert len(warnings) == 1 and "apt-get install espeak-ng" in warnings[0].getMessage()
        a.prerender([(ticket("A124"), counter("3", site))])  # no error, nothing to do
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_engine_crashing_at_start_degrades_too(site, cache_dir):
    """Any exception from the engine factory is reported, never raised into the hub."""
    def broken(settings):
        raise OSError("libespeak-ng.so.1: cannot open shared object file")

    a = Announcer(make_site({"chime": False}), cache_dir, engine_factory=broken)
    await a.start()
    try:
        assert a.announce(ticket("A1"), counter("1", site))["audio_url"] is None
        assert a.health()["status"] == "degraded"
        assert "cannot open shared object" in a.health()["detail"]
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_missing_voice_is_reported_at_start(cache_dir):
    """A voice espeak-ng does not have makes the engine unavailable with a hint, at start."""
    a = Announcer(make_site({"voice": "xx-nope"}), cache_dir)
    await a.start()
    try:
        assert a.health()["status"] == "degraded"
        assert "xx-nope" in a.health()["detail"] and "espeak-ng --voices" in a.health()["detail"]
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_output_off_returns_text_only(site, cache_dir):
    """audio.output = "off": text, no URL, no rendering, health "off"."""
    a = Announcer(make_site({"output": "off"}), cache_dir)
    await a.start()
    result = a.announce(ticket("A1"), counter("1", site))
    assert result["audio_url"] is None and result["text"].startswith("Nomor antrian")
    assert a.health()["status"] == "off"
    assert a.synth.syntheses == 0
    await a.stop()


@pytest.mark.asyncio
async def test_bad_ticket_never_raises(announcer, site):
    """Malformed input from the hub gives a text-only result instead of an exception."""
    result = announcer.announce({"id": 1, "number": None}, {"id": "nope"})
    assert result is not None and "audio_url" in result


@pytest.mark.asyncio
async def test_english_second_language_is_one_longer_wav(site, cache_dir):
    """With second_language = "en" both phrases are in one WAV."""
    a = Announcer(make_site({"second_language": "en"}), cache_dir)
    await a.start()
    try:
        result = a.announce(ticket("A123"), counter("3", site))
        assert "Queue number A, one hundred and twenty-three." in result["text"]
        assert await a.wait_ready(key_of(result)) == "ready"
        with wave.open(str(a.cache.path(key_of(result)))) as w:
            assert 5 <= w.getnframes() / w.getframerate() <= 20
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_default_engine_is_pyttsx3_in_a_worker_process(site, cache_dir):
    """By default pyttsx3 renders the calls, in a worker process of its own, and health says so."""
    a = Announcer(site, cache_dir)
    await a.start()
    try:
        health = a.health()
        assert health["engine"] == "pyttsx3" and health["engine_version"].startswith("pyttsx3 2.")
        worker = psutil.Process(health["worker_pid"])
        assert worker.ppid() == os.getpid() and "pyttsx3_worker.py" in " ".join(worker.cmdline())
        results = [a.announce(ticket(f"A{n}"), counter("1", site)) for n in range(1, 6)]
        for result in results:
            assert await a.wait_ready(key_of(result)) == "ready"
            sound = read_wav(a.cache.path(key_of(result)))
            assert 2 <= sound.duration <= 12 and rms(sound) > 0.02
        assert a.health()["fallbacks"] == 0 and a.health()["worker_pid"] == worker.pid
    finally:
        await a.stop()
    assert not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE


@pytest.mark.asyncio
async def test_espeak_ng_command_remains_a_choice(site, cache_dir):
    """engine = "espeak-ng" renders with the espeak-ng command and starts no worker process."""
    a = Announcer(make_site({"engine": "espeak-ng"}), cache_dir)
    await a.start()
    try:
        assert a.health()["engine"] == "espeak-ng" and a.health()["worker_pid"] is None
        result = a.announce(ticket("A7"), counter("1", site))
        assert await a.wait_ready(key_of(result)) == "ready"
        assert rms(read_wav(a.cache.path(key_of(result)))) > 0.02
    finally:
        await a.stop()


class FailingEngine:
    """An espeak-ng that starts but cannot render a call (say, a full disk)."""

    name, version = "failing", "1"

    def __init__(self, settings) -> None:
        from audio.engine import default_engine_factory

        self.real = default_engine_factory(settings)
        self.calls = 0

    def synthesize(self, text, voice):
        if text == "tes":  # the start-up probe works
            return self.real.synthesize(text, voice)
        from audio.engine import SynthesisError

        self.calls += 1
        raise SynthesisError("espeak-ng failed: no space left on device")


@pytest.mark.asyncio
async def test_prerender_does_not_retry_a_failed_render(site, cache_dir):
    """A failed call is retried by the next real call, never by pre-render hints."""
    a = Announcer(site, cache_dir, engine_factory=FailingEngine)
    await a.start()
    try:
        result = a.announce(ticket("A1"), counter("1", site))
        assert await a.wait_ready(key_of(result)) == "failed"
        a.prerender([(ticket("A1"), counter("1", site))])
        assert a.key_state(key_of(result)) == "failed" and a.synth.pending_prerenders() == 0
        a.announce(ticket("A1"), counter("1", site))
        assert await a.wait_ready(key_of(result)) == "failed"
        assert a.health()["failures"] == 2
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_failed_keys_are_bounded(site, cache_dir, monkeypatch):
    """Only the most recent failures are remembered; older ones are forgotten."""
    from audio import synthesizer

    monkeypatch.setattr(synthesizer, "MAX_FAILED", 3)
    a = Announcer(site, cache_dir, engine_factory=FailingEngine)
    await a.start()
    try:
        keys = [key_of(a.announce(ticket(f"A{n}"), counter("1", site))) for n in range(1, 6)]
        for key in keys:
            assert await a.wait_ready(key) == "failed"
        assert [a.key_state(key) for key in keys] == [None, None, "failed", "failed", "failed"]
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_waiters_that_give_up_are_forgotten(site, cache_dir):
    """A wait that times out (a TV's request, a zone's playback) leaves no callback behind."""
    factory = GatedEngines()
    engines = factory.engines

    a = Announcer(site, cache_dir, engine_factory=factory)
    await a.start()
    try:
        key = key_of(a.announce(ticket("A1"), counter("1", site)))
        wait_for(engines[0].waiting.is_set, what="the render to begin")
        assert await a.wait_ready(key, timeout=0.01) is None
        assert a.synth.wait(key, timeout=0.01) is None
        assert a.synth._waiters.get(key, []) == []
        engines[0].release()
        assert await a.wait_ready(key) == "ready"
    finally:
        await a.stop()
