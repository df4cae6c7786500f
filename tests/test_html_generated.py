"""Drawn from what users type: every expression the parser accepts prints as MathML, and every
derivation that verifies becomes a valid HTML page."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api, pipeline
from derive.errors import DeriveError
from derive.grade.reading import EQUALS, Move, ParsedLine
from derive.html.checkpage import read_as
from derive.html.mathml import mathml
from derive.html.worksheet import html_sheet
from derive.parse import parse_expression
from derive.printing import latex
from tests.test_html_sheets import M, strict_parse

SCALAR_FUNCTIONS = ["exp", "log", "sqrt", "abs", "sin", "cos", "tan", "atan", "tanh", "sigmoid",
                    "softplus", "relu", "gelu", "erf"]
atoms = st.sampled_from(["x", "w", "b", "y", "2", "3", "0.5", "pi", "e", "lambda", "sigma_1"])


def _compose(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "^"]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    call = st.tuples(st.sampled_from(SCALAR_FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})")
    pair = st.tuples(st.sampled_from(["max", "min"]), inner, inner).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]})")
    return binary | call | pair | inner.map(lambda e: f"-{e}")


scalar_expressions = st.recursive(atoms, _compose, max_leaves=8)

MATRIX_SHAPES = {"X": (3, 3), "Y": (3, 3), "a": (3, 1)}
matrix_atoms = st.sampled_from(["X", "Y", "X.T", "Y.T"])
matrix_expressions = st.recursive(
    matrix_atoms,
    lambda inner: st.tuples(inner, st.sampled_from(["*", ".*", "+", "-"]), inner).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    | st.tuples(st.sampled_from(["sigmoid", "tanh", "exp", "inv"]), inner).map(
        lambda t: f"{t[0]}({t[1]})"),
    max_leaves=5,
)
matrix_scalars = st.tuples(st.sampled_from(["tr", "sum", "det"]), matrix_expressions).map(
    lambda t: f"{t[0]}({t[1]})") | matrix_expressions.map(lambda m: f"a.T*{m}*a")


def printed_mathml(expr) -> str:
    out = str(mathml(latex(expr)))
    assert out.startswith("<math") and "\\" not in re.sub(r"<[^>]+>", "", out)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scalar_expressions | matrix_scalars)
def test_every_parsed_expression_prints_as_mathml(text: str) -> None:
    shapes = MATRIX_SHAPES if any(name in text for name in ("X", "Y")) else None
    try:
        expr = parse_expression(text, shapes=shapes)
    except DeriveError as exc:
        assert "\n" not in str(exc)
        return
    printed_mathml(expr)
    line = ParsedLine(2, text, moves=(Move(EQUALS, expr, text=text),))
    assert read_as(line, first=False).startswith("<math")


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(scalar_expressions, st.sampled_from(["x", "w"]))
def test_every_verified_gradient_becomes_a_valid_page(text: str, wrt: str) -> None:
    try:
        derivation = pipeline.derive(api.grad_spec(text, [wrt]))
    except DeriveError as exc:  # a clear one-line refusal is a fine outcome
        assert "\n" not in str(exc)
        return
    tree = strict_parse(html_sheet(derivation, "print('check')\n", "check_expr.py"))
    rows = tree.findall(".//table[@class='steps']/tbody/tr")
    assert len(rows) == len(derivation.steps) + len(derivation.sections)
    assert all(row.find(f"td/{M}math") is not None for row in rows)
