"""Evaluate a sympy expression at a point with mpmath, by a table of node types.

Much faster than ``expr.subs(...).evalf()`` (microseconds per node), so an
equality is tested at two dozen points in milliseconds; no code is generated
(no generated code: nothing derived from user input is ever exec'd). Every value
is bounded: a number whose exponent grows past ``MAX_MAGNITUDE`` bits
(``exp(exp(exp(x)))``) stops the evaluation instead of eating the memory.

Sums and products over a concrete range, definite integrals (``mpmath.quad``
over the integrand evaluated by this table), piecewise expressions and the
project's own classes that carry ``_mp_eval(evaluate, env)`` are evaluated
here too. Used by the hand-derivation checker and by ``derive.verify``.
"""

from __future__ import annotations

import random
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import mpmath
import sympy as sp
from mpmath.calculus.quadrature import TanhSinh
from sympy.concrete.expr_with_limits import ExprWithLimits

from derive import functions as dl
from derive.model import SIZE_NAMES, Assumptions

DIGITS = 30
MAX_MAGNITUDE = 4096  # bits of binary exponent: |value| < 2^4096
WIDE_MAGNITUDE = 65536  # for a density summed over many terms: lam^k / k! at k = 4000
MAX_TERMS = 200  # terms of a concrete sum or product
OWN_EXTRA = 20  # guard digits for a class that evaluates itself
QUADRATURE_TOLERANCE = mpmath.mpf(10) ** -24  # error estimate a quadrature must reach
QUADRATURE_DEGREE = 8  # mpmath.quad's maxdegree (nodes double per degree); then refused

ctx = mpmath.MPContext()
ctx.dps = DIGITS


class _Bounds:
    """The magnitude bound in force (``function_of`` widens it while it evaluates)."""

    magnitude = MAX_MAGNITUDE


_bounds = _Bounds()


class Unevaluable(Exception):
    """The expression has no finite value at this point (or no rule to compute it)."""


class NoRule(Unevaluable):
    """A node type the table has no rule for (and the point allows no ``evalf`` fallback)."""


Draw = Callable[[str, random.Random], Any]


@dataclass
class Point:
    """Values of the free symbols, plus lazily drawn entries ``x[i]`` of indexed data."""

    values: dict[sp.Symbol, Any]
    seed: int
    assumptions: Assumptions = Assumptions()
    data: dict[tuple[str, tuple[int, ...]], Any] = field(default_factory=dict)
    memo: dict[sp.Basic, Any] = field(default_factory=dict)  # values of subexpressions
    digits: int = DIGITS
    draw: Draw | None = None  # how a data entry x[i] is drawn (default: ``sample_real``)
    fallback: bool = False  # nodes without a rule: sympy's evalf instead of NoRule

    def entry(self, name: str, index: tuple[int, ...]) -> Any:
        """The value of ``name[index]``: drawn once per point, the same for both sides."""
        key = (name, index)
        if key not in self.data:
            rng = random.Random(zlib.crc32(repr((self.seed, name, index)).encode()))
            value = (self.draw(name, rng) if self.draw is not None
                     else sample_real(name, False, False, self.assumptions, rng))
            self.data[key] = ctx.mpf(value)
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
    low, high = assumptions.interval(name, positive, nonnegative)
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


def close(a: Any, b: Any, equal: Any, apart: Any = None) -> bool | None:
    """True when a and b agree to the relative gap ``equal``, False when they are further apart
    than ``apart`` (by default the same gap), None in between."""
    scale = 1 + max(abs(a), abs(b))
    gap = abs(a - b)
    if gap <= equal * scale:
        return True
    return False if gap > (equal if apart is None else apart) * scale else None


# --- evaluation ------------------------------------------------------------------------------


def evaluate(expr: sp.Basic, point: Point) -> Any:
    """The value of ``expr`` at ``point`` (an mpf, or an mpc when complex on the way)."""
    try:
        with ctx.workdps(point.digits):
            return _eval(expr, point, {})
    except Unevaluable:
        raise
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
    if hasattr(cls, "_mp_eval"):
        return _own
    for klass in cls.__mro__:
        if klass in HANDLERS:
            return HANDLERS[klass]
    return _fallback


