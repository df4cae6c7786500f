"""Evaluate a sympy expression at a point with mpmath, by a table of node types.

Much faster than ``expr.subs(...).evalf()`` (microseconds per node), so a
transition of a hand derivation is tested at two dozen points in milliseconds.
Every value is bounded: a number whose exponent grows past ``MAX_MAGNITUDE``
bits (``exp(exp(exp(x)))``) stops the evaluation instead of eating the memory.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import mpmath
import sympy as sp

from derive import functions as dl
from derive.model import Assumptions

DIGITS = 30
MAX_MAGNITUDE = 4096  # bits of binary exponent: |value| < 2^4096
MAX_TERMS = 200  # terms of a concrete sum or product
SIZE_NAMES = frozenset({"N", "n", "M", "m", "K", "T", "B", "D", "L"})

ctx = mpmath.MPContext()
ctx.dps = DIGITS


class Unevaluable(Exception):
    """The expression has no finite value at this point (or no rule to compute it)."""


@dataclass
class Point:
    """Values of the free symbols, plus lazily drawn entries ``x[i]`` of indexed data."""

    values: dict[sp.Symbol, Any]
    seed: int
    assumptions: Assumptions = Assumptions()
    data: dict[tuple[str, tuple[int, ...]], Any] = field(default_factory=dict)
    memo: dict[sp.Basic, Any] = field(default_factory=dict)  # values of subexpressions

    def entry(self, name: str, index: tuple[int, ...]) -> Any:
        """The value of ``name[index]``: drawn once per point, the same for both sides."""
        key = (name, index)
        if key not in self.data:
            rng = random.Random(zlib.crc32(repr((self.seed, name, index)).encode()))
            self.data[key] = ctx.mpf(sample_real(name, False, False, self.assumptions, rng))
        return self.data[key]

    def shown(self) -> dict[str, float | int]:
        """The point as plain numbers for a report."""
        shown: dict[str, float | int] = {}
        for symbol, value in sorted(self.values.items(), key=lambda kv: kv[0].name):
            shown[symbol.name] = int(value) if symbol.is_integer else float(value)
        for (name, index), value in sorted(self.data.items()):
            shown[f"{name}[{','.join(map(str, index))}]"] = float(value)
        return shown


# --- sampling --------------------------------------------------------------------------------

#: Values a human reads at a glance, tried before random ones so counterexamples are readable.
NICE = (1.5, -0.5, 2.0, 0.75, -1.5, 1.25, -2.0, 0.5)  # not 1 or 0.5: 2x = 1 hides a factor
NICE_POSITIVE = (1.5, 2.0, 0.75, 2.5, 1.25, 0.25, 3.0, 0.5)
NICE_UNIT = (0.25, 0.75, 0.6, 0.2, 0.4, 0.8, 0.3, 0.5)


def sample_real(name: str, positive: bool, nonnegative: bool, assumptions: Assumptions,
                rng: random.Random, nice: int | None = None) -> float:
    """A real value from the symbol's domain (negatives too unless assumed otherwise)."""
    domain = assumptions.domain(name)
    low, high = domain.low, domain.high
    if positive and low <= 0:
        low = 0.2
    if nonnegative and low < 0:
        low = 0.0
    if nice is not None:
        table = NICE_UNIT if name in assumptions.unit_interval else (
            NICE if low < 0 else NICE_POSITIVE)
        for offset in range(len(table)):
            value = table[(nice + offset) % len(table)]
            if low <= value <= high:
                return value
    return round(rng.uniform(low, high), 4)


def _sample_integer(symbol: sp.Symbol, assumptions: Assumptions, rng: random.Random) -> int:
    if symbol.name in SIZE_NAMES or symbol.is_positive:
        return rng.randint(3, 6)
    return rng.randint(1, 3)  # a free index such as j in x_j: inside every sum's range 1..N


@lru_cache(maxsize=1024)
def make_point(symbols: tuple[sp.Symbol, ...], assumptions: Assumptions, seed: int,
               nice: int | None = None) -> Point:
    """A point for ``symbols``; ``nice`` picks readable values (the k-th nice point).

    Cached: the next transition meets the same points, and the values of the
    line they share are remembered in ``Point.memo``.
    """
    rng = random.Random(seed)
    values: dict[sp.Symbol, Any] = {}
    for k, symbol in enumerate(symbols):
        if symbol.is_integer or symbol.name in assumptions.integer:
            values[symbol] = ctx.mpf(_sample_integer(symbol, assumptions, rng))
        else:
            pick = None if nice is None else nice + 3 * k
            values[symbol] = ctx.mpf(sample_real(symbol.name, bool(symbol.is_positive),
                                                 bool(symbol.is_nonnegative), assumptions,
                                                 rng, pick))
    return Point(values, seed, assumptions)


# --- evaluation ------------------------------------------------------------------------------


