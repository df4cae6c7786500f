"""Entry specifications: the TOML format shared by the built-in catalogue and lecturers.

A spec file holds ``[[entry]]`` tables. Every entry has ``id``, ``title``,
``topic`` and ``kind``; the other fields belong to its kind. ``COMMON``,
``KIND_FIELDS`` and ``PLOT`` are the whole schema, one typed and bounded reader per
field, so every value is checked before any work. Reading a spec needs no sympy.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.catalogue.fields import (
    AnyOf,
    Assumption,
    Choice,
    Expr,
    FieldType,
    Flag,
    Integer,
    Key,
    ListOf,
    Name,
    NameTable,
    Number,
    Plot,
    Problem,
    Shape,
    Table,
    Text,
    suggestion,
)
from derive.errors import InputError
from derive.files import read_bounded

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_BYTES = 4_000_000  # a spec file


# --- the schema -----------------------------------------------------------------------------------

NAMES = ListOf(Name(), least=1)
EXPRS = ListOf(Expr())
SHAPES = NameTable(Shape())
BOUND = AnyOf((Number(-1e9, 1e9), Expr(200)))
MATRIX = ListOf(ListOf(Integer(-10**6, 10**6), 4, single=False, least=1), 4, single=False, least=1)

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
    "kind": Text(40),  # checked against KIND_FIELDS
    "notes": ListOf(Text()),
    "assume": ListOf(Assumption()),
    "plot": PLOT,
}
REQUIRED_COMMON = ("id", "title", "topic", "kind")

_DENSITY: dict[str, FieldType] = {
    "density": Expr(),
    "var": Name(),
    "params": NAMES,
    "support": AnyOf((Text(60), ListOf(Expr(200), 2, single=False, least=2))),
    "base_measure": Choice(("1/x!", "binomial(n, x)")),
    "trials": Integer(1, 1000),
    "data": ListOf(Name()),
}

#: Each kind's own fields, with their readers, and the ones it requires.
KIND_FIELDS: dict[str, tuple[dict[str, FieldType], tuple[str, ...]]] = {
    "gradient": ({
        "expr": Expr(),
        "pieces": ListOf(ListOf(Expr(), 2, single=False, least=2), 16, single=False, least=1),
        "wrt": NAMES,
        "name": Name(),
        "upstream": Name(),
        "shapes": SHAPES,
        "hessian": Flag(),
    }, ("wrt",)),
    "backprop": ({
        "forward": ListOf(Expr(), least=1),
        "wrt": NAMES,
        "shapes": SHAPES,
        "name": Name(),
        "upstream": Name(),
        "deltas": NameTable(Name()),
        "simplex": ListOf(Name()),
        "inline": ListOf(Name()),
    }, ("forward", "wrt", "shapes")),
    "mle": ({
        **_DENSITY,
        "log_likelihood": Expr(),
        "shapes": SHAPES,
        "constraint": Expr(),
        "model": Choice(("multivariate-normal",)),
    }, ("params",)),
    "bayes": ({**_DENSITY, "prior": Expr(), "posterior": Key()},
              ("density", "params", "prior", "posterior")),
    "integral": ({"integrand": Expr(), "var": Name(), "lower": BOUND, "upper": BOUND},
                 ("integrand", "var", "lower", "upper")),
    "kl-gaussian": ({}, ()),
    "kl-categorical": ({"categories": Integer(2, 6), "name": Name()}, ()),
    "descent": ({
        "method": Choice(("gd", "momentum", "newton", "weight-decay")),
        "expr": Expr(),
        "var": Name(),
        "unroll": Integer(1, 6),
    }, ("expr", "var")),
    "vanishing": ({"activation": Choice(("sigmoid", "tanh", "relu")), "layers": Integer(1, 6)},
                  ()),
    "moments": ({"family": Key()}, ("family",)),
    "expectation": ({"claim": ListOf(Key(), least=1), "names": NameTable(Name())}, ("claim",)),
    "sampling": ({"estimator": Key()}, ("estimator",)),
    "inference": ({
        "task": Choice(("z-interval", "t-interval", "t-test")),
        "data": Table({"seed": Integer(0, 2**32 - 1), "size": Integer(3, 60),
                       "mean": Number(-1e6, 1e6), "sd": Number(0, 1e6, open=True)},
                      required=("seed", "size")),
        "sigma": Number(0, 1e6, open=True),
        "level": Number(0, 1, open=True),
        "mu0": Number(-1e6, 1e6),
    }, ("task", "data")),
    "linalg": ({
        "task": Choice(("matmul", "determinant", "eigen", "composition")),
        "A": MATRIX,
        "B": MATRIX,
        "x": ListOf(Integer(-10**6, 10**6), 4, single=False, least=1),
    }, ("task", "A")),
}


def schema(kind: str) -> dict[str, FieldType]:
    """Every field an entry of this kind may have (common ones first), with its reader."""
    return {**COMMON, **KIND_FIELDS[kind][0]}


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
    if kind not in KIND_FIELDS:
        hint = suggestion(kind, KIND_FIELDS)
        raise InputError(f"{where}: field 'kind': unknown kind '{kind}'{hint}"
                         f" (known: {', '.join(sorted(KIND_FIELDS))})")
    fields, required = KIND_FIELDS[kind]
    values = {}
    for name, value in table.items():
        reader = COMMON.get(name) or fields.get(name)
        if reader is None:
            raise InputError(f"{where}: field '{name}': unknown for kind '{kind}'"
                             f"{suggestion(name, schema(kind))}")
        values[name] = _read(where, name, reader, value)
    for name in required:
        if name not in values:
            raise InputError(f"{where}: field '{name}': missing")
    if kind in ("gradient", "descent") and "expr" not in values and "pieces" not in values:
        raise InputError(f"{where}: field 'expr': missing")
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
        data = tomllib.loads(read_bounded(path, MAX_BYTES).decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
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
