"""The project's LaTeX printer in DL notation (the NumPy printer is ``derive.numpyprint``).

It extends sympy's printers by type (``_print_<Class>``); nothing here edits
printed strings after the fact.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from derive.matrixcode import negative_coefficient as _negative
from derive.matrixfunctions import reads_as_call
from derive.notation import Notated
from derive.prose import Display, Math, Printers
from derive.termorder import (
    degree,
    ordered_factors,
    ordered_product,
    ordered_terms,
    polynomial_variable,
)


def _matmul_precedence(expr: sp.MatMul) -> int:
    """sympy's precedence of a product (precedence_Mul), with the cheap sign test."""
    if any(isinstance(a, sp.Function) and getattr(a, "precedence", PRECEDENCE["Mul"])
           < PRECEDENCE["Mul"] for a in expr.args):
        return PRECEDENCE["Mul"]
    return PRECEDENCE["Add"] if _negative(expr) else PRECEDENCE["Mul"]


#: names that stand for a Greek letter's name: ``lam`` (``lambda`` is a keyword in Python)
SPELLED_GREEK = {"lam": "lambda"}


def greek_name(name: str) -> str:
    """The name with a spelled-out Greek head (lam_1 -> lambda_1), as the printers show it."""
    head, sep, tail = name.partition("_")
    return SPELLED_GREEK.get(head, head) + sep + tail


def root_parts(expr: sp.Mul) -> tuple[sp.Rational, list, list, list] | None:
    """A product with two or more square roots in its denominator (sqrt(2)/(2 sqrt(pi) s)) as
    (rational coefficient, the radicands to join, the factors above, the factors below)."""
    coefficient, rest = expr.as_coeff_Mul()
    if not coefficient.is_Rational:
        return None
    half = sp.Rational(1, 2)
    factors = list(sp.Mul.make_args(rest))
    inside = [f.base for f in factors if f.is_Pow and f.exp == -half and f.base.is_positive]
    kept = [f for f in factors if not (f.is_Pow and f.exp == -half and f.base in inside)]
    for f in list(kept):  # sqrt(2)/2 = 1/sqrt(2)
        if f.is_Pow and f.exp == half and f.base.is_Integer and coefficient.q % f.base == 0:
            coefficient *= f.base
            inside.append(f.base)
            kept.remove(f)
    if len(inside) < 2:
        return None
    inside.sort(key=lambda b: (not b.is_Number, b is not sp.pi, sp.default_sort_key(b)))
    below = [1 / f for f in kept if f.is_Pow and f.exp.is_negative]
    above = [f for f in kept if not (f.is_Pow and f.exp.is_negative)]
    return coefficient, inside, above, below