def _check(value: Any) -> Any:
    parts = getattr(value, "_mpf_", None)
    if parts is not None:  # a real number: read its exponent directly (the hot path)
        _, mantissa, exponent, bits = parts
        if mantissa:
            if exponent + bits > _bounds.magnitude:
                raise Unevaluable("too large")
            return value
        if not exponent:  # zero; inf and nan have an empty mantissa and a special exponent
            return value
        raise Unevaluable("not finite")
    if ctx.isnan(value) or ctx.isinf(value):
        raise Unevaluable("not finite")
    if value and ctx.mag(value) > _bounds.magnitude:
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
    return _number_value(expr, ctx.prec)


@lru_cache(maxsize=4096)
def _number_value(expr: sp.Number, prec: int) -> Any:
    """The number at the working precision ``prec`` (part of the key: it rounds)."""
    if expr.is_Integer:
        return ctx.mpf(int(expr))
    if expr.is_Rational:
        return ctx.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return ctx.mpf(str(expr))
    raise Unevaluable(f"the number {expr} is not finite")


def _constant(expr: sp.Basic, point: Point, bound: dict) -> Any:
    table = {sp.E: ctx.e, sp.pi: ctx.pi, sp.I: ctx.j, sp.EulerGamma: ctx.euler,
             sp.GoldenRatio: ctx.phi, sp.Catalan: ctx.catalan}
    if expr in table:
        return +table[expr]
    raise Unevaluable(f"the constant {expr}")


def _power(expr: sp.Pow, point: Point, bound: dict) -> Any:
    base, exponent = expr.args
    if base is sp.E:
        return _exp_value(_eval(exponent, point, bound))
    b = _eval(base, point, bound)
    if exponent.is_Integer and -64 <= int(exponent) <= 64:
        return _integer_power(b, int(exponent))
    return _general_power(b, _eval(exponent, point, bound))


def _integer_power(b: Any, k: int) -> Any:
    if b == 0 and k < 0:
        raise Unevaluable("division by zero")
    return _check(b**k)


def _general_power(b: Any, e: Any) -> Any:
    if b == 0 and ctx.re(e) < 0:
        raise Unevaluable("division by zero")
    if b != 0 and abs(ctx.re(e)) * (abs(ctx.mag(b)) + 1) > 4 * _bounds.magnitude:
        raise Unevaluable("too large")
    return _check(ctx.power(b, e))


def _exp_value(value: Any) -> Any:
    if ctx.re(value) > _bounds.magnitude * 0.69:
        raise Unevaluable("too large")
    return ctx.exp(value)


def _add(expr: sp.Add, point: Point, bound: dict) -> Any:
    return ctx.fsum(_args(expr, point, bound))


def _mul(expr: sp.Mul, point: Point, bound: dict) -> Any:
    factors = _args(expr, point, bound)
    value = factors[0]
    for factor in factors[1:]:
        value = _check(value * factor)
    return value


def _unary(function: Callable[[Any], Any]) -> Callable[[Any, Point, dict], Any]:
    def handle(expr: sp.Basic, point: Point, bound: dict) -> Any:
        return _check(function(_eval(expr.args[0], point, bound)))
    handle.unary = function  # type: ignore[attr-defined]  # for the compiler below
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


@lru_cache(maxsize=64)
def _roots(prec: int) -> tuple[Any, Any]:
    """sqrt(2) and 1/sqrt(2 pi) at the working precision (a quadrature needs them often)."""
    return ctx.sqrt(2), 1 / ctx.sqrt(2 * ctx.pi)


def _normal_cdf(value: Any) -> Any:
    return (1 + ctx.erf(value / _roots(ctx.prec)[0])) / 2


def _normal_pdf(value: Any) -> Any:
    return ctx.exp(-(value * value) / 2) * _roots(ctx.prec)[1]


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


