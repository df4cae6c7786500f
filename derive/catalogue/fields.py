"""The field types of the spec schema: each reads one TOML value into a checked one.

A reader raises Problem (WrongType for a value of the wrong TOML type) with a
short reason; derive.catalogue.read adds the file, the entry and the field. Each kind
declares its own fields as a ``KindFields`` in ``derive/kinds/<kind>/fields.py``.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from derive.errors import InputError
from derive.names import check_name, clean_text, is_digits

TEXT_LENGTH = 2000  # a title, note or assumption
EXPR_LENGTH = 100_000  # a bound on the file; the parser has its own, finer limits (line, column)
LIST_LENGTH = 64  # names, notes, lines of a forward pass
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


class Problem(ValueError):
    """What is wrong with one field's value (the reader adds file, entry and field)."""


class WrongType(Problem):
    """A value of the wrong TOML type (a list for a name, a boolean for a count)."""


# --- field types: each reads a TOML value into a checked one, or raises Problem ----------------


class FieldType(ABC):
    """A typed, bounded field; ``read`` returns the checked value or raises Problem."""

    words = "a value"

    @abstractmethod
    def read(self, value: Any) -> Any:
        """The checked value of a TOML value (each field type says how)."""

    def _wrong(self, value: Any) -> Problem:
        return WrongType(f"expected {self.words}, got {_type_words(value)}")


