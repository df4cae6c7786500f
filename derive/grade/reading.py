r"""Turn the lines of a derivation file into moves: where a chain starts, ``= expr``, ``=> eq``.

Definitions are read in order: after ``L = (w x - y)^2`` the name L stands
for its definition, so ``dL/dw`` (and ``L`` itself) mean what the student
defined. Each part is parsed in the syntax it looks like; a line in a LaTeX
file that looks plain but does not call a plain function is read as LaTeX.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.errors import DeriveError, ParseError, ShapeError
from derive.grade import differentials
from derive.grade.heads import Head, applied, read_head
from derive.model import Assumptions

START, EQUALS, IMPLIES = "start", "equals", "implies"
_PLAIN_CALL = re.compile(r"(?<![\\A-Za-z])([A-Za-z]{2,})\s*\(")
_LATEX_MARK = re.compile(r"\\[A-Za-z,;:! |]|[{}]")
# A name followed by a transpose: x^T, x^\top, x^{\top}, x.T
_TRANSPOSED = re.compile(r"(\\?[A-Za-z]+)\s*(?:\^\s*\{?\s*(?:\\top|T|\\intercal)(?![A-Za-z])"
                         r"|\.T(?![A-Za-z0-9_]))")


@dataclass(frozen=True)
class Move:
    """One thing a line does: start a chain at ``expr``, state ``= expr``, or ``=> lhs = rhs``."""

    kind: str
    expr: Any
    rhs: Any = None
    unknown: Any = None  # the variable a derivative start differentiates by
    defines: str = ""  # the name a start defines
    zero: bool = False  # the last part of a segment: "= 0" (or "= rhs") may state an equation
    text: str = ""


@dataclass(frozen=True)
class ParsedLine:
    """One line of the file: where it is, what was written, its moves or the error."""

    number: int
    text: str
    justification: str = ""
    moves: tuple[Move, ...] = ()
    error: ParseError | None = None
    segments: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = ()  # the parts as typed
    shapes_wrong: bool = False  # the error is a shape mismatch: the line is wrong, not unread
    latex: bool = False  # every part was read as LaTeX
    mismatch: ShapeError | None = None  # the operands that do not fit, when shapes_wrong
    partial: tuple[Move, ...] = ()  # the moves read before the error

    @property
    def expr(self) -> Any:
        """The last expression the line states (what the next line continues from)."""
        for move in reversed(self.moves):
            return move.rhs if move.kind == IMPLIES else move.expr
        return None


@dataclass
class Reader:
    """Parses the lines of one file in order, remembering the names they define."""

    assumptions: Assumptions
    shapes: Mapping[str, tuple[int | str, int | str]]
    symbols: dict[str, Any]
    latex_file: bool = False
    definitions: dict[str, tuple[Any, tuple[Any, ...]]] = field(default_factory=dict)
    entries: dict[str, tuple[tuple[Any, ...], Any]] = field(default_factory=dict)  # p_k = ...
    applied: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    parts: int = 0  # parts parsed so far, and how many of them as LaTeX
    latex_parts: int = 0
    directions: re.Pattern[str] | None = None  # dX, \mathrm{d}X for the declared matrices

    def __post_init__(self) -> None:
        for name, direction in differentials.directions(self.shapes).items():
            if name not in self.shapes:  # a matrix declared as dx stays that matrix
                self.symbols.setdefault(name, direction)
        self.directions = differentials.latex_pattern(self.shapes)

    def line(self, number: int, text: str, justification: str,
             segments: list[tuple[str, list[tuple[str, int]]]], column: int,
             first: bool) -> ParsedLine:
        """The moves of one line, or the line with the first error in it."""
        moves: list[Move] = []
        typed = tuple((c, tuple(parts)) for c, parts in segments)
        self.parts = self.latex_parts = 0
        try:
            for k, (connector, parts) in enumerate(segments):
                self._segment(connector, parts, first and k == 0 and not moves, moves,
                              number, column)
        except ParseError as exc:
            mismatch = exc.cause if isinstance(exc, _ShapeMismatch) else None
            return ParsedLine(number, text, justification, error=exc, segments=typed,
                              shapes_wrong=isinstance(exc, _ShapeMismatch),
                              mismatch=mismatch, partial=tuple(moves))
        latex = self.parts > 0 and self.latex_parts == self.parts
        return ParsedLine(number, text, justification, tuple(moves), segments=typed,
                          latex=latex)

    def _segment(self, connector: str, parts: list[tuple[str, int]], first: bool,
                 moves: list[Move], number: int, column: int) -> None:
        where = (number, column + (parts[0][1] if parts else 0))
        if any(not text for text, _ in parts):
            empty = next(offset for text, offset in parts if not text)
            raise ParseError("an expression is missing here", number, column + empty)
        if connector == "=>":
            if len(parts) < 2:
                raise ParseError("an equation (lhs = rhs) should follow here", *where)
            lhs, rhs = (self.parse(t, number, column + o) for t, o in (parts[0], parts[1]))
            moves.append(Move(IMPLIES, lhs, rhs, text=f"{parts[0][0]} = {parts[1][0]}"))
            self._equals(parts[2:], moves, number, column)
            return
        if connector == "=":
            if first:
                raise ParseError("the first line is where the derivation starts: "
                                 "it cannot start with '='", *where)
            self._equals(parts, moves, number, column)
            return
        if len(parts) > 1 and (defined := self._differentiated(
                parts[0][0], number, column + parts[0][1])) is not None:
            # dL = dx^T S x + x^T S dx: the differential of the defined L along those directions
            rest = [self.parse(t, number, column + o) for t, o in parts[1:]]
            moves.append(Move(START, differentials.differential(defined, rest),
                              text=parts[0][0]))
            moves.extend(Move(EQUALS, expr, zero=k == len(rest) - 1, text=t)
                         for k, (expr, (t, _)) in enumerate(zip(rest, parts[1:], strict=True)))
            return
        head = read_head(parts[0][0])
        if head is not None and head.kind == "label" and len(parts) > 1:
            text, offset = parts[1]  # E[X] = \int x p(x) dx: a new chain from the right side
            moves.append(Move(START, self.parse(text, number, column + offset), text=text))
            self._equals(parts[2:], moves, number, column)
            return
        if head is not None and head.kind == "derive":
            moves.append(self._derivative(head, number, column + parts[0][1], parts[0][0]))
            self._equals(parts[1:], moves, number, column)
            return
        if head is not None and head.kind == "define" and len(parts) == 2 and not first \
                and not self._defines(head):
            self._segment("=>", parts, first, moves, number, column)  # "mu = ..." solves for mu
            return
        if head is not None and len(parts) > 1 and self._defines(head):
            text, offset = parts[1]
            expr = self.parse(text, number, column + offset)
            self._define(head, expr, number, column)
            moves.append(Move(START, expr, defines=head.name, text=text))
            self._equals(parts[2:], moves, number, column)
            return
        text, offset = parts[0]
        expr = self.parse(text, number, column + offset)
        starts = first or isinstance(expr, sp.Derivative)  # a new derivative: a new chain
        if not starts and len(parts) == 1:
            raise ParseError("a step after the first line starts with '=' "
                             r"(or with \Rightarrow for an equation)", *where)
        moves.append(Move(START if starts else EQUALS, expr, text=text))
        self._equals(parts[1:], moves, number, column)

    def _equals(self, parts: list[tuple[str, int]], moves: list[Move], number: int,
                column: int) -> None:
        for k, (text, offset) in enumerate(parts):
            expr = self.parse(text, number, column + offset)
            zero = k == len(parts) - 1
            moves.append(Move(EQUALS, expr, zero=zero, text=text))

    # -- names ------------------------------------------------------------------------

    def _key(self, text: str) -> str | None:
        """The symbol name ``text`` stands for (``\\ell`` -> ell), or None if it is no name."""
        try:
            expr = self._parse_bare(text)
        except (DeriveError, RecursionError):
            return None
        return expr.name if isinstance(expr, sp.Symbol | sp.MatrixSymbol) else None

    def _differentiated(self, text: str, number: int, column: int) -> Any:
        """The definition of L when ``text`` writes its differential dL (matrices declared);
        a ParseError for the differential of a name never defined."""
        name = differentials.head_name(text) if self.shapes else None
        key = self._key(name) if name is not None else None
        if key in self.definitions:
            return self.definitions[key][0]
        # an upright d (\mathrm{d}g) can only be a differential; a bare dg may be a new name
        if key is not None and key not in self.shapes and text.lstrip().startswith("\\"):
            raise ParseError(f"'{name}' is not defined: write {name} = ... on an earlier line "
                             "to state its differential", number, column)
        return None

    def _defines(self, head: Head) -> bool:
        """True when the head is a fresh name (not a function, not a variable already in use,
        not the estimate ``\\hat\\mu`` of a variable in use)."""
        key = self._key(head.name)
        if key is None or key in self.seen or key in self.shapes:
            return False
        base, _, accent = key.rpartition("_")
        return not (accent in ("hat", "bar", "tilde") and base in self.seen)

    def _define(self, head: Head, expr: Any, number: int, column: int) -> None:
        key = self._key(head.name)
        if key is None:
            return
        params = tuple(self._variable(p, number, column) for p in head.params)
        self.definitions[key] = (expr, params)
        self.symbols[key] = expr
        entry = self._entry(head.name)
        if entry is not None:  # LaTeX reads p_k as the entry p[k]: each p_j is the definition
            self.entries[str(entry.base.label)] = (entry.indices, expr)
        if head.params:
            # \sigma(x)(1 - \sigma(x)) with \sigma defined: {\sigma}, or the bracket after it
            # would make it the sigmoid applied to (1 - \sigma)
            shown = f"{{{head.name}}}" if head.name.startswith("\\") else f" {head.name} "
            self.applied.append((applied(head.name, head.params), shown))

    def _entry(self, name: str) -> Any:
        """The indexed entry ``p_k`` names in a LaTeX file (indices all letters), else None."""
        if not self.latex_file or "_" not in name:
            return None
        try:
            entry = self._parse_variable(name)
        except (DeriveError, RecursionError):
            return None
        if isinstance(entry, sp.Indexed) and all(isinstance(i, sp.Symbol) for i in entry.indices):
            return entry
        return None

    def _with_entries(self, expr: Any) -> Any:
        """``expr`` with each defined entry p_j replaced by its definition at index j."""
        def defined(node: Any) -> bool:
            found = self.entries.get(str(node.base.label)) if isinstance(node, sp.Indexed) \
                else None
            return found is not None and len(found[0]) == len(node.indices)

        def value(node: Any) -> Any:
            indices, body = self.entries[str(node.base.label)]
            return body.xreplace(dict(zip(indices, node.indices, strict=True)))

        return expr.replace(defined, value) if self.entries and hasattr(expr, "replace") \
            else expr

    def _derivative(self, head: Head, number: int, column: int, text: str) -> Move:
        key = self._key(head.name)
        if key is None or key not in self.definitions:
            name = head.name
            raise ParseError(f"'{name}' is not defined: write {name} = ... on an earlier line "
                             "to differentiate it by name", number, column)
        expr, params = self.definitions[key]
        if head.variable:
            variable = self._variable(head.variable, number, column)
        elif head.params:
            variable = self._variable(head.params[0], number, column)
        elif len(params) == 1:
            variable = params[0]
        else:
            raise ParseError(f"say which variable {head.name}' is the derivative by, "
                             f"e.g. {head.name}'(x)", number, column)
        derivative = sp.Derivative(expr, (variable, head.order), evaluate=False)
        return Move(START, derivative, unknown=variable, text=text)

    def _variable(self, text: str, number: int, column: int) -> Any:
        try:
            expr = self._parse_variable(text)
        except ParseError as exc:
            raise ParseError(exc.message, number, column) from None
        if not isinstance(expr, sp.Symbol | sp.MatrixSymbol | sp.Indexed):
            raise ParseError(f"'{text}' is not a variable", number, column)
        return expr

    # -- parsing ----------------------------------------------------------------------

    def _parse_bare(self, text: str) -> Any:
        from derive.parse import parse_expression

        base = {k: v for k, v in self.symbols.items() if k not in self.definitions}
        return parse_expression(text, symbols=base, shapes=self.shapes or None)

    def _parse_variable(self, text: str) -> Any:
        """A variable as the file's syntax reads it (in LaTeX, p_k is the entry p[k])."""
        from derive.parse import parse_expression

        base = {k: v for k, v in self.symbols.items() if k not in self.definitions}
        syntax = "latex" if self.latex_file and "_" in text else "auto"
        try:
            return parse_expression(text, syntax=syntax, symbols=base, shapes=self.shapes or None)
        except ParseError:
            if syntax == "auto":
                raise
            return parse_expression(text, symbols=base, shapes=self.shapes or None)

    def parse(self, text: str, number: int, column: int) -> Any:
        """The expression of one part; a ParseError placed in the file's own line and column."""
        from derive.parse import parse_expression

        for pattern, name in self.applied:
            text = pattern.sub(lambda _, name=name: name, text)
        first, second = self._syntaxes(text)
        try:
            expr = self._attempt(parse_expression, text, first, number, column)
            self.latex_parts += first == "latex"
        except ParseError as error:
            if first == "plain" and _PLAIN_CALL.search(text):
                raise  # a plain call of an unknown name: LaTeX would read it as letters
            try:
                expr = self._attempt(parse_expression, text, second, number, column)
                self.latex_parts += second == "latex"
            except ParseError:
                raise error from None
        self.parts += 1
        expr = self._with_entries(expr)
        self._check_transposes(expr, text, number, column)
        self.seen |= {s.name for s in getattr(expr, "free_symbols", ())
                      if isinstance(s, sp.Symbol | sp.MatrixSymbol)}
        return expr

    def _check_transposes(self, expr: Any, text: str, number: int, column: int) -> None:
        """A transposed name that is a scalar: the parser reads W^T as W, which would hide
        a transpose mistake, so the file must declare the matrix."""
        scalars = {s.name for s in getattr(expr, "free_symbols", ()) if isinstance(s, sp.Symbol)}
        for match in _TRANSPOSED.finditer(text):
            name = match.group(1).lstrip("\\")
            if not match.group(1).startswith("\\") and name not in scalars:
                name = name[-1]  # LaTeX's xy^T transposes y
            if name in scalars and name not in self.shapes and name not in self.definitions:
                raise ParseError(f"'{match.group(1)}' is transposed but is not a matrix: "
                                 f"declare it with % shape {name} = rows, cols",
                                 number, column + match.start())

    def _syntaxes(self, text: str) -> tuple[str, str]:
        looks_latex = bool(_LATEX_MARK.search(text))
        if looks_latex:
            return "latex", "plain"
        from derive.parse.tables import PLAIN_CALLABLES

        calls = {m.group(1) for m in _PLAIN_CALL.finditer(text)}
        if self.latex_file and not calls & set(PLAIN_CALLABLES):
            return "latex", "plain"
        return "plain", "latex"

    def _attempt(self, parse: Any, text: str, syntax: str, number: int, column: int) -> Any:
        try:
            if syntax == "latex":
                text = differentials.in_latex(text, self.directions, self.shapes)
            return parse(text, syntax=syntax, symbols=self.symbols, shapes=self.shapes or None)
        except ParseError as exc:
            raise ParseError(exc.message, number, column + exc.column - 1, text) from None
        except ShapeError as exc:
            mismatch = _ShapeMismatch(str(exc), number, column, text)
            mismatch.cause = exc
            raise mismatch from None
        except (DeriveError, RecursionError, MemoryError) as exc:
            message = str(exc) if isinstance(exc, DeriveError) else "the line is too complex"
            raise ParseError(message, number, column, text) from None


class _ShapeMismatch(ParseError):
    """A part whose matrices do not fit together: the line is wrong, with both shapes named."""

    cause: ShapeError | None = None
