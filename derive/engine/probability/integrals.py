"""Definite integrals of moments step by step: the rules a lecturer names, one per line.

Integrals stay ``sympy.Integral`` objects and antiderivatives evaluated at the
limits stay ``Bracket`` objects until a rule acts on them, so each line of the
worksheet is a checkable equality. Each step applies the first rule (in the
order of ``RULE_ORDER``) that fits some integral, to every integral it fits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp
from mpmath.libmp import prec_to_dps

from derive import numeric
from derive.model import Step
from derive.prose import Prose, math


class Bracket(sp.Function):
    """``[F(x)]_a^b = F(b) - F(a)``, a limit where a bound is infinite."""

    nargs = 4

    def doit(self, deep: bool = True, **hints: Any) -> sp.Expr:
        f, x, a, b = self.args
        return _at(f, x, b) - _at(f, x, a)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        f, _, a, b = self.args
        return rf"\Big[{printer._print(f)}\Big]_{{{printer._print(a)}}}^{{{printer._print(b)}}}"


def _at(f: sp.Expr, x: sp.Symbol, value: sp.Expr) -> sp.Expr:
    if value.is_infinite:
        return sp.limit(f, x, value)
    return f.subs(x, value)


class NumericIntegral(sp.Integral):
    """An integral that is only ever evaluated by quadrature (mpmath), never symbolically."""

    def doit(self, **hints: Any) -> NumericIntegral:
        return self

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        """Quadrature by ``derive.numeric`` once every parameter is a number."""
        if self.free_symbols:
            return None
        digits = prec_to_dps(prec)
        try:
            return sp.Float(numeric.value_at(self, {}, digits=digits), digits)
        except numeric.Unevaluable:
            return None


def _parts(integral: sp.Integral) -> tuple[sp.Expr, sp.Symbol, sp.Expr, sp.Expr]:
    (x, lo, hi), = integral.limits
    return integral.function, x, lo, hi


def _sum_rule(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    # a constant common to every term (the 1/sqrt(2 pi) of phi) stays outside, once
    constant, rest = f.as_independent(x, as_Add=False)
    expanded = sp.expand(rest)
    if not isinstance(expanded, sp.Add):
        return None
    return constant * sp.Add(*(sp.Integral(term, (x, lo, hi)) for term in expanded.args))


def _constant_multiple(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    constant, rest = f.as_independent(x, as_Add=False)
    if constant == 1:
        # exp(-(x - mu)^2/(2 s^2)) / sqrt(2 pi s^2): split the exponential's constant part too.
        return None
    return constant * sp.Integral(rest, (x, lo, hi))


def _degree(f: sp.Expr, x: sp.Symbol) -> sp.Integer | None:
    """n when ``f`` is the monomial ``x^n`` (n = 0, 1, 2, ...), else None."""
    if f == 1:
        return sp.S.Zero
    base, n = f.as_base_exp()
    return n if base == x and n.is_Integer and n >= 0 else None


def _power(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    if lo.is_infinite or hi.is_infinite:
        return None
    n = _degree(f, x)
    if n is None:
        return None
    return Bracket(x ** (n + 1) / (n + 1), x, lo, hi)


def _exponent(f: sp.Expr, x: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """``x^n exp(c x)`` -> (n, c) with c free of x."""
    factors = sp.Mul.make_args(f)
    exps = [g for g in factors if isinstance(g, sp.exp)]
    if len(exps) != 1:
        return None
    rest = sp.Mul(*(g for g in factors if g is not exps[0]))
    c = sp.expand(exps[0].args[0] / x)
    if c.has(x):
        return None
    n = _degree(rest, x)
    return None if n is None else (n, c)


def _exponential(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    found = _exponent(f, x)
    if found is None or found[0] != 0:
        return None
    return Bracket(f / found[1], x, lo, hi)


def _by_parts_exponential(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    found = _exponent(f, x)
    if found is None or found[0] < 1:
        return None
    n, c = found
    e = sp.exp(c * x)
    return Bracket(x**n * e / c, x, lo, hi) - (n / c) * sp.Integral(x ** (n - 1) * e, (x, lo, hi))


def _gaussian_power(f: sp.Expr, x: sp.Symbol) -> sp.Expr | None:
    """``z^n exp(-z^2/2)`` -> n."""
    factors = sp.Mul.make_args(f)
    kernel = sp.exp(-(x**2) / 2)
    if kernel not in factors:
        return None
    rest = sp.Mul(*(g for g in factors if g != kernel))
    return _degree(rest, x)


def _whole_line(lo: sp.Expr, hi: sp.Expr) -> bool:
    return lo == -sp.oo and hi == sp.oo


def _odd(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    n = _gaussian_power(f, x)
    return sp.S.Zero if n is not None and n % 2 == 1 and _whole_line(lo, hi) else None


def _gaussian_integral(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    return sp.sqrt(2 * sp.pi) if _gaussian_power(f, x) == 0 and _whole_line(lo, hi) else None


def _by_parts_gaussian(integral: sp.Integral) -> sp.Expr | None:
    f, x, lo, hi = _parts(integral)
    n = _gaussian_power(f, x)
    if n is None or n < 2 or n % 2 == 1:
        return None
    kernel = sp.exp(-(x**2) / 2)
    # u = z^(n-1), dv = z e^{-z^2/2} dz, v = -e^{-z^2/2}
    return (Bracket(-(x ** (n - 1)) * kernel, x, lo, hi)
            + (n - 1) * sp.Integral(x ** (n - 2) * kernel, (x, lo, hi)))


Rule = Callable[[sp.Integral], sp.Expr | None]

#: rule name -> how it rewrites one integral; tried in this order.
RULE_ORDER: tuple[tuple[str, Rule], ...] = (
    ("sum rule", _sum_rule),
    ("constant multiple", _constant_multiple),
    ("odd integrand", _odd),
    ("gaussian integral", _gaussian_integral),
    ("power rule", _power),
    ("exponential rule", _exponential),
    ("integration by parts", _by_parts_exponential),
    ("integration by parts", _by_parts_gaussian),
)


def _apply(expr: sp.Expr, rule: Rule) -> sp.Expr | None:
    changed = False

    def rewrite(integral: sp.Integral) -> sp.Expr:
        nonlocal changed
        new = rule(integral)
        if new is None:
            return integral
        changed = True
        return new

    result = expr.replace(lambda e: type(e) is sp.Integral, rewrite)
    return _settled(result) if changed else None


def _settled(expr: sp.Expr) -> sp.Expr:
    """c (I + v): the terms v without an integral leave the bracket (c v is a number now,
    sqrt(2 pi) mu^2 / sqrt(2 pi) = mu^2), the integrals keep their common constant c."""
    if not isinstance(expr, sp.Mul):
        return expr
    sums = [f for f in expr.args if isinstance(f, sp.Add)]
    if len(sums) != 1:
        return expr
    (inner,) = sums
    c = expr / inner
    done = [t for t in inner.args if not t.has(sp.Integral)]
    if not done or c.has(sp.Integral):
        return expr
    rest = sp.Add(*(t for t in inner.args if t.has(sp.Integral)))
    return c * rest + sp.Add(*(c * t for t in done))


def integration_steps(expr: sp.Expr, limit: int = 40) -> list[Step]:
    """Steps from an expression holding integrals to one free of integrals and brackets."""
    steps: list[Step] = []
    while len(steps) < limit:
        if expr.has(Bracket):
            after = expr.replace(lambda e: isinstance(e, Bracket), lambda e: e.doit())
            steps.append(Step(expr, after, "evaluate", Prose.of("at the limits")))
            expr = after
            continue
        for name, rule in RULE_ORDER:
            after = _apply(expr, rule)
            if after is not None:
                steps.append(Step(expr, after, name))
                expr = after
                break
        else:
            return steps
    raise RuntimeError("integration did not finish")  # pragma: no cover - rule bug


def substitution_step(integral: sp.Integral, z: sp.Symbol, center: sp.Expr,
                      scale: sp.Expr) -> Step:
    """``x = center + scale z`` (scale > 0): limits stay, dx = scale dz."""
    f, x, lo, hi = _parts(integral)
    g = f.subs(x, center + scale * z) * scale  # g(mu + sigma z) phi(z): not expanded yet
    return Step(integral, sp.Integral(g, (z, lo, hi)), "substitute",
                Prose.of(math(x, center + scale * z)))
