"""Speech engines: text in, checked PCM out. Used only from the synthesizer's one thread.

- `Pyttsx3Engine`, the default: pyttsx3 (on libespeak-ng) in a worker process
  this engine owns (audio/worker.py), initialised once and fed phrases over a
  pipe. A worker that misses its deadline is killed and replaced; the hub never
  waits on pyttsx3 itself.
- `EspeakCliEngine`: the `espeak-ng` command, one process per phrase
  (`[audio] engine = "espeak-ng"`), and the fallback of the first.
- `CheckedEngine` is what the synthesizer gets: every render goes through
  `audio.quality.check_render`; an empty, short or failed render is retried
  once, then rendered by the espeak-ng command; a hung or dead worker sends
  its phrase straight to the command. Each of these is counted for
  `/api/health`.

What pyttsx3 2.99 does wrong, and why this shape (details in docs/audio.md):
its espeak driver runs libespeak-ng asynchronously and polls a flag every
10 ms; about 1 phrase in 3,000 comes back empty; a failed file write inside
espeak's callback makes `runAndWait` hang forever; an unknown voice is only an
"error" notification; and it prints "Audio saved to ..." for every file.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import wave
from importlib import metadata
from typing import Protocol

from audio import riff
from audio.quality import InvalidRender, check_render
from audio.settings import AudioSettings
from audio.wav import Pcm, read_wav
from audio.worker import WorkerError, WorkerProcess, WorkerUnavailable

log = logging.getLogger("audio")

INSTALL_HINT = "install it with `sudo apt-get install espeak-ng`"


class EngineUnavailable(Exception):
    """The speech engine cannot run on this machine; the message says what to install."""


class SynthesisError(Exception):
    """One piece of text could not be synthesised."""


class EngineUnreachable(SynthesisError):
    """The engine could not take this phrase at all (its worker hung, died or is starting): do not retry it."""


class SpeechEngine(Protocol):
    """What the synthesizer needs from an engine. An engine may also have `close()`, called on its thread."""

    name: str  # shown in health()
    version: str  # part of every cache key: another engine version may sound different

    def synthesize(self, text: str, voice: str) -> Pcm: ...


class Pyttsx3Engine:
    """pyttsx3 in a worker process; `synthesize` returns its render unchecked (CheckedEngine checks it).

    Raises `EngineUnavailable` when the worker cannot start, `SynthesisError` when pyttsx3 reports an
    error, `InvalidRender` when it writes no usable WAV (its empty render), `EngineUnreachable` when the
    worker is hung (killed after `deadline` seconds), dead or restarting.
    """

    name = "pyttsx3"

    def __init__(self, rate: int, volume: float, *, deadline: float) -> None:
        try:
            metadata.version("pyttsx3")
        except metadata.PackageNotFoundError:
            raise EngineUnavailable("the pyttsx3 package is not installed; run `make run` to install it") from None
        self.rate, self.volume = rate, volume
        self.worker = WorkerProcess(deadline)
        try:
            self.version = self.worker.start()
        except WorkerUnavailable as exc:
            self.worker.close()
            raise EngineUnavailable(f"pyttsx3 could not start ({exc}); {INSTALL_HINT}") from None

    def synthesize(self, text: str, voice: str) -> Pcm:
        try:
            data = self.worker.say(text, voice, self.rate, self.volume)
        except WorkerUnavailable as exc:
            raise EngineUnreachable(str(exc)) from None
        except WorkerError as exc:
            raise SynthesisError(f"pyttsx3 failed: {exc}") from None
        try:
            return riff.read(data)
        except riff.WavError as exc:
            raise InvalidRender(f"empty render: pyttsx3 wrote no usable WAV ({exc.code}, {len(data)} bytes)") from None

    def close(self) -> None:
        self.worker.close()


class EspeakCliEngine:
    """The espeak-ng command, one process per phrase; the WAV is read from its stdout."""

    name = "espeak-ng"
    # Seconds; a whole call phrase takes ~20 ms. Well under the route's 10 s and playback's 15 s waits,
    # so a hung espeak-ng is killed and the call falls back to the chime while someone still listens.
    TIMEOUT = 5

    def __init__(self, rate: int, volume: float) -> None:
        self._binary = shutil.which("espeak-ng")
        if not self._binary:
            raise EngineUnavailable(f"the espeak-ng command was not found; {INSTALL_HINT}")
        self._rate, self._amplitude = rate, round(volume * 100)
        try:
            out = subprocess.run([self._binary, "--version"], capture_output=True, text=True, timeout=self.TIMEOUT)
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineUnavailable(f"espeak-ng does not run ({exc}); {INSTALL_HINT}") from None
        # "eSpeak NG text-to-speech: 1.51  Data at: ..." -> "espeak-ng 1.51"
        self.version = "espeak-ng " + out.stdout.split("Data at")[0].split(":")[-1].strip()

    def synthesize(self, text: str, voice: str) -> Pcm:
        if not text.strip():
            raise SynthesisError("nothing to say")
        # The WAV comes on stdout, not through a file: espeak-ng exits 0 when it "Can't write" a
        # file, so a temp folder removed under us (a cleaned /tmp) would fail every call silently.
        argv = [self._binary, "-v", voice, "-s", str(self._rate), "-a", str(self._amplitude), "--stdout",
                "--", text]
        try:
            done = subprocess.run(argv, capture_output=True, timeout=self.TIMEOUT)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SynthesisError(f"espeak-ng failed: {exc}") from None
        if done.returncode != 0 or len(done.stdout) <= 44:  # 44 bytes: a WAV header and no sound
            stderr = done.stderr.decode(errors="replace").strip()[:200]
            raise SynthesisError(f"espeak-ng failed (exit {done.returncode}, {len(done.stdout)} bytes): {stderr}")
        try:
            return read_wav(done.stdout)
        except (EOFError, ValueError, wave.Error) as exc:
            raise SynthesisError(f"espeak-ng wrote an unreadable WAV ({exc})") from None


class CheckedEngine:
    """An engine whose every render is checked, retried once, then rendered by a fallback engine.

    `synthesize(text, voice) -> Pcm` raises `SynthesisError` only when the primary engine (twice, or
    once if it was unreachable) and the fallback both failed. Counters, read by health():
    `invalid_renders` (renders that failed `check_render`), `retries`, `fallbacks` (phrases rendered
    by the fallback). `problem` says why the configured engine is not the one speaking, if so.
    """

    def __init__(self, primary: SpeechEngine, fallback: SpeechEngine | None, *, wpm: int, volume: float,
                 problem: str | None = None) -> None:
        self.primary, self.fallback = primary, fallback
        self.name, self.version = primary.name, primary.version
        self.wpm, self.volume = wpm, volume
        self.problem = problem
        self.invalid_renders = 0
        self.retries = 0
        self.fallbacks = 0
        self.last_fallback: str | None = None

    @property
    def worker_restarts(self) -> int:
        worker = getattr(self.primary, "worker", None)
        return worker.restarts if worker is not None else 0

    @property
    def worker_pid(self) -> int | None:
        worker = getattr(self.primary, "worker", None)
        return worker.pid if worker is not None else None

    def synthesize(self, text: str, voice: str) -> Pcm:
        if not text.strip():
            raise SynthesisError("nothing to say")
        try:
            return self._checked(self.primary, text, voice)
        except EngineUnreachable as exc:
            problem = str(exc)
        except SynthesisError as exc:
            self.retries += 1
            log.info("audio: %s for %r; trying once more", exc, text)
            try:
                return self._checked(self.primary, text, voice)
            except SynthesisError as again:
                problem = str(again)
        if self.fallback is None:
            raise SynthesisError(problem)
        self.fallbacks += 1
        self.last_fallback = problem
        log.warning("audio: %s for %r; rendered by the %s command instead", problem, text, self.fallback.name)
        return self._checked(self.fallback, text, voice)

    def _checked(self, engine: SpeechEngine, text: str, voice: str) -> Pcm:
        try:
            return check_render(engine.synthesize(text, voice), text, wpm=self.wpm, volume=self.volume)
        except InvalidRender as exc:
            self.invalid_renders += 1
            raise SynthesisError(f"{engine.name}: {exc}") from None

    def close(self) -> None:
        for engine in (self.primary, self.fallback):
            close = getattr(engine, "close", None)
            if close is not None:
                close()


def default_engine_factory(settings: AudioSettings) -> CheckedEngine:
    """The configured engine, checked, with the espeak-ng command as pyttsx3's fallback.

    Raises `EngineUnavailable` (with an install hint) only when nothing can speak. If pyttsx3 cannot
    start but the command can, the command speaks and `problem` says why.
    """
    checks = {"wpm": settings.rate, "volume": settings.volume}
    try:
        command: EspeakCliEngine | None = EspeakCliEngine(settings.rate, settings.volume)
        command_error = None
    except EngineUnavailable as exc:
        command, command_error = None, exc
    if settings.engine == "espeak-ng":
        if command is None:
            raise command_error  # type: ignore[misc]
        return CheckedEngine(command, None, **checks)
    try:
        worker = Pyttsx3Engine(settings.rate, settings.volume, deadline=settings.worker_timeout)
    except EngineUnavailable as exc:
        if command is None:
            raise EngineUnavailable(f"{exc}; and {command_error}") from None
        return CheckedEngine(command, None, **checks,
                             problem=f"{exc}; calls are spoken by the espeak-ng command instead")
    if command is None:
        log.warning("audio: %s: pyttsx3 speaks without a fallback for its failed renders", command_error)
    return CheckedEngine(worker, command, **checks)
