"""Derivation + its kind's recipe -> standalone numeric check script (numpy only, exits 0 or 1).

The helpers here print, with the project's NumPy printer, the same sympy
expressions the derivation proved; each kind's recipe (``derive.kinds``) picks
its template and the values it needs.
"""

from __future__ import annotations

import keyword
from pathlib import Path
from typing import Any

import sympy as sp

from derive.model import Derivation
from derive.printing import numpy_code
from derive.render import environment

SEED = 20261121


def py_name(name: str) -> str:
    """A symbol's name as a Python identifier (``lambda`` becomes ``lambda_``)."""
    return name + "_" if keyword.iskeyword(name) else name


def code(expr: Any, inputs: Any = None) -> str:
    """NumPy code with keyword-named symbols renamed; sizes read off ``inputs``' arrays."""
    renamed = {s: sp.Symbol(py_name(s.name), **s.assumptions0)
               for s in expr.free_symbols if isinstance(s, sp.Symbol) and keyword.iskeyword(s.name)}
    return numpy_code(expr.xreplace(renamed) if renamed else expr, inputs)


def symbol_domains(derivation: Derivation, symbols: Any) -> list[dict[str, str]]:
    """Sampling intervals for the check's random points, from the stated assumptions."""
    return [{"name": name, "low": repr(low), "high": repr(high)}
            for name, (low, high) in domain_table(derivation, symbols).items()]


def domain_table(derivation: Derivation, symbols: Any) -> dict[str, tuple[float, float]]:
    """The same intervals as a table ``name -> (low, high)``."""
    return {py_name(s.name): derivation.assumptions.interval(s.name, bool(s.is_positive),
                                                              bool(s.is_nonnegative))
            for s in symbols}


def render_check(derivation: Derivation, recipe: tuple[str, dict[str, Any]],
                 templates: Path | None = None) -> str:
    """The source of ``check_<id>.py`` from a kind's recipe (template name, context)."""
    template, context = recipe
    values = {"id": derivation.id or "expr", "title": derivation.title, "seed": SEED}
    values.update(context)
    return environment(templates, latex_syntax=False).get_template(template).render(values)