def evaluate(expr: sp.Basic, point: Point) -> Any:
    """The value of ``expr`` at ``point`` (an mpf, or an mpc when complex on the way)."""
    try:
        with ctx.workdps(DIGITS):
            return _eval(expr, point, {})
    except (ZeroDivisionError, ValueError, OverflowError, TypeError, ArithmeticError) as exc:
        raise Unevaluable(str(exc)) from None
    except RecursionError:
        raise Unevaluable("nested too deeply") from None


def _eval(expr: sp.Basic, point: Point, bound: dict) -> Any:
    if bound:
        return _handler(type(expr))(expr, point, bound)
    memo = point.memo
    if expr in memo:
        value = memo[expr]
        if isinstance(value, Unevaluable):
            raise value
        return value
    try:
        value = memo[expr] = _handler(type(expr))(expr, point, bound)
    except Unevaluable as exc:
        memo[expr] = exc
        raise
    return value


@cache
def _handler(cls: type) -> Callable[[Any, Point, dict], Any]:
    for klass in cls.__mro__:
        if klass in HANDLERS:
            return HANDLERS[klass]
    return _fallback


def _check(value: Any) -> Any:
    if ctx.isnan(value) or ctx.isinf(value):
        raise Unevaluable("not finite")
    if value and ctx.mag(value) > MAX_MAGNITUDE:
        raise Unevaluable("too large")
    return value


def _args(expr: sp.Basic, point: Point, bound: dict) -> list[Any]:
    return [_eval(a, point, bound) for a in expr.args]


def _symbol(expr: sp.Symbol, point: Point, bound: dict) -> Any:
    if expr in bound:
        return bound[expr]
    if expr in point.values:
        return point.values[expr]
    for symbol, value in point.values.items():
        if symbol.name == expr.name:
            return value
    raise Unevaluable(f"no value for {expr.name}")


def _number(expr: sp.Number, point: Point, bound: dict) -> Any:
    return _number_value(expr)


@lru_cache(maxsize=4096)
def _number_value(expr: sp.Number) -> Any:
    if expr.is_Integer:
        return ctx.mpf(int(expr))
    if expr.is_Rational:
        return ctx.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return ctx.mpf(str(expr))
    raise Unevaluable(f"the number {expr} is not finite")


def _constant(expr: sp.Basic, point: Point, bound: dict) -> Any:
    table = {sp.E: ctx.e, sp.pi: ctx.pi, sp.I: ctx.j, sp.EulerGamma: ctx.euler}
    if expr in table:
        return +table[expr]
    raise Unevaluable(f"the constant {expr}")


def _power(expr: sp.Pow, point: Point, bound: dict) -> Any:
    base, exponent = expr.args
    if base is sp.E:
        return _exp_value(_eval(exponent, point, bound))
    b = _eval(base, point, bound)
    if exponent.is_Integer and abs(exponent) <= 64:
        if b == 0 and exponent < 0:
            raise Unevaluable("division by zero")
        return _check(b ** int(exponent))
    e = _eval(exponent, point, bound)
    if b == 0 and ctx.re(e) < 0:
        raise Unevaluable("division by zero")
    if b != 0 and abs(ctx.re(e)) * (abs(ctx.mag(b)) + 1) > 4 * MAX_MAGNITUDE:
        raise Unevaluable("too large")
    return _check(ctx.power(b, e))


def _exp_value(value: Any) -> Any:
    if ctx.re(value) > MAX_MAGNITUDE * 0.69:
        raise Unevaluable("too large")
    return ctx.exp(value)


def _add(expr: sp.Add, point: Point, bound: dict) -> Any:
    return ctx.fsum(_args(expr, point, bound))


def _mul(expr: sp.Mul, point: Point, bound: dict) -> Any:
    value = ctx.mpf(1)
    for factor in _args(expr, point, bound):
        value = _check(value * factor)
    return value


def _unary(function: Callable[[Any], Any]) -> Callable[[Any, Point, dict], Any]:
    def handle(expr: sp.Basic, point: Point, bound: dict) -> Any:
        return _check(function(_eval(expr.args[0], point, bound)))
    return handle


def _log(value: Any) -> Any:
    if value == 0:
        raise Unevaluable("log of zero")
    return ctx.log(value)


def _real(value: Any) -> Any:
    if isinstance(value, type(ctx.mpc(0))):
        if abs(value.imag) > ctx.mpf(10) ** (-DIGITS + 5) * (1 + abs(value.real)):
            raise Unevaluable("complex where a real number is needed")
        return value.real
    return value


def _sigmoid(value: Any) -> Any:
    return 1 / (1 + _exp_value(-value))


def _softplus(value: Any) -> Any:
    if ctx.re(value) < 50:
        return ctx.log1p(_exp_value(value))
    return value + ctx.log1p(ctx.exp(-value))


def _normal_cdf(value: Any) -> Any:
    return (1 + ctx.erf(value / ctx.sqrt(2))) / 2


def _normal_pdf(value: Any) -> Any:
    return ctx.exp(-value**2 / 2) / ctx.sqrt(2 * ctx.pi)


def _sign(value: Any) -> Any:
    value = _real(value)
    return ctx.mpf((value > 0) - (value < 0))