# --- closures for integrands -------------------------------------------------------------------
#
# A quadrature evaluates its integrand at a thousand nodes. The tree is turned once into
# nested Python closures (no generated code), which skips the dispatch and the memo.

Compiled = Callable[[Point, dict], Any]


@lru_cache(maxsize=2048)
def _compile(expr: sp.Basic) -> Compiled:
    """``(point, env) -> value`` with the same rules as ``_eval``; other nodes go to ``_eval``."""
    make = COMPILERS.get(type(expr))
    if make is None:
        handler = _handler(type(expr))
        function = getattr(handler, "unary", None)
        if function is not None:
            return _compiled_unary(function, _compile(expr.args[0]))
        return lambda point, env: _eval(expr, point, env)
    return make(expr)


def _compiled_unary(function: Callable[[Any], Any], arg: Compiled) -> Compiled:
    return lambda point, env: _check(function(arg(point, env)))


def _compile_symbol(expr: sp.Symbol) -> Compiled:
    def value(point: Point, env: dict) -> Any:
        found = env.get(expr)
        return found if found is not None else _symbol(expr, point, env)
    return value


def _compile_number(expr: sp.Number) -> Compiled:
    if expr.is_Integer and abs(int(expr)) < 2**53:
        constant = _number_value(expr, ctx.prec)  # exact at any precision
        return lambda point, env: constant
    return lambda point, env: _number_value(expr, ctx.prec)


def _compile_add(expr: sp.Add) -> Compiled:
    terms = [_compile(a) for a in expr.args]
    if len(terms) == 2:
        first, second = terms
        return lambda point, env: first(point, env) + second(point, env)
    return lambda point, env: ctx.fsum([t(point, env) for t in terms])


def _compile_mul(expr: sp.Mul) -> Compiled:
    first, *rest = (_compile(a) for a in expr.args)

    def product(point: Point, env: dict) -> Any:
        value = first(point, env)
        for factor in rest:
            value = _check(value * factor(point, env))
        return value
    return product


def _compile_power(expr: sp.Pow) -> Compiled:
    base, exponent = expr.args
    if base is sp.E:
        inner = _compile(exponent)
        return lambda point, env: _exp_value(inner(point, env))
    b = _compile(base)
    if exponent.is_Integer and -64 <= int(exponent) <= 64:
        k = int(exponent)
        return lambda point, env: _integer_power(b(point, env), k)
    e = _compile(exponent)
    return lambda point, env: _general_power(b(point, env), e(point, env))


COMPILERS: dict[type, Callable[[Any], Compiled]] = {
    sp.Symbol: _compile_symbol,
    sp.Dummy: _compile_symbol,
    sp.Integer: _compile_number,
    sp.Rational: _compile_number,
    sp.Float: _compile_number,
    sp.core.numbers.One: _compile_number,
    sp.core.numbers.NegativeOne: _compile_number,
    sp.core.numbers.Zero: _compile_number,
    sp.core.numbers.Half: _compile_number,
    sp.Add: _compile_add,
    sp.Mul: _compile_mul,
    sp.Pow: _compile_power,
}


def _bound_value(limit: sp.Basic, point: Point, bound: dict) -> Any:
    """An integration bound: +-oo become mpmath's infinities."""
    if limit is sp.oo:
        return ctx.inf
    if limit is sp.S.NegativeInfinity:
        return ctx.ninf
    return _real(_eval(limit, point, bound))


