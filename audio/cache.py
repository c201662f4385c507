"""Rendered calls on disk, one WAV per cache key, surviving restarts.

The key is a hash of everything that changes the sound, so a file never needs
invalidating: change the voice or the rate and the calls simply get new keys.
The directory is bounded: beyond `max_files` the least recently used calls are
deleted. A call is "used" when it is rendered or announced again (`touch`), and
the file's mtime records it, so the order survives a restart. A call a TV may
still play (`KeptCalls`) is never deleted, whatever the size: pre-renders keep
touching their own files, so by use order alone a call made but not yet played
would be the first to go.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Collection
from pathlib import Path

from audio.wav import write_atomic

log = logging.getLogger("audio")

KEY_RE = re.compile(r"[0-9a-f]{24}")
# Bump when the way a call is rendered (gaps, joining) changes.
FORMAT_VERSION = 1
EVICT_TO = 0.9  # when over max_files, delete down to this share, so eviction is not on every call
# A TV speaks a call only while it is at most 2 minutes old (display/static/display.js STALE_MS) and the
# hub's speakers drop calls older than 120 s (audio/player.py MAX_AGE); a TV's request may wait 10 s more.
KEEP_SECONDS = 180.0


def cache_key(**sound: object) -> str:
    """A stable 24-hex-digit hash of the sound-defining values."""
    blob = json.dumps({"format": FORMAT_VERSION, **sound}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def is_key(text: str) -> bool:
    """True for exactly 24 lower-case hex digits (`re.match` would also take a trailing newline)."""
    return KEY_RE.fullmatch(text) is not None


class KeptCalls:
    """The calls a TV or the hub's speakers may still play: the last `per_zone` calls of each zone, and every
    call announced in the last `seconds` (monotonic clock). Their WAVs are never evicted. Thread-safe."""

    def __init__(self, per_zone: int, seconds: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_zone, self._clock = per_zone, clock
        self.seconds = KEEP_SECONDS if seconds is None else seconds
        self._lock = threading.Lock()
        self._zones: dict[str, deque[str]] = {}
        self._recent: deque[tuple[float, str]] = deque()  # (announced at, key), oldest first

    def add(self, zone: str, key: str) -> None:
        """A call of `key` was just announced in `zone`."""
        now = self._clock()
        with self._lock:
            self._zones.setdefault(zone, deque(maxlen=self.per_zone)).append(key)
            self._recent.append((now, key))
            self._expire(now)

    def keys(self) -> set[str]:
        """Every key that must stay on disk now."""
        with self._lock:
            self._expire(self._clock())
            kept = {key for _, key in self._recent}
            for zone in self._zones.values():
                kept.update(zone)
            return kept

    def _expire(self, now: float) -> None:
        while self._recent and now - self._recent[0][0] > self.seconds:
            self._recent.popleft()


class WavCache:
    """Rendered calls on disk, `<key>.wav` in `directory`, at most `max_files` of them except those
    `keep()` names (calls a TV may still play), which are never evicted."""

    def __init__(self, directory: Path, max_files: int = 2000,
                 keep: Callable[[], Collection[str]] | None = None) -> None:
        self.directory = Path(directory)
        self.max_files = max_files
        self._keep = keep
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        found = []
        for p in self.directory.glob("*.wav"):
            if is_key(p.stem):
                try:
                    found.append((p.stat().st_mtime, p.stem))
                except FileNotFoundError:
                    continue
        found.sort()
        # Least recently used first. Kept in memory so announce() can check for a hit without the disk.
        self._keys: OrderedDict[str, None] = OrderedDict((key, None) for _, key in found)

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._keys

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.wav"

    def touch(self, key: str) -> bool:
        """Mark a cached call as just used; False when it is not cached (or its file has gone)."""
        with self._lock:
            if key not in self._keys:
                return False
            self._keys.move_to_end(key)
        try:
            os.utime(self.path(key))  # so the order survives a restart
        except FileNotFoundError:
            self.discard(key)  # deleted behind our back: render it again
            return False
        except OSError:
            pass  # a read-only cache still plays; only the order after a restart suffers
        return True

    def discard(self, key: str) -> None:
        """Forget a call whose file has gone, so the next call of it renders again."""
        with self._lock:
            self._keys.pop(key, None)

    def store(self, key: str, data: bytes) -> Path:
        path = self.path(key)
        write_atomic(path, data)
        victims: list[str] = []
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            if len(self._keys) > self.max_files:
                keep = set(self._keep()) if self._keep is not None else set()
                keep.add(key)
                excess = len(self._keys) - int(self.max_files * EVICT_TO)
                for old in self._keys:  # least recently used first
                    if excess <= 0:
                        break
                    if old not in keep:
                        victims.append(old)
                        excess -= 1
                for victim in victims:
                    del self._keys[victim]
        for victim in victims:
            self.path(victim).unlink(missing_ok=True)
        if victims:
            log.info("audio cache: deleted %d least recently used calls from %s", len(victims), self.directory)
        return path