class DeriveLatexPrinter(LatexPrinter):
    """LaTeX for lecture notes: sigma, f'(u), indicator functions, partial derivatives."""

    # typed: an unevaluated parse tree printed in the order it was typed (the question)
    _default_settings = {**LatexPrinter._default_settings, "partial": True, "typed": False}

    def _d(self) -> str:
        return r"\partial" if self._settings["partial"] else "d"

    def derivative_parts(self, expr: sp.Derivative) -> tuple[str, str]:
        """The operator's top and bottom: ('\\partial', '\\partial x \\partial y')."""
        d = self._d()
        wrt = "".join(
            rf"{d} {self._print(v)}" + (f"^{{{n}}}" if n != 1 else "")
            for v, n in expr.variable_count
        )
        order = sum(n for _, n in expr.variable_count)
        return (d if order == 1 else f"{d}^{{{order}}}"), wrt

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        top, wrt = self.derivative_parts(expr)
        inner = expr.expr
        if isinstance(inner, sp.Symbol | sp.Indexed | sp.MatrixSymbol) or getattr(
                inner, "named_value", False):  # a value with a name (q_1): dq_1/dz_1
            return rf"\frac{{{top} {self._print(inner)}}}{{{wrt}}}"
        return rf"\frac{{{top}}}{{{wrt}}}\left[{self._print(inner)}\right]"

    def add_terms(self, expr: sp.Add) -> list[tuple[str, sp.Expr]]:
        """The terms of a sum in textbook order, each with the sign printed before it:
        positive terms first, higher degree first (wx + b - y, 1 - sigma)."""
        out = []
        if _arithmetic(expr):  # 2 \cdot 0 + 1 \cdot 2 + (-1) \cdot 4: the order it was built in
            for term in expr.args:
                if isinstance(term, sp.Mul) and term.args[0] == -1 and len(term.args) > 2:
                    out.append(("-", sp.Mul(*term.args[1:], evaluate=False)))
                elif term.is_Rational and term < 0:
                    out.append(("-", -term))
                else:
                    out.append(("+", term))
            return out
        terms = expr.args if self._settings["typed"] else ordered_terms(expr.args)
        if not self._settings["typed"] and (s := polynomial_variable(expr)) is not None:
            terms = sorted(terms, key=lambda t: -degree(t, s))  # x^2 - 7x + 10
        for term in terms:
            if isinstance(term, sp.Sum) and term.function.could_extract_minus_sign():
                # a sum of negated terms is written minus the sum: - sum_i x_i, not sum_i -x_i
                out.append(("-", sp.Sum(-term.function, *term.limits)))
                continue
            negative = bool(term.could_extract_minus_sign())
            out.append(("-", -term) if negative else ("+", term))
        return out

    def needs_brackets(self, term: sp.Expr) -> bool:
        return bool(self._needs_add_brackets(term))

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        tex = ""
        for i, (sign, term) in enumerate(self.add_terms(expr)):
            if i == 0:
                tex += "-" if sign == "-" else ""  # the first term keeps its own sign
            else:
                tex += f" {sign} "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex

    def _print_Mul(self, expr: sp.Mul) -> str:
        # Pending derivatives go last: sigma'(u) \cdot d/dw[u], as written on a board.
        if not isinstance(expr, sp.Mul):  # sympy prints u^-1 through _print_Mul(Pow)
            return super()._print_Mul(expr)
        if self._settings["typed"] and expr.args[0] == 1 and len(expr.args) > 1:
            rest = expr.args[1:]  # 1/(1 + e^{-x}) as typed: a fraction, not 1 times one
            return self._print(rest[0] if len(rest) == 1 else sp.Mul(*rest, evaluate=False))
        if self._settings["typed"] and expr.args[0] == -1 and len(expr.args) == 2:
            inner = self._print(expr.args[1])
            bracket = isinstance(expr.args[1], sp.Add)
            return rf"-\left({inner}\right)" if bracket else f"- {inner}"
        if _arithmetic(expr):
            return self._arithmetic_Mul(expr)
        if (before := self._fraction_before_exp(expr)) is not None:
            return before
        if (root := self._one_root(expr)) is not None:
            return root
        if (halved := self._fraction_before_log(expr)) is not None:
            return halved
        pending = [f for f in expr.args if isinstance(f, sp.Derivative)]
        if not pending or len(pending) == len(expr.args):
            return self._print_ordered_Mul(expr)
        others = [f for f in expr.args if not isinstance(f, sp.Derivative)]
        rest = others[0] if len(others) == 1 else sp.Mul(*others, evaluate=False)
        head = self._print(rest)
        if isinstance(rest, sp.Add):
            head = rf"\left({head}\right)"
        elif rest == -1:
            head = "-"
        factors = [self._print(f) for f in pending]
        return head + (" " if head == "-" else r" \cdot ") + r" \cdot ".join(factors)

    def _arithmetic_Mul(self, expr: sp.Mul) -> str:
        """A product of numbers as built: each negative factor in brackets, (-1) . 2."""
        args, sign = list(expr.args), ""
        if args[0] == -1 and len(args) > 2:
            args, sign = args[1:], "- "
        shown = []
        for k, a in enumerate(args):
            tex = self._print(a)
            if (a.is_Number and a < 0) or isinstance(a, sp.Add):
                tex = rf"\left({tex}\right)"
            joint = r" \cdot " if k and a.is_Number and args[k - 1].is_Number else " "
            shown.append((joint if k else "") + tex)
        return sign + "".join(shown)

    def _one_root(self, expr: sp.Mul) -> str | None:
        """sqrt(2)/(2 sqrt(pi) sqrt(v)) as 1/sqrt(2 pi v): the square roots of a denominator
        under one sign, as the density was written (sympy splits them apart)."""
        parts = root_parts(expr)
        if parts is None:
            return None
        coefficient, inside, above, below = parts
        top = self._print(sp.Mul(abs(coefficient.p), *above))
        radicand = self._print_ordered_Mul(sp.Mul(*inside, evaluate=False))
        bottom = " ".join(
            ([str(coefficient.q)] if coefficient.q != 1 else [])
            + [rf"\sqrt{{{radicand}}}"]
            + [self.parenthesize(b, PRECEDENCE["Mul"]) for b in below]
        )
        sign = "- " if coefficient < 0 else ""
        return rf"{sign}\frac{{{top}}}{{{bottom}}}"

    def _fraction_before_exp(self, expr: sp.Mul) -> str | None:
        """e^{-(x - mu)^2/(2 sigma^2)}/(sqrt(2 pi) sigma) as 1/(sqrt(2 pi) sigma) e^{...}: the
        exponential after its coefficient, when no exponential is below the line."""
        exps = [f for f in expr.args if isinstance(f, sp.exp)]
        others = [f for f in expr.args if not isinstance(f, sp.exp)]
        if not exps or not others or any(isinstance(f, sp.Derivative) for f in others):
            return None  # (an exponential after d/dx[u] would read as inside it)
        coefficient = sp.Mul(*others)
        top, bottom = sp.fraction(coefficient)
        if bottom == 1 or coefficient.has(sp.exp) or top.has(sp.Add):
            return None  # (sigma z + mu) e^{-z^2/2} / sqrt(2 pi): a sum stays on the line
        shown = " ".join(self._print(f) for f in exps)
        return f"{self._print(coefficient)} {shown}"

    def _fraction_before_log(self, expr: sp.Mul) -> str | None:
        """N log(2 pi v)/2 as (N/2) log(2 pi v): the logarithm after its coefficient."""
        coefficient, rest = expr.as_coeff_Mul()
        factors = sp.Mul.make_args(rest)
        logs = [f for f in factors if isinstance(f, sp.log)]
        if (not coefficient.is_Rational or coefficient.q == 1 or not logs
                or any(f.is_Pow and f.exp.is_negative for f in factors)):
            return None
        others = [f for f in factors if not isinstance(f, sp.log)]
        top = self._print(sp.Mul(abs(coefficient.p), *others))
        sign = "- " if coefficient < 0 else ""
        shown = " ".join(self._print(f) for f in logs)
        return rf"{sign}\frac{{{top}}}{{{coefficient.q}}} {shown}"

    def ordered_factors(self, expr: sp.Mul) -> list[sp.Expr]:
        """A product's factors in the order they are printed (see _print_ordered_Mul)."""
        return ordered_factors(sp.Mul.make_args(expr))

    def _print_ordered_Mul(self, expr: sp.Mul) -> str:
        # In termorder's order: the coefficient, symbols, sigma(u) beside 1 - sigma(u), then
        # bracketed sums: 2 x s(1 - s)(p - y).
        if any(f.is_Pow and f.exp.is_negative for f in expr.args):
            return self._ordered_fraction(expr)
        if expr.args[0] == -1 and len(expr.args) > 2:  # e^{- lambda x}, in the same order
            return "- " + self._print_ordered_Mul(sp.Mul(*expr.args[1:], evaluate=False))
        if expr.args[0] == -1:
            return super()._print_Mul(expr)
        ordered = expr if self._settings["typed"] else ordered_product(expr)
        return as_ordered(self, super()._print_Mul, ordered)

    def _ordered_fraction(self, expr: sp.Mul) -> str:
        """A fraction with its numerator and its denominator each in termorder's order, as
        sympy's layout of \\frac{a}{b} (which would sort them by its own key)."""
        if self._settings["typed"]:
            return super()._print_Mul(expr)
        sign = ""
        if expr.could_extract_minus_sign():
            expr, sign = -expr, "- "
        numerator, denominator = sp.fraction(expr, exact=True)
        if not isinstance(expr, sp.Mul) or denominator == 1:
            return sign + super()._print_Mul(expr)
        top, bottom = (self._print_ordered_Mul(part) if isinstance(part, sp.Mul)
                       else self._print(part) for part in (numerator, denominator))
        return rf"{sign}\frac{{{top}}}{{{bottom}}}"

    def _needs_mul_brackets(self, expr: Any, first: bool = False, last: bool = False) -> bool:
        if getattr(expr, "transparent", False):  # a named value (n_1) holding a sum is a name
            return False
        return super()._needs_mul_brackets(expr, first=first, last=last)

    def _print_Subs(self, expr: sp.Subs) -> str:
        # Subs(Derivative(f(u), u), u, g) is f'(g): the chain rule's outer derivative.
        if len(expr.variables) != 1:
            return super()._print_Subs(expr)
        inner, (old,), (new,) = expr.expr, expr.variables, expr.point
        if isinstance(inner, sp.Derivative) and len(inner.variables) == 1:
            func = inner.expr
            if isinstance(func, sp.Function) and func.args == (old,):
                head = self._print(func.func(sp.Symbol("u"))).split(r"\left(")[0]
                return rf"{head}'\left({self._print(new)}\right)"
        return super()._print_Subs(expr)

    def _print_Heaviside(self, expr: sp.Heaviside, exp: str | None = None) -> str:
        # 1[u > 0] where H(0) = 0 (relu'), 1[u >= 0] where H(0) = 1; else the step H(u) of
        # the half-maximum convention, H(0) = 1/2 (the derivative of max(a, b) at a tie)
        argument, at_zero = self._print(expr.args[0]), expr.args[1]
        if at_zero in (0, 1):
            relation = ">" if at_zero == 0 else r"\geq"
            tex = rf"\mathbb{{I}}\left[{argument} {relation} 0\right]"  # no blackboard 1 in amssymb
        else:
            tex = rf"H\left({argument}\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Pow(self, expr: sp.Pow) -> str:
        if getattr(expr.base, "is_moment", False) and expr.exp.is_Integer and expr.exp > 1:
            base = self._print(expr.base)  # (E[X])^2 in brackets; a named mu_X^2 without
            if base.endswith((r"\right]", r"\right)")):
                return rf"\left({base}\right)^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        return super()._print_Relational(as_read(expr))

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        return super()._print_Piecewise(expr).replace(r"\text{for}\: ", r"\text{if } ")

    def _print_log(self, expr: sp.log, exp: str | None = None) -> str:
        """log p, log x_i, log 2, log det X as a textbook writes them; brackets around
        anything longer: log(1 - p), log(p_k/q_k)."""
        arg = expr.args[0]
        if not _bare_argument(arg):
            return super()._print_log(expr, exp)
        shown = self._print(arg)
        if isinstance(arg, sp.Indexed) and len(arg.indices) == 1:  # x_{i}, not {x}_{i}, whose
            shown = f"{self._print(arg.base.label)}_{{{self._print(arg.indices[0])}}}"  # braces
        tex = rf"\log {shown}"  # would read as the argument of \log
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex

    def _print_sign(self, expr: sp.sign, exp: str | None = None) -> str:
        tex = rf"\operatorname{{sign}}\left({self._print(expr.args[0])}\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Inverse(self, expr: sp.Inverse) -> str:
        if (symbol := inverse_transposed(expr)) is not None:  # X^{-T}, not (X^T)^{-1}
            return rf"{self._print(symbol)}^{{-\top}}"
        return self._print_MatPow(expr)  # sympy prints an Inverse as the power it is

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        arg = expr.arg
        if (symbol := inverse_transposed(expr)) is not None:
            return rf"{self._print(symbol)}^{{-\top}}"
        if isinstance(arg, sp.Inverse) and (symbol := inverse_transposed(arg)) is not None:
            return rf"{self._print(symbol)}^{{-1}}"  # ((X^T)^{-1})^T is X^{-1}
        base = self._print(arg)
        # (Xw - y)^T; sigma(Xw)^T needs no second pair, (e^{z})^T does (a double superscript)
        function = getattr(arg, "function", None)
        power = isinstance(function, sp.Lambda) and function.expr.func == sp.exp  # e^{z}
        call = reads_as_call(arg) and not power
        if not (call or isinstance(arg, sp.MatrixSymbol) or getattr(arg, "is_named", False)):
            base = rf"\left({base}\right)"
        return rf"{base}^{{\top}}"

    # --- matrix notation: odot, bold 1, det, sigma(X) applied entrywise -----------------------

    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        parts = []
        for arg in _companions_last(expr.args):
            tex = self._print(arg)
            parts.append(rf"\left({tex}\right)" if isinstance(arg, sp.MatAdd | sp.MatMul) else tex)
        return r" \odot ".join(parts)

    def _print_MatAdd(self, expr: sp.MatAdd) -> str:
        # X w - y, not - y + X w: positive terms first (sympy reorders even a typed sum)
        terms = sorted(expr.args, key=negative_matrix_term)
        out = []
        for k, term in enumerate(terms):
            negative = negative_matrix_term(term)
            shown = self._print(-term if negative else term)
            if isinstance(term, sp.MatAdd):
                shown = rf"\left({shown}\right)"
            out.append(("- " if negative else "+ " if k else "") + shown)
        return " ".join(out)

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        # 1^T M 1 for sum(M): a trailing 1 x 1 all-ones factor is the number 1 and is not shown;
        # a scalar denominator is written as a fraction: e^z / (1^T e^z).
        if (flat := flat_matmul(expr)) is not None:
            return self._print(flat)
        args = [a for a in expr.args if not _unit_ones(a)] or list(expr.args)
        scalars = [a for a in args if not isinstance(a, sp.MatrixExpr)]
        mats = [a for a in args if isinstance(a, sp.MatrixExpr)]
        numerator, denominator = sp.fraction(sp.Mul(*scalars))
        if denominator != 1 and mats:
            top = self._print(sp.MatMul(numerator, *mats) if numerator != 1 else
                              (mats[0] if len(mats) == 1 else sp.MatMul(*mats)))
            return rf"\frac{{{top}}}{{{self._print(denominator)}}}"
        if any(isinstance(a, sp.HadamardProduct) or _full_ones(a) for a in args):
            # A (B odot C): the Hadamard factor in brackets, whatever sympy's precedence says;
            # an all-ones matrix inside a product is the outer product 1 1^T
            sign = "- " if args[0] == -1 else ""
            shown = [
                rf"\left({self._print(a)}\right)"
                if isinstance(a, sp.HadamardProduct | sp.MatAdd)
                else r"\mathbf{1}\mathbf{1}^{\top}" if _full_ones(a) else self._print(a)
                for a in (args[1:] if sign else args)
            ]
            return sign + " ".join(shown)
        if len(args) == len(expr.args):
            return self._print_signed_MatMul(expr)
        return self._print(args[0] if len(args) == 1 else sp.MatMul(*args))

    def _print_signed_MatMul(self, expr: sp.MatMul) -> str:
        """sympy's MatMul layout, with the sign read off the coefficient (see _negative)."""
        level = _matmul_precedence(expr)

        def factor(arg: Any) -> str:
            if isinstance(arg, sp.Determinant):  # det(X) X^{-T}: not det X X^{-T}
                return rf"\det\left({self._print(arg.arg)}\right)"
            if isinstance(arg, sp.Mul) and not isinstance(arg, sp.MatMul):
                return self._print(arg)
            return self.parenthesize(arg, level, False)

        args = list(expr.args)
        if not _negative(expr):
            return " ".join(map(factor, args))
        args = args[1:] if args[0] == -1 else [-args[0], *args[1:]]
        return "- " + " ".join(map(factor, args))

    def parenthesize(self, item: Any, level: int, is_neg: bool = False,
                     strict: bool = False) -> str:
        item = as_shown(item)
        if not isinstance(item, sp.MatMul):
            return super().parenthesize(item, level, is_neg, strict)
        value = _matmul_precedence(item)
        if (is_neg and strict) or value < level or (not strict and value <= level):
            return self._add_parens(self._print(item))
        return self._print(item)

    def _print_HadamardPower(self, expr: Any) -> str:
        base = self._print(expr.base)
        atom = sp.MatrixSymbol | Verbatim | ElementwiseApplyFunction
        raised = isinstance(expr.base, ElementwiseApplyFunction) and "^" in base  # e^{z}
        if raised or not isinstance(expr.base, atom) and not getattr(
            expr.base, "is_named", False
        ):
            base = rf"\left({base}\right)"
        return rf"{base}^{{\circ {self._print(expr.exp)}}}"

    def _print_Trace(self, expr: sp.Trace) -> str:
        # a 1 x 1 matrix is a number (c^T c, 1^T M 1 for sum(M)); only where it holds a direction
        # dX does tr() stay, since 'a scalar is its own trace' is a step a lecturer shows
        arg = expr.arg
        if arg.shape == (1, 1) and not _holds_direction(arg):
            return self._print(expr.arg)
        return rf"\operatorname{{tr}}\left({self._print(expr.arg)} \right)"

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        row = expr.shape[0] == 1 and expr.shape[1] != 1
        return r"\mathbf{1}^{\top}" if row else r"\mathbf{1}"

    def _print_Notated(self, expr: Notated) -> str:
        return expr.printed(self, "latex")

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        shown = greek_name(expr.name)
        return super()._print_Symbol(sp.Symbol(shown) if shown != expr.name else expr, style)

    def _print_MatrixSymbol(self, expr: sp.MatrixSymbol) -> str:
        # an entry's all-ones column declared by name (ones = "N,1") is written as a textbook does
        return r"\mathbf{1}" if expr.name == "ones" else super()._print_MatrixSymbol(expr)

    def _print_Determinant(self, expr: sp.Determinant, exp: str | None = None) -> str:
        arg = expr.arg
        inner = self._print(arg)
        tex = rf"\det {inner}" if isinstance(arg, sp.MatrixSymbol) else rf"\det\left({inner}\right)"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex

    def _print_DiagMatrix(self, expr: Any) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        return print_applied(self, expr, r"\left({}\right)")


