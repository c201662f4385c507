"""The two-tone "ding-dong" played before every call, generated, not downloaded.

The hall runs on a LAN with no internet and we ship no binary assets, so the
chime is synthesised here: two bell-like notes (a major third down, E5 then
C5) with a few inharmonic partials and an exponential decay, like the
classic public-address gong.
"""

from __future__ import annotations

import math
from array import array
from functools import lru_cache

from audio.wav import Pcm, from_samples

# Part of every cache key: bump it when the sound below changes, so rendered
# calls are re-rendered with the new chime.
CHIME_VERSION = 1

NOTES = ((659.25, 0.0), (523.25, 0.55))  # (frequency Hz, start s)
NOTE_SECONDS = 1.0
TOTAL_SECONDS = 1.45
# Bell partials: (frequency ratio, relative amplitude, decay per second)
PARTIALS = ((1.0, 1.0, 3.2), (2.0, 0.35, 5.0), (2.76, 0.18, 7.0), (5.4, 0.06, 11.0))
PEAK = 0.55  # leaves headroom so the chime is not louder than the voice


@lru_cache(maxsize=4)
def chime(rate: int = 22050) -> Pcm:
    """The chime at `rate` Hz, mono 16-bit, about 1.45 s long."""
    n = int(TOTAL_SECONDS * rate)
    mix = [0.0] * n
    for freq, start in NOTES:
        first = int(start * rate)
        for i in range(min(int(NOTE_SECONDS * rate), n - first)):
            t = i / rate
            attack = min(1.0, t / 0.005)  # 5 ms attack avoids a click
            value = 0.0
            for ratio, amp, decay in PARTIALS:
                value += amp * math.exp(-decay * t) * math.sin(2 * math.pi * freq * ratio * t)
            mix[first + i] += attack * value
    top = max(abs(v) for v in mix) or 1.0
    fade = int(0.05 * rate)  # the tail fades to exact silence, no click at the join
    samples = array("h", bytes(2 * n))
    for i, v in enumerate(mix):
        gain = min(1.0, (n - i) / fade)
        samples[i] = int(32767 * PEAK * gain * v / top)
    return from_samples(rate, samples)
