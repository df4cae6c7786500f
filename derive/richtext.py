"""Text a lecturer typed, with maths in backticks, as Prose (titles, notes): every formula
parsed by the project's grammar, once; and the worksheet's printers (``LATEX_PROSE``, words
escaped, maths by the project's printer; assumptions as maths)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy as sp

from derive.model import Derivation
from derive.names import is_digits
from derive.printing import RELATION_TEX, display_latex, latex, math_latex
from derive.prose import Code, Formula, Printers, Prose, Segment, Words
from derive.render import Trusted, escape_latex

#: relations a formula in backticks may hold between expressions: `1/s^2 = 1/tau^2 + N/sigma^2`.
_RELATION = re.compile(r"(<=|>=|!=|=|<|>)")


def spec_shapes(table: Any) -> dict[str, tuple[Any, Any]] | None:
    """An entry's ``shapes`` field ({'W': 'm,n'}) as the parser's shapes, or None."""
    if not isinstance(table, dict):
        return None
    return {name: tuple(int(d) if is_digits(d.strip()) else d.strip()
                        for d in str(value).split(","))
            for name, value in table.items()}


def matrix_shapes(derivation: Derivation) -> dict[str, tuple[Any, Any]]:
    """The shapes of the derivation's matrices, so that `tr(A*X*B)` in a note parses as maths
    over matrices (not as a product of numbers)."""
    found: dict[str, tuple[Any, Any]] = {}
    exprs = [derivation.function, *(r.expr for r in derivation.results)]
    for section in derivation.sections:  # the names a backward pass introduces (delta, p, c)
        exprs += [section.start, section.lhs, *(s.after for s in section.steps)]
    for expr in exprs:
        if not isinstance(expr, sp.Basic):
            continue
        for m in expr.atoms(sp.MatrixSymbol):
            found[m.name] = tuple(int(d) if d.is_Integer else str(d) for d in m.shape)
    return found


def _flat(expr: Any) -> Any:
    """An unevaluated parse tree with left-nested products merged and factors 1 dropped, so
    that it prints as typed: ``2*A*x`` as 2 A x (the brackets of ``W*(V*x)`` stay), ``1/s^2``
    as a fraction, not 1 times one."""
    if not isinstance(expr, sp.Basic) or isinstance(expr, sp.Atom | sp.MatrixSymbol):
        return expr
    args = [_flat(a) for a in expr.args]
    if isinstance(expr, sp.Mul | sp.MatMul):
        nested = args if isinstance(expr, sp.MatMul) else args[:1]  # matrices: associative
        flat = [f for a in args for f in (a.args if type(a) is type(expr) and any(
            a is n for n in nested) else (a,))]
        flat = [f for f in flat if f != 1] or [sp.S.One]
        return flat[0] if len(flat) == 1 else type(expr)(*flat, evaluate=False)
    if args == list(expr.args):
        return expr
    try:
        return expr.func(*args, evaluate=False)
    except TypeError:  # a class without the keyword (Indexed, Sum): built as it is
        return expr.func(*args)


def parse_formula(text: str, shapes: Mapping[str, tuple[Any, Any]] | None = None) -> Formula:
    """A formula typed in backticks, parsed by the project's grammar without evaluation."""
    from derive.parse import parse_expression

    parts = _RELATION.split(text)
    exprs = tuple(_flat(parse_expression(part.strip(), syntax="plain", shapes=shapes or None,
                                         as_typed=True)) for part in parts[::2])
    return Formula(exprs, tuple(parts[1::2]), text)


def rich_prose(text: str, shapes: Mapping[str, tuple[Any, Any]] | None = None) -> Prose:
    """User text split at `backticks` into prose: words, a Formula per backticked formula, and
    Code for one that does not parse (an unclosed backtick stays in the words).

    The formulas go through the project's parser, never to TeX, HTML or a terminal as typed.
    """
    from derive.errors import DeriveError

    pieces = text.split("`")
    out: list[Segment] = []
    for k, piece in enumerate(pieces):
        if k % 2 == 0 or k == len(pieces) - 1:
            out.append(Words(piece if k % 2 == 0 else "`" + piece))
            continue
        try:
            out.append(parse_formula(piece, shapes))
        except DeriveError:
            out.append(Code(piece))
    return Prose.of(*out)


def formula_latex(formula: Formula) -> str:
    """A formula as LaTeX, in the order it was typed."""
    return formula.render(lambda e: latex(e, typed=True), RELATION_TEX)


#: Prose on a worksheet: words escaped, maths by the project's LaTeX printer, typed formulas
#: in the order typed, text in backticks that is no formula in typewriter type.
LATEX_PROSE = Printers(
    words=escape_latex,
    math=lambda m: "$" + math_latex(m) + "$",
    display=lambda d: rf"\[{display_latex(d)}\]" if d.aligned else rf"\[ {display_latex(d)} \]",
    printed=lambda p: rf"\[ {p.tex} \]" if p.display else f"${p.tex}$",
    tex=lambda t: t.latex,
    formula=lambda f: f"${formula_latex(f)}$",
    code=lambda piece: rf"\texttt{{{escape_latex(piece)}}}",
)


_WORDS = {"integer": r"\in \mathbb{Z}", "real": r"\in \mathbb{R}", "positive": "> 0",
          "nonnegative": r"\ge 0", "non-negative": r"\ge 0"}
_RELATIONS = {">=": r"\ge", "<=": r"\le", ">": ">", "<": "<"}
_STRUCTURE = re.compile(r"(?:is\s+)?(?:an?\s+)?(?:symmetric|positive[- ]definite|spd|diagonal|"
                        r"orthogonal|(?:column[- ])?stochastic)", re.IGNORECASE)
_T = r"(?:\^\s*T|\.T|\^\\top)"
_ONES = re.compile(rf"1\s*{_T}\s*[*@]?\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*1\s*({_T})?$")
_PIECE = re.compile(r"\s*(>=|<=|>|<|[A-Za-z][A-Za-z0-9_]*|\d+(?:\.\d+)?)")


def assumption_tex(sentence: str) -> Trusted:
    """A stated assumption ('lambda > 0', '0 < p < 1', 'n integer', 'S symmetric') as maths:
    names through the printer, relations as symbols, words as text."""
    out, rest = [], sentence.strip()
    name, _, words = rest.partition(" ")
    if _STRUCTURE.match(words):  # 'S symmetric', 'Q is orthogonal', 'T column-stochastic'
        return Trusted(f"${latex(sp.Symbol(name))}$ {escape_latex(words)}")
    ones = _ONES.match(rest)
    if ones:  # 1^T t = 1, 1^T T = 1^T: the vector of ones
        right = r"\mathbf{1}^\top" if ones.group(2) else "1"
        return Trusted(rf"$\mathbf{{1}}^\top {latex(sp.Symbol(ones.group(1)))} = {right}$")
    last = ""
    while rest:
        match = _PIECE.match(rest)
        if match is None:
            return Trusted(escape_latex(sentence))
        piece = match.group(1)
        rest = rest[match.end():].lstrip()
        if piece == "is" or (piece in ("an", "a") and last == "is"):  # 'n is an integer'
            last = piece
            continue
        last = piece
        if piece in _RELATIONS:
            out.append(_RELATIONS[piece])
        elif piece in _WORDS:
            out.append(_WORDS[piece])
        elif piece[0].isdigit():
            out.append(piece)
        else:
            out.append(latex(sp.Symbol(piece)))
    return Trusted("$" + " ".join(out) + "$")
