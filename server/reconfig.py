"""The rules for replacing the running configuration (pure: no I/O, no await).

A new configuration arrives as a `Proposal` (PUT /api/admin/config in JSON,
PUT /api/admin/config.toml, or the TOML file at start) and `decide()` turns it
into a `Change` for the hall to commit, or refuses it with the hub's error:

1. `409 version_conflict`: it was based on a version that is no longer current;
2. PINs: an officer with `"pin"` gets its hash (hashed beforehand, off the event
   loop); an existing officer without one keeps theirs;
3. `422 invalid_config`: the typed settings refuse it (`error.path` names the key);
4. `403 outside_agency`: a koordinator changed something outside their agency;
5. `409` when it would lose or strand today's data: `service_in_use`,
   `prefix_in_use`, `counter_busy`, `last_admin`.

A proposal from the API that changes nothing is still saved as the next version (the contract:
`PUT` answers N+1), with an empty `config.updated` that asks no page to redraw; the file at
start that changes nothing gives no change (and no new version).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from config.diff import Diff, diff
from config.errors import ConfigError
from config.site import Counter, Officer, SiteConfig, dump_config, parse_config
from server import audit
from server.audit import AuditEntry
from server.errors import Conflict, Forbidden, HubError
from server.events import ConfigUpdated
from server.opening import clock
from server.pins import pin_problem
from server.queue import Change, Queue
from server.store import ConfigVersion

FILE_FINGERPRINT = "config_file_sha256"  # meta key: the fingerprint of the file as last imported
SOURCES = ("file", "api", "toml")


@dataclass(frozen=True)
class Proposal:
    """A whole configuration offered to replace the running one.

    `raw`: the file's shape with the officers' `pin` keys taken out (`take_pins`); `pins`: username
    -> new PIN hash; `based_on`: the version the sender edited (None for the file at start: no
    check); `officer`: who sends it (None: the hub itself, importing the file at start).
    """

    raw: dict[str, Any]
    source: str
    based_on: int | None = None
    pins: dict[str, str] | None = None
    officer: Officer | None = None
    address: str | None = None
    path: str | Path = "<config>"


class InvalidConfig(HubError):
    """422 with the typed settings' own words: `{"error": {"code": "invalid_config", "path", "message"}}`."""

    status = 422

    def __init__(self, error: ConfigError) -> None:
        body = error.to_json()["error"]
        super().__init__("invalid_config", body["message"], path=body["path"])


