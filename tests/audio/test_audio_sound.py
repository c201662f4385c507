"""The generated chime and the PCM helpers that join it to the voice."""

from __future__ import annotations

from audio.chime import chime
from audio.wav import Pcm, join, read_wav, resample, rms, silence, wav_bytes


def test_chime_is_two_audible_tones_ending_in_silence():
    """The ding-dong is ~1.45 s, loud at once, loud again at the second note, and fades to zero."""
    ding = chime(22050)
    assert 1.4 < ding.duration < 1.5
    samples = ding.samples()
    first = Pcm(22050, ding.frames[: 2 * 2205])  # first 0.1 s
    second = Pcm(22050, ding.frames[2 * int(0.55 * 22050): 2 * int(0.65 * 22050)])
    before_second = Pcm(22050, ding.frames[2 * int(0.45 * 22050): 2 * int(0.55 * 22050)])
    assert rms(first) > 0.1
    assert rms(second) > rms(before_second)  # the "dong" strikes anew
    assert samples[-1] == 0
    assert max(abs(s) for s in samples) <= 32767 * 0.56


def test_chime_at_any_rate_has_the_same_length():
    """The chime is generated at the voice's own rate, so joining needs no conversion."""
    assert abs(chime(16000).duration - chime(22050).duration) < 0.001


def test_wav_round_trip():
    """wav_bytes and read_wav are inverses."""
    ding = chime(22050)
    assert read_wav(wav_bytes(ding)) == ding


def test_join_converts_rates_and_inserts_gaps():
    """Joining a 16 kHz clip to a 22.05 kHz clip keeps both durations, plus the gap."""
    a = chime(22050)
    b = chime(16000)
    joined = join([a, b], gap=0.5)
    assert joined.rate == 22050
    assert abs(joined.duration - (a.duration + 0.5 + b.duration)) < 0.01
    assert rms(resample(b, 22050)) > 0.1


def test_silence_is_silent():
    """silence() really is."""
    assert rms(silence(22050, 0.3)) == 0 and silence(22050, 0.3).duration == 0.3
