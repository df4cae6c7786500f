"""Read a hand-derivation file (DESIGN "Hand-derivation files — contract") into parsed lines.

One step per line; the first is where the derivation starts, each later one
starts with ``=``; ``%`` lines are comments, ``% assume x > 0`` states a domain
and ``% shape W = m, n`` declares a matrix (``% shape S = n, n, symmetric`` one of a
structure). Justifications (after ``&&``, ``\\quad`` or ``#``) are kept for display
only. LaTeX wrappers a student copies from a document (``\\begin{align*}``, ``$$``,
``\\[``) are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from derive.assumptions import parse_assumptions
from derive.errors import InputError
from derive.grade.reading import ParsedLine, Reader
from derive.model import Assumptions
from derive.parse.lines import detect_syntax

MAX_BYTES = 64_000
MAX_STEPS = 200
MAX_SIZE = 8  # a numeric size: the matrices are evaluated with 50-digit arithmetic

_ASSUME = re.compile(r"^\s*%\s*assume[s]?\s*:?\s*(.*)$", re.IGNORECASE)
_SHAPE = re.compile(r"^\s*%\s*shape\s*:?\s*(\S+)\s*=\s*"
                    r"([A-Za-z0-9_]+)\s*(?:[,x×]\s*([A-Za-z0-9_]+))?"
                    r"\s*(?:,\s*([A-Za-z][A-Za-z -]*?))?\s*\.?\s*$", re.IGNORECASE)
# Wrappers a student copies from a document: environments, display maths, $ ... $.
_WRAPPERS = re.compile(r"\\(?:begin|end)\s*\{(?!\s*d?cases\b)[A-Za-z*]+\}|\$\$|\\\[|\\\]"
                       r"|(?<!\\)\$")
MAX_JOINED = 12  # lines one cases environment may span


@dataclass(frozen=True)
class Step:
    """One line of the file that holds mathematics, split into its segments."""

    number: int
    text: str  # the expression as typed (justification and comment removed)
    justification: str
    column: int  # where ``text`` starts in the file's line
    segments: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (connector, (part, offset))
_SHAPE_DIRECTIVE = re.compile(r"^\s*%\s*shape\b", re.IGNORECASE)


@dataclass(frozen=True)
class Source:
    """The steps of a file, with the assumptions and shapes its comments state."""

    steps: tuple[Step, ...]
    assumptions: Assumptions
    shapes: dict[str, tuple[int | str, int | str]]


def read_file(path: str | Path) -> str:
    """The text of a derivation file, or a clean InputError."""
    from derive.files import marked_text, read_bounded

    try:
        data = read_bounded(path, MAX_BYTES)  # bounded: `derive check /dev/zero` must not hang
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except ValueError:
        raise InputError(f"{path}: the file is larger than {MAX_BYTES // 1000} kB") from None
    return marked_text(data, str(path))


def read_text(text: str) -> Source:
    """Split a derivation into steps, assumptions and shapes; InputError for a bad comment line."""
    from derive.parse.lines import split_justification, split_relations

    if "\x00" in text:
        raise InputError("the input is binary, not text")
    text = text.removeprefix("\ufeff")  # pasted from a file that starts with a byte-order mark
    steps: list[Step] = []
    assumed: list[str] = []
    shapes: dict[str, tuple[int | str, int | str]] = {}
    for number, raw in _joined(text.splitlines()):
        if _comment_line(raw, number, assumed, shapes):
            continue
        expression, justification = split_justification(
            _WRAPPERS.sub(lambda m: " " * len(m.group()), raw))
        segments = split_relations(expression)
        if not expression.strip() or not segments:
            continue
        column = 1  # the parts' offsets count from the start of the file's line
        segments_tuple = tuple((c, tuple(parts)) for c, parts in segments)
        steps.append(Step(number, expression.strip(), justification, column, segments_tuple))
        if len(steps) > MAX_STEPS:
            raise InputError(f"line {number}: more than {MAX_STEPS} steps")
    if not steps:
        raise InputError("no derivation found: the first line should be where it starts, "
                         r"e.g. \frac{d}{dx} \sigma(x^2)")
    try:
        assumptions = parse_assumptions(assumed)
    except InputError as exc:
        raise InputError(f"% assume: {exc}") from None
    return Source(tuple(steps), assumptions, shapes)


def _joined(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(number, line) of each line, a ``cases`` environment spread over lines joined into the
    line it opens on (its rows end in ``\\\\``, which the environment needs)."""
    from derive.parse.cases import BEGIN, END

    number = 0
    while number < len(lines):
        raw, first = lines[number], number + 1
        number += 1
        while (len(BEGIN.findall(raw)) > len(END.findall(raw)) and number < len(lines)
               and number - first < MAX_JOINED and not _new_step(lines[number])):
            raw += " " + lines[number]
            number += 1
        yield first, raw


