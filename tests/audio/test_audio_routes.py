"""GET /audio/chime.wav and /audio/{key}.wav through Starlette's TestClient."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

import pytest
from conftest import GatedEngines, counter, make_site, ticket, wait_for
from starlette.applications import Starlette
from starlette.testclient import TestClient

from audio.announcer import Announcer
from audio.engine import EngineUnavailable
from audio.wav import read_wav, rms


def client_for(announcer: Announcer) -> TestClient:
    @asynccontextmanager
    async def lifespan(app):
        await announcer.start()
        yield
        await announcer.stop()

    return TestClient(Starlette(routes=announcer.routes(), lifespan=lifespan))


def test_call_wav_is_served(site, cache_dir):
    """A call's URL serves the rendered WAV, waiting for the render if needed."""
    a = Announcer(site, cache_dir)
    with client_for(a) as client:
        result = a.announce(ticket("A123"), counter("3", site))
        response = client.get(result["audio_url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/wav"
        assert rms(read_wav(response.content)) > 0.02


def test_request_while_rendering_waits_for_the_file(site, cache_dir):
    """A TV asking before the render is done gets the WAV once it is, not an error."""
    factory = GatedEngines()
    engines = factory.engines

    a = Announcer(site, cache_dir, engine_factory=factory)
    with client_for(a) as client:
        result = a.announce(ticket("A1"), counter("1", site))
        assert a.key_state(result["audio_url"][7:-4]) == "pending"
        responses = []
        fetch = threading.Thread(target=lambda: responses.append(client.get(result["audio_url"])))
        fetch.start()
        wait_for(engines[0].waiting.is_set, what="the render to begin")
        engines[0].release()
        fetch.join(30)
        assert responses[0].status_code == 200
        assert len(read_wav(responses[0].content).frames) > 0


def test_deleted_wav_is_the_chime_not_a_500(site, cache_dir):
    """A ready call whose file was evicted before the request gets the chime, uncached, and renders again."""
    a = Announcer(site, cache_dir)
    with client_for(a) as client:
        result = a.announce(ticket("A3"), counter("1", site))
        key = result["audio_url"][7:-4]
        assert client.get(result["audio_url"]).status_code == 200
        a.cache.path(key).unlink()
        response = client.get(result["audio_url"])
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
        assert response.content == a.chime_wav()
        a.announce(ticket("A3"), counter("1", site))
        wait_for(lambda: a.key_state(key) == "ready", what="the render again")
        assert client.get(result["audio_url"]).headers["cache-control"].endswith("immutable")


def test_deleted_wav_without_chime_is_a_json_404(cache_dir):
    """With the chime off, a call whose file has gone is a 404 JSON error, not a server error."""
    site = make_site({"chime": False})
    a = Announcer(site, cache_dir)
    with client_for(a) as client:
        result = a.announce(ticket("A3"), counter("1", site))
        assert a.synth.wait(result["audio_url"][7:-4], 10) == "ready"
        a.cache.path(result["audio_url"][7:-4]).unlink()
        response = client.get(result["audio_url"])
        assert response.status_code == 404 and response.json()["error"]["code"] == "unknown_audio"


def test_unknown_key_is_a_json_404(site, cache_dir):
    """A key this hub never rendered is a 404 with a JSON error."""
    with client_for(Announcer(site, cache_dir)) as client:
        for url in ("/audio/0123456789abcdef01234567.wav", "/audio/..secret.wav", "/audio/nope.wav",
                    "/audio/0123456789abcdef01234567%0A.wav"):
            response = client.get(url)
            assert response.status_code == 404
            assert response.json()["error"] == {"code": "unknown_audio", "message": (
                "Suara panggilan ini tidak ada di server; mungkin dibuat sebelum server dimulai ulang.")}


def test_chime_route(site, cache_dir):
    """/audio/chime.wav serves the generated chime."""
    with client_for(Announcer(site, cache_dir)) as client:
        response = client.get("/audio/chime.wav")
        assert response.status_code == 200
        chime = read_wav(response.content)
        assert 1.0 < chime.duration < 2.0 and rms(chime) > 0.05


def test_degraded_mode_serves_chime_only(site, cache_dir):
    """Without espeak-ng the call's URL is the chime, and it plays."""
    def missing(settings):
        raise EngineUnavailable("install it with `sudo apt-get install espeak-ng`")

    a = Announcer(site, cache_dir, engine_factory=missing)
    with client_for(a) as client:
        result = a.announce(ticket("A1"), counter("1", site))
        response = client.get(result["audio_url"])
        assert response.status_code == 200
        assert rms(read_wav(response.content)) > 0.05


class FailingEngine:
    """An espeak-ng that starts but fails on one phrase (say, a full disk)."""

    name, version = "failing", "1"

    def synthesize(self, text, voice):
        if text == "tes":
            from audio.engine import default_engine_factory
            return default_engine_factory(self.settings).synthesize(text, voice)
        from audio.engine import SynthesisError
        raise SynthesisError("espeak-ng failed: no space left on device")


def test_failed_render_serves_chime_and_is_retried(site, cache_dir):
    """A render that failed serves the chime, uncached, and the next call of it renders again."""
    def factory(settings):
        engine = FailingEngine()
        engine.settings = settings
        return engine

    a = Announcer(site, cache_dir, engine_factory=factory)
    with client_for(a) as client:
        result = a.announce(ticket("A1"), counter("1", site))
        response = client.get(result["audio_url"])
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert a.health()["failures"] == 1 and "no space left" in a.health()["last_error"]
        a.announce(ticket("A1"), counter("1", site))
        assert a.key_state(result["audio_url"][7:-4]) in ("pending", "failed")
        wait_for(lambda: a.health()["failures"] == 2, what="the retry")


def test_failed_render_without_chime_is_503(cache_dir):
    """With the chime off, a failed render is a 503 JSON error."""
    site = make_site({"chime": False})

    def factory(settings):
        engine = FailingEngine()
        engine.settings = settings
        return engine

    a = Announcer(site, cache_dir, engine_factory=factory)
    with client_for(a) as client:
        result = a.announce(ticket("A1"), counter("1", site))
        response = client.get(result["audio_url"])
        assert response.status_code == 503
        assert response.json()["error"] == {"code": "audio_failed", "message": (
            "Mesin suara gagal membuat suara panggilan ini; lihat /api/health.")}


@pytest.mark.parametrize("path", ["/audio/chime.wav"])
def test_chime_disabled_is_404(cache_dir, path):
    """With chime = false there is no chime to serve."""
    with client_for(Announcer(make_site({"chime": False}), cache_dir)) as client:
        assert client.get(path).status_code == 404