def flat_matmul(expr: sp.MatMul) -> Any:
    """A product holding a product, (X^T X)^{-1} (X^T y), as one flat product with its scalars
    in front (the matrix product is associative, so the inner brackets say nothing), and a
    product of one factor as that factor (no second pair of brackets around a sum); None
    when there is neither."""
    if len(expr.args) == 1:
        return expr.args[0]
    if not any(isinstance(a, sp.MatMul) for a in expr.args):
        return None
    flat = [f for a in expr.args for f in (a.args if isinstance(a, sp.MatMul) else (a,))]
    scalar = sp.Mul(*[f for f in flat if not isinstance(f, sp.MatrixExpr)])
    matrices = [f for f in flat if isinstance(f, sp.MatrixExpr)]
    return sp.MatMul(*([scalar] if scalar != 1 else []), *matrices)


def as_ordered(printer: Any, print_mul: Any, product: sp.Mul) -> str:
    """``print_mul(product)`` with the factors in the order they stand in ``product`` (sympy's
    printers would sort them by their own key)."""
    saved = printer._settings["order"]
    printer._settings["order"] = "none"
    try:
        return print_mul(product)
    finally:
        printer._settings["order"] = saved


def _companions_last(args: tuple[Any, ...]) -> list[Any]:
    """sigma(Z) odot (1 - sigma(Z)): each 1 - A right after the A it belongs to."""
    def companion_of(arg: Any) -> Any:
        if isinstance(arg, sp.MatAdd) and len(arg.args) == 2:
            ones = [a for a in arg.args if isinstance(a, sp.OneMatrix)]
            rest = [a for a in arg.args if not isinstance(a, sp.OneMatrix)]
            if ones and rest and isinstance(rest[0], sp.MatMul) and rest[0].args[0] == -1:
                return sp.MatMul(*rest[0].args[1:]) if len(rest[0].args) > 2 else rest[0].args[1]
        return None

    owners = {companion_of(a): a for a in args if companion_of(a) is not None}
    out: list[Any] = []
    for arg in args:
        if companion_of(arg) in args:
            continue
        out.append(arg)
        if arg in owners:
            out.append(owners[arg])
    return out + [a for a in args if a not in out]


