"""config/site.py: the default config loads; every kind of mistake names the file and the key."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from config.site import DEFAULT_CONFIG, ConfigError, load_config
from tests.conftest import ROOT, TEST_CONFIG

PIN_1111 = "scrypt$16384$8$1$B1Mf2cXIZI1NW2Ar8Nr6zQ==$E3jaOAQxCztJJJQD0NaDrgmC1u8oyWZ3j4WToTvf8IM="

BASE = f"""
[site]
name = "MPP Uji"
timezone = "Asia/Jakarta"

[[agencies]]
code = "DUKCAPIL"
name = "Dinas Kependudukan dan Pencatatan Sipil"

[[services]]
code = "A"
name = "Perekaman KTP-el"
agency = "DUKCAPIL"
open = "08:00"
close = "15:00"

[[services]]
code = "B"
name = "Kartu Keluarga"

[[counters]]
id = "1"
name = "Loket 1"
services = ["A", "B"]

[[officers]]
username = "koordinator"
name = "Koordinator"
pin_hash = "{PIN_1111}"
"""

# (what is wrong, text replaced, replacement, key the message must name)
INVALID = [
    ("unknown service in a counter", 'services = ["A", "B"]', 'services = ["A", "Z"]', "counters[0].services"),
    ("duplicate prefix", 'code = "B"', 'code = "A"', "services[1].code"),
    ("hour 25", 'open = "08:00"', 'open = "25:00"', "services[0].open"),
    ("close before open", 'close = "15:00"', 'close = "07:30"', "services[0].close"),
    ("unknown agency", 'agency = "DUKCAPIL"', 'agency = "DISHUB"', "services[0].agency"),
    ("bad time zone", 'timezone = "Asia/Jakarta"', 'timezone = "Asia/Batu"', "site.timezone"),
    ("unknown key", 'name = "MPP Uji"', 'name = "MPP Uji"\ncolour = "red"', "site.colour"),
    ("unknown section", "[site]", "[tampilan]\nx = 1\n\n[site]", "tampilan"),
    ("bad pin_hash", f'pin_hash = "{PIN_1111}"', 'pin_hash = "1111"', "officers[0].pin_hash"),
    ("officer's unknown counter", f'pin_hash = "{PIN_1111}"', f'pin_hash = "{PIN_1111}"\ncounters = ["9"]',
     "officers[0].counters"),
    ("TOML syntax error", 'name = "Kartu Keluarga"', 'name = "Kartu Keluarga', "(syntax)"),
]


def write(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_loads():
    """config/default.toml is valid: services, counters, officers and the Jakarta time zone."""
    config = load_config(DEFAULT_CONFIG)
    assert config.site.timezone == "Asia/Jakarta"
    assert config.services["A"].daily_quota == 150
    assert {"1", "7"} <= set(config.counters)
    assert config.officers["koordinator"].counters is None
    assert all(s in config.services for c in config.counters.values() for s in c.services)


def test_test_site_and_base_load(tmp_path):
    """tests/site.toml and this module's base config are valid, so each variation below fails for one reason."""
    assert load_config(TEST_CONFIG).site.max_consecutive_priority == 2
    assert set(load_config(write(tmp_path, BASE)).services) == {"A", "B"}


@pytest.mark.parametrize(("what", "old", "new", "key"), INVALID, ids=[case[0] for case in INVALID])
def test_invalid_config_names_file_and_key(tmp_path, what, old, new, key):
    """Each kind of invalid config raises ConfigError whose message names the file and the key."""
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    assert error.file == str(path)
    assert error.key == key
    assert str(error).startswith(f"{path}: {key}: ")
    assert error.problem


def test_missing_file_is_a_config_error(tmp_path):
    """A config path that does not exist is reported as a ConfigError, not a traceback."""
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_run_py_exits_2_with_message_and_no_traceback(tmp_path):
    """`python run.py --config bad.toml` exits 2 and prints the file/key message without a traceback."""
    path = write(tmp_path, BASE.replace('open = "08:00"', 'open = "25:00"'), "bad.toml")
    result = subprocess.run(
        [sys.executable, "run.py", "--config", str(path), "--data-dir", str(tmp_path / "data"), "--no-audio"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert f"{path}: services[0].open:" in result.stderr
    assert "25:00" in result.stderr
    assert "Traceback" not in output


def test_run_py_syntax_error_exits_2(tmp_path):
    """A TOML syntax error is also a clean exit 2 naming the file."""
    path = write(tmp_path, "[site\nname = 1\n", "broken.toml")
    result = subprocess.run([sys.executable, "run.py", "--config", str(path), "--no-audio"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"{path}: (syntax): invalid TOML" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize("content, expected", [
    (None, "newer than this program"),
    (b"not a database at all, just text" * 10, "not a usable SQLite database"),
])
def test_run_py_refuses_an_unusable_database_in_one_line(tmp_path, content, expected):
    """A database from a newer version, or a damaged file, stops the start with one line and no traceback."""
    data = tmp_path / "data"
    data.mkdir()
    database = data / "mpp.sqlite3"
    if content is None:
        with sqlite3.connect(database) as db:
            db.execute("PRAGMA user_version = 99")
    else:
        database.write_bytes(content)
    result = subprocess.run([sys.executable, "run.py", "--data-dir", str(data), "--no-audio"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("Cannot start: ") and expected in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
