"""Reading spec files: each ``[[entry]]`` table checked against the common fields and its kind's.

One typed and bounded reader per field (``COMMON``, ``PLOT`` and the kind's
``KindFields``), so every value is checked before any work; the first problem
of an entry is a one-line InputError naming the file, the entry and the field.
Reading needs no sympy: a kind's fields module imports none.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from derive import kinds
from derive.catalogue.fields import FieldType, Problem, suggestion
from derive.catalogue.spec import COMMON, REQUIRED_COMMON, Spec
from derive.errors import InputError
from derive.files import marked_text, read_bounded

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_BYTES = 4_000_000  # a spec file


def schema(kind: str) -> dict[str, FieldType]:
    """Every field an entry of this kind may have (common ones first), with its reader."""
    return {**COMMON, **kinds.fields(kind).fields}


def _read(where: str, name: str, reader: FieldType, value: Any) -> Any:
    try:
        return reader.read(value)
    except Problem as exc:
        raise InputError(f"{where}: field '{name}': {exc}") from None


def spec_from_table(table: Mapping[str, Any], source: str, position: int) -> Spec:
    """Check one ``[[entry]]`` table against the schema; the first problem is an InputError."""
    if not isinstance(table, Mapping):
        raise InputError(f"{source}: entry {position}: expected a table")
    ident = table.get("id")
    where = f"{source}: entry {position}"
    if not isinstance(ident, str) or not ID_PATTERN.match(ident):
        raise InputError(f"{where}: field 'id': expected lower-case letters, digits, '-' or '_'")
    where = f"{source}: entry '{ident}'"
    for name in REQUIRED_COMMON:
        if name not in table:
            raise InputError(f"{where}: field '{name}': missing")
    kind = _read(where, "kind", COMMON["kind"], table["kind"])
    if kind not in kinds.KINDS:
        hint = suggestion(kind, kinds.KINDS)
        raise InputError(f"{where}: field 'kind': unknown kind '{kind}'{hint}"
                         f" (known: {', '.join(sorted(kinds.KINDS))})")
    own = kinds.fields(kind)
    values = {}
    for name, value in table.items():
        reader = COMMON.get(name) or own.fields.get(name)
        if reader is None:
            raise InputError(f"{where}: field '{name}': unknown for kind '{kind}'"
                             f"{suggestion(name, schema(kind))}")
        values[name] = _read(where, name, reader, value)
    for name in own.required:
        if name not in values:
            raise InputError(f"{where}: field '{name}': missing")
    if own.one_of and not any(name in values for name in own.one_of):
        raise InputError(f"{where}: field '{own.one_of[0]}': missing")
    return Spec(
        id=ident,
        title=values["title"],
        topic=values["topic"],
        kind=kind,
        fields={k: _plain(v) for k, v in values.items() if k not in COMMON},
        notes=tuple(values.get("notes", ())),
        assume=tuple(values.get("assume", ())),
        plot=_plain(values["plot"]) if "plot" in values else None,
        source=source,
    )


def _plain(value: Any) -> Any:
    """Checked values as TOML had them: lists, not tuples (as engines and the cache key expect)."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def read_specs(path: Path) -> tuple[list[Spec], list[InputError]]:
    """The good entries of one TOML spec file and one error per bad entry.

    An unreadable file or invalid TOML is one InputError raised at once; a bad
    entry never stops the others.
    """
    try:
        data = tomllib.loads(marked_text(read_bounded(path, MAX_BYTES), str(path)))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:  # tomllib reads nested arrays and tables by recursion
        raise InputError(f"{path}: not valid TOML (nested too deeply)") from None
    except ValueError as exc:  # more than MAX_BYTES (--spec /dev/zero)
        raise InputError(f"{path}: {exc}") from None
    tables = data.get("entry")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{path}: no [[entry]] tables")
    specs, errors, seen = [], [], set()
    for position, table in enumerate(tables, start=1):
        try:
            spec = spec_from_table(table, Path(path).name, position)
        except InputError as exc:
            errors.append(exc)
            continue
        if spec.id in seen:
            errors.append(InputError(f"{Path(path).name}: entry '{spec.id}': duplicate id"))
            continue
        seen.add(spec.id)
        specs.append(spec)
    return specs, errors


def load_specs(path: Path) -> list[Spec]:
    """All entries of one TOML spec file; the first bad entry is an InputError."""
    specs, errors = read_specs(path)
    if errors:
        raise errors[0]
    return specs
