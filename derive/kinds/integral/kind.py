"""The 'integral' kind: a definite integral of the entry, step by step, then its value.

The rules are ``derive.engine.calculus.integration``'s; this module reads the
entry (integrand, variable, bounds) and says how the value is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions, symbols_for
from derive.catalogue.spec import Spec
from derive.checkcode import code, py_name, symbol_domains
from derive.engine.calculus.integration import integral_section
from derive.errors import NotSupported
from derive.kinds.base import Kind, derivation_of, parse_field
from derive.kinds.integral.fields import FIELDS
from derive.model import Derivation, Result
from derive.prose import Prose, math


@dataclass(frozen=True)
class DefiniteIntegral:
    """What an integral adds: the variable, the bounds, and what the check integrates."""

    var: sp.Symbol
    bounds: tuple[sp.Expr, sp.Expr]
    integrand: sp.Expr | None = None  # for the check, when it is not the function itself


_INFINITE = {"inf": sp.oo, "oo": sp.oo, "infinity": sp.oo, "-inf": -sp.oo, "-oo": -sp.oo,
             "-infinity": -sp.oo}


def _bound(spec: Spec, name: str, symbols: dict[str, sp.Symbol]) -> sp.Expr:
    value = spec.get(name)
    if isinstance(value, bool) or value is None:
        raise spec.error(name, "missing (a number, an expression or 'inf')")
    if isinstance(value, int | float):
        return sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value)
    if isinstance(value, str) and value.strip().lower() in _INFINITE:
        return _INFINITE[value.strip().lower()]
    if not isinstance(value, str):
        raise spec.error(name, "expected a number, an expression or 'inf'")
    return parse_field(spec, name, symbols=symbols)


def derive_integral(spec: Spec) -> Derivation:
    """A definite integral of ``integrand`` over ``var`` from ``lower`` to ``upper``."""
    assumptions = parse_assumptions(spec.assume)
    var = spec.require("var")
    names = {var} | assumptions.positive | assumptions.nonnegative | assumptions.unit_interval
    symbols = symbols_for(names, assumptions)
    f = parse_field(spec, "integrand", symbols=symbols)
    x = symbols[var]
    if not f.has(x):
        raise spec.error("integrand", f"does not depend on '{var}'")
    a, b = _bound(spec, "lower", symbols), _bound(spec, "upper", symbols)
    integral = sp.Integral(f, (x, a, b))
    try:
        section = integral_section(integral)
    except NotSupported as exc:
        raise spec.error("integrand", f"not supported: {exc}") from None
    value = section.steps[-1].after
    params = sorted(integral.free_symbols, key=lambda s: s.name)
    return derivation_of(
        spec,
        input=spec.require("integrand"),
        function=f,
        sections=(section,),
        results=(Result("value", integral, value),),
        symbols=(x, *params),
        assumptions=assumptions,
        independent={"value": sp.integrate(f, (x, a, b))},
        independent_route=Prose.of("sympy's own integration"),
        question=Prose.of("Evaluate ", math(integral), "."),
        details=DefiniteIntegral(x, (a, b)),
    )


def integral_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_integral.py.j2``: the integrand, bounds and derived value."""
    details: DefiniteIntegral = derivation.details
    x, (a, b) = details.var, details.bounds
    params = [s for s in derivation.symbols if s != x]
    integrand = details.integrand if details.integrand is not None else derivation.function
    return {
        "var": x.name,
        "params": symbol_domains(derivation, params),
        "args": ", ".join(py_name(s.name) for s in params),
        "integrand": code(integrand),
        "lower": code(a),
        "upper": code(b),
        "value": code(derivation.results[0].expr),
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The derived value against scipy quadrature at seeded random parameters."""
    return "check_integral.py.j2", integral_context(derivation)


KIND = Kind("integral", FIELDS, derive_integral, check_recipe)
