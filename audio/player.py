"""Server-mode playback: the hub PC's own speakers, one serialized queue per zone.

Two calls in one zone must never talk over each other and must be heard in
the order they were made, so each zone has one thread that plays one file at
a time. The hub PC has one sound output, so the zones also take turns on it:
a zone waiting for a slow render does not hold up the others, but two calls
are never played at once.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

log = logging.getLogger("audio")

MAX_AGE = 120.0  # seconds; a call not heard by then is stale, and playing it would only confuse the hall
Item = Callable[[], Path | None]  # returns the file to play, or None for nothing

PLAYER_HINT = ("install a player with `sudo apt-get install pulseaudio-utils` (paplay) "
               "or `sudo apt-get install alsa-utils` (aplay), and check that a sound card is connected")


class Player(Protocol):
    """Plays one WAV file on a sound output and returns when it has finished."""

    def play(self, path: Path) -> None: ...


class PlaybackError(Exception):
    pass


class CommandPlayer:
    TIMEOUT = 60  # seconds; no call is that long, so a hung sound server does not stall the zone

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.name = Path(argv[0]).name

    def play(self, path: Path) -> None:
        try:
            done = subprocess.run([*self.argv, str(path)], capture_output=True, text=True, timeout=self.TIMEOUT)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PlaybackError(f"{self.name} failed: {exc}") from None
        if done.returncode != 0:
            raise PlaybackError(f"{self.name} failed (exit {done.returncode}): {done.stderr.strip()[:200]}")


def find_player(choice: str = "auto") -> CommandPlayer | None:
    """The configured sound output, or None when there is no player program or no sound device."""
    if choice == "none":
        return None
    paplay, aplay = shutil.which("paplay"), shutil.which("aplay")
    has_pulse = bool(os.environ.get("PULSE_SERVER")) or Path(os.environ.get("XDG_RUNTIME_DIR", "/nonexistent"),
                                                               "pulse", "native").exists()
    has_alsa = Path("/proc/asound/cards").exists() and Path("/proc/asound/cards").read_text().strip() not in (
        "", "--- no soundcards ---")
    if choice in ("auto", "paplay") and paplay and (has_pulse or choice == "paplay"):
        return CommandPlayer([paplay])
    if choice in ("auto", "aplay") and aplay and (has_alsa or choice == "aplay"):
        return CommandPlayer([aplay, "-q"])
    return None


class PlaybackQueue:
    """One thread per zone; each plays its items strictly one after another, in the order queued.

    An item is a callable returning the file to play. It may block (waiting
    for a render to finish) and that is the point: the next call in the zone
    waits behind it, so order is kept even when renders finish out of order.
    Only the playing itself is serialised across zones. A call still queued
    `max_age` seconds after it was made is dropped: nobody is waiting for it.
    """

    def __init__(self, player: Player, *, max_age: float = MAX_AGE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.player = player
        self.max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._output = threading.Lock()  # the one sound output: zones take turns
        self._stopping = threading.Event()  # once set, queued calls are skipped: the hub is shutting down
        self._zones: dict[str, tuple[queue.Queue[tuple[float, Item] | None], threading.Thread]] = {}
        self.played = 0
        self.skipped = 0
        self.errors = 0
        self.last_error: str | None = None

    def enqueue(self, zone: str, item: Item) -> None:
        with self._lock:
            if zone not in self._zones:
                q: queue.Queue[tuple[float, Item] | None] = queue.Queue()
                thread = threading.Thread(target=self._run, args=(zone, q), name=f"audio-zone-{zone}", daemon=True)
                self._zones[zone] = (q, thread)
                thread.start()
            self._zones[zone][0].put((self._clock(), item))

    def stopping(self) -> None:
        """Play nothing more: calls still queued, or waiting for their render, are skipped."""
        self._stopping.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Skip what is queued and wait, at most `timeout` in all, for the zones' threads to end."""
        self._stopping.set()
        with self._lock:
            zones, self._zones = list(self._zones.values()), {}
        for q, _ in zones:
            q.put(None)
        deadline = time.monotonic() + timeout
        for _, thread in zones:
            thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self, zone: str, q: queue.Queue[tuple[float, Item] | None]) -> None:
        while True:
            entry = q.get()
            if entry is None:
                return
            queued_at, item = entry
            if self._stopping.is_set():
                continue  # drain to the end marker without playing
            try:
                if self._too_old(zone, queued_at):
                    continue
                path = item()
                if path is None:
                    continue
                with self._output:
                    if self._stopping.is_set() or self._too_old(zone, queued_at):  # it may have waited long
                        continue
                    self.player.play(path)
                self.played += 1
            except Exception as exc:  # one failed playback must not silence the zone
                self.errors += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("audio: playback in zone %r failed: %s", zone, self.last_error)

    def _too_old(self, zone: str, queued_at: float) -> bool:
        age = self._clock() - queued_at
        if age <= self.max_age:
            return False
        self.skipped += 1
        log.warning("audio: skipped a call in zone %r made %.0f s ago; the speakers are too far behind", zone, age)
        return True
