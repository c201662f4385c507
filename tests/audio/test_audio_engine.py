"""The espeak-ng command engine: sound on stdout, failures raised, a timeout shorter than every wait."""

from __future__ import annotations

import shutil
import tempfile

import pytest

from audio.announcer import PLAYBACK_WAIT
from audio.engine import EspeakCliEngine, SynthesisError
from audio.routes import READY_TIMEOUT
from audio.wav import rms


def test_renders_without_a_temp_folder(tmp_path, monkeypatch):
    """Removing the temp folder after start (a cleaned /tmp) does not break later renders."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    engine = EspeakCliEngine(150, 1.0)
    shutil.rmtree(temp)
    sound = engine.synthesize("Nomor antrian, a, satu.", "id")
    assert sound.duration > 0.5 and rms(sound) > 0.02


def test_unknown_voice_is_a_synthesis_error():
    """A voice espeak-ng does not have raises SynthesisError with espeak-ng's own message."""
    engine = EspeakCliEngine(150, 1.0)
    with pytest.raises(SynthesisError, match="does not exist"):
        engine.synthesize("tes", "xx-nope")


def test_timeout_is_shorter_than_the_waits_for_it():
    """A hung espeak-ng is killed before a TV's request or the hub's speakers stop waiting for it."""
    assert EspeakCliEngine.TIMEOUT < READY_TIMEOUT
    assert EspeakCliEngine.TIMEOUT < PLAYBACK_WAIT
