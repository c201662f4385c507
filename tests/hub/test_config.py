"""The site configuration: the default loads; every mistake names the file and the key; dump and parse agree."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tomllib
from datetime import time
from pathlib import Path

import pytest

from config.site import DEFAULT_CONFIG, ConfigError, dump_config, dump_toml, load_config, parse_config, parse_toml
from tests.conftest import ROOT, TEST_CONFIG, site_config
from tests.hub.support import running

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
    ("no wait target", 'name = "Kartu Keluarga"', 'name = "Kartu Keluarga"\ntarget_wait_minutes = 0',
     "services[1].target_wait_minutes"),
    ("bad time zone", 'timezone = "Asia/Jakarta"', 'timezone = "Asia/Batu"', "site.timezone"),
    ("unknown key", 'name = "MPP Uji"', 'name = "MPP Uji"\ncolour = "red"', "site.colour"),
    ("unknown section", "[site]", "[tampilan]\nx = 1\n\n[site]", "tampilan"),
    ("bad pin_hash", f'pin_hash = "{PIN_1111}"', 'pin_hash = "1111"', "officers[0].pin_hash"),
    ("officer's unknown counter", f'pin_hash = "{PIN_1111}"', f'pin_hash = "{PIN_1111}"\ncounters = ["9"]',
     "officers[0].counters"),
    ("TOML syntax error", 'name = "Kartu Keluarga"', 'name = "Kartu Keluarga', "(syntax)"),
    ("arrays nested past the stack", 'name = "MPP Uji"', 'name = "MPP Uji"\nx = ' + "[" * 3000 + "]" * 3000,
     "(syntax)"),
    ("tables nested past the stack", 'name = "MPP Uji"', 'name = "MPP Uji"\nx = ' + "{a = " * 2000 + "1"
     + "}" * 2000, "(syntax)"),
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


# ------------------------------------------------------------ one declaration, many readers

FULL = BASE + """
[[zones]]
id = "utama"
name = "Lantai Utama"

[display]
media_dir = "promo"
theme = "terang"

[kiosk]
public_url = "http://192.168.1.10:8000"
paper = "58mm"

[[kiosk.printers]]
kiosk = "lobi"
host = "192.168.1.50"
timeout = 1.5

[audio]
output = "both"
volume = 0.8
second_language = "en"

[audio.agency_templates]
DUKCAPIL = "Nomor {letter}, {number}, {service}. Silakan ke {counter}."

[pronunciation]
"KTP-el" = "ka te pe el"
"""


@pytest.mark.parametrize("source", ["default", "tests/site.toml", "every section"])
def test_dump_and_parse_round_trip(tmp_path, source):
    """parse(dump(config)) == config, through JSON and through TOML, for the shipped and test sites."""
    path = {"default": DEFAULT_CONFIG, "tests/site.toml": TEST_CONFIG}.get(source) or write(tmp_path, FULL)
    config = load_config(path)
    as_json = json.loads(json.dumps(dump_config(config)))
    assert parse_config(as_json, config.path) == config
    assert parse_toml(dump_toml(config), config.path) == config


def test_dump_has_the_shape_and_names_of_the_file(tmp_path):
    """Every key the file sets comes back under the same name and in the same form (lists of tables, "HH:MM")."""
    raw = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    dumped = dump_config(load_config(DEFAULT_CONFIG))

    def check(written, back, where):
        if isinstance(written, dict):
            assert isinstance(back, dict), where
            for key, value in written.items():
                check(value, back[key], f"{where}.{key}")
        elif isinstance(written, list):
            assert isinstance(back, list) and len(back) == len(written), where
            for i, (w, b) in enumerate(zip(written, back, strict=True)):
                check(w, b, f"{where}[{i}]")
        else:
            assert back == written, where

    check(raw, dumped, "config")
    assert dumped["services"][0]["open"] == "08:00" and isinstance(dumped["counters"], list)
    assert set(dumped) == {"site", "zones", "agencies", "services", "counters", "officers", "display", "kiosk",
                           "calendar", "counter_panel", "audio", "survey", "pronunciation", "data"}


def test_every_section_is_typed_on_the_config(tmp_path):
    """Each part reads its section from the config, typed and with its defaults filled in."""
    config = load_config(write(tmp_path, FULL))
    assert config.display.theme == "terang" and config.display.image_seconds == 10
    assert config.kiosk.paper == "58mm" and config.kiosk.printer("lobi").paper == "58mm"
    assert config.kiosk.printers["lobi"].timeout == 1.5 and config.kiosk.printers["lobi"].port == 9100
    assert config.audio.output == "both" and config.audio.rate == 150 and config.audio.volume == 0.8
    assert config.pronunciation == {"KTP-el": "ka te pe el"}
    assert config.services["A"].open == time(8, 0) and config.site.tz.key == "Asia/Jakarta"
    assert config.zones["utama"].name == "Lantai Utama" and config.counters["1"].zone == "utama"
    assert [c.id for c in config.counters_serving("B")] == ["1"]
    assert config.beside(config.display.media_dir) == tmp_path / "promo"


@pytest.mark.parametrize(("section", "key"), [
    ('[counter_panel]\nanything = "goes"', "counter_panel.anything"),
    ("[audio]\nrate = 20", "audio.rate"),
    ('[pronunciation]\nBappenda = 3', "pronunciation.Bappenda"),
    ("[display]\nimage_seconds = 1", "display.image_seconds"),
    ('[[kiosk.printers]]\nkiosk = "lobi"', "kiosk.printers[0].host"),
])
def test_every_section_is_validated(tmp_path, section, key):
    """[counter_panel], [audio], [pronunciation], [display] and [kiosk] are all checked when the file loads."""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, BASE + "\n" + section + "\n"))
    assert caught.value.path == key


def test_audio_is_checked_even_with_no_audio(tmp_path):
    """`run.py --no-audio` still refuses a bad [audio] section, in one line without a traceback."""
    path = write(tmp_path, BASE + '\n[audio]\noutput = "loud"\n', "bad.toml")
    result = subprocess.run(
        [sys.executable, "run.py", "--config", str(path), "--data-dir", str(tmp_path / "data"), "--no-audio"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f'Configuration error in {path}: audio.output: must be one of "display", "server", "both", "off", '
        "got 'loud'"]


@pytest.mark.parametrize(("old", "new", "path", "indonesian"), [
    ('open = "08:00"', 'open = "25:00"', "services[0].open", 'harus jam "JJ:MM" (24 jam), bukan "25:00"'),
    ('services = ["A", "B"]', 'services = ["A", "Z"]', "counters[0].services",
     'layanan "Z" tidak dikenal (tambahkan di [[services]])'),
    ('name = "MPP Uji"', 'name = "MPP Uji"\nmax_consecutive_priority = 0', "site.max_consecutive_priority",
     "harus bilangan bulat dari 1 sampai 100, bukan 0"),
    ('code = "B"', 'code = "A"', "services[1].code", 'kode antrian "A" dipakai dua kali'),
    ('name = "MPP Uji"', 'name = "MPP Uji"\nwarna = 1', "site.warna", "kunci tidak dikenal (yang boleh: address, "),
])
def test_errors_carry_a_path_and_an_indonesian_message(tmp_path, old, new, path, indonesian):
    """The same check gives the admin API its answer: 422-style invalid_config, the key path, Indonesian text."""
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, BASE.replace(old, new, 1)))
    error = caught.value.to_json()["error"]
    assert error["code"] == "invalid_config" and error["path"] == path
    assert error["message"].startswith(f"Pengaturan {path}: ") and indonesian in error["message"]
    assert caught.value.message_id != caught.value.problem, "the console line stays English"


def test_json_from_the_admin_console_is_checked_like_the_file():
    """A configuration sent as JSON (e.g. a form with a number typed as text) names the key the same way."""
    raw = dump_config(load_config(TEST_CONFIG))
    raw["services"][2]["daily_quota"] = "50"
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    assert caught.value.path == "services[2].daily_quota" and caught.value.file == "<config>"
    assert "bilangan bulat dari 1 sampai 99999" in caught.value.message_id


def test_zones_named_only_by_counters_become_zones():
    """Without [[zones]] each zone a counter names is a zone of its own (the default "utama" too)."""
    config = parse_config({**dump_config(load_config(TEST_CONFIG)), "zones": [], "officers": [],
                           "counters": [{"id": 1, "name": "Loket 1", "services": ["A"]},
                                        {"id": "2", "name": "Loket 2", "services": ["B"], "zone": "atas"}]})
    assert list(config.zones) == ["utama", "atas"] and config.zones["atas"].name == "atas"
    assert list(config.counters) == ["1", "2"], "a counter id written as a number is a string"


def test_the_running_configuration_has_one_holder(tmp_path):
    """Pages, log-in and the ticket limit read hall.config when used: a replaced configuration applies at once."""
    with running(tmp_path / "data") as client:
        state = client.app.state
        assert state.config is state.hall.config
        officers = [o for o in dump_config(state.config)["officers"] if o["username"] != "budi"]
        state.hall.config = site_config(site={"name": "MPP Baru", "tickets_per_minute": 1, "tickets_burst": 1},
                                        officers=officers)
        page = client.get("/display?zone=lantai-2").text
        answers = [client.post("/api/tickets", json={"service": "A"}).status_code for _ in range(2)]
        login = client.post("/api/login", json={"username": "budi", "pin": "1234"})
        assert "MPP Baru" in page and client.get("/api/state").json()["site"]["name"] == "MPP Baru"
        assert answers == [201, 429] and login.status_code == 401
        with pytest.raises(AttributeError, match="hall.config"):
            state.config = state.hall.config
