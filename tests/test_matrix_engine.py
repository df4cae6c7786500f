"""Matrix gradients by differentials: cookbook identities, transposes caught, shapes."""

from __future__ import annotations

import pytest
import sympy as sp

from derive import api
from derive.errors import ShapeError
from derive.verify import compare

m, n, p = sp.symbols("m n p", integer=True, positive=True)
X, A, B = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("A", m, m), sp.MatrixSymbol("B", n, p)
C, S = sp.MatrixSymbol("C", p, m), sp.MatrixSymbol("X", n, n)
a, b, x = sp.MatrixSymbol("a", m, 1), sp.MatrixSymbol("b", n, 1), sp.MatrixSymbol("x", m, 1)
an = sp.MatrixSymbol("a", n, 1)

CASES = {
    "a^T x": ("a^T*x", "x", ["a=m,1", "x=m,1"], a),
    "x^T A x": ("x^T*A*x", "x", ["x=m,1", "A=m,m"], (A + A.T) * x),
    "a^T X b": ("a^T*X*b", "X", ["a=m,1", "X=m,n", "b=n,1"], a * b.T),
    "tr(CXB)": ("tr(C*X*B)", "X", ["C=p,m", "X=m,n", "B=n,p"], C.T * B.T),
    "tr(X^T A X)": ("tr(X^T*A*X)", "X", ["X=m,n", "A=m,m"], (A + A.T) * X),
    "frobenius": ("tr(X^T*X)", "X", ["X=m,n"], 2 * X),
    "det": ("det(X)", "X", ["X=n,n"], sp.Determinant(S) * sp.Inverse(S).T),
    "log det": ("log(det(X))", "X", ["X=n,n"], sp.Inverse(S).T),
    "a^T X^-1 b": ("a^T*inv(X)*b", "X", ["a=n,1", "X=n,n", "b=n,1"],
                   -sp.Inverse(S).T * an * b.T * sp.Inverse(S).T),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_cookbook_gradient(case: str) -> None:
    expr, wrt, shapes, expected = CASES[case]
    derivation = api.grad(expr, wrt=wrt, shapes=shapes)
    result = derivation.results[0].expr
    var = next(s for s in derivation.function.atoms(sp.MatrixSymbol) if s.name == wrt)
    assert result.shape == var.shape  # the gradient has the shape of X
    assert compare(result, expected).equal is True
    assert all(step.verified for step in derivation.steps)
    assert derivation.extras["cross_check"][wrt]


def test_a_missing_transpose_is_refuted() -> None:
    derivation = api.grad("a^T*X*b", wrt="X", shapes=["a=m,1", "X=m,n", "b=n,1"])
    assert compare(derivation.results[0].expr, (b * a.T).T).equal is True
    tr_case = api.grad("tr(X^T*A*X)", wrt="X", shapes=["X=m,n", "A=m,m"])
    assert compare(tr_case.results[0].expr, 2 * A * X).equal is False  # A is not symmetric


def test_shape_mismatch_is_a_clean_error(runner) -> None:
    from derive.cli import main

    with pytest.raises(ShapeError):
        api.grad("tr(X*B)", wrt="X", shapes=["X=m,n", "B=m,m"])
    result = runner.invoke(main, ["grad", "tr(X*B)", "--wrt", "X", "--shape", "X=m,n",
                                  "--shape", "B=m,m"])
    assert result.exit_code == 2
    assert "X (m x n)" in result.output and "B (m x m)" in result.output
