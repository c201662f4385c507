"""Rendered calls on disk, one WAV per cache key, surviving restarts.

The key is a hash of everything that changes the sound, so a file never needs
invalidating: change the voice or the rate and the calls simply get new keys.
The directory is bounded: beyond `max_files` the oldest files are deleted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from pathlib import Path

from audio.wav import write_atomic

log = logging.getLogger("audio")

KEY_RE = re.compile(r"^[0-9a-f]{24}$")
# Bump when the way a call is rendered (gaps, joining) changes.
FORMAT_VERSION = 1


def cache_key(**sound: object) -> str:
    """A stable 24-hex-digit hash of the sound-defining values."""
    blob = json.dumps({"format": FORMAT_VERSION, **sound}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


class WavCache:
    def __init__(self, directory: Path, max_files: int = 2000) -> None:
        self.directory = Path(directory)
        self.max_files = max_files
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # Kept in memory so announce() can check for a hit without touching the disk.
        self._keys = {p.stem for p in self.directory.glob("*.wav") if KEY_RE.match(p.stem)}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.wav"

    def store(self, key: str, data: bytes) -> Path:
        path = self.path(key)
        write_atomic(path, data)
        with self._lock:
            self._keys.add(key)
            over = len(self._keys) > self.max_files
        if over:
            self._evict(keep=key)
        return path

    def _evict(self, keep: str) -> None:
        # Down to 90% so we do not scan the directory on every new call.
        target = int(self.max_files * 0.9)
        entries = []
        for p in self.directory.glob("*.wav"):
            if KEY_RE.match(p.stem) and p.stem != keep:
                try:
                    entries.append((p.stat().st_mtime, p))
                except FileNotFoundError:
                    continue
        entries.sort()
        excess = len(entries) + 1 - target
        for _, p in entries[:max(0, excess)]:
            with self._lock:
                self._keys.discard(p.stem)
            p.unlink(missing_ok=True)
        log.info("audio cache: deleted %d old calls from %s", max(0, excess), self.directory)