def fingerprint(config: SiteConfig) -> str:
    """What "the file changed" means at start: a hash of its settings (comments and layout aside)."""
    text = json.dumps(dump_config(config), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def take_pins(raw: dict[str, Any]) -> dict[str, str]:
    """Take the new PINs out of `raw` (in place): username -> PIN. Raises 422 for a PIN that is not
    4 to 12 digits. `pin_set` (what GET answers) is dropped: it is not a setting."""
    pins: dict[str, str] = {}
    officers = raw.get("officers")
    if not isinstance(officers, list):
        return pins
    for i, officer in enumerate(officers):
        if not isinstance(officer, dict):
            continue
        officer.pop("pin_set", None)
        if "pin" not in officer:
            continue
        pin = officer.pop("pin")
        problem = pin_problem(pin) if isinstance(pin, str) else "harus berupa teks berisi angka"
        if problem is not None:
            raise InvalidConfig(ConfigError("<api>", f"officers[{i}].pin", problem, problem, "pin_format"))
        if isinstance(officer.get("username"), str):
            pins[officer["username"]] = pin
    return pins


def decide(proposal: Proposal, current: SiteConfig, saved: ConfigVersion, queue: Queue, now: datetime) -> Change | None:
    """The change installing `proposal` as version `saved.version + 1`, or None when the file at start
    changes nothing.

    `current` is the running configuration (`saved` its stored version), `queue` today's tickets
    and counters, `now` the commit time. Raises HubError (409, 422, 403) as the module says.
    """
    if proposal.based_on is not None and proposal.based_on != saved.version:
        raise version_conflict(saved, current)
    raw = _with_pins(proposal, current)
    try:
        new = parse_config(raw, proposal.path)
    except ConfigError as exc:
        raise InvalidConfig(exc) from None
    officer = proposal.officer
    if officer is not None and officer.role == "koordinator":
        check_agency_scope(current, new, officer)
    check_data(current, new, queue)
    body = dump_config(new)
    changes = diff(saved.body, body)
    if changes.empty and proposal.source == "file":
        return None
    version = saved.version + 1
    change = Change(config=new, events=[ConfigUpdated(version=version, sections=changes.touched())])
    change.version = ConfigVersion(version, body, proposal.source, officer.username if officer else None,
                                   changes.summary(), now)
    change.audit = audit_entries(proposal, changes, version, now)
    if proposal.source == "file":
        change.meta[FILE_FINGERPRINT] = fingerprint(new)
    return change


def _with_pins(proposal: Proposal, current: SiteConfig) -> dict[str, Any]:
    raw = dict(proposal.raw)
    officers = raw.get("officers")
    if not isinstance(officers, list):
        return raw
    hashed = proposal.pins or {}
    filled = []
    for officer in officers:
        if isinstance(officer, dict) and isinstance(officer.get("username"), str):
            username = officer["username"]
            if username in hashed:
                officer = {**officer, "pin_hash": hashed[username]}
            elif "pin_hash" not in officer:
                known = current.officers.get(username)
                if known is not None and known.pin_hash is not None:
                    officer = {**officer, "pin_hash": known.pin_hash}
        filled.append(officer)
    raw["officers"] = filled
    return raw


def version_conflict(saved: ConfigVersion, config: SiteConfig) -> Conflict:
    """409: someone else saved since the sender loaded; says who and when, and the version to load."""
    who = config.officers[saved.officer].name if saved.officer in config.officers else (saved.officer or "hub")
    when = clock(saved.saved_at.astimezone(config.site.tz).time())
    return Conflict("version_conflict",
                    f"Pengaturan sudah diubah oleh {who} pukul {when} (versi {saved.version}). Muat versi terbaru "
                    "untuk melihat perubahannya, lalu simpan kembali perubahan Anda.",
                    version=saved.version, changed_by=saved.officer, changed_at=saved.saved_at.isoformat())


def audit_entries(proposal: Proposal, changes: Diff, version: int, now: datetime) -> list[AuditEntry]:
    """The audit log's lines for an accepted change: the change itself, and one per PIN set or changed."""
    officer = proposal.officer
    who = {"officer": officer.username if officer else None, "agency": officer.agency if officer else None,
           "address": proposal.address}
    action = audit.CONFIG_IMPORTED if proposal.source == "file" else audit.CONFIG_CHANGED
    origin = {"file": "dari berkas konfigurasi", "toml": "dari impor TOML", "api": ""}[proposal.source]
    summary = f"Versi {version}{' ' + origin if origin else ''}: {changes.summary()}"
    entries = [AuditEntry(now, action, summary, detail={"version": version, "source": proposal.source,
                                                        "changes": changes.to_json()}, **who)]
    added = set(changes.added.get("officers", ()))
    for username in changes.pins:
        verb = "diatur" if username in added else "diubah"
        entries.append(AuditEntry(now, audit.PIN_CHANGED, f"PIN {username} {verb}",
                                  detail={"username": username, "version": version}, **who))
    return entries


# ---------------------------------------------------------------- what a koordinator may change


def check_agency_scope(old: SiteConfig, new: SiteConfig, officer: Officer) -> None:
    """403 unless every difference is inside the koordinator's agency: its own agency entry, its services,
    the counters that call only its services, and its officers (petugas or koordinator, each with a list
    of those counters). A koordinator may always change their own PIN."""
    agency = officer.agency
    kept = ("agencies", "services", "counters", "officers")
    a, b = dump_config(old), dump_config(new)
    for name in dict.fromkeys([*a, *b]):
        if name not in kept and a.get(name) != b.get(name):
            raise _outside(f"Bagian {name} hanya dapat diubah admin; koordinator mengelola layanan, loket dan "
                           f"petugas instansi {agency}.", name)
    for i, code, _before, after in _changed(old.agencies, new.agencies):
        if code != agency or after is None:
            raise _outside(f"Koordinator hanya dapat mengubah data instansinya sendiri ({agency}).", _at("agencies", i))
    for i, code, before, after in _changed(old.services, new.services):
        if any(s is not None and s.agency != agency for s in (before, after)):
            raise _outside(f"Layanan {code} bukan layanan instansi {agency}: hanya admin yang dapat mengubahnya.",
                           _at("services", i))
    for i, _, before, after in _changed(old.counters, new.counters):
        for counter, config in ((before, old), (after, new)):
            if counter is not None and not _counter_owned(counter, config, agency):
                raise _outside(f"{counter.name} juga melayani layanan instansi lain: hanya admin yang dapat "
                               "mengubahnya.", _at("counters", i))
    for i, username, before, after in _changed(old.officers, new.officers):
        if username == officer.username and before is not None and after is not None \
                and before.model_copy(update={"pin_hash": after.pin_hash}) == after:
            continue  # their own PIN
        if before is not None and not _officer_owned(before, old, agency):
            raise _outside(f"Petugas {username} tidak dikelola instansi {agency}: hanya admin yang dapat "
                           "mengubahnya.", _at("officers", i))
        if after is not None:
            _check_officer(after, new, agency, i)


def agency_items(config: SiteConfig, agency: str) -> dict[str, list[str]]:
    """What a koordinator of `agency` may change in `config`, as the rules above read it: the keys of
    its services, of the counters that call only its services, and of its officers (petugas or
    koordinator with a list of such counters). The admin console shows a koordinator these."""
    return {
        "services": [code for code, s in config.services.items() if s.agency == agency],
        "counters": [key for key, c in config.counters.items() if _counter_owned(c, config, agency)],
        "officers": [name for name, o in config.officers.items() if _officer_owned(o, config, agency)],
    }


def _changed(old: dict, new: dict):
    """(index, key, old item or None, new item or None) of each item added, removed or changed;
    the index is the item's place in the new list (in the old one for a removed item)."""
    new_index = {key: i for i, key in enumerate(new)}
    old_index = {key: i for i, key in enumerate(old)}
    for key in dict.fromkeys([*new, *old]):
        before, after = old.get(key), new.get(key)
        if before != after:
            yield new_index.get(key, old_index.get(key)), key, before, after


def _at(table: str, i: int | None) -> str:
    return table if i is None else f"{table}[{i}]"


def _counter_owned(counter: Counter, config: SiteConfig, agency: str) -> bool:
    return all(code in config.services and config.services[code].agency == agency for code in counter.services)


def _officer_owned(officer: Officer, config: SiteConfig, agency: str) -> bool:
    return (officer.agency == agency and officer.role != "admin" and officer.counters is not None
            and all(c in config.counters and _counter_owned(config.counters[c], config, agency)
                    for c in officer.counters))


def _check_officer(officer: Officer, config: SiteConfig, agency: str, i: int) -> None:
    if officer.role == "admin":
        raise _outside("Koordinator tidak dapat memberi peran admin.", f"officers[{i}].role")
    if officer.agency != agency:
        raise _outside(f"Petugas yang dikelola koordinator harus termasuk instansi {agency}.", f"officers[{i}].agency")
    if officer.counters is None:
        raise _outside(f"Petugas {officer.username} harus punya daftar loket (loket instansi {agency}).",
                       f"officers[{i}].counters")
    for counter_id in officer.counters:
        if not _counter_owned(config.counters[counter_id], config, agency):
            raise _outside(f"{config.counters[counter_id].name} bukan loket instansi {agency}.",
                           f"officers[{i}].counters")


def _outside(message: str, path: str) -> Forbidden:
    return Forbidden("outside_agency", message, path=path)


# ---------------------------------------------------------------- what would strand today's data


def check_data(old: SiteConfig, new: SiteConfig, queue: Queue) -> None:
    """409 when the new configuration would lose or strand today's tickets, or lock everyone out of it."""
    open_by_service: dict[str, int] = {}
    for ticket in queue.open.values():
        open_by_service[ticket.service] = open_by_service.get(ticket.service, 0) + 1
    new_codes = list(new.services)
    for i, (code, service) in enumerate(old.services.items()):
        if code in new.services:
            continue
        if open_by_service.get(code):
            raise Conflict("service_in_use",
                           f"Layanan {service.name} ({code}) masih punya {open_by_service[code]} nomor antrian yang "
                           "menunggu atau sedang dilayani hari ini. Nonaktifkan dulu layanan ini (tidak aktif) dan "
                           "hapus setelah antriannya selesai.", path="services", key=code)
        issued = queue.stats[code].issued if code in queue.stats else 0
        replacement = _replacement(service.name, i, old, new, new_codes)
        if issued and replacement is not None:
            raise Conflict("prefix_in_use",
                           f"Kode antrian {code} sudah dipakai untuk {issued} nomor hari ini, jadi belum dapat "
                           f"diganti. Kode layanan {service.name} dapat diganti mulai besok.",
                           path=f"services[{replacement}].code", key=code)
    for counter_id, counter in old.counters.items():
        ticket = queue.current(counter_id) if counter_id not in new.counters and counter_id in queue.desks else None
        if ticket is not None:
            raise Conflict("counter_busy", f"{counter.name} masih melayani nomor {ticket.number}. Selesaikan dulu "
                           "sebelum menghapus loket ini.", path="counters", key=counter_id)
    if _admins(old) and not _admins(new):
        place = next((i for i, o in enumerate(new.officers.values()) if o.username in _admins(old)), None)
        raise Conflict("last_admin", "Harus ada paling sedikit satu admin yang aktif: admin terakhir tidak dapat "
                       "dihapus, dinonaktifkan, atau diganti perannya.", path=_at("officers", place))


def _admins(config: SiteConfig) -> set[str]:
    return {o.username for o in config.officers.values() if o.role == "admin" and o.active}


def _replacement(name: str, index: int, old: SiteConfig, new: SiteConfig, new_codes: list[str]) -> int | None:
    """The index of the new service that takes a removed one's place (same name, or a new code at the
    same position): that is a prefix change, not a removal."""
    added = [i for i, code in enumerate(new_codes) if code not in old.services]
    for i in added:
        if new.services[new_codes[i]].name == name:
            return i
    return index if index in added else None
