"""The [audio] and [pronunciation] sections: defaults, errors that name the key, documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_site

from audio.settings import SETTINGS, AudioSettings, load_settings
from config.site import ConfigError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audio.md"


def test_defaults():
    """An empty [audio] section gives the documented defaults."""
    s = load_settings(make_site())
    assert s == AudioSettings()
    assert {setting.key: setting.default for setting in SETTINGS}["rate"] == s.rate == 150
    assert s.output == "display" and s.voice == "id" and s.chime is True


@pytest.mark.parametrize(("audio", "key", "words"), [
    ({"output": "loud"}, "audio.output", '"display", "server", "both", "off"'),
    ({"rate": 20}, "audio.rate", "80 to 450"),
    ({"rate": True}, "audio.rate", "80 to 450"),
    ({"volume": 1.5}, "audio.volume", "0.0 to 1.0"),
    ({"number_mode": "roman"}, "audio.number_mode", '"words"'),
    ({"template": "Nomor {nomor}"}, "audio.template", "unknown placeholder {nomor}"),
    ({"template": "Nomor {number!r}"}, "audio.template", "unknown placeholder"),
    ({"template": "Nomor {number"}, "audio.template", "unbalanced braces"),
    ({"agency_templates": {"NOPE": "x"}}, "audio.agency_templates.NOPE", "unknown agency"),
    ({"second_language": "fr"}, "audio.second_language", '"en"'),
    ({"chime": "yes"}, "audio.chime", "true or false"),
    ({"voice": ""}, "audio.voice", "non-empty"),
    ({"cache_max_files": 1}, "audio.cache_max_files", "10 to"),
    ({"loudness": 3}, "audio.loudness", "unknown key"),
])
def test_bad_values_name_file_and_key(audio, key, words):
    """Each bad value raises ConfigError naming the file, the key and what is wrong."""
    with pytest.raises(ConfigError) as caught:
        load_settings(make_site(audio))
    assert caught.value.file == "site.toml"
    assert caught.value.key == key
    assert words in caught.value.problem


def test_bad_pronunciation_entry():
    """A pronunciation entry must map a word to a string."""
    with pytest.raises(ConfigError) as caught:
        load_settings(make_site(pronunciation={"Bappenda": 3}))
    assert caught.value.key == "pronunciation.Bappenda"


def test_relative_cache_dir_is_beside_the_config_file(tmp_path):
    """cache_dir is resolved against the configuration file's folder."""
    s = load_settings(make_site({"cache_dir": "cache/audio"}))
    assert s.cache_dir == Path("site.toml").resolve().parent / "cache" / "audio"


def test_every_setting_is_documented():
    """Each [audio] key has a row in docs/audio.md."""
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.key for s in SETTINGS if not re.search(rf"^\| `{s.key}`", text, re.MULTILINE)]
    assert not missing, missing
