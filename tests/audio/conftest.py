"""Fixtures for the audio tests: a small site, a recording sound card, condition waits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_asyncio

from config.site import SiteConfig, parse_config


def make_site(audio: dict | None = None, pronunciation: dict | None = None) -> SiteConfig:
    """A two-floor hall with three agencies, enough to exercise every placeholder."""
    raw = {
        "site": {"name": "MPP Among Warga", "timezone": "Asia/Jakarta"},
        "zones": [{"id": "lantai-1", "name": "Lantai 1"}, {"id": "lantai-2", "name": "Lantai 2"}],
        "agencies": [
            {"code": "DUKCAPIL", "name": "Dinas Kependudukan dan Pencatatan Sipil", "short_name": "Dispendukcapil"},
            {"code": "BAPPENDA", "name": "Badan Pendapatan Daerah", "short_name": "Bappenda"},
            {"code": "DPMPTSP", "name": "Dinas Penanaman Modal dan PTSP", "short_name": "DPMPTSP"},
        ],
        "services": [
            {"code": "A", "name": "Perekaman KTP-el", "agency": "DUKCAPIL"},
            {"code": "C", "name": "Akta Kelahiran", "agency": "DUKCAPIL"},
            {"code": "H", "name": "PBB-P2", "agency": "BAPPENDA"},
            {"code": "E", "name": "Perizinan Berusaha", "agency": "DPMPTSP"},
            {"code": "PR", "name": "Prioritas"},
        ],
        "counters": [
            *({"id": str(i), "name": f"Loket {i}", "services": ["A", "C", "PR"], "zone": "lantai-2"}
              for i in range(1, 6)),
            {"id": "20", "name": "Loket 20", "services": ["H"], "zone": "lantai-1"},
            {"id": "21", "name": "UPT Loket 21", "services": ["E"], "zone": "lantai-1"},
        ],
        "audio": audio or {},
        "pronunciation": pronunciation or {},
    }
    return parse_config(raw, "site.toml")


def ticket(number: str, service: str | None = None, id: int = 1) -> dict:
    prefix = "".join(ch for ch in number if ch.isalpha())
    return {"id": id, "number": number, "service": service or prefix, "priority": False}


def counter(cid: str, config: SiteConfig) -> dict:
    c = config.counters[cid]
    return {"id": c.id, "name": c.name, "zone": c.zone}


def wait_for(condition: Callable[[], object], timeout: float = 15.0, what: str = "condition"):
    """Poll `condition` until truthy; fail after `timeout` s. Never used to assert timing."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.005)
    return result


class RecordingPlayer:
    """The fake sound card: logs each start/end and, when gated, holds every playback until released."""

    name = "recording"

    def __init__(self, *, gated: bool = False) -> None:
        self.log: list[tuple[str, str, str]] = []  # (event, thread name, file stem)
        self.active = 0
        self.max_active = 0
        self.gated = gated
        self._permits = threading.Semaphore(0)
        self._lock = threading.Lock()

    def play(self, path: Path) -> None:
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.log.append(("start", threading.current_thread().name, Path(path).stem))
        if self.gated and not self._permits.acquire(timeout=30):
            raise AssertionError("the test never released this playback")
        with self._lock:
            self.active -= 1
            self.log.append(("end", threading.current_thread().name, Path(path).stem))

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self._permits.release()

    def started(self) -> list[str]:
        with self._lock:
            return [stem for event, _, stem in self.log if event == "start"]

    def ended(self) -> list[str]:
        with self._lock:
            return [stem for event, _, stem in self.log if event == "end"]


@pytest.fixture
def site() -> SiteConfig:
    return make_site()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "audio-cache"


@pytest_asyncio.fixture
async def announcer(site, cache_dir):
    """A started Announcer on the test site with the default engine, stopped at the end."""
    from audio.announcer import Announcer

    a = Announcer(site, cache_dir)
    await a.start()
    yield a
    await a.stop()


class RecordingEngine:
    """Wraps the real espeak-ng engine to log what it was asked to say, optionally holding each render.

    Not a mock: every render still goes through espeak-ng; this only observes and paces the boundary.
    """

    def __init__(self, settings, *, gated: bool = False) -> None:
        from audio.engine import default_engine_factory

        self.real = default_engine_factory(settings)
        self.name, self.version = self.real.name, self.real.version
        self.said: list[str] = []
        self.gated = gated
        self._permits = threading.Semaphore(0)
        self.waiting = threading.Event()

    def synthesize(self, text, voice):
        if self.gated and text != "tes":  # the start-up probe is never held
            self.waiting.set()
            if not self._permits.acquire(timeout=30):
                raise AssertionError("the test never released this render")
        self.said.append(text)
        return self.real.synthesize(text, voice)

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self._permits.release()


class GatedEngines:
    """An `engine_factory` building one gated RecordingEngine, kept in `.engines` for the test."""

    def __init__(self) -> None:
        self.engines: list[RecordingEngine] = []

    def __call__(self, settings) -> RecordingEngine:
        self.engines.append(RecordingEngine(settings, gated=True))
        return self.engines[0]
