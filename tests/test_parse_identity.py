"""``I`` among matrices is the identity: sized by the square matrix beside it, never a
number broadcast to every entry (the ridge line (X^T X + lambda I) w was reported wrong)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.errors import ShapeError
from derive.grade import check_text
from derive.parse import parse_expression

SHAPES = {"X": ("m", "n"), "A": ("n", "n"), "B": ("m", "n"), "w": ("n", 1), "y": ("m", 1)}
n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
X, A, B = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", m, n)
lam = sp.Symbol("lambda", real=True)

#: square n x n matrices as typed in each syntax, and their meaning
SQUARE = [("X.T*X", r"X^\top X", X.T * X), ("A", "A", A), ("A.T*A", r"A^\top A", A.T * A),
          ("B.T*X", r"B^\top X", B.T * X)]
COEFFICIENTS = [("lambda", r"\lambda", lam), ("2", "2", sp.Integer(2)),
                ("lambda/2", r"\frac{\lambda}{2}", lam / 2), ("1", "", sp.Integer(1))]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SQUARE), st.sampled_from(COEFFICIENTS), st.booleans(),
       st.sampled_from(["plain", "latex"]), st.sampled_from(["I", r"\mathbf{I}", "I_n"]))
def test_a_multiple_of_I_added_to_a_square_matrix_is_its_identity(square, coefficient,
                                                                  first, syntax, written):
    plain, latex, matrix = square
    c_plain, c_latex, c = coefficient
    if syntax == "plain":
        term = f"{c_plain}*I"
        text = f"{term} + {plain}" if first else f"{plain} + {term}"
    else:
        term = f"{c_latex} {written}" if c_latex else written
        text = f"{term} + {latex}" if first else f"{latex} + {term}"
    built = parse_expression(text, syntax=syntax, shapes=SHAPES)
    expected = matrix + c * sp.Identity(n)
    assert (built - expected).doit() == sp.ZeroMatrix(n, n), (text, built)


@pytest.mark.parametrize("text,expected", [
    ("I*A", A), ("A*I", A), ("2*I*A*w", 2 * A * sp.MatrixSymbol("w", n, 1)),
    ("(A + I)*w", (A + sp.Identity(n)) * sp.MatrixSymbol("w", n, 1)),
])
def test_I_as_a_factor_of_a_matrix_product_is_dropped_or_sized(text, expected):
    built = parse_expression(text, syntax="plain", shapes=SHAPES)
    assert (built - expected).doit().expand() == sp.ZeroMatrix(*expected.shape), built


@pytest.mark.parametrize("text,syntax,words", [
    ("X + lambda*I", "plain", "not square"),          # m x n: no identity to add
    ("A .* I", "plain", "elementwise product"),       # the diagonal of A, written diag(...)
    ("exp(I) + A", "plain", "inside a function"),
    ("tr(I)", "plain", "has no size"),
    (r"A + \lambda I_m", "latex", "shape mismatch"),  # m x m beside n x n
    (r"A + I_k", "latex", "size of a declared matrix"),
])
def test_an_identity_without_a_size_is_a_clear_refusal(text, syntax, words):
    from derive.errors import ParseError

    with pytest.raises((ShapeError, ParseError)) as caught:
        parse_expression(text, syntax=syntax, shapes=SHAPES)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_without_matrices_I_is_an_ordinary_scalar():
    built = parse_expression("I*x + I", syntax="plain")
    assert built.free_symbols == {sp.Symbol("I", real=True), sp.Symbol("x", real=True)}


def test_the_ridge_hand_derivation_with_lambda_I_is_right():
    report = check_text("% shape X = m, n\n% shape w = n, 1\n% shape y = m, 1\n"
                        r"L(w) = \|Xw - y\|^2 + \lambda \|w\|^2" "\n"
                        r"\nabla_w L = 2X^\top(Xw - y) + 2\lambda w" "\n"
                        r"= 2(X^\top X + \lambda I) w - 2 X^\top y" "\n"
                        r"= 2(X^\top X + 2\lambda I) w - 2 X^\top y" "\n")
    assert [v.status for v in report.steps] == ["ok", "ok", "wrong"], report.text()


def test_the_ridge_gradient_with_I_is_derived_and_checked():
    from click.testing import CliRunner

    from derive.cli import main

    result = CliRunner().invoke(main, ["grad", "w.T*(X.T*X + alpha*I)*w - 2*y.T*X*w",
                                       "--wrt", "w", "--shape", "X=m,n", "--shape", "w=n,1",
                                       "--shape", "y=m,1"])
    assert result.exit_code == 0, result.output
    assert "numeric check: passed" in result.output