@dataclass(frozen=True)
class Text(FieldType):
    """Free text: cleaned of invisible characters, escaped later wherever it is written."""

    length: int = TEXT_LENGTH
    words = "a string"

    def read(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong(value)
        text = clean_text(value).strip()
        if not text:
            raise Problem("empty")
        if len(text) > self.length:
            raise Problem(f"longer than {self.length} characters")
        return text


@dataclass(frozen=True)
class Expr(Text):
    """An expression, parsed by the project's grammar when the entry is derived."""

    length: int = EXPR_LENGTH
    words = "an expression (a string)"


def typed_expression(text: str) -> str:
    """An expression typed as an option: cleaned of invisible characters, not empty."""
    try:
        return Expr().read(text)
    except Problem as exc:
        raise InputError(f"the expression: {exc}") from None


@dataclass(frozen=True)
class Assumption(Text):
    """A stated assumption ('x > 0', '0 < p < 1', 'n integer'), read by derive.assumptions."""

    length: int = 200
    words = "an assumption such as 'x > 0' (a string)"

    def read(self, value: Any) -> str:
        text = super().read(value)
        from derive.assumptions import parse_assumptions

        try:
            parse_assumptions([text])
        except InputError as exc:
            raise Problem(str(exc)) from None
        return text


@dataclass(frozen=True)
class Name(FieldType):
    """One name under the identifier rule (derive.names)."""

    words = "a name"

    def read(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong(value)
        try:
            return check_name(clean_text(value), "name")
        except InputError as exc:
            raise Problem(str(exc).removeprefix("name: ")) from None


@dataclass(frozen=True)
class Choice(FieldType):
    """One of a few fixed words."""

    options: tuple[str, ...] = ()

    @property
    def words(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(repr(o) for o in self.options)

    def read(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong(value)
        if value not in self.options:
            raise Problem(f"expected {self.words}, got {_shown(value)}")
        return value


@dataclass(frozen=True)
class Integer(FieldType):
    """A whole number in [low, high] (a boolean is not a count)."""

    low: int = 0
    high: int = 1000

    @property
    def words(self) -> str:  # type: ignore[override]
        return f"an integer from {self.low} to {self.high}"

    def read(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(value)
        if not self.low <= value <= self.high:
            raise Problem(f"expected {self.words}, got {value}")
        return value


@dataclass(frozen=True)
class Number(FieldType):
    """A finite number in [low, high] (or the open interval when ``open``)."""

    low: float = -1e6
    high: float = 1e6
    open: bool = False

    @property
    def words(self) -> str:  # type: ignore[override]
        ends = "()" if self.open else "[]"
        return f"a number in {ends[0]}{self.low:g}, {self.high:g}{ends[1]}"

    def read(self, value: Any) -> float | int:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._wrong(value)
        if not math.isfinite(value):
            raise Problem(f"expected a finite number, got {value}")
        inside = self.low < value < self.high if self.open else self.low <= value <= self.high
        if not inside:
            raise Problem(f"expected {self.words}, got {value:g}")
        return value


@dataclass(frozen=True)
class Flag(FieldType):
    words = "true or false"

    def read(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self._wrong(value)
        return value


@dataclass(frozen=True)
class ListOf(FieldType):
    """A list of items of one type (a single item stands for a list of one when ``single``)."""

    item: FieldType = Text()
    length: int = LIST_LENGTH
    single: bool = True
    least: int = 0

    @property
    def words(self) -> str:  # type: ignore[override]
        return f"a list of {self.length} at most ({self.item.words} each)"

    def read(self, value: Any) -> tuple:
        if self.single and not isinstance(value, list | dict):
            return (self.item.read(value),)
        if not isinstance(value, list):
            raise self._wrong(value)
        if not self.least <= len(value) <= self.length:
            raise Problem(f"expected from {self.least} to {self.length} items, got {len(value)}")
        out = []
        for k, item in enumerate(value, start=1):
            try:
                out.append(self.item.read(item))
            except Problem as exc:
                raise Problem(f"item {k}: {exc}") from None
        return tuple(out)


@dataclass(frozen=True)
class NameTable(FieldType):
    """A table whose keys are names and whose values share one type."""

    value: FieldType = Text()
    length: int = LIST_LENGTH

    @property
    def words(self) -> str:  # type: ignore[override]
        return f"a table of names to {self.value.words}"

    def read(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._wrong(value)
        if len(value) > self.length:
            raise Problem(f"more than {self.length} entries")
        out = {}
        for key, item in value.items():
            name = Name().read(key)
            if name in out:
                raise Problem(f"{name}: given twice")
            try:
                out[name] = self.value.read(item)
            except Problem as exc:
                raise Problem(f"{name}: {exc}") from None
        return out


@dataclass(frozen=True)
class Shape(FieldType):
    """A matrix shape 'ROWS,COLS': each a size 1..10000 or a name."""

    words = "'ROWS,COLS' (each a number or a name)"

    def read(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong(value)
        parts = [p.strip() for p in value.split(",")]
        if len(parts) != 2:
            raise Problem(f"expected {self.words}, got {_shown(value)}")
        for part in parts:
            if is_digits(part):
                Integer(1, 10000).read(int(part))
            else:
                Name().read(part)
        return ",".join(parts)


@dataclass(frozen=True)
class Table(FieldType):
    """A nested table with its own schema."""

    fields: Mapping[str, FieldType] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    words = "a table"

    def read(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self._wrong(value)
        out = {}
        for key, item in value.items():
            if key not in self.fields:
                raise Problem(f"unknown key '{key}'{suggestion(key, self.fields)}")
            try:
                out[key] = self.fields[key].read(item)
            except Problem as exc:
                raise Problem(f"{key}: {exc}") from None
        missing = [k for k in self.required if k not in out]
        if missing:
            raise Problem(f"{missing[0]}: missing")
        return out


@dataclass(frozen=True)
class AnyOf(FieldType):
    """The first of several types that reads the value."""

    types: tuple[FieldType, ...] = ()

    @property
    def words(self) -> str:  # type: ignore[override]
        return " or ".join(t.words for t in self.types)

    def read(self, value: Any) -> Any:
        problems = []
        for kind in self.types:
            try:
                return kind.read(value)
            except WrongType:
                continue
            except Problem as exc:
                problems.append(exc)
        raise problems[0] if problems else self._wrong(value)


@dataclass(frozen=True)
class Plot(Table):
    """The ``plot`` table: a range ``from < to`` besides its fields."""

    def read(self, value: Any) -> dict[str, Any]:
        out = super().read(value)
        if "from" in out and "to" in out and not out["from"] < out["to"]:
            raise Problem(f"from ({out['from']:g}) must be less than to ({out['to']:g})")
        return out


@dataclass(frozen=True)
class Key(FieldType):
    """A catalogue word such as a claim, family or estimator: letters, digits, '-' and '_'."""

    words = "a word (letters, digits, '-', '_')"

    def read(self, value: Any) -> str:
        if not isinstance(value, str):
            raise self._wrong(value)
        if not _KEY.fullmatch(value):
            raise Problem(f"expected {self.words}, got {_shown(value)}")
        return value


@dataclass(frozen=True)
class KindFields:
    """A kind's own spec fields with their readers, the ones it requires, and ``one_of``:
    fields of which an entry must have at least one (the first is named when none is)."""

    fields: Mapping[str, FieldType]
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()


#: Readers several kinds share: one name or a list of names, and a table of matrix shapes.
NAMES = ListOf(Name(), least=1)
SHAPES = NameTable(Shape())


def _type_words(value: Any) -> str:
    words = {str: "a string", list: "a list", dict: "a table", bool: "a boolean",
             int: "an integer", float: "a number", datetime.datetime: "a date and time",
             datetime.date: "a date", datetime.time: "a time of day"}
    return words.get(type(value), f"a {type(value).__name__}")


def _shown(value: Any) -> str:
    return repr(value)[:60] if isinstance(value, str | int | float) else _type_words(value)


def suggestion(word: str, known: Mapping[str, Any] | tuple[str, ...]) -> str:
    """' (did you mean ...?)' for the closest known word, or nothing."""
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
