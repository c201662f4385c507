"""The `[kiosk]` section of the site file, validated once.

Every key is declared in `KEYS` (name, default, help) and documented in
docs/kiosk.md; a test checks that the two agree. Problems raise
`config.site.ConfigError` naming the file, the key and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from config.site import ConfigError, SiteConfig

PAPERS = ("58mm", "80mm")
KIOSK_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")

# name: (default, help). The one list of `[kiosk]` keys.
KEYS: dict[str, tuple[Any, str]] = {
    "public_url": (None, "Base address printed in the QR code, e.g. \"http://192.168.1.10:8000\". "
                         "Unset: the address the kiosk browser used to reach the hub."),
    "paper": ("80mm", "Thermal paper width for browser printing and ESC/POS layout: \"58mm\" or \"80mm\"."),
    "idle_seconds": (60, "Seconds without a touch before the kiosk returns to its start screen."),
    "ticket_idle_seconds": (20, "Seconds the issued ticket stays on screen before the start screen returns."),
    "print_wait_seconds": (5, "Longest time the kiosk waits for an ESC/POS printer before showing the ticket "
                              "as not printed."),
    "browser_print": (False, "Print through the browser (window.print) when no ESC/POS printer serves the kiosk."),
    "footer": ("Terima kasih. Mohon menunggu panggilan nomor Anda.", "Line printed at the bottom of each ticket."),
    "printers": ([], "ESC/POS network printers, one [[kiosk.printers]] table per kiosk."),
}

# name: (default, help) for each [[kiosk.printers]] table.
PRINTER_KEYS: dict[str, tuple[Any, str]] = {
    "kiosk": (None, "The kiosk id this printer serves: the page opened as /kiosk?id=ID prints here."),
    "host": (None, "The printer's IP address or host name."),
    "port": (9100, "The printer's raw TCP port."),
    "paper": (None, "Paper width of this printer; default: [kiosk] paper."),
    "profile": (None, "python-escpos printer profile (e.g. \"TM-T88V\"); default: a generic printer."),
    "timeout": (3, "Seconds to wait for the printer to accept a connection or data."),
    "check_paper": (True, "Ask the printer for its paper sensor (DLE EOT 4) before printing."),
    "native_qr": (True, "Let the printer draw the QR code (GS ( k); false sends it as an image."),
    "cut": (True, "Cut the paper after each ticket."),
}


@dataclass(frozen=True)
class PrinterSettings:
    kiosk: str
    host: str
    port: int = 9100
    paper: str = "80mm"
    profile: str | None = None
    timeout: float = 3.0
    check_paper: bool = True
    native_qr: bool = True
    cut: bool = True

    @property
    def label(self) -> str:
        return f"{self.kiosk} ({self.host}:{self.port})"


@dataclass(frozen=True)
class KioskSettings:
    public_url: str | None = None
    paper: str = "80mm"
    idle_seconds: int = 60
    ticket_idle_seconds: int = 20
    print_wait_seconds: float = 5.0
    browser_print: bool = False
    footer: str = KEYS["footer"][0]
    printers: dict[str, PrinterSettings] = field(default_factory=dict)  # by kiosk id


def kiosk_settings(config: SiteConfig) -> KioskSettings:
    """Validate `config.sections["kiosk"]`; raise ConfigError on the first problem."""
    return parse_kiosk(config.sections.get("kiosk") or {}, config.path)


def parse_kiosk(raw: dict[str, Any], path: str = "<config>") -> KioskSettings:
    v = _Check(path)
    v.unknown(raw, KEYS, "kiosk")
    paper = v.choice(raw, "paper", "kiosk", PAPERS)
    printers: dict[str, PrinterSettings] = {}
    items = raw.get("printers", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ConfigError(path, "kiosk.printers", "must be an array of tables [[kiosk.printers]]")
    for i, item in enumerate(items):
        printer = _printer(v, item, f"kiosk.printers[{i}]", paper)
        if printer.kiosk in printers:
            raise ConfigError(path, f"kiosk.printers[{i}].kiosk", f"kiosk {printer.kiosk!r} already has a printer")
        printers[printer.kiosk] = printer
    return KioskSettings(
        public_url=v.url(raw, "public_url", "kiosk"),
        paper=paper,
        idle_seconds=v.number(raw, "idle_seconds", "kiosk", 5, 3600, integer=True),
        ticket_idle_seconds=v.number(raw, "ticket_idle_seconds", "kiosk", 3, 600, integer=True),
        print_wait_seconds=float(v.number(raw, "print_wait_seconds", "kiosk", 0.5, 30)),
        browser_print=v.flag(raw, "browser_print", "kiosk"),
        footer=v.text(raw, "footer", "kiosk", KEYS),
        printers=printers,
    )


def _printer(v: _Check, item: dict, where: str, paper: str) -> PrinterSettings:
    v.unknown(item, PRINTER_KEYS, where)
    kiosk = v.text(item, "kiosk", where, PRINTER_KEYS)
    if not KIOSK_ID_RE.match(kiosk):
        raise ConfigError(v.path, f"{where}.kiosk", f"{kiosk!r} may hold only letters, digits, '-' and '_'")
    profile = item.get("profile")
    if profile is not None:
        profile = v.text(item, "profile", where, PRINTER_KEYS)
        from escpos.capabilities import CAPABILITIES  # lazy: the import writes a cache to disk

        if profile not in CAPABILITIES["profiles"]:
            raise ConfigError(v.path, f"{where}.profile",
                              f"unknown python-escpos profile {profile!r} (e.g. \"TM-T88V\", \"default\")")
    return PrinterSettings(
        kiosk=kiosk,
        host=v.text(item, "host", where, PRINTER_KEYS),
        port=v.number(item, "port", where, 1, 65535, defaults=PRINTER_KEYS, integer=True),
        paper=v.choice(item, "paper", where, PAPERS, default=paper),
        profile=profile,
        timeout=float(v.number(item, "timeout", where, 0.2, 60, defaults=PRINTER_KEYS)),
        check_paper=v.flag(item, "check_paper", where, PRINTER_KEYS),
        native_qr=v.flag(item, "native_qr", where, PRINTER_KEYS),
        cut=v.flag(item, "cut", where, PRINTER_KEYS),
    )


class _Check:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    def unknown(self, raw: dict, keys: dict, where: str) -> None:
        for key in raw:
            if key not in keys:
                raise self.fail(f"{where}.{key}", f"unknown key (allowed: {', '.join(sorted(keys))})")

    def text(self, raw: dict, key: str, where: str, defaults: dict) -> str:
        value = raw.get(key, defaults[key][0])
        if value is None:
            raise self.fail(f"{where}.{key}", "missing required key")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", f"must be a non-empty string, got {value!r}")
        return value.strip()

    def number(self, raw: dict, key: str, where: str, lo: float, hi: float, *, defaults: dict = KEYS,
               integer: bool = False):
        value = raw.get(key, defaults[key][0])
        kinds = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not lo <= value <= hi:
            kind = "a whole number" if integer else "a number"
            raise self.fail(f"{where}.{key}", f"must be {kind} from {lo:g} to {hi:g}, got {value!r}")
        return value

    def flag(self, raw: dict, key: str, where: str, defaults: dict = KEYS) -> bool:
        value = raw.get(key, defaults[key][0])
        if not isinstance(value, bool):
            raise self.fail(f"{where}.{key}", f"must be true or false, got {value!r}")
        return value

    def choice(self, raw: dict, key: str, where: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = raw.get(key, default if default is not None else KEYS[key][0])
        if value not in choices:
            raise self.fail(f"{where}.{key}", f"must be one of {', '.join(repr(c) for c in choices)}, got {value!r}")
        return value

    def url(self, raw: dict, key: str, where: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        parts = urlsplit(value) if isinstance(value, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise self.fail(f"{where}.{key}",
                            f'must be an http(s) address such as "http://192.168.1.10:8000", got {value!r}')
        return value.rstrip("/")
