"""Derivations as the JSON of the contract (DESIGN.md, 'JSON — contract'): the shared fields.

Each kind's record (``derive.kinds``) says which fields its JSON has; the default
is ``result_json``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.model import Derivation
from derive.numpyprint import numpy_code
from derive.printing import latex
from derive.textprint import prose_text


def _defined(expr: Any) -> Any:
    """Display wrappers (a name the sheet gives, p_1 for a softmax output; 'const') replaced
    by what they stand for, so that the srepr evaluates with sympy and derive's functions."""
    if not isinstance(expr, sp.Basic):
        return expr
    return expr.replace(lambda e: getattr(e, "transparent", False),
                        lambda e: e.doit(deep=False))


def expression_fields(expr: Any, inputs: Any = None) -> dict[str, str]:
    """One expression in the four forms of the contract; matrix sizes in its NumPy code are
    read off the arrays of ``inputs`` (the function) when the expression holds none."""
    return {
        "latex": latex(expr),
        "sympy": sp.srepr(_defined(expr)),
        "text": sp.sstr(expr),
        "numpy": numpy_code(expr, inputs),
    }


def steps_json(derivation: Derivation) -> list[dict[str, Any]]:
    """Each step's rule, right-hand side, proof and the title of its section (plain text)."""
    return [
        {"rule": s.rule, "latex": latex(s.after), "verified": s.verified or None,
         "section": prose_text(section.title)}
        for section in derivation.sections
        for s in section.steps
    ]


def result_json(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    """The JSON of a kind with no fields of its own: its results under "result"."""
    return {
        "kind": derivation.kind,
        "input": derivation.input,
        "steps": steps_json(derivation),
        "result": {r.name: expression_fields(r.expr) for r in derivation.results},
        "check": check,
    }
