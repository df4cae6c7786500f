"""Check-script contexts for probability, statistics and linear algebra kinds.

Each builder prints, with the project's NumPy printer, the same sympy
expressions the derivation proved; the templates only arrange them.
"""

from __future__ import annotations

import json
from typing import Any

import sympy as sp

from derive.coursechecks import code, py_name
from derive.model import Derivation


def _domains(derivation: Derivation, symbols: Any) -> dict[str, tuple[float, float]]:
    out = {}
    for s in symbols:
        domain = derivation.assumptions.domain(s.name)
        low = 0.2 if s.is_positive and domain.low <= 0 else domain.low
        out[py_name(s.name)] = (float(low), float(domain.high))
    return out


def moments_context(derivation: Derivation) -> dict[str, Any]:
    x = sp.Symbol(derivation.extras["var"], real=True)
    params = [py_name(s.name) for s in derivation.symbols]
    lo, hi = derivation.extras["support"]
    return {
        "args": ", ".join(params),
        "density": code(derivation.function.xreplace({x: sp.Symbol("x")})),
        "support": f"({_bound(lo)}, {_bound(hi)})",
        "results": [{"name": r.name, "code": code(r.expr)} for r in derivation.results],
        "domains": repr(_domains(derivation, derivation.symbols)),
        "ordered": repr(tuple(derivation.extras.get("ordered", ()))),
    }


def _bound(value: sp.Expr) -> str:
    if value == sp.oo:
        return "np.inf"
    if value == -sp.oo:
        return "-np.inf"
    return code(value)


def expectation_context(derivation: Derivation) -> dict[str, Any]:
    names = [*derivation.extras["random"], *derivation.extras["constants"]]
    return {
        "args": ", ".join(py_name(n) for n in names),
        "claims": [{"name": r.name, "lhs": code(r.label), "rhs": code(r.expr)}
                   for r in derivation.results],
        "random": derivation.extras["random"],
        "constants": [py_name(n) for n in derivation.extras["constants"]],
    }


def inference_context(derivation: Derivation) -> dict[str, Any]:
    extras = derivation.extras
    return {
        "task": extras["task"],
        "data": json.dumps(extras["data"]),
        "level": repr(extras["level"]),
        "derived": repr(extras["values"]),
    }


#: estimator -> numpy code over samples in the rows of x (the estimator's definition).
ESTIMATORS = {
    "sample-mean": "x.mean(axis=1)",
    "mle-variance": "((x - x.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)",
}


def sampling_context(derivation: Derivation) -> dict[str, Any]:
    from derive.engine.probability.expectation import RandomVariable, StdDev

    x = RandomVariable("X")
    result = derivation.results[0].expr
    plain = result.xreplace({StdDev(x): sp.sqrt(sp.Symbol("sigma2"))}).subs(
        {sp.Symbol("N", integer=True, positive=True): sp.Symbol("N")})
    plain = plain.replace(lambda e: type(e).__name__ == "Mean", lambda e: sp.Symbol("mu"))
    return {"estimator": ESTIMATORS[derivation.extras["estimator"]], "result": code(plain)}


def linalg_context(derivation: Derivation) -> dict[str, Any]:
    extras = derivation.extras
    derived: dict[str, Any] = {}
    for r in derivation.results:
        value = r.expr
        derived[r.name] = value.tolist() if hasattr(value, "tolist") else value
    derived = {k: [[float(c) for c in row] for row in v] if isinstance(v, list) else float(v)
               for k, v in derived.items()}
    if extras["task"] == "eigen":
        derived = {"eigenvalues": extras["eigenvalues"], "eigenvectors": extras["eigenvectors"]}
    return {"task": extras["task"], "A": json.dumps(extras["A"]),
            "B": json.dumps(extras["B"]) if extras["B"] else "", "derived": repr(derived)}


#: kind -> (template name, context builder)
MATH_CHECKS: dict[str, tuple[str, Any]] = {
    "moments": ("check_moments.py.j2", moments_context),
    "expectation": ("check_expectation.py.j2", expectation_context),
    "inference": ("check_inference.py.j2", inference_context),
    "sampling": ("check_sampling.py.j2", sampling_context),
    "linalg": ("check_linalg.py.j2", linalg_context),
}
