"""Read a hand-derivation file (DESIGN "Hand-derivation files — contract") into parsed lines.

One step per line; the first is where the derivation starts, each later one
starts with ``=``; ``%`` lines are comments, ``% assume x > 0`` states a domain
and ``% shape W = m, n`` declares a matrix. Justifications (after ``&&``,
``\\quad`` or ``#``) are kept for display only. LaTeX wrappers a student
copies from a document (``\\begin{align*}``, ``$$``, ``\\[``) are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from derive.assumptions import parse_assumptions
from derive.errors import DeriveError, InputError, ParseError
from derive.grade.checker import ParsedLine
from derive.model import Assumptions

MAX_BYTES = 64_000
MAX_STEPS = 200

_ASSUME = re.compile(r"^\s*%\s*assume[s]?\s*:?\s*(.*)$", re.IGNORECASE)
_SHAPE = re.compile(r"^\s*%\s*shape\s*:?\s*(\S+)\s*=\s*"
                    r"([A-Za-z0-9_]+)\s*[,x×]\s*([A-Za-z0-9_]+)\s*$", re.IGNORECASE)
_SHAPE_DIRECTIVE = re.compile(r"^\s*%\s*shape\b", re.IGNORECASE)
_WRAPPER = re.compile(r"^\s*(\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}|\$\$|\\\[|\\\]|\$)\s*$")
_STARTS_WITH_EQUALS = re.compile(r"^\s*&?\s*=")


@dataclass(frozen=True)
class Source:
    """The steps of a file as text, with the assumptions and shapes its comments state."""

    steps: tuple[tuple[int, str, str, int], ...]  # (line, expression, justification, column)
    assumptions: Assumptions
    shapes: dict[str, tuple[int | str, int | str]]
    continued: frozenset[int]  # later lines that did not start with '='


def read_file(path: str | Path) -> str:
    """The text of a derivation file, or a clean InputError."""
    from derive.files import read_bounded

    try:
        data = read_bounded(path, MAX_BYTES)  # bounded: `derive check /dev/zero` must not hang
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except ValueError:
        raise InputError(f"{path}: the file is larger than {MAX_BYTES // 1000} kB") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None


def read_text(text: str) -> Source:
    """Split a derivation into steps, assumptions and shapes; InputError for a bad comment line."""
    from derive.parse import split_line

    if "\x00" in text:
        raise InputError("the input is binary, not text")
    steps: list[tuple[int, str, str, int]] = []
    assumed: list[str] = []
    shapes: dict[str, tuple[int | str, int | str]] = {}
    continued: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if _comment_line(raw, number, assumed, shapes) or _WRAPPER.match(raw):
            continue
        expression, justification = split_line(raw)
        if not expression:
            continue
        if steps and not _STARTS_WITH_EQUALS.match(raw):
            continued.add(number)
        column = raw.find(expression) + 1
        steps.append((number, expression, justification, column))
        if len(steps) > MAX_STEPS:
            raise InputError(f"line {number}: more than {MAX_STEPS} steps")
    if not steps:
        raise InputError("no derivation found: the first line should be where it starts, "
                         r"e.g. \frac{d}{dx} \sigma(x^2)")
    try:
        assumptions = parse_assumptions(assumed)
    except InputError as exc:
        raise InputError(f"% assume: {exc}") from None
    return Source(tuple(steps), assumptions, shapes, frozenset(continued))


def _comment_line(raw: str, number: int, assumed: list[str],
                  shapes: dict[str, tuple[int | str, int | str]]) -> bool:
    if not raw.lstrip().startswith("%"):
        return False
    if match := _ASSUME.match(raw):
        assumed.append(match.group(1).strip().rstrip("."))
    elif _SHAPE_DIRECTIVE.match(raw):
        name, rows, cols = _shape_directive(raw, number)
        shapes[name] = (rows, cols)
    return True


def _shape_directive(raw: str, number: int) -> tuple[str, int | str, int | str]:
    """A ``% shape W = m, n`` line, its names under the identifier rule; else an InputError."""
    from derive.catalogue.fields import Problem, Shape
    from derive.names import check_name

    where = f"line {number}: % shape"
    match = _SHAPE.match(raw)
    if not match:
        raise InputError(f"{where}: expected 'NAME = ROWS, COLS' (each a number or a name)")
    name = check_name(match.group(1), where)
    try:
        dims = Shape().read(f"{match.group(2)},{match.group(3)}").split(",")
    except Problem as exc:
        raise InputError(f"{where} {name}: {exc}") from None
    rows, cols = (int(d) if d.isdigit() else d for d in dims)
    return name, rows, cols


def parse_source(source: Source) -> list[ParsedLine]:
    """Parse each step; a step that does not parse carries its error (line and column)."""
    from derive.assumptions import symbol_for
    from derive.parse import parse_expression

    names = source.assumptions.positive | source.assumptions.nonnegative | \
        source.assumptions.unit_interval | source.assumptions.integer
    symbols = {name: symbol_for(name, source.assumptions) for name in names}
    parsed = []
    for number, text, justification, column in source.steps:
        if number in source.continued:
            error = ParseError("a step after the first line starts with '='", number, column, text)
            parsed.append(ParsedLine(number, text, justification, error=error))
            continue
        try:
            expr = parse_expression(text, symbols=symbols, shapes=source.shapes or None)
        except ParseError as exc:
            error = ParseError(exc.message, number, column + exc.column - 1, text)
            parsed.append(ParsedLine(number, text, justification, error=error))
        except (DeriveError, RecursionError, MemoryError) as exc:
            message = str(exc) if isinstance(exc, DeriveError) else "the line is too complex"
            error = ParseError(message, number, column, text)
            parsed.append(ParsedLine(number, text, justification, error=error))
        else:
            parsed.append(ParsedLine(number, text, justification, expr=expr))
    return parsed