def as_shown(item: Any) -> Any:
    """What a number prints as: a 1 x 1 trace without a direction is its product (1^T e^z),
    bracketed as a product is under a power."""
    if isinstance(item, sp.Trace) and item.arg.shape == (1, 1) and not _holds_direction(item.arg):
        return item.arg
    return item


def _holds_direction(expr: Any) -> bool:
    """Whether a differential or a direction dX occurs (the engine marks them by attribute)."""
    return any(
        getattr(node, "is_direction", False) or getattr(node, "is_differential", False)
        for node in sp.preorder_traversal(expr)
    )


def _full_ones(arg: Any) -> bool:
    return isinstance(arg, sp.OneMatrix) and 1 not in arg.shape


def _unit_ones(arg: Any) -> bool:
    return isinstance(arg, sp.OneMatrix) and arg.shape == (1, 1)


class Verbatim(sp.Symbol):
    """A placeholder printed as given text: the matrix inside sigma(.) applied entrywise."""

    def _latex(self, printer: Any) -> str:
        return self.name

    def _numpycode(self, printer: Any) -> str:
        return f"({self.name})"


def print_applied(printer: Any, expr: Any, brackets: str) -> str:
    """A function applied entrywise, as its body with the printed matrix in place of u."""
    (u,), body = expr.function.args
    shown = printer._print(expr.expr)
    if _needs_brackets(expr.expr, body, u):
        shown = brackets.format(shown)
    return printer._print(body.xreplace({u: Verbatim(shown)}))