@lru_cache(maxsize=1024)
def _frozen(function: sp.Basic, variables: frozenset) -> tuple[sp.Basic, tuple]:
    """``function`` with each largest subtree free of ``variables`` replaced by a Dummy.

    The subtrees are evaluated once per point (and remembered in its memo); the
    quadrature then walks only the part that depends on the variable.
    """
    parts: dict[sp.Basic, sp.Dummy] = {}

    def constant(e: sp.Basic) -> sp.Basic:
        if e not in parts:
            parts[e] = sp.Dummy(f"c{len(parts)}")
        return parts[e]

    def freeze(e: sp.Basic) -> sp.Basic:
        if not e.args or isinstance(e, sp.Indexed | sp.Number):
            return e
        if not (e.free_symbols & variables) and not isinstance(e, sp.Symbol):
            return constant(e)
        if isinstance(e, ExprWithLimits):
            return e  # the bound index must stay visible to the body
        if isinstance(e, sp.Add | sp.Mul):  # the constant terms or factors as one value
            fixed = [a for a in e.args if not (a.free_symbols & variables)]
            moving = [freeze(a) for a in e.args if a.free_symbols & variables]
            if len(fixed) > 1 or (fixed and not fixed[0].is_Number):
                fixed = [constant(e.func(*fixed))]
            return e.func(*fixed, *moving, evaluate=False)
        return e.func(*(freeze(a) for a in e.args))

    try:
        body = freeze(function)
    except (TypeError, ValueError, AttributeError):  # a class that cannot be rebuilt so
        return function, ()
    return body, tuple(parts.items())


#: integral values by (integral, its parameters' values, digits): a derivation meets the same
#: integral at the same points in many steps.
_QUADRATURES: OrderedDict[tuple, Any] = OrderedDict()
QUADRATURE_CACHE = 4096


def _integral(expr: sp.Integral, point: Point, bound: dict) -> Any:
    """A definite integral by mpmath quadrature of the integrand evaluated by this table."""
    if any(len(limit) != 3 for limit in expr.limits):
        raise Unevaluable("an indefinite integral")
    if expr.has(sp.Indexed):
        return _quadrature(expr, point, bound)
    key = (expr, ctx.dps, tuple((s, _symbol(s, point, bound))
                                for s in sorted(expr.free_symbols, key=str)))
    if key in _QUADRATURES:
        _QUADRATURES.move_to_end(key)
        value = _QUADRATURES[key]
    else:
        try:
            value = _quadrature(expr, point, bound)
        except Unevaluable as exc:
            value = exc
        _QUADRATURES[key] = value
        if len(_QUADRATURES) > QUADRATURE_CACHE:
            _QUADRATURES.popitem(last=False)
    if isinstance(value, Unevaluable):
        raise value
    return value


#: nodes whose value has a kink or a jump where their first argument is 0
KINKS: tuple[type, ...] = (sp.Abs, sp.Heaviside, sp.sign, sp.Max, sp.Min, dl.relu)


@lru_cache(maxsize=1024)
def _breaks(function: sp.Basic, variable: sp.Symbol) -> tuple[sp.Basic, ...]:
    """Where the integrand has a kink or a jump, or a Gaussian bump peaks, in ``variable``.

    Tanh-sinh converges fast on a smooth integrand only, and slowly on a narrow
    bump far from the ends: the interval is split there (when the place is a
    root of a linear expression, or the vertex of a quadratic exponent).
    """
    sides: list[sp.Basic] = []
    for node in function.atoms(*KINKS, sp.Piecewise, dl.normal_pdf):
        if isinstance(node, sp.Piecewise):
            sides += [c.lhs - c.rhs for c in node.atoms(sp.core.relational.Relational)]
        elif isinstance(node, sp.Max | sp.Min):
            sides += [a - b for a in node.args for b in node.args if a is not b]
        else:
            sides.append(node.args[0])
    # exp(a x^2 + b x + c) peaks where its exponent's derivative 2 a x + b is 0
    sides += [sp.diff(node.exp, variable) for node in function.atoms(sp.Pow, sp.exp)
              if node.as_base_exp()[0] is sp.E and node.has(variable)]
    places: list[sp.Basic] = []
    for side in sides:
        slope = sp.diff(side, variable)
        if slope != 0 and not slope.has(variable):
            places.append(-side.xreplace({variable: 0}) / slope)
    return tuple(dict.fromkeys(places))


