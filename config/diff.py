"""What changed between two versions of the configuration, as data and as one Indonesian line.

Arrays of tables (`[[services]]`, `[[counters]]`, ...) are compared item by item,
matched by their key (`code`, `id`, `username`); every other section key by key.
Values are never copied into the result, only names: a PIN hash or a running text
does not end up in the audit log, only the fact that it changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

from config.fields import Table
from config.site import SiteConfig

# Arrays of tables of the file and the key that identifies their items: {"services": "code", ...}.
TABLE_KEYS: dict[str, str] = {
    name: get_args(f.annotation)[0].key
    for name, f in SiteConfig.model_fields.items() if get_origin(f.annotation) is Table
}

# How the admin console names each section, in the audit's summary.
WORDS_ID = {"site": "pengaturan umum", "zones": "zona", "agencies": "instansi", "services": "layanan",
            "counters": "loket", "officers": "petugas", "calendar": "kalender", "display": "layar TV",
            "kiosk": "kios", "counter_panel": "panel loket", "audio": "suara panggilan",
            "pronunciation": "pelafalan", "survey": "survei kepuasan", "data": "pencadangan data"}


@dataclass
class Diff:
    """`added`/`removed`: table -> item keys; `changed`: table -> item key -> changed fields;
    `sections`: other section -> changed keys (its whole name when it appeared or went)."""

    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    sections: dict[str, list[str]] = field(default_factory=dict)
    pins: list[str] = field(default_factory=list)  # officers whose PIN was set or changed, new ones included

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.sections)

    def touched(self) -> list[str]:
        """The top-level sections that changed, in the file's order."""
        names = set(self.added) | set(self.removed) | set(self.changed) | set(self.sections)
        return [name for name in SiteConfig.model_fields if name in names]

    def to_json(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed, "sections": self.sections,
                "pins": self.pins}

    def summary(self) -> str:
        """One Indonesian line: "layanan L ditambahkan; loket 3 diubah (name); kalender diubah (holidays)"."""
        parts = []
        for name in self.touched():
            word = WORDS_ID.get(name, name)
            if name in self.added:
                parts.append(f"{word} {', '.join(self.added[name])} ditambahkan")
            if name in self.removed:
                parts.append(f"{word} {', '.join(self.removed[name])} dihapus")
            for key, fields in self.changed.get(name, {}).items():
                shown = ["PIN" if f == "pin_hash" else f for f in fields]
                parts.append(f"{word} {key} diubah ({', '.join(shown)})")
            if name in self.sections:
                parts.append(f"{word} diubah ({', '.join(self.sections[name])})")
        return "; ".join(parts) if parts else "tidak ada perubahan"


def diff(old: dict[str, Any], new: dict[str, Any]) -> Diff:
    """Compare two configurations in the file's shape (`config.site.dump_config`)."""
    out = Diff()
    for name in dict.fromkeys([*old, *new]):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if name in TABLE_KEYS:
            _tables(out, name, TABLE_KEYS[name], before or [], after or [])
        elif isinstance(before, dict) and isinstance(after, dict):
            out.sections[name] = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        else:
            out.sections[name] = [name]
    return out


def _tables(out: Diff, name: str, key: str, before: list[dict], after: list[dict]) -> None:
    old = {str(item.get(key)): item for item in before}
    new = {str(item.get(key)): item for item in after}
    added = [k for k in new if k not in old]
    removed = [k for k in old if k not in new]
    changed = {k: [f for f in dict.fromkeys([*old[k], *new[k]]) if old[k].get(f) != new[k].get(f)]
               for k in new if k in old and old[k] != new[k]}
    if added:
        out.added[name] = added
    if removed:
        out.removed[name] = removed
    if name == "officers":
        out.pins = [k for k in new if new[k].get("pin_hash") and (k in added or "pin_hash" in changed.get(k, ()))]
    if changed:
        out.changed[name] = changed
    if not (added or removed or changed) and [*old] != [*new]:
        out.sections[name] = ["order"]
