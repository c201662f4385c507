"""The configuration as a TOML file written for people: every key with its help text as a comment.

`GET /api/admin/config.toml` answers with it. It reads back (`config.site.parse_toml`)
to the same settings; the comments come from the models' help texts (`config.schema`),
each written once per table, above the first item of an array of tables.
"""

from __future__ import annotations

import textwrap
from typing import Any

import tomli_w

from config import schema
from config.site import SiteConfig, dump_config

WIDTH = 100


def commented_toml(config: SiteConfig, header: list[str] = (), *, leave_out: tuple[str, ...] = ()) -> str:
    """`config` as TOML with `header` lines on top and each key's help text above it.

    `leave_out`: key names dropped from every table (e.g. "pin_hash" for an export that carries no
    PIN hashes)."""
    root = schema.of(SiteConfig)
    out = [_comment(line) for line in header]
    data = dump_config(config)
    for name in SiteConfig.model_fields:
        if name in data:
            _table(out, name, data[name], schema.at(root, (name,)), root, leave_out, described=set())
    return "\n".join(out).strip("\n") + "\n"


def _table(out: list[str], path: str, value: Any, node: dict, root: dict, leave_out: tuple[str, ...],
           described: set[str]) -> None:
    if isinstance(value, list):
        items_node = schema.resolve(node.get("items", {}), root)
        if not value:
            out += ["", _comment(f"[[{path}]]: none. {node.get('description', '')}")]
        for item in value:
            out += ["", f"[[{path}]]"]
            if path not in described:
                described.add(path)
                out.insert(len(out) - 1, _comment(node.get("description", "")))
            _keys(out, path, item, items_node, root, leave_out, described)
        return
    out += ["", _comment(node.get("description", "")), f"[{path}]"]
    _keys(out, path, value, node, root, leave_out, described)


def _keys(out: list[str], path: str, table: dict, node: dict, root: dict, leave_out: tuple[str, ...],
          described: set[str]) -> None:
    properties = node.get("properties", {})
    nested = []
    for key, value in table.items():
        if key in leave_out:
            continue
        child = schema.resolve(properties.get(key, {}), root)
        if isinstance(value, dict) or (isinstance(value, list) and "properties" in schema.resolve(
                child.get("items", {}), root)):
            nested.append((key, value, child))
            continue
        where = f"{path}.{key}"
        if where not in described and child.get("description"):
            described.add(where)
            out.append(_comment(child["description"]))
        out.append(tomli_w.dumps({key: value}).rstrip("\n"))
    for key, value, child in nested:
        _table(out, f"{path}.{key}", value, child, root, leave_out, described)


def _comment(text: str) -> str:
    return "\n".join("# " + line for line in textwrap.wrap(text, WIDTH - 2)) if text else ""