def _needs_brackets(arg: Any, body: Any, u: Any) -> bool:
    """Whether the matrix put in place of u must be bracketed: in sigma(u) no, in c - u yes."""
    alone = (isinstance(body, sp.Function) and body.args[0] == u
             and not any(a.has(u) for a in body.args[1:]))  # sigma(u), H(u, 0)
    return not (alone or reads_as_call(arg))




def _arithmetic(expr: Any) -> bool:
    """A sum or product built from numbers (and determinants of number matrices) unevaluated,
    as a linear-algebra sheet shows its arithmetic: printed in the order it was built."""
    def numbers(e: Any) -> bool:
        if isinstance(e, sp.Add | sp.Mul):
            return all(numbers(a) for a in e.args)
        return bool(e.is_Rational) or isinstance(e, sp.Determinant)
    return isinstance(expr, sp.Add | sp.Mul) and numbers(expr)


def as_read(relation: sp.core.relational.Relational) -> sp.core.relational.Relational:
    """An inequality with the expression on the left and its bound on the right, as it is
    read: |p - y| <= delta, not delta >= |p - y| (a bound alone is a symbol or a number)."""
    inequality = relation.rel_op in ("<", "<=", ">", ">=")
    bound = isinstance(relation.lhs, sp.Symbol | sp.Number)
    if inequality and bound and not isinstance(relation.rhs, sp.Symbol | sp.Number):
        return relation.reversed
    return relation


