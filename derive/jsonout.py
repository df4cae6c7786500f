"""Derivations as the JSON of the contract (DESIGN.md, 'JSON — contract')."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from derive.model import Derivation
from derive.printing import latex, numpy_code


def expression_fields(expr: Any, inputs: Any = None) -> dict[str, str]:
    """One expression in the four forms of the contract; matrix sizes in its NumPy code are
    read off the arrays of ``inputs`` (the function) when the expression holds none."""
    return {
        "latex": latex(expr),
        "sympy": sp.srepr(expr),
        "text": sp.sstr(expr),
        "numpy": numpy_code(expr, inputs),
    }


def steps_json(derivation: Derivation) -> list[dict[str, Any]]:
    return [
        {"rule": s.rule, "latex": latex(s.after), "verified": s.verified or None}
        for s in derivation.steps
    ]


def _gradient(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    hessians = derivation.extras.get("hessians", {})
    return {
        "kind": "gradient",
        "input": derivation.input,
        "steps": steps_json(derivation),
        "gradient": {
            r.name: expression_fields(r.expr, derivation.function)
            for r in derivation.results if r.name not in hessians
        },
        **({"hessian": {hessians[r.name]: expression_fields(r.expr, derivation.function)
                        for r in derivation.results if r.name in hessians}} if hessians else {}),
        "check": check,
    }


def _backprop(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    """A gradient whose forward pass is a list: the deltas of the recursion come along."""
    names = set(derivation.extras.get("definitions", ()))
    out = _gradient(derivation, check)
    out["gradient"] = {k: v for k, v in out["gradient"].items() if k not in names}
    out["deltas"] = {r.name: expression_fields(r.expr) for r in derivation.results
                     if r.name in names}
    return out


def _mle(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    model = derivation.extras.get("model")
    size = {"sample_size": f"{model.var.name}.size"} if model is not None else {}
    if "sample_size_code" in derivation.extras:  # a sample stacked as the rows of a matrix
        size = {"sample_size": derivation.extras["sample_size_code"]}
    estimator = {}
    for name, expr in derivation.extras["estimators"].items():
        fields = expression_fields(expr)
        fields["numpy"] = numpy_code(expr, **size)
        estimator[name] = fields
    return {
        "kind": "mle",
        "input": derivation.input,
        "steps": steps_json(derivation),
        "estimator": estimator,
        "maximum": derivation.extras["maximum"],
        "check": check,
    }


#: kind -> JSON builder. Other kinds register theirs here.
BUILDERS: dict[str, Callable[[Derivation, dict[str, Any]], dict[str, Any]]] = {
    "gradient": _gradient,
    "backprop": _backprop,
    "mle": _mle,
}


def derivation_json(derivation: Derivation, check: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contract's JSON for a derivation of any kind."""
    check = check or {"script": None, "passed": None}
    builder = BUILDERS.get(derivation.kind)
    if builder is not None:
        return builder(derivation, check)
    return {
        "kind": derivation.kind,
        "input": derivation.input,
        "steps": steps_json(derivation),
        "result": {r.name: expression_fields(r.expr) for r in derivation.results},
        "check": check,
    }
