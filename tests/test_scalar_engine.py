"""The scalar step engine: rule names, textbook results, every step true."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.engine.calculus.scalar import differentiate_steps
from derive.functions import gelu, relu, sigmoid, softplus
from derive.model import Assumptions
from derive.verify import compare

x, w, b, y, z = sp.symbols("x w b y z", real=True)


def rules(f, v):
    return [s.rule for s in differentiate_steps(f, v)]


def result(f, v):
    return differentiate_steps(f, v)[-1].after


@pytest.mark.parametrize(
    "f,v,expected_rules",
    [
        (x**3, x, ["power rule"]),
        (sp.tanh(x), x, ["known derivative"]),
        (sigmoid(w * x + b), w, ["chain rule", "linear function"]),
        (x * sigmoid(x), x, ["product rule"]),
        (sp.sin(x) / (1 + x**2), x, ["quotient rule"]),
        (x**x, x, ["logarithmic differentiation"]),
        (2**x, x, ["exponential rule"]),
        (sp.Max(x, x**2), x, ["max rule"]),
        (3 * softplus(x), x, ["constant multiple", "known derivative"]),
    ],
    ids=["power", "tanh", "chain", "product", "quotient", "x^x", "2^x", "max", "const"],
)
def test_first_rules(f, v, expected_rules):
    assert rules(f, v)[: len(expected_rules)] == expected_rules


@pytest.mark.parametrize(
    "f,v,expected",
    [
        (-(y * sp.log(sigmoid(z)) + (1 - y) * sp.log(1 - sigmoid(z))), z, sigmoid(z) - y),
        ((w * x + b - y) ** 2, b, 2 * (w * x + b - y)),
        (sigmoid(x), x, sigmoid(x) * (1 - sigmoid(x))),
        (softplus(x), x, sigmoid(x)),
        (relu(x), x, sp.Heaviside(x, 0)),
    ],
    ids=["bce", "squared-error", "sigmoid", "softplus", "relu"],
)
def test_results_read_like_a_textbook(f, v, expected):
    assert sp.expand(result(f, v) - expected) == 0
    assert not result(f, v).has(sp.exp) or expected.has(sp.exp)


def test_sigmoid_squared_error_keeps_the_factors():
    got = result((sigmoid(w * x + b) - y) ** 2, w)
    s = sigmoid(w * x + b)
    assert got == 2 * x * (s - y) * s * (1 - s)


@pytest.mark.parametrize(
    "f,v",
    [
        (gelu(sp.sin(x)) * sp.exp(-(x**2)), x),
        (sp.log(1 + sigmoid(w * x) ** 2) / (1 + x**2), w),
        (sp.atan(x) ** 3 + sp.sqrt(1 + x**2) * sp.cosh(x), x),
        (x ** sp.sin(x), x),
        (sp.Abs(x - 1) + sp.Min(x, 1 - x), x),
    ],
)
def test_every_step_of_unseen_compositions_is_true(f, v):
    for step in differentiate_steps(f, v):
        assert compare(step.before, step.after, Assumptions()).equal is True, step.rule
    assert compare(result(f, v), sp.diff(f, v), Assumptions()).equal is True