def _bare_argument(arg: Any) -> bool:
    """An argument a function takes without brackets: a symbol, x_i, pi, a whole number, a
    determinant."""
    if isinstance(arg, sp.Determinant):
        return True  # log det X, log det(2 pi Sigma): the determinant brackets its own
    return (isinstance(arg, sp.Symbol | sp.Indexed | sp.NumberSymbol)
            and not getattr(arg, "named_value", False) or (arg.is_Integer and arg > 0))


def inverse_transposed(expr: Any) -> Any:
    """X for (X^T)^{-1} or (X^{-1})^T, the matrix written X^{-T}; else None."""
    pairs = ((sp.Inverse, sp.Transpose), (sp.Transpose, sp.Inverse))
    if not any(isinstance(expr, outer) and isinstance(expr.arg, inner) for outer, inner in pairs):
        return None
    symbol = expr.arg.arg
    return symbol if isinstance(symbol, sp.MatrixSymbol) else None


def negative_matrix_term(term: sp.Expr) -> bool:
    """A matrix product with a negative scalar coefficient (-y, -m 1, -(1/n) 1 1^T x)."""
    if not isinstance(term, sp.MatMul):
        return False
    flat = flat_matmul(term)  # (-1 dmu^T) S: the sign of an inner product is the term's
    if flat is not None and flat != term:
        return negative_matrix_term(flat)
    scalars = [a for a in term.args if not isinstance(a, sp.MatrixExpr)]
    return bool(scalars) and bool(sp.Mul(*scalars).could_extract_minus_sign())


