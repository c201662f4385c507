"""The hub's side of the pyttsx3 worker process: start it, ask it for phrases, kill it when it hangs.

One `WorkerProcess` is owned by the speech engine, which is owned by the
synthesizer's one thread, so no locking is needed here. Every reply is
awaited with a deadline (`select` on the pipe); a worker that misses it is
killed (SIGKILL works on a stopped or hung process alike) and a new one is
started at once, so it initialises while the hub renders that phrase
another way. A worker that keeps failing to start is retried with a growing
pause, and meanwhile every phrase goes straight to the fallback.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import time
import weakref
from pathlib import Path

from audio.pyttsx3_worker import HEADER, MAX_HEADER, write_frame

log = logging.getLogger("audio")

PROGRAM = Path(__file__).with_name("pyttsx3_worker.py")
START_TIMEOUT = 20.0  # seconds for a new worker to import pyttsx3 and load libespeak-ng (~0.1 s when idle)
START_WAIT = 0.25  # seconds a phrase waits for a restarted worker before going to the fallback
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 60.0  # seconds between starts of a worker that keeps failing
MAX_REPLY = 64 * 1024 * 1024  # bytes; a call phrase is ~300 KB


class WorkerError(Exception):
    """The worker answered, but with an error for this phrase (pyttsx3 reported one)."""


class WorkerUnavailable(Exception):
    """No worker can take this phrase now: it hung past its deadline or died (it has been killed and a new one
    started), it is still starting, or it keeps failing to start and waits for its next try."""


class WorkerProcess:
    """A pyttsx3 worker process with a deadline on every phrase.

    `say(text, voice, rate, volume)` returns the WAV bytes pyttsx3 produced (unchecked here), raises
    `WorkerError` when pyttsx3 reported an error, and `WorkerUnavailable` when the worker missed
    `deadline` seconds, died, is still starting or cannot start; a lost worker is replaced before `say`
    raises, and a new worker that is not ready within `start_wait` seconds is not waited for (the phrase
    goes elsewhere; the next phrase looks again). Counters: `restarts` (workers killed or found dead),
    `starts`.
    """

    def __init__(self, deadline: float, *, start_timeout: float = START_TIMEOUT, start_wait: float = START_WAIT,
                 argv: list[str] | None = None) -> None:
        self.deadline = deadline
        self.start_timeout = start_timeout
        self.start_wait = start_wait
        self.argv = argv or [sys.executable, str(PROGRAM)]
        self.version: str | None = None
        self.restarts = 0
        self.starts = 0
        self.last_loss: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._reaper: weakref.finalize | None = None  # stops the process if this object is dropped unclosed
        self._ready = False
        self._spawned_at = 0.0
        self._failed_starts = 0
        self._not_before = 0.0  # monotonic time before which no new worker is started

    @property
    def pid(self) -> int | None:
        """The running worker's process id (None when none is running)."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def ready(self) -> bool:
        """True when a worker has said it is ready and has not been lost since."""
        return self._ready

    def start(self) -> str:
        """Start the worker and wait (up to `start_timeout`) until it is ready; return its version.
        Raises `WorkerUnavailable` with the reason."""
        if self._proc is None:
            self._spawn()
        self._check_ready(self.start_timeout)
        assert self.version is not None
        return self.version

    def say(self, text: str, voice: str, rate: int, volume: float) -> bytes:
        if self._proc is None:
            if time.monotonic() < self._not_before:
                raise WorkerUnavailable(f"the pyttsx3 worker is waiting to be restarted ({self.last_loss})")
            self._spawn()
        if not self._ready:
            self._check_ready(self.start_wait)
        assert self._proc is not None and self._proc.stdin is not None
        try:
            write_frame(self._proc.stdin, {"text": text, "voice": voice, "rate": rate, "volume": volume})
            header, payload = self._read_frame(time.monotonic() + self.deadline)
        except TimeoutError:
            self._lose(f"the pyttsx3 worker did not answer within {self.deadline:g} s (hung)")
            raise WorkerUnavailable(self.last_loss) from None
        except (OSError, EOFError, ValueError) as exc:  # a broken pipe, a dead worker, a garbled frame
            self._lose(f"the pyttsx3 worker failed ({type(exc).__name__}: {exc})")
            raise WorkerUnavailable(self.last_loss) from None
        if not header.get("ok"):
            raise WorkerError(str(header.get("error") or "unknown error"))
        self._failed_starts = 0
        return payload

    def close(self) -> None:
        """Stop the worker: close its input (it exits by itself), kill it if it does not."""
        self._proc, self._ready = None, False
        if self._reaper is not None:
            self._reaper()
            self._reaper = None

    # -- inside ---------------------------------------------------------------------

    def _spawn(self) -> None:
        self.starts += 1
        self._ready = False
        self._spawned_at = time.monotonic()
        self._proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self._reaper = weakref.finalize(self, _stop, self._proc)

    def _check_ready(self, wait: float) -> None:
        """Take the new worker's first frame if it comes within `wait` s; raise WorkerUnavailable if it does not."""
        assert self._proc is not None and self._proc.stdout is not None
        limit = self._spawned_at + self.start_timeout
        readable, _, _ = select.select([self._proc.stdout.fileno()], [], [],
                                       max(0.0, min(wait, limit - time.monotonic())))
        if not readable:
            if time.monotonic() < limit:
                raise WorkerUnavailable("the pyttsx3 worker is still starting")
            self._lose(f"the pyttsx3 worker did not start within {self.start_timeout:g} s", failed_start=True)
            raise WorkerUnavailable(self.last_loss)
        try:
            header, _ = self._read_frame(limit)
        except (OSError, EOFError, ValueError, TimeoutError) as exc:
            self._lose(f"the pyttsx3 worker did not start ({type(exc).__name__}: {exc})", failed_start=True)
            raise WorkerUnavailable(self.last_loss) from None
        if not header.get("ready"):
            self._lose(f"the pyttsx3 worker could not start: {header.get('error')}", failed_start=True)
            raise WorkerUnavailable(self.last_loss)
        self.version = str(header.get("version"))
        self._ready = True

    def _lose(self, reason: str, *, failed_start: bool = False) -> None:
        """Kill the worker; start a new one now, or after a pause when starting keeps failing."""
        self.last_loss = reason
        proc, self._proc, self._ready = self._proc, None, False
        if proc is not None:
            proc.kill()  # also ends a stopped (SIGSTOP) process
            self.close()
        self.restarts += 1
        if failed_start:
            self._failed_starts += 1
            pause = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self._failed_starts - 1))
            self._not_before = time.monotonic() + pause
            log.warning("audio: %s; trying again in %.0f s, phrases use the espeak-ng command meanwhile",
                        reason, pause)
            return
        log.warning("audio: %s; killed it and started a new one", reason)
        try:
            self._spawn()  # initialises while this phrase is rendered another way
        except OSError as exc:
            self._proc = None
            self._not_before = time.monotonic() + BACKOFF_FIRST
            log.warning("audio: could not start a new pyttsx3 worker: %s", exc)

    def _read_frame(self, deadline: float) -> tuple[dict, bytes]:
        """One frame from the worker by `deadline` (monotonic). Raises TimeoutError, EOFError or ValueError."""
        head = self._read_exact(HEADER.size, deadline)
        (length,) = HEADER.unpack(head)
        if length > MAX_HEADER:
            raise ValueError(f"frame header of {length} bytes")
        header = json.loads(self._read_exact(length, deadline))
        size = int(header.get("size", 0))
        if not 0 <= size <= MAX_REPLY:
            raise ValueError(f"reply of {size} bytes")
        return header, self._read_exact(size, deadline) if size else b""

    def _read_exact(self, n: int, deadline: float) -> bytes:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        chunks: list[bytes] = []
        while n > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                raise EOFError(f"the worker exited (code {self._proc.poll()})")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Close the worker's input (it exits by itself), kill it if it has not within 0.5 s, and reap it."""
    if proc.stdin is not None:
        try:
            proc.stdin.close()
        except OSError:
            pass  # the worker is gone already
    try:
        proc.wait(0.5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()
