"""Definite integrals and fast integrands: mpmath quadrature over the evaluator's table.

A quadrature evaluates its integrand at a thousand nodes, so the tree is turned
once into nested Python closures (no generated code), its parts free of the
variable are evaluated once per point, and the interval is split at kinks and
Gaussian peaks. ``function_of`` gives the same fast closure to other callers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp
from mpmath.calculus.quadrature import TanhSinh
from sympy.concrete.expr_with_limits import ExprWithLimits

from derive import functions as dl
from derive.numeric.context import (
    QUADRATURE_DEGREE,
    QUADRATURE_TOLERANCE,
    WIDE_MAGNITUDE,
    Unevaluable,
    _check,
    _widened,
    ctx,
)
from derive.numeric.evaluate import (
    _FAILURES,
    HANDLERS,
    _as_sympy_number,
    _eval,
    _exp_value,
    _general_power,
    _handler,
    _integer_power,
    _number_value,
    _real,
    _symbol,
)
from derive.numeric.points import Point

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


HANDLERS[sp.Integral] = _integral  # the evaluator's rule for definite integrals


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