def latex(expr: Any, **settings: Any) -> str:
    """Print an expression in the project's LaTeX notation."""
    return DeriveLatexPrinter(settings).doprint(expr)


def math_latex(m: Math) -> str:
    """Inline mathematics as LaTeX (no delimiters): its objects joined by ' = '."""
    return " = ".join(latex(e) for e in m.exprs)


def display_latex(d: Display) -> str:
    """Displayed mathematics as LaTeX (no delimiters): one line, or rows aligned at '='."""
    if d.aligned:
        rows = r" \\ ".join(" &= ".join(latex(e) for e in m.exprs) for m in d.items)
        return r"\begin{aligned} " + rows + r" \end{aligned}" + d.end
    return d.joined(math_latex, r", \qquad ")


#: LaTeX for the relations a result or a typed formula states.
RELATION_TEX = {"=": "=", "<=": r"\le", ">=": r"\ge", "!=": r"\neq", "<": "<", ">": ">"}

#: Prose in a Jupyter cell: words as they are (MathJax shows them), maths between dollars.
JUPYTER_PROSE = Printers(
    words=str,
    math=lambda m: "$" + math_latex(m) + "$",
    display=lambda d: "$$" + display_latex(d) + "$$",
    printed=lambda p: f"$${p.tex}$$" if p.display else f"${p.tex}$",
    tex=lambda t: t.latex,
    formula=lambda f: "$" + f.render(lambda e: latex(e, typed=True), RELATION_TEX) + "$",
    code=str,
)


