"""The statistical model behind an 'mle' or 'bayes' spec: density, sample, parameters.

Parses the density, gives every name its assumptions (parameters positive
unless told otherwise; a parameter that appears as ``1 - p`` is a
probability), finds or reads the support, rejects expressions that are not a
density of the variable, and knows how one observation ``x_i`` is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions, symbol_for
from derive.catalogue.fields import Text, typed_expression
from derive.catalogue.spec import Spec
from derive.engine.sample import support as supports
from derive.engine.sample.likelihood import SampleModel
from derive.errors import InputError
from derive.kinds.base import parse_field
from derive.model import Assumptions

#: Base measures h(x) a spec may name (factors of the density free of the parameters).
BASE_MEASURES = {
    "1/x!": lambda x, n: 1 / sp.factorial(x),
    "binomial(n, x)": lambda x, n: sp.binomial(n, x),
}


@dataclass(frozen=True)
class Estimation:
    """What a maximum-likelihood derivation adds: estimators, scores, the kind of maximum."""

    maximum: str  # "verified" | "boundary" | "not-verified"
    estimators: Mapping[str, Any]  # parameter -> estimator over the sample
    scores: Mapping[str, Any]  # parameter -> its score (Lagrangian's, under a constraint)
    log_likelihood: Any
    model: SampleModel | None = None  # the model of one observation (scalar densities)
    newton: Mapping[str, Any] = field(default_factory=dict)  # Newton steps without closed form
    form: str = "sample"  # "sample" | "matrix" (rows of a data matrix) | "mvn"
    shapes: Mapping[str, Any] = field(default_factory=dict)  # matrix forms: declared shapes
    hessian: Any = None  # mvn: the Hessian in mu
    sample_size_code: str = ""  # matrix forms: the sample size in NumPy, e.g. X.shape[0]


def _probabilities(density: sp.Expr, params: tuple[str, ...]) -> set[str]:
    """Parameters that appear as 1 - p: probabilities, so 0 < p < 1."""
    found = set()
    for node in density.atoms(sp.Add):
        if len(node.free_symbols) != 1:
            continue
        (p,) = node.free_symbols
        if p.name in params and sp.expand(node - (1 - p)) == 0:
            found.add(p.name)
    return found


def _with_assumptions(expr: sp.Expr, assumptions: Assumptions) -> sp.Expr:
    return expr.xreplace(
        {s: symbol_for(s.name, assumptions) for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    )


def build_model(spec: Spec, density: sp.Expr | None = None) -> SampleModel:
    """Parse and check the spec's density; every failure is a one-line InputError."""
    var_name = spec.get("var", "x")
    param_names = spec.names("params")
    covariate_names = spec.names("data", ())
    raw = density if density is not None else parse_field(spec, "density")
    if not isinstance(raw, sp.Expr) or isinstance(raw, sp.MatrixExpr):
        raise InputError("the density must be a scalar expression")
    bounds = spec.get("support")
    bound_exprs = [_parse_bound(spec, b) for b in bounds] if isinstance(bounds, list) else []
    names = {s.name for s in raw.free_symbols} | {
        s.name for b in bound_exprs for s in b.free_symbols
    }
    if spec.get("prior"):  # the prior's hyperparameters are known constants of the model
        names |= {s.name for s in parse_field(spec, "prior").free_symbols}
    if var_name not in {s.name for s in raw.free_symbols} and not bound_exprs:
        raise InputError(f"--var {var_name}: the density does not involve '{var_name}'")
    for name in param_names:
        if name not in names:
            raise InputError(f"--param {name}: '{name}' does not occur in the density")
        if name == var_name or name in covariate_names:
            raise InputError(f"--param {name}: '{name}' is the variable, not a parameter")
    constants = sorted(names - set(param_names) - {var_name} - set(covariate_names))
    stated = parse_assumptions(spec.assume)
    said = stated.positive | stated.unit_interval | stated.nonnegative | stated.integer
    real = {
        s.strip().split()[0]
        for s in spec.assume
        for s in s.split(",")
        if s.strip().endswith("real")
    }
    probabilities = _probabilities(raw, tuple(n for n in param_names if n not in said | real))
    default = [n for n in (*param_names, *constants) if n not in real and n not in probabilities]
    assumptions = parse_assumptions(
        [*spec.assume, *(f"0 < {p} < 1" for p in sorted(probabilities))],
        default_positive=[n for n in default if n != var_name],
    )
    density_expr = _with_assumptions(raw, assumptions)
    if base := spec.get("base_measure"):
        if base not in BASE_MEASURES:
            raise spec.error("base_measure", f"unknown (known: {', '.join(BASE_MEASURES)})")
        x = symbol_for(var_name, assumptions)
        trials = sp.Integer(spec.get("trials", 1))
        density_expr = BASE_MEASURES[base](x, trials) * density_expr
    symbols = {s.name: s for s in density_expr.free_symbols}
    symbols.update({n: symbol_for(n, assumptions) for n in names if n not in symbols})
    bound_exprs = [_with_assumptions(b, assumptions) for b in bound_exprs]
    for b in bound_exprs:
        symbols.update({s.name: s for s in b.free_symbols})
    var = symbols.get(var_name, symbol_for(var_name, assumptions))
    params = tuple(symbols[n] for n in param_names)
    others = [symbols[n] for n in (*param_names, *constants, *covariate_names) if n in symbols]
    if bound_exprs:
        support = supports.interval_support(bound_exprs)
        ok, why = supports.is_density(density_expr, var, support, others, assumptions)
        if not ok:
            raise InputError(f"not a density of {var_name} on the stated support: {why}")
    elif isinstance(bounds, str):
        support = supports.named_support(bounds)
        checked, free_others = _on_constraint(spec, density_expr, params, others)
        ok, why = supports.is_density(checked, var, support, free_others, assumptions)
        if not ok:
            raise InputError(f"not a density of {var_name} on {bounds}: {why}")
    else:
        support = supports.find_support(density_expr, var, others, assumptions)
    data_facts = (
        {"positive": True}
        if support.low.is_nonnegative and not support.discrete
        else {"nonnegative": True}
        if support.low.is_nonnegative
        else {"real": True}
    )
    positive_var = sp.Symbol(var_name, **data_facts)
    density_expr = density_expr.xreplace({var: positive_var})
    if data_facts.get("positive") or data_facts.get("nonnegative"):
        assumptions = replace(assumptions, positive=assumptions.positive | {var_name})
    covariates = tuple(symbols.get(n, symbol_for(n, assumptions)) for n in covariate_names)
    bases = {positive_var: sp.IndexedBase(var_name, **data_facts)}
    bases.update({c: sp.IndexedBase(c.name, real=True) for c in covariates})
    constraint = None
    if spec.get("constraint"):
        constraint = parse_field(spec, "constraint")
        constraint = constraint.xreplace(
            {s: symbols[s.name] for s in constraint.free_symbols if s.name in symbols}
        )
        try:  # the check script solves it for the last parameter
            roots = sp.solve(constraint, params[-1])
        except NotImplementedError:
            roots = []
        if len(roots) != 1:
            raise spec.error("constraint", f"cannot solve it for {params[-1].name}")
    return SampleModel(
        constraint=constraint,
        density=density_expr,
        var=positive_var,
        params=params,
        support=support,
        assumptions=assumptions,
        covariates=covariates,
        constants=tuple(symbols[n] for n in constants if n in symbols),
        bases=bases,
    )


