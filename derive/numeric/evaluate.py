"""Evaluate a sympy expression at a point with mpmath, by a table of node types.

Much faster than ``expr.subs(...).evalf()`` (microseconds per node), so an
equality is tested at two dozen points in milliseconds; no code is generated
(nothing derived from user input is ever exec'd). Sums and products over a
concrete range, piecewise expressions and the project's own classes that carry
``_mp_eval(evaluate, env)`` are evaluated here; definite integrals by
``derive.numeric.quadrature``, which adds its rule to ``HANDLERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

import sympy as sp

from derive import functions as dl
from derive.numeric.context import (
    DIGITS,
    MAX_TERMS,
    OWN_EXTRA,
    NoRule,
    Unevaluable,
    _bounds,
    _check,
    ctx,
)
from derive.numeric.points import Point


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


def _as_sympy_number(value: Any) -> Any:
    """A plain number, a sympy number or an mpf, as something ``ctx.mpf`` takes exactly."""
    if isinstance(value, sp.Float):
        return value._mpf_
    if isinstance(value, sp.Rational):
        return ctx.mpf(int(value.p)) / int(value.q)
    if isinstance(value, sp.Basic):
        return sp.Float(value, 40)._mpf_
    return value
