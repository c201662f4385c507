"""The one thread that owns the speech engine, fed by a priority queue.

The engine (and the pyttsx3 worker process behind it) is created, used and
closed by this thread alone. Real calls go first; pre-renders wait for idle
time. Everyone else learns that a key is ready through `when_ready`.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from audio.cache import WavCache
from audio.chime import chime
from audio.engine import EngineUnavailable, SpeechEngine, SynthesisError
from audio.phrase import Segment
from audio.voicepack import Plan
from audio.wav import Pcm, join, silence, wav_bytes

log = logging.getLogger("audio")

CALL, PRERENDER = 0, 1  # queue priorities: lower runs first
_STOP = -1
READY, FAILED, PENDING = "ready", "failed", "pending"
PROBE_TEXT = "tes"
CHIME_GAP = 0.25  # seconds between the chime and the voice
LANGUAGE_GAP = 0.6  # seconds between the Indonesian and the English phrase
MAX_FAILED = 1000  # failed keys remembered (oldest forgotten first), so a long day cannot grow it


@dataclass(frozen=True)
class Job:
    """One call's sound: its cache key, its phrases, the chime or not, and for each phrase the voice-pack
    clips that say it (None: the engine says it)."""

    key: str
    segments: tuple[Segment, ...]
    chime: bool
    plans: tuple[Plan | None, ...] = ()


def render(engine: SpeechEngine, job: Job) -> Pcm:
    """The full sound of a call: chime (at the voice's own rate), pause, then each phrase, recorded or spoken."""
    plans = job.plans or (None,) * len(job.segments)
    phrases = [plan.assemble().pcm if plan is not None else engine.synthesize(seg.text, seg.voice)
               for seg, plan in zip(job.segments, plans, strict=True)]
    voice = join(phrases, gap=LANGUAGE_GAP)
    if not job.chime:
        return voice
    return join([chime(voice.rate), silence(voice.rate, CHIME_GAP), voice])


class Synthesizer:
    def __init__(
        self, cache: WavCache, engine_factory: Callable[[], SpeechEngine], probe_voices: tuple[str, ...]
    ) -> None:
        self.cache = cache
        self._factory = engine_factory
        self._probe_voices = probe_voices
        self._queue: queue.PriorityQueue[tuple[int, int, Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._lock = threading.Lock()
        self._pending: dict[str, int] = {}  # key -> best priority queued
        self._failed: OrderedDict[str, None] = OrderedDict()  # oldest failure first
        self._waiters: dict[str, list[Callable[[str], None]]] = {}
        self._thread: threading.Thread | None = None
        self.probed = threading.Event()
        self.engine_name: str | None = None
        self.engine_version = "none"
        self.engine_error: str | None = None  # set when the engine could not start
        self.engine: SpeechEngine | None = None  # owned by the worker thread; others only read its counters
        self.syntheses = 0  # engine renders; a cache hit does not count
        self.failures = 0
        self.last_error: str | None = None

    # -- called from any thread -------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audio-synthesizer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker (after its current render, waiting at most `timeout`) and settle every
        render still queued as failed, so nobody waits for a render that will never come."""
        if self._thread is not None:
            self._queue.put((_STOP, next(self._order), None))
            self._thread.join(timeout)  # a hung render keeps its daemon thread; shutdown does not wait for it
            self._thread = None
        with self._lock:
            stranded = list(self._pending)
        for key in stranded:
            self._settle(key, None)

    def state(self, key: str) -> str | None:
        with self._lock:
            if key in self.cache:
                return READY
            if key in self._pending:
                return PENDING
            if key in self._failed:
                return FAILED
        return None

    def submit(self, job: Job, priority: int = CALL) -> None:
        """Queue a render unless it is cached or already queued at this priority or better. Never blocks."""
        with self._lock:
            if self.cache.touch(job.key):  # a hit counts as a use, so a recalled call is not evicted
                return
            if priority == PRERENDER and job.key in self._failed:
                return  # only a real call retries a failed render; hints would retry it on every refresh
            queued = self._pending.get(job.key)
            if queued is not None and queued <= priority:
                return
            self._pending[job.key] = priority
            self._failed.pop(job.key, None)  # a new call retries a render that failed before
        self._queue.put((priority, next(self._order), job))

    def pending_prerenders(self) -> int:
        with self._lock:
            return sum(1 for p in self._pending.values() if p == PRERENDER)

    def when_ready(self, key: str, callback: Callable[[str], None]) -> None:
        """Call `callback(READY or FAILED)` once the key is settled: now, or later from the worker thread."""
        with self._lock:
            if key in self._pending:
                self._waiters.setdefault(key, []).append(callback)
                return
            settled = READY if key in self.cache else FAILED
        callback(settled)

    def wait(self, key: str, timeout: float) -> str | None:
        """Block the calling (non-event-loop) thread until the key settles; None on timeout."""
        done = threading.Event()
        result: list[str] = []

        def settle(state: str) -> None:
            result.append(state)
            done.set()

        self.when_ready(key, settle)
        if done.wait(timeout):
            return result[0]
        self.forget(key, settle)
        return result[0] if result else None  # it may have settled just after the wait gave up

    def forget(self, key: str, callback: Callable[[str], None]) -> None:
        """Drop a `when_ready` callback whose caller stopped waiting, so waiters do not pile up."""
        with self._lock:
            waiters = self._waiters.get(key)
            if waiters and callback in waiters:
                waiters.remove(callback)
                if not waiters:
                    del self._waiters[key]

    # -- the worker thread --------------------------------------------------------

    def _run(self) -> None:
        engine = self._start_engine()
        while True:
            priority, _, job = self._queue.get()
            if job is None:
                break
            with self._lock:
                if self._pending.get(job.key) != priority:
                    continue  # already rendered, or re-queued at a higher priority
            if engine is None:
                self._settle(job.key, None)
                continue
            try:
                data = wav_bytes(render(engine, job))
                self.syntheses += 1
                self.cache.store(job.key, data)
            except Exception as exc:  # a render must never take the worker down
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("audio: could not render call %s: %s", job.key, self.last_error)
                self._settle(job.key, None)
                continue
            self._settle(job.key, READY)
        _close(engine)  # by the thread that made it: this stops the pyttsx3 worker process

    def _start_engine(self) -> SpeechEngine | None:
        engine = None
        try:
            engine = self._factory()
            # Say something in every configured voice now, so a missing voice or a broken
            # install shows up once at start instead of on every call.
            for voice in self._probe_voices:
                try:
                    engine.synthesize(PROBE_TEXT, voice)
                except SynthesisError as exc:
                    raise EngineUnavailable(
                        f"espeak-ng cannot speak with voice {voice!r} ({exc}); `espeak-ng --voices` lists the "
                        "installed voices (the Indonesian one is \"id\", in the espeak-ng-data package)") from None
        except Exception as exc:
            self.engine_error = (str(exc) if isinstance(exc, EngineUnavailable)
                                 else f"speech engine failed to start: {type(exc).__name__}: {exc}")
            _close(engine)
            engine = None
        if engine is not None:
            self.engine_name, self.engine_version = engine.name, engine.version
            self.engine = engine
        self.probed.set()
        return engine

    def _settle(self, key: str, state: str | None) -> None:
        with self._lock:
            self._pending.pop(key, None)
            if state != READY:
                self._failed[key] = None
                self._failed.move_to_end(key)
                while len(self._failed) > MAX_FAILED:
                    self._failed.popitem(last=False)
            waiters = self._waiters.pop(key, [])
        for callback in waiters:
            try:
                callback(state or FAILED)
            except Exception:  # a waiter's event loop may be gone; others still get told
                log.debug("audio: readiness callback failed", exc_info=True)


def _close(engine: SpeechEngine | None) -> None:
    close = getattr(engine, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("audio: could not close the speech engine")
