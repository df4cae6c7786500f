"""The 'moments' kind: E[X], E[X^2] and Var X of a named family, by integration.

For a named family (uniform, exponential, Gaussian) the engine writes E[X] and
E[X^2] as integrals over the support, integrates rule by rule
(derive.engine.probability.integrals) and derives Var X = E[X^2] - (E X)^2; each
result is also compared with mpmath quadrature at random parameter values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.checkcode import code, domain_table, py_name
from derive.engine.probability.integrals import (
    NumericIntegral,
    integration_steps,
    substitution_step,
)
from derive.kinds.base import Kind, derivation_of
from derive.kinds.moments.fields import FIELDS
from derive.model import Assumptions, Derivation, Result, Section, Step
from derive.printing import Label
from derive.prose import Prose, Tex, math, tex


class DensityE(sp.Function):
    """``E[g(X)]`` under a given density: by definition the integral of g p over the support."""

    nargs = 5

    def doit(self, deep: bool = True, **hints: Any) -> sp.Expr:
        g, x, lo, hi, density = self.args
        return sp.Integral(g * density, (x, lo, hi)).doit()

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        g, x = self.args[:2]
        tex = rf"\mathbb{{E}}\left[{printer._print(g.xreplace({x: sp.Symbol('X')}))}\right]"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex


@dataclass(frozen=True)
class DensityFamily:
    """A named density: its parameters, support and formula in the variable x."""

    params: tuple[tuple[str, dict[str, bool]], ...]
    support: Callable[[dict[str, sp.Symbol]], tuple[sp.Expr, sp.Expr]]
    density: Callable[[sp.Symbol, dict[str, sp.Symbol]], sp.Expr]
    notation: Tex  # X ~ N(mu, sigma^2)
    sentences: tuple[str, ...]
    standardise: bool = False  # substitute z = (x - mu)/sigma first


DENSITY_FAMILIES: dict[str, DensityFamily] = {
    "uniform": DensityFamily(
        (("a", {"real": True}), ("b", {"real": True})),
        lambda p: (p["a"], p["b"]),
        lambda x, p: 1 / (p["b"] - p["a"]),
        Tex(r"$X \sim \mathcal{U}(a, b)$", "X ~ U(a, b)"),
        ("a < b",),
    ),
    "exponential": DensityFamily(
        (("lambda", {"positive": True}),),
        lambda p: (sp.S.Zero, sp.oo),
        lambda x, p: p["lambda"] * sp.exp(-p["lambda"] * x),
        Tex(r"$X \sim \operatorname{Exp}(\lambda)$", "X ~ Exp(lambda)"),
        ("lambda > 0",),
    ),
    "gaussian": DensityFamily(
        (("mu", {"real": True}), ("sigma", {"positive": True})),
        lambda p: (-sp.oo, sp.oo),
        lambda x, p: sp.exp(-((x - p["mu"]) ** 2) / (2 * p["sigma"] ** 2))
        / (sp.sqrt(2 * sp.pi) * p["sigma"]),
        Tex(r"$X \sim \mathcal{N}(\mu, \sigma^2)$", "X ~ N(mu, sigma^2)"),
        ("sigma > 0",),
        standardise=True,
    ),
}


def _moment_section(title: Prose, g: sp.Expr, x: sp.Symbol, family: DensityFamily,
                    params: dict[str, sp.Symbol]) -> Section:
    lo, hi = family.support(params)
    density = family.density(x, params)
    label = DensityE(g, x, lo, hi, density)
    integral = sp.Integral(g * density, (x, lo, hi))
    steps = [Step(label, integral, "definition",
                  Prose.of(tex(r"$\int g(x)\,p(x)\,dx$", "int g(x) p(x) dx"), " over the support"))]
    current = integral
    if family.standardise:
        z = sp.Symbol("z", real=True)
        step = substitution_step(integral, z, params["mu"], params["sigma"])
        steps.append(step)
        current = step.after
    steps += integration_steps(current)
    current = steps[-1].after
    tidy = sp.factor(sp.cancel(current))
    if tidy != current:
        steps.append(Step(current, tidy, "cancel"))
    return Section(title, label, tuple(steps), lhs=None)


def _lengths_positive(expr: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """(a - b)^2 as (b - a)^2: an even power of the support's length, written positive."""
    if lo.is_infinite or hi.is_infinite:
        return expr
    return expr.replace(
        lambda e: isinstance(e, sp.Pow) and e.base == lo - hi and e.exp.is_even,
        lambda e: (hi - lo) ** e.exp)


