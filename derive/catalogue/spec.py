"""Entry specifications: the record every kind derives from, and the fields every entry has.

A spec file (the built-in catalogue's TOML or a lecturer's) holds ``[[entry]]``
tables. Every entry has ``id``, ``title``, ``topic`` and ``kind`` (``COMMON``,
with ``PLOT``); the other fields belong to its kind, which declares them in
``derive/kinds/<kind>/fields.py``. ``derive.catalogue.read`` checks a table
against both. Reading a spec needs no sympy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from derive.catalogue.fields import (
    AnyOf,
    Assumption,
    Choice,
    FieldType,
    Integer,
    ListOf,
    Name,
    NameTable,
    Number,
    Plot,
    Text,
)
from derive.errors import InputError

PLOT = Plot(
    {
        "type": Choice(("curves", "path", "likelihood", "depth", "bayes")),
        "var": Name(),
        "from": Number(-1e6, 1e6),
        "to": Number(-1e6, 1e6),
        "values": NameTable(Number(-1e6, 1e6)),
        "curves": ListOf(Name(), 8, least=1),
        "mark": AnyOf((Number(-1e6, 1e6), Name())),
        "steps": Integer(1, 50),
        "sample": ListOf(Number(-1e6, 1e6), 200, single=False, least=1),
        "observed": Name(),
        "layers": Integer(1, 60),
        "weights": ListOf(Number(-1e6, 1e6), 8, least=1),
    },
    required=("var",),
)

#: Fields every entry may have, with their readers.
COMMON: dict[str, FieldType] = {
    "id": Text(64),  # checked against ID_PATTERN
    "title": Text(200),
    "topic": Text(60),
    "kind": Text(40),  # checked against derive.kinds.KINDS
    "notes": ListOf(Text()),
    "assume": ListOf(Assumption()),
    "plot": PLOT,
}
REQUIRED_COMMON = ("id", "title", "topic", "kind")


@dataclass(frozen=True)
class Spec:
    """One entry as written: common fields plus the kind's own fields, checked by the schema."""

    id: str
    title: str
    topic: str
    kind: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    assume: tuple[str, ...] = ()
    plot: Mapping[str, Any] | None = None
    source: str = "<input>"

    def error(self, field_name: str, problem: str) -> InputError:
        """An error naming the file, the entry and the field."""
        return InputError(f"{self.source}: entry '{self.id}': field '{field_name}': {problem}")

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def require(self, name: str, kind: type | tuple[type, ...] = str) -> Any:
        """A required kind-specific field of the given Python type."""
        if name not in self.fields:
            raise self.error(name, "missing")
        value = self.fields[name]
        if not isinstance(value, kind):
            raise self.error(name, f"expected {_type_name(kind)}, got {type(value).__name__}")
        return value

    def names(self, name: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A field holding one name or a list of names."""
        value = self.fields.get(name, default)
        if value is None:
            raise self.error(name, "missing")
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
            raise self.error(name, "expected a name or a list of names")
        return tuple(items)

    def definition(self) -> dict[str, Any]:
        """Everything that determines the output (for the content-hash cache)."""
        return {
            "id": self.id,
            "title": self.title,
            "topic": self.topic,
            "kind": self.kind,
            "fields": dict(self.fields),
            "notes": list(self.notes),
            "assume": list(self.assume),
            "plot": dict(self.plot) if self.plot else None,
        }


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    words = {str: "a string", list: "a list", dict: "a table", int: "an integer", float: "a number"}
    return " or ".join(words.get(k, k.__name__) for k in kinds)
