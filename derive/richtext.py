"""Text a lecturer typed, with maths in backticks, as LaTeX: every formula parsed by the
project's grammar and printed by its printer, the words escaped (titles, notes, assumptions)."""

from __future__ import annotations

import re
from typing import Any

import sympy as sp

from derive.model import Derivation
from derive.printing import latex
from derive.render import Trusted, escape_latex

#: relations a formula in backticks may hold between expressions: `1/s^2 = 1/tau^2 + N/sigma^2`.
_RELATION = re.compile(r"(<=|>=|!=|=|<|>)")
RELATION_TEX = {"=": "=", "<=": r"\le", ">=": r"\ge", "!=": r"\neq", "<": "<", ">": ">"}


def matrix_shapes(derivation: Derivation) -> dict[str, tuple[Any, Any]]:
    """The shapes of the derivation's matrices, so that `tr(A*X*B)` in a note parses as maths
    over matrices (not as a product of numbers)."""
    found: dict[str, tuple[Any, Any]] = {}
    exprs = [derivation.function, *(r.expr for r in derivation.results)]
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for m in expr.atoms(sp.MatrixSymbol):
            found[m.name] = tuple(int(d) if d.is_Integer else str(d) for d in m.shape)
    return found


def _formula(text: str, shapes: dict[str, tuple[Any, Any]]) -> str:
    """One backticked formula: expressions joined by relations, each parsed and printed."""
    from derive.parse import parse_expression

    parts = _RELATION.split(text)
    shown = []
    for k, part in enumerate(parts):
        if k % 2:
            shown.append(RELATION_TEX[part])
        else:
            shown.append(latex(parse_expression(part.strip(), syntax="plain",
                                                shapes=shapes or None)))
    return " ".join(shown)


def rich_text(text: str, shapes: dict[str, tuple[Any, Any]] | None = None) -> Trusted:
    """User text with `expressions` in backticks typeset as maths; the rest escaped.

    The expressions go through the project's parser and printer, never to TeX as typed;
    one that does not parse is shown as escaped text in typewriter type.
    """
    from derive.errors import DeriveError

    pieces = text.split("`")
    out = []
    for k, piece in enumerate(pieces):
        if k % 2 == 0 or k == len(pieces) - 1:
            out.append(escape_latex(piece if k % 2 == 0 else "`" + piece))
            continue
        try:
            out.append(f"${_formula(piece, shapes or {})}$")
        except DeriveError:
            out.append(rf"\texttt{{{escape_latex(piece)}}}")
    return Trusted("".join(out))

_WORDS = {"integer": r"\in \mathbb{Z}", "real": r"\in \mathbb{R}", "positive": "> 0",
          "nonnegative": r"\ge 0", "non-negative": r"\ge 0"}
_RELATIONS = {">=": r"\ge", "<=": r"\le", ">": ">", "<": "<"}
_PIECE = re.compile(r"\s*(>=|<=|>|<|[A-Za-z][A-Za-z0-9_]*|\d+(?:\.\d+)?)")


def assumption_tex(sentence: str) -> Trusted:
    """A stated assumption ('lambda > 0', '0 < p < 1', 'n integer', 'S symmetric') as maths:
    names through the printer, relations as symbols, words as text."""
    out, rest = [], sentence.strip()
    name, _, words = rest.partition(" ")
    if words.startswith("symmetric"):
        return Trusted(f"${latex(sp.Symbol(name))}$ {escape_latex(words)}")
    while rest:
        match = _PIECE.match(rest)
        if match is None:
            return Trusted(escape_latex(sentence))
        piece = match.group(1)
        rest = rest[match.end():].lstrip()
        if piece in _RELATIONS:
            out.append(_RELATIONS[piece])
        elif piece in _WORDS:
            out.append(_WORDS[piece])
        elif piece in ("is", "an", "a"):
            continue
        elif piece[0].isdigit():
            out.append(piece)
        else:
            out.append(latex(sp.Symbol(piece)))
    return Trusted("$" + " ".join(out) + "$")