@dataclass(frozen=True)
class Moments:
    """What moments of a family add: its name, the variable, the support, ordered parameters."""

    family: str
    var: str
    support: tuple[sp.Expr, sp.Expr]
    ordered: tuple[str, ...] = ()  # parameters drawn in increasing order (a < b)


def derive_moments(spec: Spec) -> Derivation:
    """E[X], E[X^2] and Var X of a named family, by integration."""
    name = spec.require("family")
    family = DENSITY_FAMILIES.get(name)
    if family is None:
        known = ", ".join(DENSITY_FAMILIES)
        raise spec.error("family", f"unknown family {name!r} (known: {known})")
    params = {p: sp.Symbol(p, **facts) for p, facts in family.params}
    x = sp.Symbol("x", real=True)
    lo, hi = family.support(params)
    density = family.density(x, params)
    mean_title = Prose.of("The mean ", Tex(r"$\mathbb{E}[X]$", "E[X]"))
    second_title = Prose.of("The second moment ", Tex(r"$\mathbb{E}[X^2]$", "E[X^2]"))
    mean = _moment_section(mean_title, x, x, family, params)
    second = _moment_section(second_title, x**2, x, family, params)
    m1, m2 = mean.steps[-1].after, second.steps[-1].after
    e1, e2 = DensityE(x, x, lo, hi, density), DensityE(x**2, x, lo, hi, density)
    shortcut = e2 - e1**2
    substituted = m2 - m1**2
    variance = _lengths_positive(sp.factor(sp.simplify(substituted)), lo, hi)
    var_steps = [Step(shortcut, substituted, "substitute", Prose.of("the two moments above"))]
    if variance != substituted:
        var_steps.append(Step(substituted, variance, "factor"))
    var_label = Label(r"\operatorname{Var} X", "Var X")
    variance_section = Section(Prose.of("The variance"), shortcut, tuple(var_steps), lhs=var_label)
    sections = (mean, second, variance_section)
    quad = {
        "mean": NumericIntegral(x * density, (x, lo, hi)),
        "second moment": NumericIntegral(x**2 * density, (x, lo, hi)),
        "variance": NumericIntegral((x - m1) ** 2 * density, (x, lo, hi)),
    }
    assumptions = Assumptions(
        positive=frozenset(p for p, facts in family.params if facts.get("positive")),
        sentences=family.sentences,
    )
    return derivation_of(
        spec,
        input=name,
        function=density,
        sections=sections,
        results=(
            Result("mean", e1, m1),
            Result("second moment", e2, m2),
            Result("variance", var_label, variance),
        ),
        symbols=tuple(params.values()),
        assumptions=assumptions,
        independent=quad,
        independent_route=Prose.of("numerical quadrature with mpmath at 30 digits"),
        question=Prose.of("For ", family.notation, " with density ",
                          math(Label("p(x)", "p(x)"), density), " on ",
                          math(sp.Interval(lo, hi)),
                          ", find the mean, the second moment and the variance."),
        method=(Prose.of("The script below integrates in floating point (scipy's quad)."),),
        details=Moments(name, "x", (lo, hi), ("a", "b") if name == "uniform" else ()),
    )


def _bound(value: sp.Expr) -> str:
    if value == sp.oo:
        return "np.inf"
    if value == -sp.oo:
        return "-np.inf"
    return code(value)


def moments_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_moments.py.j2``: the density, its support, the moments."""
    details: Moments = derivation.details
    x = sp.Symbol(details.var, real=True)
    params = [py_name(s.name) for s in derivation.symbols]
    lo, hi = details.support
    return {
        "args": ", ".join(params),
        "density": code(derivation.function.xreplace({x: sp.Symbol("x")})),
        "support": f"({_bound(lo)}, {_bound(hi)})",
        "results": [{"name": r.name, "code": code(r.expr)} for r in derivation.results],
        "domains": repr(domain_table(derivation, derivation.symbols)),
        "ordered": repr(tuple(details.ordered)),
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The derived moments against scipy quadrature of the density."""
    return "check_moments.py.j2", moments_context(derivation)


KIND = Kind("moments", FIELDS, derive_moments, check_recipe)