def _quadrature(expr: sp.Integral, point: Point, bound: dict) -> Any:
    variables = frozenset(limit[0] for limit in expr.limits)
    body, parts = _frozen(expr.function, variables)
    env = dict(bound)
    for subtree, dummy in parts:
        env[dummy] = _eval(subtree, point, bound)
    value, error = _integrate(body, expr.limits, len(expr.limits) - 1, point, env)
    if error > QUADRATURE_TOLERANCE * (1 + abs(value)):
        raise Unevaluable("quadrature did not converge")
    return _check(value)


class _TanhSinh(TanhSinh):
    """mpmath's tanh-sinh rule, content with ``QUADRATURE_TOLERANCE`` instead of full precision.

    Its error estimate (the change from the previous level) is pessimistic, and
    each level doubles the nodes: asking for all 30+ digits costs twice the work.
    """

    def summation(self, f: Callable[[Any], Any], points: list, prec: int, epsilon: Any,
                  max_degree: int, verbose: bool = False) -> tuple[Any, Any]:
        tolerance = max(epsilon, self.ctx.mpf(QUADRATURE_TOLERANCE) / 8)
        return super().summation(f, points, prec, tolerance, max_degree, verbose)


_RULE = _TanhSinh(ctx)  # one instance: its nodes are computed once per degree and precision


def _integrate(body: sp.Basic, limits: tuple, level: int, point: Point,
               env: dict) -> tuple[Any, Any]:
    """The integral over ``limits[:level + 1]`` (the last limit outermost), with its error."""
    variable, low, high = limits[level]
    a, b = _bound_value(low, point, env), _bound_value(high, point, env)
    inner_points = set()
    for place in _breaks(body, variable):
        try:
            at = _real(_eval(place, point, env))
        except Unevaluable:  # it moves with an inner variable of integration
            continue
        if min(a, b) < at < max(a, b):
            inner_points.add(at)
    ends = [a, *sorted(inner_points, reverse=b < a), b]
    errors = [ctx.zero]
    compiled = _compile(body)

    def integrand(v: Any) -> Any:
        inner = {**env, variable: v}
        if level == 0:
            return compiled(point, inner)
        value, error = _integrate(body, limits, level - 1, point, inner)
        errors.append(error)
        return value

    value, error = ctx.quad(integrand, ends, error=True, method=lambda _: _RULE,
                            maxdegree=QUADRATURE_DEGREE)
    return value, error + max(errors)


def _own(expr: sp.Basic, point: Point, bound: dict) -> Any:
    """A class of the project that evaluates itself: ``_mp_eval(evaluate, env)``."""
    def evaluate_in(e: sp.Basic, env: dict) -> Any:
        return _eval(e, point, env)
    with ctx.extradps(OWN_EXTRA):  # hooks take central differences (h = 1e-20)
        value = expr._mp_eval(evaluate_in, {**point.values, **bound})
    return _check(+ctx.convert(value))  # rounded back; a hook may compute with mpmath.mp


def _truth(expr: sp.Basic, point: Point, bound: dict) -> bool:
    """The truth of a condition of a Piecewise at the point."""
    handle = CONDITIONS.get(type(expr))
    if handle is not None:
        return handle(expr, point, bound)
    if expr is sp.true or expr is sp.false:
        return bool(expr)
    if isinstance(expr, sp.core.relational.Relational):
        left, right = (_real(_eval(a, point, bound)) for a in expr.args)
        return bool(RELATIONS[expr.rel_op](left, right))
    raise NoRule(f"cannot decide {type(expr).__name__}")


RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}

CONDITIONS: dict[type, Callable[[Any, Point, dict], bool]] = {
    sp.And: lambda e, p, b: all(_truth(a, p, b) for a in e.args),
    sp.Or: lambda e, p, b: any(_truth(a, p, b) for a in e.args),
    sp.Not: lambda e, p, b: not _truth(e.args[0], p, b),
}


def _piecewise(expr: sp.Piecewise, point: Point, bound: dict) -> Any:
    for piece, condition in expr.args:
        if _truth(condition, point, bound):
            return _eval(piece, point, bound)
    raise Unevaluable("no piece applies")


