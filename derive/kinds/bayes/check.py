"""The values the Bayes check script needs: the model's code and the derived posterior moments."""

from __future__ import annotations

import random
from typing import Any

import sympy as sp

from derive.kinds.mle.check import _bound, _code, _true_value, py_name
from derive.model import Derivation

SAMPLE_SIZE = 40  # few observations, so that the prior still matters


def check_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_bayes.py.j2``."""
    details = derivation.details  # a Posterior
    model = details.model
    size = model.var.name
    rng = random.Random(derivation.id or "bayes")
    (theta,) = model.params
    constants = {py_name(c.name): _true_value(c, derivation, rng) for c in model.constants}
    true = {py_name(theta.name): _true_value(theta, derivation, rng)}
    family = details.family
    grid = {"beta": ("1e-12", "1 - 1e-12"), "gamma": ("1e-12", None), "normal": (None, None)}[
        family
    ]
    moments = {
        r.name: _code(r.expr, size) for r in derivation.results if r.name.startswith("posterior_")
    }
    return {
        "var": model.var.name,
        "covariates": [c.name for c in model.covariates],
        "param": py_name(theta.name),
        "params": [py_name(theta.name)],
        "constants": constants,
        "true_values": true,
        "density": _code(model.density, size),
        "log_density": _code(sp.expand_log(sp.log(model.density), force=True), size),
        "log_prior": _code(sp.expand_log(sp.log(details.prior), force=True), size),
        "low": _bound(model.support.low, size),
        "high": _bound(model.support.high, size),
        "discrete": model.support.discrete,
        "points": [int(p) for p in model.support.points()] if model.support.points() else None,
        "grid_low": grid[0],
        "grid_high": grid[1],
        "mean": moments["posterior_mean"],
        "variance": moments["posterior_variance"],
        "sample_size": SAMPLE_SIZE,
    }