def _new_step(raw: str) -> bool:
    """A comment or a line that starts a step (``=``, ``&=``): no row of a cases environment."""
    return raw.lstrip().lstrip("&").lstrip().startswith(("%", "="))


def _comment_line(raw: str, number: int, assumed: list[str],
                  shapes: dict[str, tuple[int | str, int | str]]) -> bool:
    if not raw.lstrip().startswith("%"):
        return False
    if match := _ASSUME.match(raw):
        assumed.append(match.group(1).strip().rstrip("."))
    elif _SHAPE_DIRECTIVE.match(raw):
        name, rows, cols, structure = _shape_directive(raw, number)
        shapes[name] = (rows, cols)
        if structure is not None:
            assumed.append(structure)
    return True


def _shape_directive(raw: str, number: int) -> tuple[str, int | str, int | str, str | None]:
    """A ``% shape W = m, n`` line (``% shape S = n, n, symmetric`` with a structure), its
    names under the identifier rule: the name, its sizes and the structure as the sentence
    ``% assume`` reads (or None); else an InputError."""
    from derive.catalogue.fields import Problem, Shape
    from derive.kinds.matrixform import shape_structure
    from derive.names import check_name, is_digits

    where = f"line {number}: % shape"
    match = _SHAPE.match(raw)
    if not match:
        raise InputError(f"{where}: expected 'NAME = ROWS, COLS' or 'NAME = ROWS, COLS, "
                         "STRUCTURE' (each size a number or a name)")
    name = check_name(match.group(1), where)
    structure = None
    if match.group(4):
        rows_cols = f"{match.group(2)},{match.group(3) or 1}"
        try:
            _, structure = shape_structure(name, f"{rows_cols},{match.group(4)}")
        except InputError as exc:
            raise InputError(f"{where} {name}: {str(exc).split(': ', 1)[1]}") from None
    try:  # "% shape x = n" is a column, n x 1
        dims = Shape().read(f"{match.group(2)},{match.group(3) or 1}").split(",")
    except Problem as exc:
        raise InputError(f"{where} {name}: {exc}") from None
    rows, cols = (int(d) if is_digits(d) else d for d in dims)
    if any(isinstance(d, int) and d > MAX_SIZE for d in (rows, cols)):
        raise InputError(f"{where} {name}: a size above {MAX_SIZE}: write a name instead "
                         "(% shape W = m, n); the checker draws small sizes itself")
    return name, rows, cols, structure


def parse_source(source: Source) -> list[ParsedLine]:
    """Parse each step in order; a step that does not parse carries its error (line and column)."""
    from derive.assumptions import symbol_for

    names = source.assumptions.positive | source.assumptions.nonnegative | \
        source.assumptions.unit_interval | source.assumptions.integer
    symbols = {name: symbol_for(name, source.assumptions) for name in names}
    latex_file = any(detect_syntax(step.text) == "latex" for step in source.steps)
    reader = Reader(source.assumptions, source.shapes, symbols, latex_file)
    parsed = []
    for step in source.steps:
        segments = [(c, list(parts)) for c, parts in step.segments]
        parsed.append(reader.line(step.number, step.text, step.justification, segments,
                                  step.column, first=not any(p.moves for p in parsed)))
    return parsed
