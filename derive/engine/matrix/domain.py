"""Where a matrix expression is defined: a log or a non-integer power of entries needs them > 0.

``x.^c``, ``sqrt(x)`` or ``log(x)`` of a vector whose entries may be negative is
undefined on an open set, so no gradient exists there and no check can pass:
such input is refused with the construct named and the assumption that makes it
defined. Positivity is read from the construction (exp, sigmoid, softmax,
squares, sums and products of positives, x^T x) and from what ``--assume`` states.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import singledispatch
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.engine.matrix.expressions import Named, Scalar
from derive.errors import NotSupported
from derive.matrixfunctions import Entrywise, LogSumExp, Norm, Softmax
from derive.model import Assumptions

POSITIVE, NONNEGATIVE, UNDEFINED = "positive", "nonnegative", "undefined"
_PROBES = (-12.0, -5.5, -2.5, -1.25, -0.5, -0.125, 0.125, 0.5, 1.25, 2.5, 5.5, 12.0)
#: a real argument that is almost surely nonzero (u^2 and |u| are then positive)
_U = sp.Symbol("u", real=True, nonzero=True)
_U_POSITIVE = sp.Symbol("u", positive=True)


def _join_sum(signs: list[str | None]) -> str | None:
    if None in signs:
        return None
    return POSITIVE if POSITIVE in signs else NONNEGATIVE


def _join_product(signs: list[str | None]) -> str | None:
    if None in signs:
        return None
    return POSITIVE if all(s == POSITIVE for s in signs) else NONNEGATIVE


def _of_sympy(expr: Any) -> str | None:
    if expr.is_positive:
        return POSITIVE
    if expr.is_nonnegative:
        return NONNEGATIVE
    return None


def body_sign(body: Any, u: sp.Symbol, positive: bool) -> str | None:
    """The sign of f(u) over real u (or u > 0): sympy's facts first, else f at probe points;
    UNDEFINED when f is not real at some probe (log(u), sqrt(u) of a negative u)."""
    seen = _of_sympy(body.xreplace({u: _U_POSITIVE if positive else _U}))
    if seen is not None:
        return seen
    others = sorted(body.free_symbols - {u}, key=str)
    values = []
    for probe in _PROBES:
        if positive and probe <= 0:
            continue
        for other in (0.75, -0.75):  # the other scalars in f (max(u, c)), of either sign
            point = {u: sp.Float(probe, 50)}
            point.update({s: sp.Float(other if not s.is_positive else abs(other), 50)
                          for s in others})
            try:
                value = sp.N(body.xreplace(point), 50)
            except (ArithmeticError, ValueError, TypeError):
                return UNDEFINED
            if not (value.is_number and value.is_real and value.is_finite):
                return UNDEFINED
            values.append(value)
    if all(v > 0 for v in values):
        return POSITIVE
    return NONNEGATIVE if all(v >= 0 for v in values) else None


@singledispatch
def _entry(e: Any, bases: set[Any]) -> Any:
    """One entry of ``e`` as a scalar formula in u, collecting in ``bases`` the matrices whose
    entry u is; ValueError when ``e`` is not entrywise."""
    if e.is_Number:
        return e
    raise ValueError(e)


@_entry.register(sp.MatrixExpr)
def _entry_of_matrix(e: Any, bases: set[Any]) -> Any:
    bases.add(e)
    return _U


@_entry.register(sp.OneMatrix)
def _entry_of_ones(e: Any, bases: set[Any]) -> Any:
    return sp.S.One


@_entry.register(ElementwiseApplyFunction)
def _entry_of_applied(e: Any, bases: set[Any]) -> Any:
    bases.add(e.expr)
    (u,), inner = e.function.args
    return inner.xreplace({u: _U})


@_entry.register(sp.HadamardPower)
def _entry_of_power(e: Any, bases: set[Any]) -> Any:
    return _entry(e.base, bases) ** e.exp


@_entry.register(sp.MatAdd)
def _entry_of_sum(e: Any, bases: set[Any]) -> Any:
    return sp.Add(*[_entry(a, bases) for a in e.args])


@_entry.register(sp.HadamardProduct)
def _entry_of_hadamard(e: Any, bases: set[Any]) -> Any:
    return sp.Mul(*[_entry(a, bases) for a in e.args])


@_entry.register(sp.MatMul)
def _entry_of_product(e: Any, bases: set[Any]) -> Any:
    if sum(isinstance(a, sp.MatrixExpr) for a in e.args) != 1:  # a true matrix product
        return _entry_of_matrix(e, bases)
    return sp.Mul(*[_entry(a, bases) if isinstance(a, sp.MatrixExpr) else a for a in e.args])


def _as_function_of_entries(expr: Any) -> tuple[Any, Any] | None:
    """(f(u), A) when ``expr`` is f applied to each entry of the one matrix A, else None."""
    bases: set[Any] = set()
    try:
        found = _entry(expr, bases)
    except ValueError:
        return None
    return (found, bases.pop()) if len(bases) == 1 else None


def _is_gram(factors: tuple[Any, ...]) -> bool:
    """a^T a, a^T B^T B a: a product that reads the same transposed (a square of a vector)."""
    matrices = [f for f in factors if isinstance(f, sp.MatrixExpr)]
    half, odd = divmod(len(matrices), 2)
    return not odd and half > 0 and all(
        sp.Transpose(matrices[k]).doit() == matrices[-1 - k].doit() for k in range(half))


#: the sign of every entry, whatever the arguments (a norm is positive almost everywhere)
_FIXED: dict[type, str | None] = {
    sp.OneMatrix: POSITIVE, Softmax: POSITIVE, Norm: POSITIVE,
    sp.Identity: NONNEGATIVE, sp.ZeroMatrix: NONNEGATIVE, LogSumExp: None,
}


class Signs:
    """The sign of every entry of an expression, as far as its construction tells."""

    def __init__(self, positive: Collection[str], definite: Collection[str] = ()) -> None:
        self.positive = frozenset(positive)
        self.definite = frozenset(definite)

    def of(self, expr: Any) -> str | None:
        """POSITIVE (almost everywhere), NONNEGATIVE, or None when it may be negative."""
        for cls in type(expr).__mro__:
            if cls in _FIXED:
                return _FIXED[cls]
            method = getattr(self, f"_sign_{cls.__name__}", None)
            if method is not None:
                return method(expr)
        return None  # not a sympy object

    # a scalar formula: matrix-valued parts are replaced by symbols of their sign

    def _sign_MatrixExpr(self, expr: Any) -> str | None:
        return None  # a matrix its construction says nothing about

    def _sign_Number(self, expr: Any) -> str | None:
        return POSITIVE if expr > 0 else NONNEGATIVE if expr == 0 else None

    def _sign_Symbol(self, expr: Any) -> str | None:
        return _of_sympy(expr)

    def _sign_Add(self, expr: Any) -> str | None:
        return _join_sum([self.of(a) for a in expr.args])

    def _sign_Mul(self, expr: Any) -> str | None:
        return _join_product([self.of(a) for a in expr.args])

    def _sign_Pow(self, expr: Any) -> str | None:
        return self._power(expr.base, expr.exp)

    def _sign_Basic(self, expr: Any) -> str | None:
        return self._function(expr)

    def _function(self, expr: Any) -> str | None:
        """f(a) for a scalar function: positive when f is, for a real (or positive) a."""
        if not expr.args:
            return _of_sympy(expr)
        arg = expr.args[0]
        if len(expr.args) == 1 and isinstance(expr, sp.Function):
            seen = _of_sympy(expr.func(_U))
            if seen is None and self.of(arg) == POSITIVE:
                seen = _of_sympy(expr.func(_U_POSITIVE))
            return seen
        return None

    def _power(self, base: Any, exponent: Any) -> str | None:
        if exponent.is_integer and exponent.is_even:
            return POSITIVE
        return self.of(base)

    def _sign_MatrixSymbol(self, expr: Any) -> str | None:
        return POSITIVE if expr.name in self.positive else None

    def _sign_Named(self, expr: Named) -> str | None:
        return self.of(expr.definition)

    def _sign_Transpose(self, expr: Any) -> str | None:
        return self.of(expr.arg)

    def _sign_DiagMatrix(self, expr: Any) -> str | None:
        return NONNEGATIVE if self.of(expr.args[0]) else None

    def _sign_MatAdd(self, expr: Any) -> str | None:
        return _join_sum([self.of(a) for a in expr.args]) or self._entrywise(expr)

    def _entrywise(self, expr: Any) -> str | None:
        """1 - sigma(Z), Z .* tanh(Z): a scalar function of the entries of one matrix."""
        found = _as_function_of_entries(expr)
        if found is None:
            return None
        body, base = found
        sign = body_sign(body, _U, positive=False)
        if sign in (None, UNDEFINED) and self.of(base) == POSITIVE:
            sign = body_sign(body, _U, positive=True)
        return None if sign == UNDEFINED else sign

    def _sign_MatMul(self, expr: Any) -> str | None:
        if _is_gram(expr.args) and all(self.of(a) is not None for a in expr.args
                                       if not isinstance(a, sp.MatrixExpr)):
            return POSITIVE
        return _join_product([self.of(a) for a in expr.args])

    def _sign_HadamardProduct(self, expr: Any) -> str | None:
        return _join_product([self.of(a) for a in expr.args]) or self._entrywise(expr)

    def _sign_HadamardPower(self, expr: Any) -> str | None:
        return self._power(expr.base, expr.exp)

    def _sign_Trace(self, expr: Any) -> str | None:
        return self.of(expr.arg)

    def _sign_Scalar(self, expr: Scalar) -> str | None:
        return self.of(expr.matrix)

    def _sign_Determinant(self, expr: Any) -> str | None:
        inner = expr.arg
        if isinstance(inner, sp.MatrixSymbol) and inner.name in self.definite:
            return POSITIVE
        return POSITIVE if isinstance(inner, sp.MatMul) and _is_gram(inner.args) else None

    def _sign_ElementwiseApplyFunction(self, expr: ElementwiseApplyFunction) -> str | None:
        (u,), body = expr.function.args
        sign = body_sign(body, u, positive=False)
        if sign in (None, UNDEFINED) and self.of(expr.expr) == POSITIVE:
            sign = body_sign(body, u, positive=True)
        return None if sign == UNDEFINED else sign

    def _sign_Entrywise(self, expr: Entrywise) -> str | None:
        names, body = expr.function.args
        return _of_sympy(body.xreplace({u: sp.Symbol(u.name, real=True) for u in names}))


# --- what must be positive -------------------------------------------------------------------


def _integer(exponent: Any) -> bool:
    if exponent.is_Number:
        return exponent == int(exponent)
    return bool(exponent.is_integer)


@singledispatch
def _needs(node: Any) -> tuple[Any, str] | None:
    """The part of ``node`` that must be positive for it to be defined, and what it is."""
    return None


@_needs.register(sp.HadamardPower)
def _needs_of_hadamard_power(node: Any) -> tuple[Any, str] | None:
    return None if _integer(node.exp) else (node.base, "a non-integer power")


@_needs.register(ElementwiseApplyFunction)
def _needs_of_applied(node: Any) -> tuple[Any, str] | None:
    (u,), body = node.function.args
    if body_sign(body, u, positive=False) == UNDEFINED:
        return node.expr, "a function of positive numbers"
    return None


@_needs.register(sp.log)
def _needs_of_log(node: Any) -> tuple[Any, str] | None:
    arg = node.args[0]
    if isinstance(arg, sp.Determinant):  # log det: positive definiteness is checked apart
        return None
    return (arg, "a log") if arg.has(sp.MatrixSymbol) else None


@_needs.register(sp.Pow)
def _needs_of_power(node: Any) -> tuple[Any, str] | None:
    if _integer(node.exp) or not node.base.has(sp.MatrixSymbol):
        return None
    return node.base, "a non-integer power"


def check_defined(function: Any, assumptions: Assumptions) -> None:
    """Refuse (NotSupported) a log or non-integer power of entries that may be negative,
    naming the construct and the assumption that makes it defined (entries of a stated
    column-stochastic matrix are positive; the determinant of a positive-definite one is)."""
    from derive.textprint import text

    signs = Signs(assumptions.positive | assumptions.simplex, assumptions.definite)
    for node in sp.preorder_traversal(function):
        need = _needs(node)
        if need is None:
            continue
        part, what = need
        if signs.of(part) == POSITIVE:
            continue
        names = sorted(m.name for m in part.atoms(sp.MatrixSymbol) if m.name not in signs.positive)
        hint = ", ".join(f'--assume "{n} > 0"' for n in names)
        raise NotSupported(
            f"{text(node)} ({what}) is undefined where {text(part)} is negative"
            + (f"; state {hint} if its entries are positive" if hint else ""))
