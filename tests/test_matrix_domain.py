"""Where matrix expressions are defined (a log or a non-integer power of entries needs them
positive), and the log-softmax of a matrix: refused with the construct named, or verified."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.checkrun import run_check
from derive.errors import InputError, NotSupported
from derive.kinds import check_script
from derive.matrixfunctions import Softmax
from derive.textprint import text
from derive.verify import compare
from tests.matrixgen import ASSUME, SHAPES, Loss, matrix, mentions

m, n = sp.symbols("m n", integer=True, positive=True)
T, Z = sp.MatrixSymbol("T", m, n), sp.MatrixSymbol("Z", m, n)
W, x, t = sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("t", m, 1)
SHAPE_OPTIONS = ["--shape", "x=n,1", "--shape", "A=n,n", "--shape", "W=m,n"]


def _check_passes(derivation: object, folder: Path) -> None:
    path = folder / "check_case.py"
    path.write_text(check_script(derivation))
    outcome = run_check(path)
    assert outcome.passed, outcome.line


@pytest.mark.parametrize("text,construct", [
    ("sum(x.^c)", "x.^c"),
    ("sum(x.^0.5)", "x.^(1/2)"),
    ("sum(sqrt(x))", "sqrt(x)"),
    ("sum(log(x))", "log(x)"),
    ("log(tr(A))", "log(tr(A))"),
    ("sum(log(x .* sigmoid(x)))", "log(x .* sigmoid(x))"),
    ("sum(relu(W*x).^0.5)", "relu(W*x).^(1/2)"),
    ("(x.T*A*x)^0.5", "sqrt(x^T*A*x)"),
])
def test_undefined_where_entries_are_negative(runner, text: str, construct: str) -> None:
    from derive.cli import main

    wrt = "A" if "A" in text else "x"
    result = runner.invoke(main, ["grad", text, "--wrt", wrt, *SHAPE_OPTIONS])
    assert result.exit_code == 2, result.output
    assert construct in result.output and "is undefined where" in result.output
    assert "> 0\"" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("text,assume", [
    ("sum(x.^c)", ["x > 0"]),
    ("sum(log(x))", ["x > 0"]),
    ("sum(sigmoid(x).^c)", []),
    ("sum(log(1 - sigmoid(W*x)))", []),
    ("sum(log(1 - tanh(x).^2))", []),
    ("sqrt(x.T*x) + norm(x)^0.5", []),
    ("sum(sqrt(1 + x.^2))", []),
    ("sum(abs(x).^1.5)", []),
    ("sum(x.^2.0)", []),
    ("log(det(A))", []),
])
def test_defined_by_construction_or_by_assumption(text: str, assume: list[str],
                                                  tmp_path: Path) -> None:
    wrt = "A" if "A" in text else "x"
    derivation = api.grad(text, wrt=wrt, shapes=["x=n,1", "A=n,n", "W=m,n"], assume=assume)
    assert all(step.verified for step in derivation.steps)
    assert derivation.cross_check[wrt]
    _check_passes(derivation, tmp_path)


def test_a_positive_power_is_the_power_rule() -> None:
    derivation = api.grad("sum(x.^c)", wrt="x", shapes=["x=n,1"], assume=["x > 0"])
    c = next(s for s in derivation.results[0].expr.free_symbols if s.name == "c")
    expected = c * sp.HadamardPower(x, c - 1)
    assert compare(derivation.results[0].expr, expected, derivation.assumptions).equal is True
    assert "x.^(c - 1)" in text(derivation.results[0].expr)


@settings(max_examples=25, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(st.sampled_from(("log({})", "sqrt({})", "({}).^0.5", "({}).^c")).flatmap(
    lambda outer: matrix(("n", "1"), 2).map(lambda inner: f"sum({outer.format(inner)})")))
def test_every_log_or_root_is_verified_or_refused(text: str) -> None:
    """Drawn logs and roots of any vector: verified when positive by construction or
    stated, else refused naming the construct (never a failed step or a wrong check)."""
    present = [name for name in SHAPES if mentions(text, name)]
    if not present:
        return
    loss = Loss(text, (present[0],))
    wrt = present[0]
    shapes = loss.shapes()
    try:
        derivation = api.grad(text, wrt=wrt, shapes=shapes, assume=list(ASSUME))
    except NotSupported as exc:
        assert "is undefined where" in str(exc), (text, exc)
        return
    except InputError as exc:  # x - x cancels while parsing
        assert "does not occur in the expression" in str(exc), (text, exc)
        return
    assert all(step.verified for step in derivation.steps), text


def test_log_softmax_of_a_matrix(tmp_path: Path) -> None:
    """-tr(T^T log softmax(Z)) column by column: P odot (1 1^T T) - T for a general T."""
    derivation = api.grad("-tr(T.T*log(softmax(Z)))", wrt="Z", shapes=["T=m,n", "Z=m,n"])
    assert "differential of log-softmax" in [step.rule for step in derivation.steps]
    ones = sp.OneMatrix(m, 1) * sp.OneMatrix(1, m)
    expected = sp.HadamardProduct(ones * T, Softmax(Z, name="P")) - T
    assert compare(derivation.results[0].expr, expected).equal is True
    _check_passes(derivation, tmp_path)


def test_softmax_cross_entropy_through_a_layer(tmp_path: Path) -> None:
    """-t^T log softmax(W x): (p 1^T t - t) x^T for a general t, (p - t) x^T when 1^T t = 1."""
    p = Softmax(W * x)
    general = api.grad("-t.T*log(softmax(W*x))", wrt="W", shapes=["W=m,n", "x=n,1", "t=m,1"])
    ones_t = sp.OneMatrix(1, m) * t
    expected = (p * ones_t - t) * x.T
    assert compare(general.results[0].expr, expected).equal is True
    assert compare(general.results[0].expr, (p - t) * x.T).equal is False
    stated = api.grad("-t.T*log(softmax(W*x))", wrt="W", shapes=["W=m,n", "x=n,1", "t=m,1"],
                      assume=["1^T t = 1"])
    assert compare(stated.results[0].expr, (p - t) * x.T, stated.assumptions).equal is True
    _check_passes(stated, tmp_path)
