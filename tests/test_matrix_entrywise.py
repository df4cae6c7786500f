"""Entrywise algebra (derive.engine.matrix.entrywise): the textbook forms it reaches, and on
drawn entrywise expressions, a result equal to the input at random matrices, never longer."""

from __future__ import annotations

import random

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import api, mpmatrix
from derive.engine.matrix.entrywise import simplify_entrywise
from derive.errors import ParseError
from derive.parse import parse_expression
from derive.textout import maths

SHAPES = {"X": ("m", "n"), "w": ("n", 1), "y": ("m", 1), "z": ("m", 1), "v": ("m", 1)}


@pytest.mark.parametrize("text,wrt,shapes,shown", [
    # logistic regression: the cross-entropy of sigmoid(Xw), not (1 - y) .* (1 - p).^-1 ...
    ("-sum(y .* log(sigmoid(X*w)) + (1 - y) .* log(1 - sigmoid(X*w)))", "w",
     ["X=m,n", "w=n,1", "y=m,1"], "df/dw = Xᵀ·(σ(X·w) - y)"),
    ("sum((1 - y) .* log(1 - sigmoid(z)) + y .* log(sigmoid(z)))", "z",
     ["z=m,1", "y=m,1"], "df/dz = y - σ(z)"),
    ("mean(softplus(X*w) - y .* (X*w))", "w", ["X=m,n", "w=n,1", "y=m,1"],
     "df/dw = Xᵀ·(σ(X·w) - y)/m"),
    # no simpler form: the squared error through a sigmoid keeps its factors and signs
    ("sum((sigmoid(X*w) - y).^2)", "w", ["X=m,n", "w=n,1", "y=m,1"],
     "df/dw = 2·Xᵀ·((σ(X·w) - y) .* σ(X·w) .* (1 - σ(X·w)))"),
    # 1^T (x - (1^T x / n) 1) = 0 with 1^T 1 = n: the mean-centred square's textbook form
    ("sum((x - mean(x)).^2)/n", "x", ["x=n,1"], "df/dx = 2·(x - 1ᵀ·x·1/n)/n"),
    ("sum((X - mean(X)).^2)", "X", ["X=m,n"], "df/dX = 2·X - 2(1ᵀ·X·1)·1/(m·n)"),
    # max(B, B^T) on a symmetric B is max(B, B): its derivative H(B - B) is 1/2 everywhere
    ("sum(V .* max(B, B.T))", "B", ["B=n,n,symmetric", "V=n,n"], "df/dB = (V + Vᵀ)/2"),
])
def test_textbook_gradients(text: str, wrt: str, shapes: list[str], shown: str) -> None:
    derivation = api.grad(text, wrt=wrt, shapes=shapes)
    assert all(step.verified for step in derivation.steps)
    result = derivation.results[0]
    assert f"df/d{wrt} = {maths(result.expr)}" == shown


LEAVES = ("y", "z", "v", "sigmoid(z)", "exp(v)", "1", "2", "X*w", "mean(y)*z", "sum(y - z)*v",
          "(y - mean(y))")


@st.composite
def entrywise(draw: st.DrawFn, depth: int = 3) -> str:
    """Sums, differences, Hadamard products, quotients and small powers of m x 1 leaves."""
    if depth == 0:
        return draw(st.sampled_from(LEAVES))
    left, right = draw(entrywise(depth - 1)), draw(entrywise(depth - 1))
    form = draw(st.sampled_from(["+", "-", ".*", "./", "^2", "^-1", "leaf"]))
    if form == "leaf":
        return draw(st.sampled_from(LEAVES))
    if form.startswith("^"):
        return f"({left}).{form}"
    return f"({left}) {form} ({right})"


def _values(expr: object, seed: int) -> list:
    """The entries at one random point, the same point for every expression."""
    rng = random.Random(seed)
    matrices = [parse_expression(name, shapes=SHAPES) for name in sorted(SHAPES)]
    sizes = {sp.Symbol("m", integer=True, positive=True): 3,
             sp.Symbol("n", integer=True, positive=True): 2}
    with mpmath.workdps(30):
        env = mpmatrix.random_env(matrices, [], sizes, lambda s: 1, rng)
        return mpmatrix.flat(mpmatrix.evaluate(expr, env))


@settings(max_examples=150, deadline=None)
@given(entrywise())
def test_a_drawn_entrywise_expression_keeps_its_value_and_never_grows(text: str) -> None:
    try:
        expr = parse_expression(text, shapes=SHAPES)
    except ParseError:  # a division by 1 - 1, refused while parsing
        return
    if not isinstance(expr, sp.MatrixExpr):
        return  # the draw cancelled to a number while parsing
    simplified = simplify_entrywise(expr)
    assert sp.count_ops(simplified) <= sp.count_ops(expr) + 2, (expr, simplified)
    try:
        before = _values(expr, 1)
    except (ZeroDivisionError, ValueError):
        return  # a quotient by an entry that is zero at this draw
    after = _values(simplified, 1)
    for a, b in zip(before, after, strict=True):
        assert mpmatrix.close(a, b, 1e-20) is not False, (text, simplified)
