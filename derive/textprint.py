"""Plain text for a terminal in the input syntax where it has one (X^T, .*, tr, inv): the
``str`` of derive's expressions (the JSON "text" field) and the base of the Unicode printer."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from derive.matrixfunctions import reads_as_call
from derive.notation import Notated
from derive.printing import (
    Label,
    _companions_last,
    _holds_direction,
    _unit_ones,
    as_shown,
    flat_matmul,
    print_applied,
)
from derive.prose import Printers, Prose


class DeriveStrPrinter(StrPrinter):
    """Plain text for a terminal, in the plain input syntax where it has one (X^T, .*, tr, inv)."""

    def _print_Label(self, expr: Label) -> str:
        return expr.plain

    def _print_Notated(self, expr: Notated) -> str:
        return expr.printed(self, "text")

    def parenthesize(self, item: Any, level: int, strict: bool = False) -> str:
        return super().parenthesize(as_shown(item), level, strict)

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        base = self._print(expr.arg)
        atomic = reads_as_call(expr.arg) or getattr(expr.arg, "is_named", False)
        return f"{base}{self.transposed}" if atomic else f"({base}){self.transposed}"

    def _wrapped(self, arg: Any, kinds: tuple[type, ...]) -> str:
        shown = self._print(arg)
        return f"({shown})" if isinstance(arg, kinds) else shown

    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        kinds = (sp.MatMul, sp.MatAdd)  # the Hadamard product is associative: no brackets
        return " .* ".join(self._wrapped(a, kinds) for a in _companions_last(expr.args))

    def _print_HadamardPower(self, expr: Any) -> str:
        base = self.parenthesize(expr.base, PRECEDENCE["Pow"], strict=True)
        exponent = self._print(expr.exp)
        plain = (expr.exp.is_Atom and not expr.exp.is_Rational
                 or expr.exp.is_Integer and expr.exp >= 0)  # z.^2, z.^(-1)
        return f"{base}.^{exponent if plain else f'({exponent})'}"

    product = "*"  # how matrix factors are joined (the input syntax; the Unicode printer: ·)
    transposed = "^T"

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        # the scalar coefficient's denominator last: exp(z)/(1^T*exp(z)), -X^T*r/N
        if (flat := flat_matmul(expr)) is not None:
            return self._print(flat)
        args = [a for a in expr.args if not _unit_ones(a)] or list(expr.args)
        kinds = (sp.MatAdd, sp.HadamardProduct, sp.Add)
        matrices = [a for a in args if isinstance(a, sp.MatrixExpr)]
        numerator, denominator = sp.Mul(*[a for a in args if a not in matrices]).as_numer_denom()
        sign = "-" if numerator.could_extract_minus_sign() else ""
        numerator = -numerator if sign else numerator
        parts = [self._wrapped(a, kinds) for a in matrices]
        if numerator != 1:
            parts.insert(0, self.parenthesize(numerator, PRECEDENCE["Mul"], strict=True))
        shown = sign + self.product.join(parts)
        if denominator == 1:
            return shown
        under = self._print(denominator)
        base, _ = denominator.as_base_exp()  # N, 2, sigma^2: one name or number, no brackets
        simple = isinstance(base, sp.Symbol | sp.Integer) or denominator.is_Function
        return f"{shown}/{under if simple else f'({under})'}"

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        return "1^T" if expr.shape[0] == 1 and expr.shape[1] != 1 else "1"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        return print_applied(self, expr, "({})")

    def _print_Trace(self, expr: sp.Trace) -> str:
        if expr.arg.shape == (1, 1) and not _holds_direction(expr.arg):
            return self._print(expr.arg)
        return f"tr({self._print(expr.arg)})"

    def _print_Inverse(self, expr: sp.Inverse) -> str:
        return f"inv({self._print(expr.arg)})"

    def _print_Determinant(self, expr: sp.Determinant) -> str:
        return f"det({self._print(expr.arg)})"

    def _print_DiagMatrix(self, expr: Any) -> str:
        return f"diag({self._print(expr.args[0])})"

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        wrt = " d".join(self._print(v) for v in expr.variables)
        inner = expr.expr
        if isinstance(inner, sp.Symbol | sp.Indexed | sp.MatrixSymbol):
            return f"d{self._print(inner)}/d{wrt}"
        return f"d/d{wrt}[{self._print(inner)}]"


def text(expr: Any) -> str:
    """An expression as readable plain text (the terminal output of derive)."""
    return DeriveStrPrinter().doprint(expr)


def _text_math(m: Any) -> str:
    return " = ".join(text(e) for e in m.exprs)


#: Prose for a terminal and for JSON: words as they are, maths by the text printer, typed
#: formulas and backticked text as typed (without the backticks).
TEXT_PROSE = Printers(words=str, math=_text_math, display=lambda d: d.joined(_text_math),
                      printed=lambda p: p.tex,  # LaTeX: no plain form of its own
                      tex=lambda t: t.text,
                      formula=lambda f: f.source, code=str)


def prose_text(prose: Prose) -> str:
    """Prose as plain text (terminal, JSON)."""
    return prose.render(TEXT_PROSE)
