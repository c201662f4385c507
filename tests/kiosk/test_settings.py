"""The [kiosk] section: defaults, validation with file/key/problem, and documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.site import ConfigError, dump_config, load_config, parse_config
from kiosk.settings import KioskSettings

KIOSK_SITE = Path(__file__).with_name("site.toml")


def parse_kiosk(raw: dict, path: str):
    """The kiosk test site with `raw` as its [kiosk] section."""
    return parse_config({**dump_config(load_config(KIOSK_SITE)), "kiosk": raw}, path).kiosk


def test_defaults_without_a_kiosk_section():
    """A site file without [kiosk] gives a working kiosk with no printers."""
    settings = load_config(KIOSK_SITE).kiosk
    assert settings == KioskSettings()
    assert settings.paper == "80mm" and settings.printers == {} and settings.public_url is None


def test_full_section_is_read(tmp_path):
    """Every key is read from TOML, printers are keyed by kiosk id and inherit the paper width."""
    path = tmp_path / "site.toml"
    path.write_text(KIOSK_SITE.read_text() + """
[kiosk]
public_url = "http://192.168.1.10:8000/"
paper = "58mm"
idle_seconds = 45
ticket_idle_seconds = 15
print_wait_seconds = 2.5
browser_print = true
footer = "Terima kasih"

[[kiosk.printers]]
kiosk = "lobi"
host = "192.168.1.50"

[[kiosk.printers]]
kiosk = "lantai-3"
host = "printer-3.lan"
port = 9101
paper = "80mm"
profile = "TM-T88V"
timeout = 1.5
check_paper = false
native_qr = false
cut = false
""")
    s = load_config(path).kiosk
    assert s.public_url == "http://192.168.1.10:8000"
    assert (s.paper, s.idle_seconds, s.ticket_idle_seconds, s.print_wait_seconds) == ("58mm", 45, 15, 2.5)
    assert s.browser_print is True and s.footer == "Terima kasih"
    assert s.printers["lobi"].paper is None, "kept as written: unset inherits [kiosk] paper"
    lobi, third = s.printer("lobi"), s.printer("lantai-3")
    assert (lobi.host, lobi.port, lobi.paper, lobi.check_paper, lobi.native_qr) == ("192.168.1.50", 9100, "58mm",
                                                                                     True, True)
    assert (third.port, third.paper, third.profile, third.timeout) == (9101, "80mm", "TM-T88V", 1.5)
    assert not (third.check_paper or third.native_qr or third.cut)


@pytest.mark.parametrize(("raw", "key", "words"), [
    ({"paper": "A4"}, "kiosk.paper", "must be one of"),
    ({"papers": "58mm"}, "kiosk.papers", "unknown key"),
    ({"idle_seconds": 0}, "kiosk.idle_seconds", "from 5 to 3600"),
    ({"ticket_idle_seconds": 2.5}, "kiosk.ticket_idle_seconds", "whole number"),
    ({"print_wait_seconds": "3"}, "kiosk.print_wait_seconds", "must be a number"),
    ({"browser_print": "yes"}, "kiosk.browser_print", "true or false"),
    ({"public_url": "192.168.1.10:8000"}, "kiosk.public_url", "http(s) address"),
    ({"footer": ""}, "kiosk.footer", "non-empty string"),
    ({"printers": {"kiosk": "lobi"}}, "kiosk.printers", "array of tables"),
    ({"printers": [{"host": "10.0.0.5"}]}, "kiosk.printers[0].kiosk", "missing required key"),
    ({"printers": [{"kiosk": "lobi"}]}, "kiosk.printers[0].host", "missing required key"),
    ({"printers": [{"kiosk": "lobi utama", "host": "h"}]}, "kiosk.printers[0].kiosk", "letters, digits"),
    ({"printers": [{"kiosk": "lobi", "host": "h", "port": 70000}]}, "kiosk.printers[0].port", "1 to 65535"),
    ({"printers": [{"kiosk": "lobi", "host": "h", "paper": "57mm"}]}, "kiosk.printers[0].paper", "one of"),
    ({"printers": [{"kiosk": "lobi", "host": "h", "profile": "Nope-9000"}]}, "kiosk.printers[0].profile",
     "unknown python-escpos profile"),
    ({"printers": [{"kiosk": "lobi", "host": "h", "ip": "x"}]}, "kiosk.printers[0].ip", "unknown key"),
    ({"printers": [{"kiosk": "lobi", "host": "a"}, {"kiosk": "lobi", "host": "b"}]}, "kiosk.printers[1].kiosk",
     "already has a printer"),
])
def test_bad_values_name_file_key_and_problem(raw, key, words):
    """Each mistake raises ConfigError with the file, the exact key and what is wrong."""
    with pytest.raises(ConfigError) as caught:
        parse_kiosk(raw, "site.toml")
    assert caught.value.file == "site.toml"
    assert caught.value.key == key
    assert words in caught.value.problem


def test_error_names_the_real_file(tmp_path):
    """Through load_config, the error names the site file the admin edits."""
    path = tmp_path / "hall.toml"
    path.write_text(KIOSK_SITE.read_text() + '\n[kiosk]\npaper = "letter"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: kiosk.paper: ")
