"""The [audio] and [pronunciation] sections: defaults, errors that name the key, how phrases use them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_site

from audio.phrase import Phrasebook
from audio.settings import DEFAULT_TEMPLATE, AudioSettings
from config.site import ConfigError


def test_defaults():
    """An empty [audio] section gives the documented defaults."""
    s = make_site().audio
    assert s == AudioSettings()
    assert AudioSettings.model_fields["rate"].default == s.rate == 150
    assert s.output == "display" and s.voice == "id" and s.chime is True and s.template == DEFAULT_TEMPLATE
    assert s.engine == "pyttsx3" and s.worker_timeout == 2.0 and s.voice_pack is False


@pytest.mark.parametrize(("audio", "key", "words"), [
    ({"output": "loud"}, "audio.output", '"display", "server", "both", "off"'),
    ({"rate": 20}, "audio.rate", "80 to 450"),
    ({"rate": True}, "audio.rate", "80 to 450"),
    ({"rate": "150"}, "audio.rate", "whole number"),
    ({"volume": 1.5}, "audio.volume", "0.0 to 1.0"),
    ({"number_mode": "roman"}, "audio.number_mode", '"words"'),
    ({"template": "Nomor {nomor}"}, "audio.template", "unknown placeholder {nomor}"),
    ({"template": "Nomor {number!r}"}, "audio.template", "unknown placeholder"),
    ({"template": "Nomor {number"}, "audio.template", "unbalanced braces"),
    ({"agency_templates": {"NOPE": "x"}}, "audio.agency_templates.NOPE", "unknown agency"),
    ({"agency_templates": {"BAPPENDA": "Nomor {nomer}"}}, "audio.agency_templates.BAPPENDA", "unknown placeholder"),
    ({"second_language": "fr"}, "audio.second_language", '"en"'),
    ({"chime": "yes"}, "audio.chime", "true or false"),
    ({"voice": ""}, "audio.voice", "non-empty"),
    ({"cache_max_files": 1}, "audio.cache_max_files", "10 to"),
    ({"cache_max_files": 37}, "audio.cache_max_files", "at least 38 for this site"),
    ({"engine": "festival"}, "audio.engine", '"pyttsx3", "espeak-ng"'),
    ({"worker_timeout": 0.1}, "audio.worker_timeout", "0.5 to 4.0"),
    ({"worker_timeout": 5}, "audio.worker_timeout", "0.5 to 4.0"),
    ({"voice_pack": "yes"}, "audio.voice_pack", "true or false"),
    ({"voice_pack_dir": 3}, "audio.voice_pack_dir", "must be a string"),
    ({"loudness": 3}, "audio.loudness", "unknown key"),
])
def test_bad_values_name_file_and_key(audio, key, words):
    """Each bad value raises ConfigError naming the file, the key and what is wrong."""
    with pytest.raises(ConfigError) as caught:
        make_site(audio)
    assert caught.value.file == "site.toml"
    assert caught.value.key == key
    assert words in caught.value.problem


@pytest.mark.parametrize(("pronunciation", "key", "words"), [
    ({"Bappenda": 3}, "pronunciation.Bappenda", "non-empty string"),
    ({"Bappenda": "bapenda", "BAPPENDA": "be a pe pe"}, "pronunciation.BAPPENDA", "listed twice"),
    ({" ": "kosong"}, "pronunciation. ", "must not be empty"),
])
def test_bad_pronunciation_entry(pronunciation, key, words):
    """A pronunciation entry maps one word (once, regardless of case) to its spoken form."""
    with pytest.raises(ConfigError) as caught:
        make_site(pronunciation=pronunciation)
    assert caught.value.key == key and words in caught.value.problem


def test_pronunciation_matches_regardless_of_case():
    """[pronunciation] keeps the words as written; the phrase finds them in any case."""
    site = make_site({"template": "{agency}, {service}"}, {"Bappenda": "bapenda", "pbb-p2": "pe be be pe dua"})
    assert site.pronunciation == {"Bappenda": "bapenda", "pbb-p2": "pe be be pe dua"}
    text = Phrasebook(site.audio, site).text({"number": "H001", "service": "H"}, {"id": "20"})
    assert text == "bapenda, pe be be pe dua"


def test_worker_deadline_leaves_room_for_the_fallback():
    """The longest worker deadline plus the espeak-ng command's own timeout fit in a TV's wait for the WAV."""
    from audio.engine import EspeakCliEngine
    from audio.routes import READY_TIMEOUT
    from audio.settings import MAX_WORKER_TIMEOUT

    assert MAX_WORKER_TIMEOUT + EspeakCliEngine.TIMEOUT < READY_TIMEOUT


def test_relative_cache_dir_is_beside_the_config_file():
    """cache_dir and voice_pack_dir are kept as written and resolved against the configuration file's folder."""
    site = make_site({"cache_dir": "cache/audio", "voice_pack_dir": "suara"})
    assert site.audio.cache_dir == "cache/audio"
    assert site.beside(site.audio.cache_dir) == Path("site.toml").resolve().parent / "cache" / "audio"
    assert site.beside(site.audio.voice_pack_dir) == Path("site.toml").resolve().parent / "suara"