def _function(function: Callable[..., Any]) -> Callable[[Any, Point, dict], Any]:
    """A function of several real arguments (gamma, binomial, ...)."""
    def handle(expr: sp.Basic, point: Point, bound: dict) -> Any:
        return _check(function(*(_eval(a, point, bound) for a in expr.args)))
    return handle


def _floor(value: Any) -> Any:
    return ctx.floor(_real(value))


def _ceiling(value: Any) -> Any:
    return ctx.ceil(_real(value))


def _polygamma(n: Any, value: Any) -> Any:
    return ctx.polygamma(_integer(n), value)


def _betainc_regularized(a: Any, b: Any, x1: Any, x2: Any) -> Any:
    return ctx.betainc(a, b, x1, x2, regularized=True)


def _fallback(expr: sp.Basic, point: Point, bound: dict) -> Any:
    """Nodes without a rule here: DL functions through their closed form, then sympy's evalf
    where the point allows it, others refused."""
    if isinstance(expr, dl.DL_FUNCTIONS):
        return _eval(expr._closed_form(), point, bound)
    if point.fallback:
        return _evalf(expr, point, bound)
    raise NoRule(f"cannot evaluate {type(expr).__name__}")


def _evalf(expr: sp.Basic, point: Point, bound: dict) -> Any:
    """sympy's own ``doit().evalf`` of one node, its symbols and data entries put in."""
    values: dict[sp.Basic, sp.Basic] = {}
    for item in expr.atoms(sp.Indexed):
        values[item] = _as_sympy(_indexed(item, point, bound))
    for symbol in expr.free_symbols:
        if isinstance(symbol, sp.Symbol):
            value = _symbol(symbol, point, bound)
            values[symbol] = (sp.Integer(_integer(value)) if symbol.is_integer
                              else _as_sympy(value))  # sizes stay integers: Sum writes out
    value = expr.xreplace(values).doit().evalf(ctx.dps)
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        raise Unevaluable(f"cannot evaluate {type(expr).__name__}")
    real, imag = value.as_real_imag()
    if imag == 0:
        return _check(ctx.mpf(sp.Float(real, ctx.dps)._mpf_))
    return _check(ctx.mpc(sp.Float(real, ctx.dps)._mpf_, sp.Float(imag, ctx.dps)._mpf_))


def _as_sympy(value: Any) -> sp.Expr:
    if isinstance(value, type(ctx.mpc(0))):
        return sp.Float(value.real._mpf_, ctx.dps) + sp.I * sp.Float(value.imag._mpf_, ctx.dps)
    return sp.Float(ctx.mpf(value)._mpf_, ctx.dps)


#: sympy function -> the mpmath function of the same meaning (shared with derive.mpmatrix)
MPMATH_NAMES: dict[type, str] = {
    sp.sin: "sin",
    sp.cos: "cos",
    sp.tan: "tan",
    sp.asin: "asin",
    sp.acos: "acos",
    sp.atan: "atan",
    sp.sinh: "sinh",
    sp.cosh: "cosh",
    sp.tanh: "tanh",
    sp.erf: "erf",
    sp.asinh: "asinh",
    sp.acosh: "acosh",
    sp.atanh: "atanh",
    sp.sec: "sec",
    sp.csc: "csc",
    sp.cot: "cot",
    sp.erfc: "erfc",
    sp.erfinv: "erfinv",
    sp.gamma: "gamma",
    sp.loggamma: "loggamma",
    sp.digamma: "digamma",
}


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
    sp.Abs: _unary(abs),
    sp.sign: _unary(_sign),
    sp.Heaviside: _heaviside,
    sp.Max: _extreme(max),
    sp.Min: _extreme(min),
    sp.KroneckerDelta: _kronecker,
    sp.Indexed: _indexed,
    sp.Sum: _big_operator(ctx.fsum),
    sp.Product: _big_operator(_product),
    sp.Integral: _integral,
    sp.Derivative: _derivative,
    sp.Piecewise: _piecewise,
    sp.factorial: _unary(lambda v: ctx.factorial(_real(v))),
    sp.floor: _unary(_floor),
    sp.ceiling: _unary(_ceiling),
    sp.re: _unary(ctx.re),
    sp.im: _unary(ctx.im),
    sp.conjugate: _unary(ctx.conj),
    sp.LambertW: _function(ctx.lambertw),
    sp.atan2: _function(lambda y, x: ctx.atan2(_real(y), _real(x))),
    sp.binomial: _function(ctx.binomial),
    sp.beta: _function(ctx.beta),
    sp.polygamma: _function(_polygamma),
    sp.uppergamma: _function(lambda a, x: ctx.gammainc(a, x, ctx.inf)),
    sp.lowergamma: _function(lambda a, x: ctx.gammainc(a, 0, x)),
    sp.betainc_regularized: _function(_betainc_regularized),
    dl.sigmoid: _unary(_sigmoid),
    dl.softplus: _unary(_softplus),
    dl.relu: _unary(lambda v: max(_real(v), 0)),
    dl.gelu: _unary(lambda v: v * _normal_cdf(v)),
    dl.normal_cdf: _unary(_normal_cdf),
    dl.normal_pdf: _unary(_normal_pdf),
}
HANDLERS.update({cls: _unary(getattr(ctx, name)) for cls, name in MPMATH_NAMES.items()})


