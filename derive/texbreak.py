"""Long equations broken across lines at top-level operators, so that nothing runs off the page.

The width of printed LaTeX is estimated from its tokens (a fraction is as wide as the wider
of its parts, scripts are smaller); an expression wider than the line is cut into pieces at
the operators of its top-level sum (or of the sum inside a derivative's brackets or a
fraction's numerator), and the pieces are packed greedily into lines. Delimiters that span
lines are sized (\\Bigl, \\Bigr), since \\left and \\right cannot.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

from derive.printing import DeriveLatexPrinter

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_]|\s+|.")
#: points per unit of the estimate, at 11 pt (calibrated on the catalogue's overfull lines).
POINT = 7.0
#: the widest line a step may print, in points (the text block is 472 pt; room for the '=').
LINE = 360.0

_SPACES = {r"\,": 0.17, r"\!": -0.17, r"\;": 0.28, r"\quad": 1.8, r"\qquad": 3.6, r"\ ": 0.3}
_WORDS = {"log", "exp", "sin", "cos", "tan", "tanh", "sinh", "cosh", "det", "max", "min", "lim"}
_TEXT = {"operatorname", "mathrm", "text", "textit", "mathbf", "mathbb", "mathcal", "bm"}
_SIZES = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "displaystyle"}
_CHARS = {**dict.fromkeys("+-=<>", 1.6), **dict.fromkeys("()[]|", 0.7),
          **dict.fromkeys(",.;:'", 0.5)}
_BINARY = {r"\cdot": 0.8, r"\odot": 1.6, r"\times": 1.6, r"\circ": 0.6, r"\leq": 1.6,
           r"\geq": 1.6, r"\le": 1.6, r"\ge": 1.6, r"\neq": 1.6, r"\to": 1.6}


class _Reader:
    def __init__(self, tex: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(tex) if not t.isspace()]
        self.at = 0

    def group(self) -> float:
        if self.at >= len(self.tokens):
            return 0.0
        token = self.tokens[self.at]
        self.at += 1
        if token == "{":
            width = self.sequence()
            self.at += 1  # the closing brace
            return width
        return self.token(token)

    def sequence(self) -> float:
        width = 0.0
        while self.at < len(self.tokens) and self.tokens[self.at] != "}":
            token = self.tokens[self.at]
            self.at += 1
            width += self.token(token)
        return width

    def token(self, token: str) -> float:
        if token in ("^", "_"):
            return 0.7 * self.group()
        if token == "{":
            width = self.sequence()
            self.at += 1
            return width
        if not token.startswith("\\"):
            return _CHARS.get(token, 1.0)
        name = token[1:]
        if name in ("frac", "dfrac", "tfrac"):
            return max(self.group(), self.group()) + 0.4
        if name == "sqrt":
            return self.group() + 1.0
        if name in _TEXT:
            return 0.85 * self.group()
        if name in _SIZES:
            return 0.0
        if name in ("sum", "prod"):
            return 1.8
        if name in _WORDS:
            return 0.85 * len(name) + 0.3
        if name == "substack":
            return 0.7 * self.group()
        return _SPACES.get(token, _BINARY.get(token, 1.0))


def tex_width(tex: str) -> float:
    """The estimated typeset width of math-mode LaTeX, in points at 11 pt."""
    return _Reader(tex).sequence() * POINT


class _Breaker:
    """Pieces of an expression's LaTeX that join into the whole, cut where a line may end."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings
        self.printer = DeriveLatexPrinter(settings)

    def _inner(self, expr: Any) -> tuple[_Breaker, Any]:
        """A display wrapper printed as typed (the question) breaks as its typed tree."""
        if getattr(expr, "transparent", False) and hasattr(expr, "typed_tree"):
            return _Breaker({**self.settings, "typed": True}), expr.typed_tree
        return self, expr

    def _pieces_AsTyped(self, expr: Any, limit: float) -> list[str]:
        breaker, inner = self._inner(expr)
        return breaker.pieces(inner, limit)

    def tex(self, expr: Any) -> str:
        return self.printer.doprint(expr)

    def pieces(self, expr: Any, limit: float) -> list[str]:
        whole = self.tex(expr)
        if tex_width(whole) <= limit or not isinstance(expr, sp.Basic):
            return [whole]
        for cls in type(expr).__mro__:
            cut = getattr(self, f"_pieces_{cls.__name__}", None)
            if cut is not None:
                found = cut(expr, limit)
                return found if found else [whole]
        return [whole]

    def _pieces_Add(self, expr: sp.Add, limit: float) -> list[str]:
        out: list[str] = []
        for k, (sign, term) in enumerate(self.printer.add_terms(expr)):
            if k == 0 and sign == "-":
                sign, term = "", -term
            if self.printer.needs_brackets(term):
                inner = [rf"\left({self.tex(term)}\right)"]
            else:
                inner = self.pieces(term, limit)
            prefix = f"{sign} " if k > 0 else ""
            out += [prefix + inner[0], *inner[1:]]
        return out

    def _pieces_Derivative(self, expr: sp.Derivative, limit: float) -> list[str]:
        breaker, inner = self._inner(expr.expr)
        if not isinstance(inner, sp.Add):
            return []
        top, bottom = self.printer.derivative_parts(expr)
        head = rf"\frac{{{top}}}{{{bottom}}}\Bigl["
        return _wrap(head, breaker._pieces_Add(inner, limit), r"\Bigr]")

    def _pieces_Mul(self, expr: sp.Mul, limit: float) -> list[str]:
        numerator, denominator = sp.fraction(expr)
        if denominator != 1 and tex_width(self.tex(denominator)) > limit / 2:
            # a long fraction as a product with a power: (N)(D)^{-1}, each broken in turn
            head = ""
            if numerator.could_extract_minus_sign():
                head, numerator = "- ", -numerator
            bottom = _wrap(r"\Bigl(", self.pieces(denominator, limit), r"\Bigr)^{-1}")
            if numerator == 1:
                return [head + bottom[0], *bottom[1:]]
            top = _wrap(head + r"\Bigl(", self.pieces(numerator, limit), r"\Bigr)")
            return top + bottom
        if denominator != 1 and isinstance(numerator, sp.Add):
            head = rf"\frac{{1}}{{{self.tex(denominator)}}}\Bigl("
            return _wrap(head, self._pieces_Add(numerator, limit), r"\Bigr)")
        coefficient, rest = expr.as_coeff_Mul()
        if isinstance(rest, sp.Add) and coefficient != 1:
            head = "-" if coefficient == -1 else self.tex(coefficient)
            return _wrap(head + r"\Bigl(", self._pieces_Add(rest, limit), r"\Bigr)")
        if denominator != 1 or any(f.is_Pow and f.exp.is_negative for f in expr.args):
            return []
        # a long product: one factor after another, pending derivatives last with a dot
        head = "- " if coefficient.is_negative else ""
        factors = self.printer.ordered_factors(-expr if head else expr)
        pending = [f for f in factors if isinstance(f, sp.Derivative)]
        shown = [self.printer.parenthesize(f, PRECEDENCE["Mul"]) for f in factors
                 if not isinstance(f, sp.Derivative)]
        shown += [r"\cdot " + self.tex(f) for f in pending]
        return [head + shown[0], *shown[1:]] if len(shown) > 1 else []


def _wrap(head: str, pieces: list[str], tail: str) -> list[str]:
    if not pieces:
        return []
    if len(pieces) == 1:
        return [head + pieces[0] + tail]
    return [head + pieces[0], *pieces[1:-1], pieces[-1] + tail]


def latex_lines(expr: Any, width: float = LINE, **settings: Any) -> list[str]:
    """The expression's LaTeX as one line, or as several no wider than ``width`` points
    each (the first holds as much as fits; the others continue with their operator)."""
    pieces = _Breaker(settings).pieces(expr, width)
    lines: list[str] = []
    for piece in pieces:
        if lines and tex_width(lines[-1] + piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines
