"""Structured matrices stated with --assume (symmetric, positive definite, diagonal, orthogonal,
column-stochastic): the verifier and the check script draw them with the structure, the
engine uses it, and a structure that cannot hold is refused in one line."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp
from click.testing import CliRunner

from derive import api, mpmatrix, pipeline
from derive.assumptions import parse_assumptions
from derive.catalogue.spec import Spec
from derive.checkrun import run_check
from derive.cli import main
from derive.errors import InputError, NotSupported
from derive.kinds import check_script
from derive.verify import MatrixPoints, compare

n, m = sp.symbols("n m", integer=True, positive=True)
S, Q, D, A = (sp.MatrixSymbol(name, n, n) for name in "SQDA")
T = sp.MatrixSymbol("T", m, n)
x, y = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("y", n, 1)


def _symmetric(v: np.ndarray) -> bool:
    return np.allclose(v, v.T)


def _definite(v: np.ndarray) -> bool:
    return _symmetric(v) and bool(np.all(np.linalg.eigvalsh(v) > 0))


def _diagonal(v: np.ndarray) -> bool:
    return np.allclose(v, np.diag(np.diag(v)))


def _orthogonal(v: np.ndarray) -> bool:
    return np.allclose(v.T @ v, np.eye(len(v)))


def _stochastic(v: np.ndarray) -> bool:
    return bool(np.all(v > 0)) and np.allclose(v.sum(axis=0), 1)


#: statement -> what every drawn instance of the matrix satisfies
HAS = {"S symmetric": ("S", _symmetric), "S positive definite": ("S", _definite),
       "D diagonal": ("D", _diagonal), "Q orthogonal": ("Q", _orthogonal),
       "T column-stochastic": ("T", _stochastic), "1^T T = 1^T": ("T", _stochastic)}

#: (expression, wrt, shapes, statement, expected gradient or None, a rule the sheet names)
CASES = {
    "symmetric quadratic": ("x.T*S*x", "x", ["S=n,n", "x=n,1"], "S symmetric",
                            2 * S * x, "symmetric"),
    "log det": ("log(det(S)) - tr(S*A)", "S", ["S=n,n", "A=n,n"], "S positive definite",
                sp.Inverse(S) - A.T, "symmetric"),
    "diagonal": ("tr(D*A*D)", "D", ["D=n,n", "A=n,n"], "D diagonal",
                 D * A.T + A.T * D, "symmetric"),
    "orthogonal": ("norm(Q*x - y)^2", "x", ["Q=n,n", "x=n,1", "y=n,1"], "Q orthogonal",
                   2 * x - 2 * Q.T * y, "orthogonal"),
    "orthogonal inverse": ("tr(inv(Q)*A)", "A", ["Q=n,n", "A=n,n"], "Q orthogonal",
                           Q, "orthogonal"),
    "stochastic": ("ones(m).T*T*x + norm(T)^2", "x", ["T=m,n", "x=n,1"],
                   "T column-stochastic", sp.OneMatrix(n, 1), "columns sum to one"),
    "stochastic log": ("-sum(log(T*x))", "x", ["T=m,n", "x=n,1"], "1^T T = 1^T",
                       None, None),
}


def _load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location("check_structure", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_structure_is_used_verified_and_checked(case: str, tmp_path: Path) -> None:
    expr, wrt, shapes, stated, expected, rule = CASES[case]
    assume = [stated, "x > 0"] if "log" in expr else [stated]
    derivation = api.grad(expr, wrt=wrt, shapes=shapes, assume=assume)
    assert all(step.verified for step in derivation.steps)
    assert derivation.cross_check[wrt]
    if expected is not None:
        assert compare(derivation.results[0].expr, expected, derivation.assumptions).equal
    if rule is not None:
        assert rule in [step.rule for step in derivation.steps]
    path = tmp_path / "check_structure.py"
    path.write_text(check_script(derivation))
    assert run_check(path).passed
    # the check script's own inputs have the structure
    name, holds = HAS[stated]
    script = _load(path)
    rng = np.random.default_rng(3)
    for _ in range(5):
        assert holds(script.random_inputs(rng)[name])


@pytest.mark.parametrize("stated", HAS, ids=list(HAS))
def test_the_verifier_draws_the_structure(stated: str) -> None:
    name, holds = HAS[stated]
    matrix = T if name == "T" else sp.MatrixSymbol(name, n, n)
    points = MatrixPoints([sp.Trace(matrix.T * matrix)], parse_assumptions([stated]), 5)
    for k in range(6):
        _, env = points[k]
        value = np.array(env[matrix].tolist(), dtype=float)
        assert holds(value), (stated, value)


def test_plain_symmetric_is_not_drawn_definite() -> None:
    """'S symmetric' alone: some instances are indefinite (an identity needing more fails)."""
    assumptions = parse_assumptions(["S symmetric"])
    rng = random.Random(1)
    with mpmath.workdps(mpmatrix.DPS):
        signs = set()
        for _ in range(20):
            env = mpmatrix.random_env([S], [], {n: 4}, lambda s: 1, rng, assumptions)
            eigen = np.linalg.eigvalsh(np.array(env[S].tolist(), dtype=float))
            signs.add(bool(np.all(eigen > 0)))
    assert signs == {True, False}


def test_a_structure_of_a_scalar_is_refused() -> None:
    with pytest.raises(InputError, match="'S' is stated symmetric, so it needs --shape S"):
        api.grad("x*S*x", wrt="x", assume=["S symmetric"])


@pytest.mark.parametrize("shape,stated,message", [
    ("Q=m,n", "Q orthogonal", "must be square"),
    ("Q=m,n", "Q diagonal", "must be square"),
    ("Q=m,n", "Q positive definite", "must be square"),
    ("Q=1,n", "Q column-stochastic", "column"),
    ("Q=n,n", "P symmetric", "needs --shape P"),
])
def test_a_structure_that_cannot_hold_is_one_line(shape: str, stated: str, message: str) -> None:
    result = CliRunner().invoke(main, ["grad", "sum(Q)", "--wrt", "Q", "--shape", shape,
                                       "--assume", stated])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    with pytest.raises(InputError):
        api.grad("sum(Q)", wrt="Q", shapes=[shape], assume=[stated])


def _mle(log_likelihood: str, assume: list[str]) -> object:
    fields = {"log_likelihood": log_likelihood, "params": ["w"],
              "shapes": {"X": "N,d", "y": "N,1", "w": "d,1"}}
    return pipeline.derive(Spec("m", "MLE", "test", "mle", fields, assume=tuple(assume)))


def test_matrix_mle_refuses_an_undefined_log() -> None:
    with pytest.raises(NotSupported, match=r"log\(X\).*--assume \"X > 0\""):
        _mle("-(y - X*w).T*(y - X*w)/2 + sum(log(X))", ["N > d"])


def test_matrix_mle_with_a_ridge_term(tmp_path: Path) -> None:
    derivation = _mle("-(y - X*w).T*(y - X*w)/2 - alpha*w.T*w/2", ["N > d", "alpha > 0"])
    big, d = sp.symbols("N d", integer=True, positive=True)
    X, y_ = sp.MatrixSymbol("X", big, d), sp.MatrixSymbol("y", big, 1)
    alpha = sp.Symbol("alpha", positive=True)
    ridge = sp.Inverse(X.T * X + alpha * sp.Identity(d)) * X.T * y_
    assert compare(derivation.results[0].expr, ridge, derivation.assumptions).equal
    assert derivation.details.maximum == "verified"  # -alpha I - X^T X: negative definite
    path = tmp_path / "check_ridge.py"
    path.write_text(check_script(derivation))
    assert run_check(path).passed
