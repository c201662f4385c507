"""The pyttsx3 worker process: a hang or a crash is killed and replaced, bad renders never reach a TV."""

from __future__ import annotations

import os
import signal
import sys

import psutil
import pytest
from conftest import counter, make_site, ticket, wait_for

from audio.announcer import Announcer
from audio.engine import CheckedEngine, EspeakCliEngine, Pyttsx3Engine, SynthesisError
from audio.quality import InvalidRender, check_render
from audio.wav import Pcm, read_wav, rms
from audio.worker import WorkerProcess, WorkerUnavailable


def key_of(result: dict) -> str:
    return result["audio_url"].removeprefix("/audio/").removesuffix(".wav")


def assert_spoken(announcer: Announcer, result: dict) -> None:
    sound = read_wav(announcer.cache.path(key_of(result)))
    assert 2 <= sound.duration <= 12 and rms(sound) > 0.02


@pytest.mark.asyncio
async def test_a_hung_worker_is_killed_and_the_call_still_spoken(announcer, site):
    """A worker that stops answering (SIGSTOP) is killed at its deadline, the call is rendered by the
    espeak-ng command, a new worker takes the next calls, and health counts it all."""
    hung = announcer.health()["worker_pid"]
    os.kill(hung, signal.SIGSTOP)
    result = announcer.announce(ticket("A123"), counter("3", site))
    assert await announcer.wait_ready(key_of(result)) == "ready"
    assert_spoken(announcer, result)
    health = announcer.health()
    assert health["worker_restarts"] == 1 and health["fallbacks"] == 1
    assert "hung" in health["last_fallback"] and health["failures"] == 0
    assert not psutil.pid_exists(hung) or psutil.Process(hung).status() == psutil.STATUS_ZOMBIE
    wait_for(lambda: announcer.synth.engine.primary.worker.pid not in (None, hung), what="a new worker")
    later = announcer.announce(ticket("A124"), counter("3", site))
    assert await announcer.wait_ready(key_of(later)) == "ready"
    assert_spoken(announcer, later)
    assert announcer.health()["fallbacks"] in (1, 2)  # 2 only if the new worker was still starting
    again = announcer.announce(ticket("A125"), counter("3", site))
    assert await announcer.wait_ready(key_of(again)) == "ready"
    assert announcer.health()["worker_pid"] not in (None, hung)


@pytest.mark.asyncio
async def test_a_crashed_worker_is_replaced(announcer, site):
    """A worker that dies between calls is found dead at the next call, replaced, and the call spoken."""
    dead = announcer.health()["worker_pid"]
    os.kill(dead, signal.SIGKILL)
    result = announcer.announce(ticket("C12"), counter("20", site))
    assert await announcer.wait_ready(key_of(result)) == "ready"
    assert_spoken(announcer, result)
    assert announcer.health()["worker_restarts"] == 1
    assert "the pyttsx3 worker failed" in announcer.health()["last_fallback"]  # a broken pipe or an end of file


class Faulty:
    """The real pyttsx3 engine, with chosen renders replaced by what pyttsx3's race produces: no samples."""

    def __init__(self, real: Pyttsx3Engine, empty: set[int]) -> None:
        self.real, self.empty = real, empty
        self.name, self.version = real.name, real.version
        self.calls = 0

    def synthesize(self, text: str, voice: str) -> Pcm:
        self.calls += 1
        sound = self.real.synthesize(text, voice)
        return Pcm(sound.rate, b"") if self.calls in self.empty else sound

    def close(self) -> None:
        self.real.close()


def faulty_engine(empty: set[int]):
    def factory(settings) -> CheckedEngine:
        primary = Faulty(Pyttsx3Engine(settings.rate, settings.volume, deadline=settings.worker_timeout), empty)
        return CheckedEngine(primary, EspeakCliEngine(settings.rate, settings.volume),
                             wpm=settings.rate, volume=settings.volume)
    return factory


@pytest.mark.parametrize(("empty", "counts", "used"), [
    ({2}, (1, 1, 0), "the retry on pyttsx3"),
    ({2, 3}, (2, 1, 1), "the espeak-ng command"),
])
@pytest.mark.asyncio
async def test_an_empty_render_is_retried_then_rendered_by_the_command(site, cache_dir, empty, counts, used):
    """An empty render is retried once on pyttsx3; empty twice, the espeak-ng command renders the phrase;
    the call is spoken either way and health counts (invalid renders, retries, fallbacks)."""
    a = Announcer(site, cache_dir, engine_factory=faulty_engine(empty))  # render 1 is the start-up probe
    await a.start()
    try:
        result = a.announce(ticket("A1"), counter("1", site))
        assert await a.wait_ready(key_of(result)) == "ready"
        assert_spoken(a, result)
        health = a.health()
        assert (health["invalid_renders"], health["retries"], health["fallbacks"]) == counts, used
        assert health["status"] == "ok" and health["failures"] == 0
    finally:
        await a.stop()


def test_check_render_refuses_empty_short_long_and_silent():
    """check_render passes a real phrase and names what is wrong with an empty, cut, overlong or silent one."""
    text = "Nomor antrian, a, seratus dua puluh tiga. Silakan menuju loket tiga."
    good = EspeakCliEngine(150, 1.0).synthesize(text, "id")
    assert check_render(good, text, wpm=150, volume=1.0) is good
    quarter = Pcm(good.rate, good.frames[:len(good.frames) // 8 * 2])
    cases = {"empty": Pcm(good.rate, b""), "short": quarter, "overlong": Pcm(good.rate, good.frames * 4),
             "inaudible": Pcm(good.rate, bytes(len(good.frames)))}
    for word, pcm in cases.items():
        with pytest.raises(InvalidRender, match=word):
            check_render(pcm, text, wpm=150, volume=1.0)
    assert check_render(Pcm(good.rate, bytes(len(good.frames))), text, wpm=150, volume=0.0)  # muted on purpose


def test_a_worker_that_cannot_start_is_not_retried_at_once():
    """A worker program that exits at start is reported, and the next phrase does not wait for another start."""
    worker = WorkerProcess(2.0, argv=[sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(WorkerUnavailable, match="did not start"):
        worker.start()
    with pytest.raises(WorkerUnavailable, match="waiting to be restarted"):
        worker.say("tes", "id", 150, 1.0)
    assert worker.pid is None
    worker.close()


def test_unknown_voice_is_an_error_not_english():
    """pyttsx3 goes on in the previous voice for an unknown one; the worker reports it instead."""
    engine = Pyttsx3Engine(150, 1.0, deadline=2.0)
    try:
        with pytest.raises(SynthesisError, match="xx-nope"):
            engine.synthesize("tes", "xx-nope")
        assert rms(engine.synthesize("tes", "id")) > 0.02
    finally:
        engine.close()


def test_without_pyttsx3_the_command_speaks(monkeypatch):
    """If the pyttsx3 worker cannot start, the espeak-ng command speaks and health says why."""
    from audio import engine as engines
    def broken(*args, **kwargs):
        raise engines.EngineUnavailable("pyttsx3 could not start (libespeak-ng.so.1: cannot open shared object)")

    monkeypatch.setattr(engines, "Pyttsx3Engine", broken)
    checked = engines.default_engine_factory(make_site().audio)
    assert checked.name == "espeak-ng" and "cannot open shared object" in checked.problem
    assert rms(checked.synthesize("tes", "id")) > 0.02
