"""Is a rendered phrase a real, complete sound? Checked on every render, from every engine.

pyttsx3 2.99 returns an empty WAV about once in 3,000 phrases, and any engine
can be cut short or go quiet. Nothing that fails these checks reaches a TV or
the hall's speakers: the synthesizer retries it, then uses the espeak-ng
command (see audio/engine.py).

The bounds come from measuring espeak-ng 1.51 (voices id and en, rates
80-450 wpm, amplitudes 10 and 100; docs/audio.md): a phrase lasts
0.9-1.4x `letters * 60 / (wpm * 3.6)` seconds, single words up to 6.5x
(their end pause), and its peak is 0.4-0.8 of full scale times the volume.
"""

from __future__ import annotations

import math
import operator
import re

from audio.wav import Pcm

LETTERS_PER_WORD = 3.6  # espeak-ng's rate counts words of this many letters (measured, see above)
MIN_SHARE = 0.5  # shorter than half the expected length: the end of the phrase is missing
MAX_SHARE = 3.0  # longer than three times the expected length (plus MAX_EXTRA): not this phrase
MAX_EXTRA = 1.5  # seconds, for the end pause of short words
MIN_PEAK = 0.1  # times the volume: espeak-ng peaks at 0.4-0.8 of full scale at volume 1.0
MIN_RMS = 0.01  # times the volume: espeak-ng's phrases measure 0.05-0.1 at volume 1.0
STRIDE = 8  # levels are measured on every 8th sample: ~1 ms instead of ~13 ms for a 6 s phrase


class InvalidRender(Exception):
    """A render that must not be played: empty, too short, too long or inaudible. The message says which."""


def expected_seconds(text: str, wpm: int) -> float:
    """How long espeak-ng takes to say `text` at `wpm` words per minute, roughly (see the module docstring)."""
    letters = len(re.findall(r"[^\W_]", text))
    return letters * 60 / (wpm * LETTERS_PER_WORD)


def check_render(pcm: Pcm, text: str, *, wpm: int, volume: float) -> Pcm:
    """Return `pcm` if it is a plausible rendering of `text`; raise `InvalidRender` saying what is wrong.

    Plausible: at least MIN_SHARE and at most MAX_SHARE times (+ MAX_EXTRA s) of `expected_seconds`,
    and, unless `volume` is 0, a peak and an RMS (0..1 scale) above MIN_PEAK and MIN_RMS times `volume`.
    """
    if not pcm.frames:
        raise InvalidRender("empty render (no samples)")
    expected = expected_seconds(text, wpm)
    if pcm.duration < MIN_SHARE * expected:
        raise InvalidRender(f"short render: {pcm.duration:.2f} s for about {expected:.2f} s of speech")
    if pcm.duration > MAX_SHARE * expected + MAX_EXTRA:
        raise InvalidRender(f"overlong render: {pcm.duration:.2f} s for about {expected:.2f} s of speech")
    if volume > 0:
        every = pcm.samples()[::STRIDE]
        peak = max(max(every), -min(every)) / 32768
        level = math.sqrt(sum(map(operator.mul, every, every)) / len(every)) / 32768
        if peak < MIN_PEAK * volume or level < MIN_RMS * volume:
            raise InvalidRender(f"inaudible render: peak {peak:.3f}, rms {level:.4f} at volume {volume}")
    return pcm
