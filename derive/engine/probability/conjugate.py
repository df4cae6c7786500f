"""Conjugate families as data: the log-kernel in the parameter, its basis, mean and variance.

Recognising a posterior is linear algebra on coefficients: the log posterior,
constants dropped, is a combination of the family's basis functions of theta
(log p and log(1 - p) for the Beta); matching coefficients reads off the
family's parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derive.notation import Notated


@dataclass(frozen=True)
class ConjugateFamily:
    """A family of distributions for a parameter theta."""

    name: str
    form: str  # its notation (derive.notation.FORMS), e.g. "Beta" for Beta(α', β')
    params: tuple[str, ...]  # names of its parameters (for the read-off)
    updated: tuple[Notated, ...]  # the posterior's parameters as written: α', β'
    basis: Callable[[sp.Symbol], tuple[sp.Expr, ...]]
    #: coefficients of the basis as functions of the family's parameters
    coefficients: Callable[..., tuple[sp.Expr, ...]]
    mean: Callable[..., sp.Expr]
    variance: Callable[..., sp.Expr]
    support: str  # "unit" | "positive" | "real"

    def log_kernel(self, theta: sp.Symbol, values: tuple[sp.Expr, ...]) -> sp.Expr:
        return sp.Add(
            *[c * b for c, b in zip(self.coefficients(*values), self.basis(theta), strict=True)]
        )


def _primed(name: str, **assumptions: bool) -> Notated:
    return Notated("primed", sp.Symbol(name), **assumptions)


CONJUGATE_FAMILIES: dict[str, ConjugateFamily] = {
    "beta": ConjugateFamily(
        "beta",
        "Beta",
        ("a", "b"),
        (_primed("alpha", positive=True), _primed("beta", positive=True)),
        lambda t: (sp.log(t), sp.log(1 - t)),
        lambda a, b: (a - 1, b - 1),
        lambda a, b: a / (a + b),
        lambda a, b: a * b / ((a + b) ** 2 * (a + b + 1)),
        "unit",
    ),
    "gamma": ConjugateFamily(
        "gamma",
        "Gamma",
        ("a", "b"),
        (_primed("alpha", positive=True), _primed("beta", positive=True)),
        lambda t: (sp.log(t), t),
        lambda a, b: (a - 1, -b),
        lambda a, b: a / b,
        lambda a, b: a / b**2,
        "positive",
    ),
    "normal": ConjugateFamily(
        "normal",
        "Normal",
        ("m", "s2"),
        (_primed("m", real=True), Notated("primed square", sp.Symbol("s"), positive=True)),
        lambda t: (t**2, t),
        lambda m, s2: (-1 / (2 * s2), m / s2),
        lambda m, s2: m,
        lambda m, s2: s2,
        "real",
    ),
}


def read_off(
    family: ConjugateFamily, coefficients: tuple[sp.Expr, ...]
) -> tuple[sp.Expr, ...] | None:
    """The family's parameters whose log-kernel has these coefficients."""
    unknowns = [sp.Dummy(n) for n in family.params]
    equations = [
        sp.Eq(c, k) for c, k in zip(family.coefficients(*unknowns), coefficients, strict=True)
    ]
    found = sp.solve(equations, unknowns, dict=True)
    if len(found) != 1:
        return None
    return tuple(sp.simplify(found[0][u]) for u in unknowns)
