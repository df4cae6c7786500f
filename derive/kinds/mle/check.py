"""The values the MLE check script needs, printed by the NumPy printer.

The script simulates a sample from the density at chosen true parameters,
maximises the log-likelihood numerically with scipy, and compares the
maximiser with the derived estimator (and the derived score with 0 there).
"""

from __future__ import annotations

import keyword
import random
from typing import Any

import sympy as sp

from derive.checkcode import along
from derive.engine.sample.statistics import SIZE
from derive.functions import to_closed_form
from derive.kinds.mle.model import Estimation
from derive.model import Derivation
from derive.names import is_digits
from derive.numpyprint import numpy_code

SAMPLE_SIZE = 2001  # odd, so that the median is one observation


def py_name(name: str) -> str:
    """A name as a Python identifier (``lambda`` becomes ``lambda_``)."""
    return name + "_" if keyword.iskeyword(name) else name


def _code(expr: sp.Expr, size: str) -> str:
    expr = to_closed_form(expr).replace(
        sp.binomial, lambda n, k: sp.factorial(n) / (sp.factorial(k) * sp.factorial(n - k))
    )
    renamed = {
        s: sp.Symbol(py_name(s.name), **s.assumptions0)
        for s in expr.free_symbols
        if isinstance(s, sp.Symbol) and keyword.iskeyword(s.name)
    }
    return numpy_code(expr.xreplace(renamed), sample_size=f"{size}.size", helpers=True)


def _bound(value: sp.Expr, size: str) -> str:
    if value == sp.oo:
        return "np.inf"
    if value == -sp.oo:
        return "-np.inf"
    return _code(value, size)


def _true_value(symbol: sp.Symbol, derivation: Derivation, rng: random.Random) -> float:
    domain = derivation.assumptions.domain(symbol.name)
    low, high = domain.low, domain.high
    if symbol.is_positive:
        low, high = max(low, 0.5), min(high, 2.5)
    if symbol.name in derivation.assumptions.unit_interval:
        low, high = 0.2, 0.8
    return round(rng.uniform(low, high), 3)


def _matrix_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for the matrix form (``check_mle_matrix.py.j2``)."""
    details: Estimation = derivation.details
    shapes = {
        k: [v if is_digits(v) else str(MATRIX_SIZES.get(v, 3)) for v in dims]
        for k, dims in details.shapes.items()
    }
    ell = details.log_likelihood
    scalars = {py_name(s.name): 0.7 for s in ell.free_symbols if isinstance(s, sp.Symbol)}
    params = list(details.estimators)
    data_names = [k for k in shapes if k not in params] + list(scalars)
    return {
        "matrix": True,
        "shapes": shapes,
        "params": params,
        "scalars": scalars,
        "names": data_names + params,
        "data_names": data_names,
        "ell": numpy_code(ell),
        "estimators": {k: numpy_code(e) for k, e in details.estimators.items()},
        "scores": {k: numpy_code(e) for k, e in details.scores.items()},
    }


MATRIX_SIZES = {"N": 200}


def check_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_mle.py.j2``."""
    details: Estimation = derivation.details
    if details.form == "matrix":
        return _matrix_context(derivation)
    model = details.model
    size = model.var.name
    rng = random.Random(derivation.id or "mle")
    names = [py_name(p.name) for p in model.params]
    constants = {py_name(c.name): _true_value(c, derivation, rng) for c in model.constants}
    true = {py_name(p.name): _true_value(p, derivation, rng) for p in model.params}
    bounds = {}
    for p in model.params:
        if p.name in derivation.assumptions.unit_interval:
            bounds[py_name(p.name)] = "(1e-9, 1 - 1e-9)"
        elif p.is_positive:
            bounds[py_name(p.name)] = "(1e-9, None)"
        else:
            bounds[py_name(p.name)] = "(None, None)"
    estimators = {py_name(n): _code(e, size) for n, e in details.estimators.items()}
    scores = {py_name(n): _code(e, size) for n, e in details.scores.items()}
    newton = {py_name(n): _code(e, size) for n, e in details.newton.items()}
    points = model.support.points()
    free = names
    last_code = ""
    if model.constraint is not None:
        last = model.params[-1]
        (root,) = sp.solve(model.constraint, last)
        last_code = _code(root, size)
        free = names[:-1]
        for n in free:
            true[n] = round(rng.uniform(0.5, 1.0) / len(names), 3)
        true.pop(py_name(last.name))
    log_density = sp.expand_log(sp.log(model.density), force=True)
    return {
        "free": free,
        "last": py_name(model.params[-1].name) if last_code else "",
        "last_code": last_code,
        "matrix": False,
        "var": model.var.name,
        "covariates": [c.name for c in model.covariates],
        "params": names,
        "constants": constants,
        "true_values": true,
        "bounds": bounds,
        "density": along(model.density, model.var, _code(model.density, size)),
        "log_density": along(log_density, model.var, _code(log_density, size)),
        "low": _bound(model.support.low, size),
        "high": _bound(model.support.high, size),
        "discrete": model.support.discrete,
        "points": [int(p) for p in points] if points else None,
        "estimators": estimators,
        "scores": scores,
        "newton": newton,
        "maximum": details.maximum,
        "subgradient": any(s.rule == "subgradient" for s in derivation.steps),
        "sample_size": SAMPLE_SIZE,
        "size_symbol": str(SIZE),
    }
