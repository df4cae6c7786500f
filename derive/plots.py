"""Plot data for worksheets, computed from the derivation's own expressions.

An entry's ``plot`` table says what to draw; every coordinate is evaluated
here from the sympy expressions (the function and the derived results), never
typed by hand. Types (``type``):

- ``curves`` (default): ``var``, ``from``, ``to``, ``values`` (numbers for the other
  symbols), ``curves`` (``"function"`` or result names), optional ``mark`` (a result
  name or a number: a point marked on the first curve at that ``var``);
- ``path``: a descent path on the objective: ``var``, ``values`` (including ``w_0``),
  ``steps``; the iterates come from the derived update ``w_{k+1}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp

from derive.errors import InputError
from derive.functions import to_closed_form
from derive.model import Derivation
from derive.printing import latex
from derive.render import Trusted

SAMPLES = 81


def _by_name(expr: sp.Expr, values: Mapping[str, float]) -> dict[sp.Basic, sp.Float]:
    return {
        s: sp.Float(values[s.name])
        for s in expr.free_symbols
        if isinstance(s, sp.Symbol) and s.name in values
    }


def evaluate(expr: sp.Expr, values: Mapping[str, float]) -> float | None:
    """The expression's value at named numbers, or None where it is undefined."""
    value = to_closed_form(expr).xreplace(_by_name(expr, values)).doit().evalf(20)
    if not value.is_number or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not value.is_real:
        return None
    return float(value)


def _coords(points: list[tuple[float, float | None]]) -> str:
    return " ".join(f"({x:.6g},{y:.6g})" for x, y in points if y is not None)


def _curve_expr(derivation: Derivation, name: str) -> tuple[sp.Expr, str]:
    if name == "function":
        label = derivation.name
        return derivation.function, latex(sp.Symbol(label))
    for result in derivation.results:
        if result.name == name:
            return result.expr, latex(result.label)
    raise InputError(f"plot: no curve named '{name}' (use 'function' or a result name)")


def _curves(spec: Mapping[str, Any], derivation: Derivation) -> dict[str, Any]:
    var = spec["var"]
    low, high = float(spec["from"]), float(spec["to"])
    values = dict(spec.get("values", {}))
    xs = [low + (high - low) * k / (SAMPLES - 1) for k in range(SAMPLES)]
    curves = []
    for name in spec.get("curves", ["function"]):
        expr, label = _curve_expr(derivation, name)
        points = [(x, evaluate(expr, {**values, var: x})) for x in xs]
        curves.append({"points": points, "label": label})
    marks = []
    if "mark" in spec:
        at = spec["mark"]
        x = (
            float(at)
            if isinstance(at, int | float)
            else evaluate(_curve_expr(derivation, at)[0], values)
        )
        first = _curve_expr(derivation, spec.get("curves", ["function"])[0])[0]
        marks.append([(x, evaluate(first, {**values, var: x}))])
    return {
        "xlabel": latex(sp.Symbol(var)),
        "curves": curves,
        "marks": marks,
        "path": None,
    }


def _path(spec: Mapping[str, Any], derivation: Derivation) -> dict[str, Any]:
    var = spec["var"]
    values = dict(spec["values"])
    update = derivation.result("update").expr
    w = values["w_0"]
    path = [w]
    for _ in range(int(spec.get("steps", 6))):
        w = evaluate(update, {**values, "w_k": w})
        path.append(w)
    f = derivation.function
    low, high = min(path), max(path)
    pad = 0.15 * (high - low or 1.0)
    xs = [low - pad + (high - low + 2 * pad) * k / (SAMPLES - 1) for k in range(SAMPLES)]
    curve = [(x, evaluate(f, {**values, var: x})) for x in xs]
    steps = [(x, evaluate(f, {**values, var: x})) for x in path]
    return {
        "xlabel": latex(sp.Symbol(var)),
        "curves": [{"points": curve, "label": f"f({latex(sp.Symbol(var))})"}],
        "marks": [],
        "path": steps,
    }


def on_sample(expr: sp.Expr, data: list[sp.Rational]) -> sp.Expr:
    """An estimator on a concrete sample: N is its size, x_i its i-th value (sums written out)."""
    sizes = {s: len(data) for s in expr.free_symbols if s.name == "N"}
    expanded = expr.subs(sizes).doit()
    filled = expanded.replace(
        lambda e: isinstance(e, sp.Indexed), lambda e: data[int(e.indices[0]) - 1]
    )
    return to_closed_form(filled).evalf(30)


def _likelihood(spec: Mapping[str, Any], derivation: Derivation) -> dict[str, Any]:
    """The log-likelihood of the entry's sample against one parameter, maximum marked."""
    var = spec["var"]
    data = [sp.Rational(str(v)) for v in spec["sample"]]
    values = dict(spec.get("values", {}))
    observed = sp.Symbol(spec.get("observed", "x"))
    density = derivation.function.xreplace(
        {s: observed for s in derivation.function.free_symbols if s.name == observed.name}
    )
    log_likelihood = sp.Add(*(sp.log(density.subs(observed, v)) for v in data))
    low, high = float(spec["from"]), float(spec["to"])
    xs = [low + (high - low) * k / (SAMPLES - 1) for k in range(SAMPLES)]
    curve = [(x, evaluate(log_likelihood, {**values, var: x})) for x in xs]
    estimate = float(on_sample(derivation.result(var).expr, data))
    mark = (estimate, evaluate(log_likelihood, {**values, var: estimate}))
    return {
        "xlabel": latex(sp.Symbol(var)),
        "curves": [{"points": curve, "label": rf"\ell({latex(sp.Symbol(var))})"}],
        "marks": [[mark]],
        "path": None,
    }


PLOTS: dict[str, Callable[[Mapping[str, Any], Derivation], dict[str, Any]]] = {
    "curves": _curves,
    "path": _path,
    "likelihood": _likelihood,
}


def plot_data(derivation: Derivation) -> dict[str, Any] | None:
    """The plot's points (x, y or None where undefined) and LaTeX labels, or None.

    Keys: ``xlabel``, ``curves`` (``points``, ``label``), ``marks`` (lists of points),
    ``path`` (the iterates of a descent, or None).
    """
    spec = derivation.plot
    if not spec:
        return None
    kind = spec.get("type", "curves")
    if kind not in PLOTS:
        raise InputError(f"plot: unknown type '{kind}' (known: {', '.join(PLOTS)})")
    try:
        return PLOTS[kind](spec, derivation)
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"entry '{derivation.id}': field 'plot': {exc!r}") from None


def plot_context(derivation: Derivation) -> dict[str, Any] | None:
    """The plot's coordinates and labels for ``templates/plot.tex.j2``, or None."""
    data = plot_data(derivation)
    if data is None:
        return None
    return {
        "xlabel": Trusted(f"${data['xlabel']}$"),
        "curves": [{"coords": _coords(c["points"]), "legend": Trusted(f"${c['label']}$")}
                   for c in data["curves"]],
        "marks": [_coords(points) for points in data["marks"]],
        "path": _coords(data["path"]) if data["path"] is not None else None,
    }
