"""The configuration models' JSON schema, read back: the node at a key path, and in words.

The schema is what pydantic derives from the declarations (type, default, range,
choices, help text). Error messages (`config.errors`), the generated key tables
in docs/configuration.md (`config.docs`) and, later, the admin console's forms
all read it, so none of them repeats a range or a list of choices.
"""

from __future__ import annotations

import functools
import json

from pydantic import BaseModel

# `format` of a time of day written "HH:MM" (see config.fields.Clock).
CLOCK_FORMAT = "HH:MM"


@functools.cache
def of(model: type[BaseModel]) -> dict:
    """`model`'s JSON schema (validation side: what a file may contain), computed once."""
    return model.model_json_schema()


def resolve(node: dict, root: dict) -> dict:
    """Follow a `$ref` and unwrap `X | None` (`anyOf` with null) to the node that describes a value."""
    while True:
        if "$ref" in node:
            node = {**root["$defs"][node["$ref"].rsplit("/", 1)[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
        elif "anyOf" in node:
            options = [n for n in node["anyOf"] if n.get("type") != "null"]
            if len(options) != 1:
                return node
            node = {**{k: v for k, v in node.items() if k != "anyOf"}, **options[0]}
        else:
            return node


def at(root: dict, loc: tuple[str | int, ...]) -> dict:
    """The schema node of the value at `loc` (e.g. ("services", 3, "open")); {} when the key is unknown."""
    node = root
    for part in loc:
        node = resolve(node, root)
        if isinstance(part, int):
            node = node.get("items", {})
        elif "properties" in node:
            node = node["properties"].get(part, {})
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        else:
            return {}
    return resolve(node, root)


def is_table(root: dict, node: dict) -> bool:
    """True when the node is a TOML table with named keys (a section or a sub-table)."""
    return "properties" in resolve(node, root)


def keys(node: dict, root: dict) -> list[str]:
    """The keys a table allows."""
    return list(resolve(node, root).get("properties", {}))


def number(value: float) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _range(node: dict) -> tuple[str, str]:
    lo, hi = node.get("minimum"), node.get("maximum")
    if lo is not None and hi is not None:
        return f" from {number(lo)} to {number(hi)}", f" dari {number(lo)} sampai {number(hi)}"
    if lo is not None:
        return f" of at least {number(lo)}", f" paling sedikit {number(lo)}"
    if hi is not None:
        return f" of at most {number(hi)}", f" paling banyak {number(hi)}"
    return "", ""


def kind(node: dict, root: dict, where: str, *, item: bool = False) -> tuple[str, str]:
    """What a value must be, in English and Indonesian: ("a whole number from 80 to 450",
    "bilangan bulat dari 80 sampai 450"). `where` is the dotted section name, for tables;
    `item`: the value is one entry of an array of tables."""
    node = resolve(node, root)
    choices = node.get("enum", [node["const"]] if "const" in node else None)
    if choices is not None:
        listed = ", ".join(json.dumps(c) for c in choices)
        return f"one of {listed}", f"salah satu dari {listed}"
    t = node.get("type")
    if t == "integer":
        en, id_ = _range(node)
        return "a whole number" + en, "bilangan bulat" + id_
    if t == "number":
        en, id_ = _range(node)
        return "a number" + en, "angka" + id_
    if t == "boolean":
        return "true or false", "true atau false"
    if t == "string":
        if node.get("format") == CLOCK_FORMAT:
            return 'a time "HH:MM" (24-hour)', 'jam "JJ:MM" (24 jam)'
        if node.get("pattern"):
            return f"a string matching {node['pattern']}", f"teks yang cocok dengan pola {node['pattern']}"
        if node.get("minLength"):
            return "a non-empty string", "teks yang tidak kosong"
        return "a string", "teks"
    if t == "array":
        if is_table(root, node.get("items", {})):
            return f"an array of tables [[{where}]]", f"daftar tabel [[{where}]]"
        least = node.get("minItems")
        en, id_ = (f" (at least {least})", f" (paling sedikit {least})") if least else ("", "")
        if resolve(node.get("items", {}), root).get("type") == "string":
            return "a list of strings" + en, "daftar teks" + id_
        return "a list" + en, "daftar" + id_
    if t == "object":
        header = f"[[{where}]]" if item else f"[{where}]"
        return f"a table {header}", f"tabel {header}"
    return "a valid value", "nilai yang benar"