def _on_constraint(spec: Spec, density: sp.Expr, params, others) -> tuple[sp.Expr, list]:
    """The density at a point of the constraint (it is normalised only there)."""
    if not spec.get("constraint"):
        return density, list(others)
    g = parse_field(spec, "constraint")
    last = params[-1]
    g = g.xreplace({s: p for s in g.free_symbols for p in params if p.name == s.name})
    roots = sp.solve(g, last)
    if len(roots) != 1:
        raise spec.error("constraint", f"cannot solve it for {last.name}")
    # a feasible point: the other parameters small and equal, the last one from the constraint
    point = {q: sp.Rational(1, len(params) + 1) for q in params[:-1]}
    point[last] = roots[0].xreplace(point)
    return density.xreplace(point), [o for o in others if o not in params]


def _parse_bound(spec: Spec, text: object) -> sp.Expr:
    from derive.parse import parse_expression

    if isinstance(text, int | float):
        return sp.nsimplify(text)
    if text in ("inf", "oo", "-inf", "-oo"):
        return -sp.oo if text.startswith("-") else sp.oo
    if not isinstance(text, str):
        raise spec.error("support", "expected a name or [low, high]")
    return parse_expression(text)


def support_field(var: str, support: str | None, assume: Sequence[str]) -> tuple[object, list[str]]:
    """The support from ``--support`` or from assumptions on the variable such as 'x > xm'.

    Returns the spec's ``support`` field (None: found by trying the usual ones) and
    the assumptions left over; 'x > 0' stays an assumption (the usual supports cover it).
    """
    left: list[str] = []
    low = high = None
    for text in assume:
        bounds = _variable_bounds(var, text)
        if bounds is None:
            left.append(text)
        else:
            low, high = bounds[0] or low, bounds[1] or high
    if support is not None:
        if low or high:
            raise InputError(f"--support {support}: the support is also given by --assume")
        parts = [p.strip() for p in support.strip().strip("[]()").split(",")]
        if len(parts) == 2 and all(parts):
            return [typed_expression(p) for p in parts], left
        return Text(60).read(support) if support.strip() else typed_expression(support), left
    if low or high:
        return [low or "-inf", high or "inf"], left
    return None, left


def _variable_bounds(var: str, text: str) -> tuple[str | None, str | None] | None:
    """(low, high) when ``text`` bounds the variable by something other than 0, else None."""
    v = re.escape(var)
    forms = [
        (rf"^\s*{v}\s*>=?\s*(.+?)\s*$", lambda m: (m.group(1), None)),
        (rf"^\s*{v}\s*<=?\s*(.+?)\s*$", lambda m: (None, m.group(1))),
        (rf"^\s*(.+?)\s*<=?\s*{v}\s*<=?\s*(.+?)\s*$", lambda m: (m.group(1), m.group(2))),
        (rf"^\s*(.+?)\s*<=?\s*{v}\s*$", lambda m: (m.group(1), None)),
    ]
    for pattern, bounds in forms:
        match = re.match(pattern, text)
        if match:
            low, high = bounds(match)
            if (low, high) in (("0", None), ("0", "1")):
                return None  # the usual supports: positive, unit interval
            return low, high
    return None
