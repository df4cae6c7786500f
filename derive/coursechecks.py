"""Check-script contexts for the course kinds (integrals, descent methods, bounds).

Each builder turns a verified derivation into the values its template needs:
every formula printed by the NumPy printer from the same sympy expressions.
"""

from __future__ import annotations

import keyword
from typing import Any

import sympy as sp

from derive.model import Derivation
from derive.printing import numpy_code


def py_name(name: str) -> str:
    """A symbol's name as a Python identifier (``lambda`` becomes ``lambda_``)."""
    return name + "_" if keyword.iskeyword(name) else name


def code(expr: Any) -> str:
    """NumPy code with keyword-named symbols renamed."""
    renamed = {s: sp.Symbol(py_name(s.name), **s.assumptions0)
               for s in expr.free_symbols if isinstance(s, sp.Symbol) and keyword.iskeyword(s.name)}
    return numpy_code(expr.xreplace(renamed) if renamed else expr)


def symbol_domains(derivation: Derivation, symbols: Any) -> list[dict[str, str]]:
    """Sampling intervals for the check's random points, from the stated assumptions."""
    out = []
    for s in symbols:
        domain = derivation.assumptions.domain(s.name)
        low, high = domain.low, domain.high
        if s.is_positive and low <= 0:
            low = 0.2
        out.append({"name": py_name(s.name), "low": repr(float(low)), "high": repr(float(high))})
    return out


def integral_context(derivation: Derivation) -> dict[str, Any]:
    x = derivation.extras["var"]
    a, b = derivation.extras["bounds"]
    params = [s for s in derivation.symbols if s != x]
    integrand = derivation.extras.get("check_integrand", derivation.function)
    return {
        "var": x.name,
        "params": symbol_domains(derivation, params),
        "args": ", ".join(py_name(s.name) for s in params),
        "integrand": code(integrand),
        "lower": code(a),
        "upper": code(b),
        "value": code(derivation.results[0].expr),
    }


def series_context(derivation: Derivation) -> dict[str, Any]:
    """Descent methods: the objective, the derived iterates, the method's settings."""
    w, start = derivation.extras["var"], derivation.extras["start"]
    params = [s for s in derivation.symbols if s != w]
    return {
        "var": w.name,
        "params": symbol_domains(derivation, params),
        "args": ", ".join(py_name(s.name) for s in params),
        "fargs": ", ".join(py_name(s.name) for s in params if s != start),
        "objective": code(derivation.function),
        "method": derivation.extras["method"],
        "iterates": [code(e) for e in derivation.extras["iterates"]],
        "start": derivation.extras["start"].name,
        "contraction": (code(derivation.extras["contraction"])
                        if "contraction" in derivation.extras else None),
        "step_limit": (code(derivation.extras["step_limit"])
                       if "step_limit" in derivation.extras else None),
        "minimiser": (code(derivation.extras["minimiser"])
                      if "minimiser" in derivation.extras else None),
    }


def bound_context(derivation: Derivation) -> dict[str, Any]:
    """Vanishing gradients: the network, its derived gradient and the bound."""
    extras = derivation.extras
    z = extras["z"]
    return {
        "activation": code(extras["activation"]),
        "derivative": code(extras["derivative"]),
        "z": z.name,
        "peak": code(extras["peak"]),
        "network": code(derivation.function),
        "gradient": code(extras["gradient"]),
        "bound": code(extras["bound"]),
        "args": ", ".join(s.name for s in derivation.symbols),
        "input": extras["input_symbol"].name,
        "weights": [s.name for s in extras["weights"]],
    }


#: kind -> (template, context builder), merged into ``derive.checkcode.CHECKS``.
COURSE_CHECKS: dict[str, tuple[str, Any]] = {
    "integral": ("check_integral.py.j2", integral_context),
    "kl-gaussian": ("check_integral.py.j2", integral_context),
    "descent": ("check_descent.py.j2", series_context),
    "vanishing": ("check_vanishing.py.j2", bound_context),
}

__all__ = ["COURSE_CHECKS", "sp"]
