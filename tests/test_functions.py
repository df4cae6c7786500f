"""DL functions: derivatives in textbook form, numeric values, LaTeX."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.functions import (
    KNOWN_DERIVATIVES,
    fold_reflections,
    gelu,
    normal_cdf,
    normal_pdf,
    relu,
    sigmoid,
    softplus,
    to_closed_form,
)
from derive.printing import latex

x = sp.Symbol("x", real=True)


@pytest.mark.parametrize(
    "expr,derivative",
    [
        (sigmoid(x), sigmoid(x) * (1 - sigmoid(x))),
        (softplus(x), sigmoid(x)),
        (relu(x), sp.Heaviside(x, 0)),
        (normal_cdf(x), sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)),
    ],
    ids=["sigmoid", "softplus", "relu", "Phi"],
)
def test_fdiff_is_textbook_form(expr, derivative):
    assert sp.simplify(to_closed_form(sp.diff(expr, x) - derivative)) == 0


@pytest.mark.parametrize("cls", [sigmoid, softplus, gelu, normal_cdf])
def test_derivative_matches_closed_form(cls):
    closed = to_closed_form(cls(x))
    for point in (sp.Rational(-13, 10), sp.Rational(1, 5), sp.Rational(21, 10)):
        ours = to_closed_form(sp.diff(cls(x), x)).subs(x, point).evalf(30)
        theirs = sp.diff(closed, x).subs(x, point).evalf(30)
        assert abs(ours - theirs) < 1e-25


def test_known_derivative_table_agrees_with_sympy():
    u = sp.Symbol("u", real=True)
    for cls, known in KNOWN_DERIVATIVES.items():
        if cls is sp.Abs:
            continue
        expected = sp.diff(cls(u), u)
        for point in (sp.Rational(3, 10), sp.Rational(7, 10)):
            got = to_closed_form(known.derivative(u) - expected).subs(u, point).evalf(30)
            assert abs(got) < 1e-25, cls


@pytest.mark.parametrize(
    "expr,tex",
    [
        (sigmoid(x), r"\sigma\!\left(x\right)"),
        (sigmoid(x) ** 2, r"\sigma^{2}\!\left(x\right)"),
        (softplus(x), r"\operatorname{softplus}\!\left(x\right)"),
        (relu(x), r"\operatorname{ReLU}\!\left(x\right)"),
    ],
)
def test_latex(expr, tex):
    assert latex(expr) == tex


def test_numeric_values():
    assert sigmoid(0) == sp.Rational(1, 2)
    assert abs(sigmoid(x).subs(x, 2).evalf(20) - 1 / (1 + sp.exp(-2)).evalf(20)) < 1e-18
    assert relu(-3) == 0 and relu(2) == 2


def test_reflections_fold_to_one_sign_per_argument():
    x = sp.Symbol("x", real=True)
    assert fold_reflections(sigmoid(-x)) == 1 - sigmoid(x)
    assert fold_reflections(softplus(-x)) == softplus(x) - x
    assert fold_reflections(normal_cdf(-x)) == 1 - normal_cdf(x)
    assert fold_reflections(normal_pdf(-x)) == normal_pdf(x)
    assert fold_reflections(sigmoid(x)) == sigmoid(x)
    assert fold_reflections(relu(-x)) == relu(-x)  # no such identity
    # innermost first: both sides of sigmoid(-u) = 1 - sigmoid(u) meet, however deep
    assert fold_reflections(sp.tanh(sigmoid(-2 * x))) == fold_reflections(
        sp.tanh(1 - sigmoid(2 * x)))
    for f in (sigmoid, softplus, normal_cdf, normal_pdf):
        folded = fold_reflections(f(-x))
        assert abs(complex((folded - f(-x)).subs(x, 0.7).evalf())) < 1e-12
