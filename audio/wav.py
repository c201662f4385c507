"""Mono 16-bit PCM clips: read, join, write. Standard library only.

espeak-ng always produces mono 16-bit audio and the chime is generated at
whatever rate the speech has, so joining normally needs no conversion. The
resampler below is only for a voice with a different rate (mbrola voices are
16 kHz); linear interpolation is plenty for a ding-dong and a voice.
"""

from __future__ import annotations

import io
import math
import operator
import os
import sys
import tempfile
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pcm:
    """Signed 16-bit little-endian mono samples at `rate` Hz."""

    rate: int
    frames: bytes

    @property
    def duration(self) -> float:
        return len(self.frames) / 2 / self.rate

    def samples(self) -> array:
        out = array("h", self.frames)
        if sys.byteorder == "big":
            out.byteswap()
        return out


def from_samples(rate: int, samples: array) -> Pcm:
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return Pcm(rate, samples.tobytes())


def read_wav(source: bytes | str | Path) -> Pcm:
    """Read a WAV file (path or bytes) as mono 16-bit."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with wave.open(handle, "rb") as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise ValueError(f"expected 16-bit samples, got {8 * width}-bit")
    pcm = Pcm(rate, raw)
    if channels > 1:
        data = pcm.samples()
        mono = array("h", (sum(data[i:i + channels]) // channels for i in range(0, len(data), channels)))
        pcm = from_samples(rate, mono)
    return pcm


def wav_bytes(pcm: Pcm) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(pcm.rate)
        w.writeframes(pcm.frames)
    return buf.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write so a reader (the HTTP route, a player) never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def silence(rate: int, seconds: float) -> Pcm:
    return Pcm(rate, bytes(2 * int(rate * seconds)))


def resample(pcm: Pcm, rate: int) -> Pcm:
    if pcm.rate == rate:
        return pcm
    src = pcm.samples()
    n = int(len(src) * rate / pcm.rate)
    if not src or n == 0:
        return Pcm(rate, b"")
    step = pcm.rate / rate
    last = len(src) - 1
    out = array("h", bytes(2 * n))
    for i in range(n):
        x = i * step
        j = int(x)
        k = min(j + 1, last)
        out[i] = int(src[j] + (src[k] - src[j]) * (x - j))
    return from_samples(rate, out)


def join(parts: list[Pcm], gap: float = 0.0) -> Pcm:
    """Concatenate clips at the first clip's rate, with `gap` seconds of silence between them."""
    rate = parts[0].rate
    pieces: list[bytes] = []
    for i, part in enumerate(parts):
        if i and gap:
            pieces.append(silence(rate, gap).frames)
        pieces.append(resample(part, rate).frames)
    return Pcm(rate, b"".join(pieces))


def rms(pcm: Pcm) -> float:
    """Root mean square on a 0..1 scale; 0 for silence."""
    data = pcm.samples()
    if not data:
        return 0.0
    return math.sqrt(sum(map(operator.mul, data, data)) / len(data)) / 32768
