"""Entrywise algebra: a sum of Hadamard products simplified as the scalar it is at each entry.

At every entry, ``(1 - y) .* (1 - s).^-1 .* s .* (1 - s) - y .* (1 - s)`` is the number
``(1 - y) s - y (1 - s) = s - y``. Each maximal entrywise subexpression (sums, Hadamard
products and powers, scalar multiples, ones) is read as a scalar over placeholders for
its leaves (y, Xw, sigma(Xw)), simplified by sympy, and written back as matrices: the
logistic-regression gradient becomes X^T (sigma(Xw) - y).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.engine.matrix.expressions import Scalar, is_matrix
from derive.engine.matrix.tidy import expand_terms

_ENTRYWISE = (sp.HadamardProduct, sp.HadamardPower, sp.MatAdd)


class _Reading:
    """Matrices read as scalars: each leaf a placeholder, remembered to be written back."""

    def __init__(self, shape: tuple[Any, Any]) -> None:
        self.shape = shape
        self.leaves: dict[Any, sp.Symbol] = {}
        self.back: dict[sp.Symbol, Any] = {}
        self.numbers: dict[Any, sp.Symbol] = {}  # tr(1^T x), s(1^T v): numbers made of
        self.numbers_back: dict[sp.Symbol, Any] = {}  # matrices, which sympy must not open
        self.changed: dict[Any, Any] = {}  # leaves whose own entrywise parts simplified

    def number(self, value: Any) -> sp.Expr:
        """A coefficient with each part made of matrices a placeholder of its own."""
        if not value.has(sp.MatrixExpr):
            return value
        if isinstance(value, sp.Add | sp.Mul | sp.Pow):
            return value.func(*(self.number(a) for a in value.args))
        if isinstance(value, Scalar | sp.Trace) and value.args[0].shape == (1, 1):
            product = simplify_entrywise(value.args[0])  # 1^T (v .* 1): 1^T v
            linear = self._cancelling(type(value), product)
            return self._opaque(product, type(value)) if linear is None else linear
        return self._opaque(simplify_entrywise(value))

    def _opaque(self, value: Any, wrapper: type | None = None) -> sp.Symbol:
        """One placeholder per number: tr(1^T x) and 1^T x, the same product, are one."""
        if value not in self.numbers:
            placeholder = sp.Symbol(f"_number{len(self.numbers)}")
            self.numbers[value] = placeholder
            self.numbers_back[placeholder] = value if wrapper is None else wrapper(value)
        return self.numbers[value]

    def _cancelling(self, wrapper: type, product: Any) -> sp.Expr | None:
        """A 1 x 1 product read term by term with 1^T 1 = n, when its terms cancel:
        1^T (x - (1^T x / n) 1) = 1^T x - 1^T x = 0. None when nothing cancels (the
        number then stays one placeholder, as it is written)."""
        terms = expand_terms(product)
        if len(terms) < 2:
            return None
        total = sp.S.Zero
        for coefficient, factors in terms:
            count, factors = _ones_contracted(factors)
            chunks = [self._opaque(_product(chunk), wrapper) for chunk in _numbers(factors)]
            total += self.number(coefficient) * count * sp.Mul(*chunks)
        return total if len(sp.Add.make_args(sp.expand(total))) < len(terms) else None

    def scalar(self, expr: Any, evaluate: bool = True) -> sp.Expr:
        """The entry of ``expr`` as a scalar; unevaluated, it keeps the size it is written at."""
        def read(e: Any) -> sp.Expr:
            return self.scalar(e, evaluate)

        if isinstance(expr, sp.HadamardProduct):
            return sp.Mul(*(read(a) for a in expr.args), evaluate=evaluate)
        if isinstance(expr, sp.HadamardPower):
            return sp.Pow(read(expr.base), expr.exp, evaluate=evaluate)
        if isinstance(expr, sp.MatAdd):
            return sp.Add(*(read(a) for a in expr.args), evaluate=evaluate)
        if isinstance(expr, sp.MatMul):
            numbers = [a for a in expr.args if not is_matrix(a)]
            count, matrices = _ones_contracted([a for a in expr.args if is_matrix(a)])
            if (numbers or count != 1) and len(matrices) == 1:  # c 1 1^T: c at each entry
                factors = [self.number(n) for n in numbers] + ([count] if count != 1 else [])
                return sp.Mul(*factors, read(matrices[0]), evaluate=evaluate)
        if isinstance(expr, sp.OneMatrix):
            return sp.S.One
        if isinstance(expr, sp.ZeroMatrix):
            return sp.S.Zero
        key = _canonical(expr)
        if key not in self.leaves:
            placeholder = sp.Symbol(f"_entry{len(self.leaves)}")
            inner = simplify_entrywise(expr)  # X^T (v .* 1) as a leaf: X^T v
            if inner != expr:
                self.changed[expr] = inner
            self.leaves[key], self.back[placeholder] = placeholder, inner
        return self.leaves[key]

    def matrix(self, value: sp.Expr) -> Any:
        """The scalar written back: products as Hadamard products, numbers times ones."""
        if not (value.free_symbols & set(self.back)):
            return sp.MatMul(value, sp.OneMatrix(*self.shape)) if value != 1 \
                else sp.OneMatrix(*self.shape)
        if isinstance(value, sp.Symbol):
            return self.back[value]
        if isinstance(value, sp.Add):
            return sp.MatAdd(*(self.matrix(t) for t in value.args))
        if isinstance(value, sp.Pow):
            return sp.HadamardPower(self.matrix(value.base), value.exp)
        if isinstance(value, sp.Mul):
            coefficient = sp.Mul(*(f for f in value.args if not f.free_symbols & set(self.back)))
            entrywise = [self.matrix(f) for f in value.args if f.free_symbols & set(self.back)]
            product = entrywise[0] if len(entrywise) == 1 else sp.HadamardProduct(*entrywise)
            return product if coefficient == 1 else sp.MatMul(coefficient, product)
        raise _Unwritable(value)


def _ones_contracted(factors: list[Any]) -> tuple[Any, list[Any]]:
    """Each product of ones is the number it is times ones: 1^T 1 = n, and an a x k times
    a k x b matrix of ones is k ones(a, b); (n, the rest of the factors)."""
    count, out = sp.S.One, []
    for factor in factors:
        previous = out[-1] if out else None
        if isinstance(factor, sp.OneMatrix) and isinstance(previous, sp.OneMatrix):
            count *= factor.shape[0]
            out[-1] = sp.OneMatrix(previous.shape[0], factor.shape[1])
        else:
            out.append(factor)
    return count, [f for f in out if f.shape != (1, 1) or not isinstance(f, sp.OneMatrix)]


def _numbers(factors: list[Any]) -> list[list[Any]]:
    """A 1 x 1 product cut into its 1 x 1 parts: 1^T x y^T z is (1^T x)(y^T z)."""
    chunks: list[list[Any]] = []
    for factor in factors:
        if not chunks or (chunks[-1][0].shape[0] == 1 and chunks[-1][-1].shape[1] == 1):
            chunks.append([factor])
        else:
            chunks[-1].append(factor)
    return chunks


def _product(factors: list[Any]) -> Any:
    return factors[0] if len(factors) == 1 else sp.MatMul(*factors)


_BOUND = sp.Dummy("u")


def _canonical(leaf: Any) -> Any:
    """The leaf with each elementwise function's bound variable one fixed symbol: sigma
    applied entrywise is one leaf, whichever rule wrote its Lambda (with u or a Dummy)."""
    return leaf.replace(
        lambda e: isinstance(e, sp.Lambda) and len(e.variables) == 1,
        lambda e: sp.Lambda(_BOUND, e.expr.xreplace({e.variables[0]: _BOUND})))


class _Unwritable(Exception):
    """A scalar form with no matrix spelling (a function of a placeholder)."""


def _size(value: sp.Expr) -> int:
    """Operations counted: a form replaces the written one only with fewer (a factored
    form of as many, with its signs flipped, is no simplification)."""
    return sp.count_ops(value)


def _simplified(expr: Any) -> Any:
    """One entrywise expression in its smallest scalar form (its leaves simplified first)."""
    reading = _Reading(expr.shape)
    value = reading.scalar(expr)
    written = _size(reading.scalar(expr, evaluate=False))
    forms = [value, sp.expand(value), sp.factor(value), sp.cancel(value)]
    best = min(forms, key=_size)  # the first of the smallest: sympy's own form on a tie
    if _size(best) < written:
        try:
            return reading.matrix(best).xreplace(reading.numbers_back)
        except _Unwritable:
            pass
    return expr.xreplace(reading.changed)


def simplify_entrywise(expr: Any) -> Any:
    """``expr`` with each maximal entrywise subexpression in its simplest scalar form."""
    if isinstance(expr, _ENTRYWISE) and is_matrix(expr) and expr.shape != (1, 1):
        # (a 1 x 1 matrix is a number written as a matrix: tr(1^T x) and 1^T x are one
        # value that the scalar reading would take for two)
        return _simplified(expr)
    if not isinstance(expr, sp.Basic) or not expr.args or not expr.has(*_ENTRYWISE):
        return expr
    args = [simplify_entrywise(a) for a in expr.args]
    return expr.func(*args) if args != list(expr.args) else expr