def real_value(expr: sp.Basic, point: Point) -> Any:
    """The value at ``point`` if it is a finite real number; Unevaluable otherwise."""
    return _real(evaluate(expr, point))


#: what mpmath raises where an expression has no value (turned into Unevaluable)
_FAILURES = (ZeroDivisionError, ValueError, OverflowError, TypeError, ArithmeticError,
             RecursionError)


def value_at(expr: sp.Basic, values: dict[sp.Symbol, Any], digits: int = DIGITS) -> Any:
    """The value of ``expr`` when its symbols take ``values`` (numbers), at ``digits``."""
    point = Point({s: ctx.mpf(_as_sympy_number(v)) for s, v in values.items()}, 0,
                  digits=digits)
    return evaluate(expr, point)


def function_of(expr: sp.Basic, variable: sp.Symbol, values: dict[sp.Symbol, Any],
                digits: int = 15, magnitude: int = WIDE_MAGNITUDE) -> Callable[[Any], Any]:
    """``v -> expr(variable = v)`` as an mpmath function, the other symbols fixed at ``values``.

    What sympy's code generation for mpmath gave, without generating code: the
    parts free of ``variable`` are evaluated once, the rest by the table per call.
    Raises Unevaluable where the expression has no finite value.
    """
    point = Point({s: ctx.mpf(_as_sympy_number(v)) for s, v in values.items()}, 0,
                  digits=digits)
    body, parts = _frozen(expr, frozenset({variable}))
    try:
        with ctx.workdps(digits), _widened(magnitude):
            env = {dummy: _eval(subtree, point, {}) for subtree, dummy in parts}
    except Unevaluable:
        raise
    except _FAILURES as exc:
        raise Unevaluable(str(exc)) from None
    compiled = _compile(body)

    def at(v: Any) -> Any:
        try:
            with ctx.workdps(digits), _widened(magnitude):
                value = compiled(point, {**env, variable: ctx.convert(v)})
        except Unevaluable:
            raise
        except _FAILURES as exc:
            raise Unevaluable(str(exc)) from None
        if isinstance(value, type(ctx.mpc(0))):
            return mpmath.mpc(value.real, value.imag)
        return mpmath.mpf(value)
    return at


@contextmanager
def _widened(magnitude: int) -> Iterator[None]:
    saved, _bounds.magnitude = _bounds.magnitude, magnitude
    try:
        yield
    finally:
        _bounds.magnitude = saved


def _as_sympy_number(value: Any) -> Any:
    """A plain number, a sympy number or an mpf, as something ``ctx.mpf`` takes exactly."""
    if isinstance(value, sp.Float):
        return value._mpf_
    if isinstance(value, sp.Rational):
        return ctx.mpf(int(value.p)) / int(value.q)
    if isinstance(value, sp.Basic):
        return sp.Float(value, 40)._mpf_
    return value