def derivation_latex(derivation: Any) -> str:
    """The derivation for Jupyter: its title, each section's title and aligned chain (a line
    printing the same as the one before is not repeated), then the results."""
    settings = {"partial": len(derivation.symbols) > 1}
    # words outside maths (MathJax shows them), the formulas between dollars
    parts = [derivation.title.render(JUPYTER_PROSE)] if derivation.title else []
    for section in derivation.sections:
        shown = latex(section.start, **settings)
        head = f"{latex(section.lhs, **settings)} &= " if section.lhs is not None else "&"
        lines, rules = [head + shown], [[]]
        for step in section.steps:
            tex = latex(step.after, **settings)
            if tex != shown:
                lines.append(f"&= {tex}")
                rules.append([])
            rules[-1].append(step.rule)
            shown = tex
        rows = [line + (rf" && \text{{{_text('; '.join(dict.fromkeys(r)))}}}" if r else "")
                for line, r in zip(lines, rules, strict=True)]
        parts.append(section.title.render(JUPYTER_PROSE))
        parts.append(r"$$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$$")
    if derivation.results:
        rows = [f"{latex(r.label, **settings)} &= {latex(r.expr, **settings)}"
                for r in derivation.results]
        parts.append("Result")
        parts.append(r"$$\boxed{\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}}$$")
    return "\n\n".join(parts)


def _text(words: str) -> str:
    """Plain words for \\text{...} (a rule name, a title): TeX's specials escaped."""
    return "".join("\\" + c if c in "&%$#_{}" else c for c in words)


class Label(sp.Symbol):
    """A name written in LaTeX (``\\ell(\\mu)``, ``\\operatorname{KL}(p\\|q)``) that also says
    itself in plain text; LaTeX prints it as the symbol it is, the terminal as ``plain``."""

    def __new__(cls, tex: str, plain: str) -> Label:
        label = sp.Symbol.__xnew__(cls, tex)
        label.plain = plain
        return label

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict]:
        return (self.name, self.plain), {}

    def _latex(self, printer: Any) -> str:
        return self.name  # as written: \max_z a'(z), not a Symbol's subscript \max_{z a'(z)}

    def _hashable_content(self) -> tuple:
        return (*super()._hashable_content(), self.plain)
