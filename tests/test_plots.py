"""Plots are computed from the derivation's expressions and typeset with pgfplots."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from derive import catalogue, pipeline
from derive.plots import evaluate, plot_context
from derive.printing import latex
from tests.conftest import pdf_text
from tests.derived import derived


def _points(coords: str) -> list[tuple[float, float]]:
    return [(float(a), float(b)) for a, b in re.findall(r"\(([^,]+),([^)]+)\)", coords)]


def test_activation_plot_coordinates_come_from_the_expressions():
    derivation = derived("sigmoid")
    context = plot_context(derivation)
    function, derivative = (_points(c["coords"]) for c in context["curves"])
    x = next(iter(derivation.function.free_symbols))
    for (u, fu), (_, du) in zip(function[::10], derivative[::10], strict=True):
        assert abs(fu - 1 / (1 + float(sp.exp(-u)))) < 1e-5
        assert abs(du - float(sp.diff(derivation.function, x).subs(x, u))) < 1e-5
    assert max(d for _, d in derivative) <= 0.25 + 1e-9


def test_descent_path_follows_the_derived_update():
    derivation = derived("gd-quadratic")
    context = plot_context(derivation)
    path = _points(context["path"])
    values = catalogue.get("gd-quadratic").plot["values"]
    update = derivation.result("update").expr
    for (w0, _), (w1, _) in zip(path, path[1:], strict=False):
        assert abs(w1 - evaluate(update, {**values, "w_k": w0})) < 1e-5
    assert abs(path[-1][0] - values["c"]) < abs(path[0][0] - values["c"])


def test_no_plot_without_a_plot_table():
    assert plot_context(derived("mae")) is None


def test_pdf_with_a_plot(tmp_path):
    outcome = pipeline.build(catalogue.get("huber"), tmp_path, use_cache=False)
    assert outcome.ok, outcome.error or outcome.check_line
    text = pdf_text(outcome.pdf)
    assert "Huber" in text and "piecewise" in text
    assert "\\begin{axis}" in outcome.tex.read_text()
    assert latex(sp.Symbol("delta")) in outcome.tex.read_text()


def test_log_likelihood_plot_marks_the_maximum_at_the_estimator():
    from derive import api

    context = plot_context(api.show("mle-exponential"))
    (mark,) = context["marks"]
    x, y = (float(v) for v in mark.strip("()").split(","))
    sample = [0.4, 1.3, 0.2, 2.1, 0.7, 0.9]
    assert x == pytest.approx(len(sample) / sum(sample), rel=1e-5)
    points = [tuple(map(float, p.strip("()").split(","))) for p in
              context["curves"][0]["coords"].split()]
    assert max(v for _, v in points) <= y + 1e-6
