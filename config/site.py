"""Site configuration: agencies, services, counters, zones and officers.

The file is TOML. `load_config` validates everything at start and raises
`ConfigError` naming the file, the key and what is wrong; `run.py` prints that
message and exits without a traceback.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG = Path(__file__).with_name("default.toml")

# Sections owned by other packages (audio, display, kiosk, ...). They are passed
# through as raw tables and validated by their owners at start.
EXTENSION_SECTIONS = ("audio", "display", "kiosk", "counter_panel", "pronunciation")

PREFIX_RE = re.compile(r"^[A-Z]{1,3}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ConfigError(Exception):
    """A configuration problem, phrased for the IT admin who edits the file."""

    def __init__(self, file: str | Path, key: str, problem: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        super().__init__(f"{self.file}: {key}: {problem}")


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    short_name: str


@dataclass(frozen=True)
class Service:
    code: str  # also the ticket prefix
    name: str
    agency: str | None
    daily_quota: int | None = None
    open: time | None = None
    close: time | None = None
    description: str = ""


@dataclass(frozen=True)
class Counter:
    id: str
    name: str
    services: tuple[str, ...]
    zone: str


@dataclass(frozen=True)
class Zone:
    id: str
    name: str


@dataclass(frozen=True)
class Officer:
    username: str
    name: str
    pin_hash: str
    counters: tuple[str, ...] | None  # None: any counter

    def may_use(self, counter_id: str) -> bool:
        return self.counters is None or counter_id in self.counters


@dataclass(frozen=True)
class Site:
    name: str
    timezone: str
    address: str = ""
    logo: str | None = None
    running_text: str = ""
    max_consecutive_priority: int = 3
    session_idle_minutes: int = 480
    tickets_per_minute: int = 6
    tickets_burst: int = 20

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class SiteConfig:
    path: str
    site: Site
    agencies: dict[str, Agency]
    services: dict[str, Service]
    counters: dict[str, Counter]
    zones: dict[str, Zone]
    officers: dict[str, Officer]
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def counters_serving(self, service: str) -> list[Counter]:
        return [c for c in self.counters.values() if service in c.services]


def load_config(path: str | Path = DEFAULT_CONFIG) -> SiteConfig:
    """Read and validate a TOML configuration file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc}") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(syntax)", f"invalid TOML: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: str | Path = "<config>") -> SiteConfig:
    """Validate an already-parsed configuration table."""
    r = _Reader(path)
    known = {"site", "agencies", "services", "counters", "zones", "officers", *EXTENSION_SECTIONS}
    for key in raw:
        if key not in known:
            raise ConfigError(path, key, f"unknown section (known: {', '.join(sorted(known))})")

    site = _site(r, r.table(raw, "site", required=True))
    agencies = _agencies(r, r.array(raw, "agencies"))
    services = _services(r, r.array(raw, "services"), agencies)
    zones = _zones(r, r.array(raw, "zones"))
    counters = _counters(r, r.array(raw, "counters"), services, zones)
    officers = _officers(r, r.array(raw, "officers"), counters)
    if not services:
        raise ConfigError(path, "services", "at least one [[services]] entry is required")
    if not counters:
        raise ConfigError(path, "counters", "at least one [[counters]] entry is required")
    sections = {name: r.table(raw, name) for name in EXTENSION_SECTIONS}
    return SiteConfig(str(path), site, agencies, services, counters, zones, officers, sections)


