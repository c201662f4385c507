"""Building blocks of the configuration models (pydantic v2).

Every section of the site file is a `Section`: strict types (a quoted "150" is
not a number, `1` is not `true`), unknown keys refused, immutable once loaded.
A key is declared once, as a field with its type, default, range and help text:

    rate: int = Field(150, ge=80, le=450, description="Speaking rate in words per minute.")

Arrays of tables (`[[services]]`) are `Table[Service]`: a list in the file and in
JSON, a dict keyed by the item's id in code (`config.services["A"]`).
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any, ClassVar, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import core_schema

from config.errors import invalid, shown
from config.schema import CLOCK_FORMAT


class Section(BaseModel):
    """A table of the site file: strict types, no unknown keys, frozen."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Item(Section):
    """One entry of an array of tables, identified by its `key` field (unique in the array)."""

    key: ClassVar[str]
    # The duplicate-key message, English and Indonesian; {key} is the repeated value.
    duplicate: ClassVar[tuple[str, str]]
    # Keys that take another key's value when the file leaves them out: {"name": "id"}.
    copied: ClassVar[dict[str, str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _copy_left_out_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and cls.copied:
            filled = {key: data[source] for key, source in cls.copied.items()
                      if data.get(key) is None and source in data}
            return {**data, **filled} if filled else data
        return data


# A non-empty string, surrounding spaces removed.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# A string that may be empty, surrounding spaces removed.
Line = Annotated[str, StringConstraints(strip_whitespace=True)]
# A list of strings (a TOML array, a JSON array); held as a tuple.
Names = Annotated[tuple[str, ...], Field(strict=False)]

CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
CLOCK_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _code(value: str) -> str:
    if not CODE_RE.match(value):
        raise invalid("code_format", f"{value!r} may hold only letters, digits, '-' and '_' (at most 32)",
                      f"{shown(value)} hanya boleh berisi huruf, angka, '-' dan '_' (paling banyak 32)")
    return value


# An id used in addresses and files: letters, digits, '-' and '_', 1 to 32 of them.
Code = Annotated[Text, AfterValidator(_code), Field(json_schema_extra={"pattern": CODE_RE.pattern})]


def _clock(value: Any) -> time:
    if isinstance(value, time) and not (value.second or value.microsecond or value.tzinfo):
        return value
    if isinstance(value, str) and (match := CLOCK_RE.match(value)):
        return time(int(match.group(1)), int(match.group(2)))
    raise invalid("time_format", f'must be a time "HH:MM" (24-hour), got {value!r}',
                  f'harus jam "JJ:MM" (24 jam), bukan {shown(value)}')


# A local time of day, written "HH:MM" in the file and in JSON; a `datetime.time` in code.
Clock = Annotated[
    time,
    BeforeValidator(_clock),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "format": CLOCK_FORMAT, "pattern": CLOCK_RE.pattern}),
]

M = TypeVar("M", bound=Item)


class Table(dict[str, M]):
    """An array of tables keyed by each item's `key`, in file order: `config.counters["3"]`.

    Validates from a list (the file, JSON) or from another Table; serialises as
    the list. A repeated key is refused at the repeated item (`services[4].code`).
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler) -> core_schema.CoreSchema:
        (item,) = get_args(source)
        items = handler.generate_schema(list[item])

        def keyed(values: list) -> Table:
            table = cls()
            for i, value in enumerate(values):
                key = getattr(value, item.key)
                if key in table:
                    en, id_ = item.duplicate
                    raise invalid("duplicate", en.format(key=repr(key) if isinstance(key, str) else str(key)),
                                  id_.format(key=shown(key)),
                                  at=(i, item.key))
                table[key] = value
            return table

        def listed(value: Any) -> Any:
            return list(value.values()) if isinstance(value, Table) else value

        return core_schema.no_info_before_validator_function(
            listed,
            core_schema.no_info_after_validator_function(keyed, items),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda table: list(table.values()), return_schema=items),
        )


def table(description: str, title: str | None = None, help_id: str | None = None) -> Any:
    """A `Table` field: optional in the file (empty by default), with its help text (and, for the
    admin console, its Indonesian label and help: see `labelled`)."""
    return Field(default_factory=Table, description=description, **(labelled(title, help_id) if title else {}))


def labelled(title: str, help_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """Keywords for `Field(...)`: the key's label in the admin console (`title`) and its help text there
    (`x-help`), both Indonesian, beside the English `description` written for the IT admin.
    `extra`: more JSON-schema keys (e.g. `**{"x-default": "the id"}`)."""
    return {"title": title, "json_schema_extra": {**({"x-help": help_id} if help_id else {}), **extra}}
