"""Configuration errors, worded once for the console and once for the admin page.

Every problem, whether pydantic found it (a wrong type, a value out of range, an
unknown key) or one of our validators did (an unknown service, a duplicate
prefix), becomes one `ConfigError` with:

- `path`: the key in the file's own shape, `services[3].open`, `kiosk.printers[0].host`,
  `audio.agency_templates.BAPPENDA` (`(file)` / `(syntax)` when the file cannot be read);
- `problem`: English, printed by `run.py` as `Configuration error in FILE: PATH: PROBLEM`;
- `message_id`: the same problem in Indonesian, for the admin console (`422 invalid_config`).

Our validators raise `invalid(...)`, which carries both wordings; pydantic's
own errors are worded here from the models' JSON schema (`config.schema`), so a
range or a list of choices is written only in the model's declaration.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from config import schema


class ConfigError(Exception):
    """A configuration problem: which file, which key, what is wrong (in English and Indonesian).

    `str(error)` is `"FILE: PATH: PROBLEM"`, the line `run.py` prints. `key` is the old
    name of `path`. `kind` names the kind of problem (`missing`, `extra_forbidden`,
    `int_type`, `duplicate`, `unknown_reference`, ...): for logs and tests, not for users.
    """

    def __init__(self, file: str | Path, path: str, problem: str, message_id: str | None = None,
                 kind: str = "invalid") -> None:
        self.file = str(file)
        self.path = path
        self.problem = problem
        self.message_id = message_id or problem
        self.kind = kind
        super().__init__(f"{self.file}: {path}: {problem}")

    @property
    def key(self) -> str:
        return self.path

    def to_json(self) -> dict:
        """The hub's error shape for the admin API: `{"error": {"code": "invalid_config", "path", "message"}}`."""
        return {"error": {"code": "invalid_config", "path": self.path,
                          "message": f"Pengaturan {self.path}: {self.message_id}"}}


def invalid(kind: str, problem: str, message_id: str, *, at: tuple[str | int, ...] = ()) -> PydanticCustomError:
    """An error for a validator to raise, worded in English (`problem`) and Indonesian (`message_id`).

    `at` extends the key path of the place the validator runs: a root validator that
    finds an unknown service in counter 2 raises with `at=("counters", 2, "services")`.
    """
    return PydanticCustomError(kind, "{problem}", {"problem": problem, "message_id": message_id, "at": at})


def shown(value: Any) -> str:
    """A value as an Indonesian message quotes it: JSON, so strings read "like this"."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def from_validation(exc: ValidationError, file: str | Path, model: type[BaseModel]) -> ConfigError:
    """The first of pydantic's errors as a ConfigError worded from `model`'s declaration."""
    error = exc.errors(include_url=False)[0]
    ctx = error.get("ctx") or {}
    loc = tuple(part for part in error["loc"] if part != "[key]") + tuple(ctx.get("at", ()))
    path = key_path(loc)
    kind = error["type"]
    if "message_id" in ctx:
        return ConfigError(file, path, ctx["problem"], ctx["message_id"], kind)
    root = schema.of(model)
    if kind == "missing":
        node = schema.at(root, loc)
        if len(loc) == 1 and schema.is_table(root, node):
            return ConfigError(file, path, f"missing required section [{path}]", f"bagian [{path}] wajib ada", kind)
        return ConfigError(file, path, "missing required key", "wajib diisi", kind)
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(schema.keys(schema.at(root, loc[:-1]), root)))
        if not allowed:
            return ConfigError(file, path, "unknown key (this section has no keys yet)",
                               "kunci tidak dikenal (bagian ini belum punya kunci)", kind)
        if len(loc) == 1:
            return ConfigError(file, path, f"unknown section (known: {allowed})",
                               f"bagian tidak dikenal (yang dikenal: {allowed})", kind)
        return ConfigError(file, path, f"unknown key (allowed: {allowed})",
                           f"kunci tidak dikenal (yang boleh: {allowed})", kind)
    node = schema.at(root, loc)
    where = dotted(loc)
    en, id_ = schema.kind(node, root, where, item=bool(loc) and isinstance(loc[-1], int))
    value = error.get("input")
    return ConfigError(file, path, f"must be {en}, got {value!r}", f"harus {id_}, bukan {shown(value)}", kind)


def key_path(loc: tuple[str | int, ...]) -> str:
    """("services", 3, "open") -> "services[3].open"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def dotted(loc: tuple[str | int, ...]) -> str:
    """The section a key path is in, as TOML names it: ("kiosk", "printers", 0) -> "kiosk.printers"."""
    return ".".join(str(part) for part in loc if not isinstance(part, int))