class _Reader:
    """Typed access to TOML values; every failure names file and key."""

    def __init__(self, path: str | Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    def table(self, raw: dict, key: str, *, required: bool = False) -> dict[str, Any]:
        value = raw.get(key)
        if value is None:
            if required:
                raise self.fail(key, f"missing required section [{key}]")
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table [{key}]")
        return value

    def array(self, raw: dict, key: str) -> list[dict[str, Any]]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"must be an array of tables [[{key}]]")
        return value

    def str(self, item: dict, key: str, where: str, *, default: str | None = None) -> str:
        value = item.get(key, default)
        if value is None:
            raise self.fail(f"{where}.{key}", "missing required key")
        if not isinstance(value, str) or (not value.strip() and default is None):
            raise self.fail(f"{where}.{key}", "must be a non-empty string")
        return value.strip()

    def int(self, item: dict, key: str, where: str, default: int | None, lo: int, hi: int) -> int | None:
        value = item.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise self.fail(f"{where}.{key}", f"must be a whole number from {lo} to {hi}, got {value!r}")
        return value

    def time(self, item: dict, key: str, where: str) -> time | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not TIME_RE.match(value):
            raise self.fail(f"{where}.{key}", f'must be a time "HH:MM" (24-hour), got {value!r}')
        hour, minute = value.split(":")
        return time(int(hour), int(minute))

    def str_list(self, item: dict, key: str, where: str) -> tuple[str, ...] | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key}", "must be a list of strings")
        return tuple(value)

    def unknown(self, item: dict, allowed: set[str], where: str) -> None:
        for key in item:
            if key not in allowed:
                raise self.fail(f"{where}.{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _site(r: _Reader, raw: dict) -> Site:
    r.unknown(raw, {"name", "timezone", "address", "logo", "running_text", "max_consecutive_priority",
                    "session_idle_minutes", "tickets_per_minute", "tickets_burst"}, "site")
    timezone = r.str(raw, "timezone", "site", default="Asia/Jakarta")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("site.timezone", f"unknown time zone {timezone!r} (e.g. \"Asia/Jakarta\")") from None
    return Site(
        name=r.str(raw, "name", "site"),
        timezone=timezone,
        address=r.str(raw, "address", "site", default=""),
        logo=raw.get("logo") and r.str(raw, "logo", "site"),
        running_text=r.str(raw, "running_text", "site", default=""),
        max_consecutive_priority=r.int(raw, "max_consecutive_priority", "site", 3, 1, 100),
        session_idle_minutes=r.int(raw, "session_idle_minutes", "site", 480, 1, 24 * 60),
        tickets_per_minute=r.int(raw, "tickets_per_minute", "site", 6, 0, 10_000),
        tickets_burst=r.int(raw, "tickets_burst", "site", 20, 1, 10_000),
    )


def _agencies(r: _Reader, items: list[dict]) -> dict[str, Agency]:
    out: dict[str, Agency] = {}
    for i, item in enumerate(items):
        where = f"agencies[{i}]"
        r.unknown(item, {"code", "name", "short_name"}, where)
        code = r.str(item, "code", where)
        if not CODE_RE.match(code):
            raise r.fail(f"{where}.code", f"{code!r} may hold only letters, digits, '-' and '_'")
        if code in out:
            raise r.fail(f"{where}.code", f"duplicate agency code {code!r}")
        out[code] = Agency(code, r.str(item, "name", where), r.str(item, "short_name", where, default=code))
    return out


def _services(r: _Reader, items: list[dict], agencies: dict[str, Agency]) -> dict[str, Service]:
    out: dict[str, Service] = {}
    for i, item in enumerate(items):
        where = f"services[{i}]"
        r.unknown(item, {"code", "name", "agency", "daily_quota", "open", "close", "description"}, where)
        code = r.str(item, "code", where)
        if not PREFIX_RE.match(code):
            raise r.fail(f"{where}.code", f"ticket prefix {code!r} must be 1 to 3 capital letters A-Z")
        if code in out:
            raise r.fail(f"{where}.code", f"duplicate ticket prefix {code!r}")
        agency = item.get("agency")
        if agency is not None and agency not in agencies:
            raise r.fail(f"{where}.agency", f"unknown agency {agency!r} (declare it in [[agencies]])")
        opens, closes = r.time(item, "open", where), r.time(item, "close", where)
        if opens and closes and closes <= opens:
            raise r.fail(f"{where}.close", f"closing time {closes:%H:%M} must be after opening time {opens:%H:%M}")
        out[code] = Service(
            code=code,
            name=r.str(item, "name", where),
            agency=agency,
            daily_quota=r.int(item, "daily_quota", where, None, 1, 99999),
            open=opens,
            close=closes,
            description=r.str(item, "description", where, default=""),
        )
    return out


def _zones(r: _Reader, items: list[dict]) -> dict[str, Zone]:
    out: dict[str, Zone] = {}
    for i, item in enumerate(items):
        where = f"zones[{i}]"
        r.unknown(item, {"id", "name"}, where)
        zid = r.str(item, "id", where)
        if zid in out:
            raise r.fail(f"{where}.id", f"duplicate zone {zid!r}")
        out[zid] = Zone(zid, r.str(item, "name", where, default=zid))
    return out


def _counters(
    r: _Reader, items: list[dict], services: dict[str, Service], zones: dict[str, Zone]
) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for i, item in enumerate(items):
        where = f"counters[{i}]"
        r.unknown(item, {"id", "name", "services", "zone"}, where)
        cid = item.get("id")
        if isinstance(cid, int) and not isinstance(cid, bool):
            cid = str(cid)
            item = {**item, "id": cid}
        cid = r.str(item, "id", where)
        if not CODE_RE.match(cid):
            raise r.fail(f"{where}.id", f"{cid!r} may hold only letters, digits, '-' and '_'")
        if cid in out:
            raise r.fail(f"{where}.id", f"duplicate counter id {cid!r}")
        served = r.str_list(item, "services", where)
        if not served:
            raise r.fail(f"{where}.services", "must list at least one service code")
        for code in served:
            if code not in services:
                raise r.fail(f"{where}.services", f"unknown service {code!r} (declare it in [[services]])")
        zone = r.str(item, "zone", where, default="utama")
        if zones and zone not in zones:
            raise r.fail(f"{where}.zone", f"unknown zone {zone!r} (declared zones: {', '.join(zones)})")
        zones.setdefault(zone, Zone(zone, zone))
        out[cid] = Counter(cid, r.str(item, "name", where), served, zone)
    return out


def _officers(r: _Reader, items: list[dict], counters: dict[str, Counter]) -> dict[str, Officer]:
    out: dict[str, Officer] = {}
    for i, item in enumerate(items):
        where = f"officers[{i}]"
        r.unknown(item, {"username", "name", "pin_hash", "counters"}, where)
        username = r.str(item, "username", where)
        if username in out:
            raise r.fail(f"{where}.username", f"duplicate username {username!r}")
        pin_hash = r.str(item, "pin_hash", where)
        if not pin_hash.startswith("scrypt$") or pin_hash.count("$") != 5:
            raise r.fail(f"{where}.pin_hash", "not a hash from `python run.py hash-pin PIN`")
        allowed = r.str_list(item, "counters", where)
        for cid in allowed or ():
            if cid not in counters:
                raise r.fail(f"{where}.counters", f"unknown counter {cid!r}")
        out[username] = Officer(username, r.str(item, "name", where), pin_hash, allowed)
    return out
