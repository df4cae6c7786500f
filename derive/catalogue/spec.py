"""Entry specifications: the TOML format shared by the built-in catalogue and lecturers.

A spec file holds ``[[entry]]`` tables. Every entry has ``id``, ``title``,
``topic`` and ``kind``; the other fields belong to its kind (``expr`` and
``wrt`` for a gradient, ``density``, ``var`` and ``params`` for an MLE, ...).
Reading a spec needs no sympy: a cached rebuild never imports it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.errors import InputError

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
COMMON_FIELDS = ("id", "title", "topic", "kind", "notes", "assume", "plot")


@dataclass(frozen=True)
class Spec:
    """One entry as written: common fields plus the kind's own fields, untouched."""

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


def spec_from_table(table: Mapping[str, Any], source: str, position: int) -> Spec:
    """Validate the common fields of one ``[[entry]]`` table."""
    ident = table.get("id")
    where = f"{source}: entry {position}"
    if not isinstance(ident, str) or not ID_PATTERN.match(ident):
        raise InputError(f"{where}: field 'id': expected lower-case letters, digits, '-' or '_'")
    where = f"{source}: entry '{ident}'"
    for name in ("title", "topic", "kind"):
        if not isinstance(table.get(name), str) or not table[name].strip():
            raise InputError(f"{where}: field '{name}': missing or not a string")
    lists = {}
    for name in ("notes", "assume"):
        value = table.get(name, [])
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: field '{name}': expected a list of strings")
        lists[name] = tuple(value)
    plot = table.get("plot")
    if plot is not None and not isinstance(plot, dict):
        raise InputError(f"{where}: field 'plot': expected a table")
    return Spec(
        id=ident,
        title=table["title"].strip(),
        topic=table["topic"].strip(),
        kind=table["kind"].strip(),
        fields={k: v for k, v in table.items() if k not in COMMON_FIELDS},
        notes=lists["notes"],
        assume=lists["assume"],
        plot=plot,
        source=source,
    )


def load_specs(path: Path) -> list[Spec]:
    """All entries of one TOML spec file; errors name the file, entry and field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    tables = data.get("entry")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{path}: no [[entry]] tables")
    specs = [spec_from_table(t, path.name, k + 1) for k, t in enumerate(tables)]
    seen: set[str] = set()
    for spec in specs:
        if spec.id in seen:
            raise InputError(f"{path.name}: entry '{spec.id}': duplicate id")
        seen.add(spec.id)
    return specs