def _heaviside(expr: sp.Heaviside, point: Point, bound: dict) -> Any:
    value = _real(_eval(expr.args[0], point, bound))
    if value == 0:
        if len(expr.args) > 1:
            return _eval(expr.args[1], point, bound)
        raise Unevaluable("Heaviside at 0")
    return ctx.mpf(value > 0)


def _extreme(pick: Callable[..., Any]) -> Callable[[Any, Point, dict], Any]:
    def handle(expr: sp.Basic, point: Point, bound: dict) -> Any:
        return pick(_real(v) for v in _args(expr, point, bound))
    return handle


def _kronecker(expr: sp.KroneckerDelta, point: Point, bound: dict) -> Any:
    i, j = (_eval(a, point, bound) for a in expr.args[:2])
    return ctx.mpf(i == j)


def _integer(value: Any) -> int:
    value = _real(value)
    if value != int(value):
        raise Unevaluable("an index or bound that is not an integer")
    return int(value)


def _indexed(expr: sp.Indexed, point: Point, bound: dict) -> Any:
    index = tuple(_integer(_eval(i, point, bound)) for i in expr.indices)
    return point.entry(str(expr.base.label), index)


def _big_operator(combine: Callable[[list[Any]], Any]) -> Callable[[Any, Point, dict], Any]:
    def handle(expr: sp.Basic, point: Point, bound: dict) -> Any:
        terms = [expr.function]
        bindings: list[dict] = [dict(bound)]
        for index, low, high in reversed(expr.limits):
            new: list[dict] = []
            for env in bindings:
                a, b = _integer(_eval(low, point, env)), _integer(_eval(high, point, env))
                if b - a + 1 > MAX_TERMS or len(new) > MAX_TERMS:
                    raise Unevaluable("a sum with too many terms")
                new.extend({**env, index: ctx.mpf(k)} for k in range(a, b + 1))
            bindings = new
        return _check(combine([_eval(terms[0], point, env) for env in bindings]))
    return handle


def _product(values: list[Any]) -> Any:
    result = ctx.mpf(1)
    for value in values:
        result = _check(result * value)
    return result


def _derivative(expr: sp.Derivative, point: Point, bound: dict) -> Any:
    """A derivative left unevaluated by sympy: differentiate numerically, one variable."""
    if len(expr.variable_count) != 1 or expr.expr.has(sp.Derivative):
        raise Unevaluable("a mixed or nested derivative")
    variable, order = expr.variable_count[0]
    if not isinstance(variable, sp.Symbol) or order > 2:
        raise Unevaluable("a derivative by a non-symbol")
    at = _symbol(variable, point, bound)

    def at_value(v: Any) -> Any:
        return _real(_eval(expr.expr, point, {**bound, variable: v}))
    return ctx.diff(at_value, at, int(order))


def _fallback(expr: sp.Basic, point: Point, bound: dict) -> Any:
    """Nodes without a rule here: DL functions through their closed form, others refused."""
    if isinstance(expr, dl.DL_FUNCTIONS):
        return _eval(expr._closed_form(), point, bound)
    raise Unevaluable(f"cannot evaluate {type(expr).__name__}")


HANDLERS: dict[type, Callable[[Any, Point, dict], Any]] = {
    sp.Symbol: _symbol,
    sp.Dummy: _symbol,
    sp.Number: _number,
    sp.NumberSymbol: _constant,
    sp.core.numbers.ImaginaryUnit: _constant,
    sp.Add: _add,
    sp.Mul: _mul,
    sp.Pow: _power,
    sp.exp: _unary(_exp_value),
    sp.log: _unary(_log),
    sp.sin: _unary(ctx.sin),
    sp.cos: _unary(ctx.cos),
    sp.tan: _unary(ctx.tan),
    sp.asin: _unary(ctx.asin),
    sp.acos: _unary(ctx.acos),
    sp.atan: _unary(ctx.atan),
    sp.sinh: _unary(ctx.sinh),
    sp.cosh: _unary(ctx.cosh),
    sp.tanh: _unary(ctx.tanh),
    sp.erf: _unary(ctx.erf),
    sp.Abs: _unary(abs),
    sp.sign: _unary(_sign),
    sp.Heaviside: _heaviside,
    sp.Max: _extreme(max),
    sp.Min: _extreme(min),
    sp.KroneckerDelta: _kronecker,
    sp.Indexed: _indexed,
    sp.Sum: _big_operator(ctx.fsum),
    sp.Product: _big_operator(_product),
    sp.Derivative: _derivative,
    dl.sigmoid: _unary(_sigmoid),
    dl.softplus: _unary(_softplus),
    dl.relu: _unary(lambda v: max(_real(v), 0)),
    dl.gelu: _unary(lambda v: v * _normal_cdf(v)),
    dl.normal_cdf: _unary(_normal_cdf),
    dl.normal_pdf: _unary(_normal_pdf),
}


def real_value(expr: sp.Basic, point: Point) -> Any:
    """The value at ``point`` if it is a finite real number; Unevaluable otherwise."""
    return _real(evaluate(expr, point))
