"""Speech engines: text in, PCM out. Called only from the synthesizer's worker thread.

Two engines share one small interface (`name`, `version`, `synthesize`):

- `EspeakCliEngine`, the default: runs the `espeak-ng` command per phrase
  (~15 ms of process start). A hung synthesis is a killed process, not a
  stuck thread, and every phrase is complete.
- `Pyttsx3Engine`: pyttsx3's espeak driver, i.e. libespeak-ng in-process.
  Neither is thread-safe, so exactly one thread may own it.

What we found about pyttsx3 2.99 with espeak-ng 1.51 (details in docs/audio.md):
`save_to_file` + `runAndWait` does work from a non-main thread, but
- the driver initialises espeak in AUDIO_OUTPUT_RETRIEVAL mode, which is
  asynchronous: espeak's own thread calls back while pyttsx3 polls a flag
  every 10 ms. About 1 phrase in 200-400 comes back empty and the end of a
  phrase is sometimes a few hundred samples short;
- if writing the WAV fails inside that callback (missing directory, full
  disk) ctypes swallows the exception and `runAndWait` never returns;
- an unknown voice is swallowed too (only an "error" notification);
- it prints "Audio saved to ..." on stdout for every file.
- and a run of the same process sometimes settles at ~166 ms per phrase
  instead of ~15 ms (bimodal across runs; measured in docs/audio.md).
So the command is the default; pyttsx3 stays selectable, hardened: an
in-memory buffer instead of a path (the callback cannot fail on I/O), errors
listened for, the print silenced, and an empty result re-done by the command.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import threading
import wave
from importlib import metadata
from typing import Protocol

from audio.settings import AudioSettings
from audio.wav import Pcm, read_wav

log = logging.getLogger("audio")

INSTALL_HINT = "install it with `sudo apt-get install espeak-ng`"

# libespeak-ng is one instance per process and pyttsx3.init() hands every caller
# the same engine. Each Announcer has one owner thread, but two Announcers in one
# process (tests, a restart inside one process) would otherwise share it unguarded.
_LIBESPEAK = threading.Lock()


class EngineUnavailable(Exception):
    """The speech engine cannot run on this machine; the message says what to install."""


class SynthesisError(Exception):
    """One piece of text could not be synthesised."""


class SpeechEngine(Protocol):
    name: str  # shown in health()
    version: str  # part of every cache key: another engine version may sound different

    def synthesize(self, text: str, voice: str) -> Pcm: ...


class Pyttsx3Engine:
    def __init__(self, rate: int, volume: float) -> None:
        try:
            import pyttsx3
            import pyttsx3.drivers._espeak as espeak_lib
            import pyttsx3.drivers.espeak as espeak_driver
        except Exception as exc:  # the driver raises a bare Exception when libespeak-ng is missing
            raise EngineUnavailable(f"libespeak-ng could not be loaded ({exc}); {INSTALL_HINT}") from None
        # The driver prints "Audio saved to ..." on stdout for every file; route it to the debug log.
        espeak_driver.print = lambda *args, **kwargs: log.debug(" ".join(map(str, args)))
        try:
            with _LIBESPEAK:
                self._engine = pyttsx3.init("espeak")
        except Exception as exc:
            raise EngineUnavailable(f"espeak-ng could not start ({exc}); {INSTALL_HINT}") from None
        self._errors: list[BaseException] = []
        self._engine.connect("error", self._on_error)
        self._rate, self._volume = rate, volume
        self._fallback: EspeakCliEngine | None = None
        library = (espeak_lib.Info(None) or b"?").decode(errors="replace")
        self.name = "espeak-ng (pyttsx3)"
        self.version = f"pyttsx3 {metadata.version('pyttsx3')}; espeak-ng {library}"

    def _on_error(self, name: str | None = None, exception: BaseException | None = None) -> None:
        self._errors.append(exception or RuntimeError("unknown pyttsx3 error"))

    def synthesize(self, text: str, voice: str) -> Pcm:
        if not text.strip():
            raise SynthesisError("nothing to say")
        with _LIBESPEAK:
            return self._synthesize(text, voice)

    def _synthesize(self, text: str, voice: str) -> Pcm:
        self._errors.clear()
        # Set every time: the shared engine may have been used by another Announcer since.
        self._engine.setProperty("rate", self._rate)
        self._engine.setProperty("volume", self._volume)
        self._engine.setProperty("voice", voice)  # runs now, or at runAndWait before the first call
        buffer = io.BytesIO()
        self._engine.save_to_file(text, buffer)
        self._engine.runAndWait()
        if self._errors:
            raise SynthesisError(f"espeak-ng failed: {self._errors[0]}")
        data = buffer.getvalue()
        if len(data) > 44:  # more than a bare WAV header
            return read_wav(data)
        # The race described above: redo this phrase with the command, which has no such race.
        log.info("audio: pyttsx3 returned no audio for %r; using the espeak-ng command", text)
        if self._fallback is None:
            try:
                self._fallback = EspeakCliEngine(self._rate, self._volume)
            except EngineUnavailable as exc:
                raise SynthesisError(f"espeak-ng produced no audio for voice {voice!r} ({exc})") from None
        return self._fallback.synthesize(text, voice)


class EspeakCliEngine:
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
        self.name = "espeak-ng (command)"
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


def default_engine_factory(settings: AudioSettings) -> SpeechEngine:
    """Build the configured engine; raises `EngineUnavailable` with an install hint."""
    if settings.engine == "pyttsx3":
        return Pyttsx3Engine(settings.rate, settings.volume)
    return EspeakCliEngine(settings.rate, settings.volume)
