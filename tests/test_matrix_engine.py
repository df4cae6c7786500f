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
    assert derivation.cross_check[wrt]


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


# --- Hessians -------------------------------------------------------------------------------------

N = sp.Symbol("N", integer=True, positive=True)
Xd, w, y = sp.MatrixSymbol("X", N, n), sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("y", N, 1)


def _hessian(expr: str) -> object:
    from derive import pipeline
    from derive.catalogue.spec import Spec

    fields = {"expr": expr, "wrt": ["w"], "hessian": True,
              "shapes": {"X": "N,n", "w": "n,1", "y": "N,1"}}
    return pipeline.derive(Spec("h", "Hessian", "test", "gradient", fields))


def test_least_squares_hessian_is_2_xtx() -> None:
    derivation = _hessian("(X*w - y)^T*(X*w - y)")
    gradient, hessian = (r.expr for r in derivation.results)
    assert compare(gradient, 2 * Xd.T * (Xd * w - y)).equal is True
    assert compare(hessian, 2 * Xd.T * Xd).equal is True
    assert compare(hessian, Xd.T * Xd).equal is False
    assert [s.rule for s in derivation.sections[-1].steps][-1] == "identify the hessian"
    assert derivation.cross_check["hessian w"]


def test_logistic_hessian_has_a_diag_of_p_1_minus_p() -> None:
    from derive.printing import latex

    derivation = _hessian("sum(softplus(X*w)) - y^T*X*w")
    gradient, hessian = (r.expr for r in derivation.results)
    assert latex(gradient) == r"X^{\top} \left(\sigma\!\left(X w\right) - y\right)"
    assert latex(hessian).startswith(r"X^{\top} \operatorname{diag}")
    assert compare(hessian, Xd.T * Xd).equal is False  # the weights p(1 - p) are not optional
    rules = [step.rule for step in derivation.sections[-1].steps]
    assert "hadamard to diag" in rules
    assert all(step.verified for step in derivation.steps)


# --- the delta recursion ----------------------------------------------------------------------


def _mlp(square: bool = False) -> object:
    from derive import pipeline
    from derive.catalogue.spec import Spec

    sizes = ({"x": "n,1", "W1": "n,n", "b1": "n,1", "W2": "n,n", "b2": "n,1", "y": "n,1"}
             if square else
             {"x": "n,1", "W1": "h,n", "b1": "h,1", "W2": "m,h", "b2": "m,1", "y": "m,1"})
    fields = {"forward": ["z1 = W1*x + b1", "a1 = sigmoid(z1)", "z2 = W2*a1 + b2",
                          "a2 = sigmoid(z2)", "L = (a2 - y)^T*(a2 - y)/2"],
              "wrt": ["W1", "b1", "W2", "b2"], "shapes": sizes}
    return pipeline.derive(Spec("mlp", "MLP", "test", "backprop", fields))


def test_mlp_backprop_is_the_delta_recursion() -> None:
    from derive.printing import latex

    derivation = _mlp()
    shown = {r.name: latex(r.expr) for r in derivation.results}
    assert shown["delta1"] == (
        r"\left(W_{2}^{\top} \delta_{2}\right) \odot \sigma\!\left(z_{1}"
        r"\right) \odot \left(\mathbf{1} - \sigma\!\left(z_{1}\right)\right)"
    )
    assert shown["W1"] == r"\delta_{1} x^{\top}" and shown["W2"] == r"\delta_{2} a_{1}^{\top}"
    assert shown["b1"] == r"\delta_{1}"
    assert set(derivation.cross_check) == {"W1", "b1", "W2", "b2"}
    assert all(step.verified for step in derivation.steps)


def test_a_transposed_weight_in_the_recursion_is_refuted() -> None:
    derivation = _mlp(square=True)  # square layers: W2 delta2 has the right shape, and is wrong
    delta1 = derivation.result("delta1").expr
    wrong = delta1.xreplace({sp.Transpose(W2 := sp.MatrixSymbol("W2", n, n)): W2})
    assert wrong != delta1
    assert compare(wrong, delta1).equal is False


def test_backward_walk_grows_linearly_with_depth() -> None:
    from benchmarks.mlp_depth import derive_once

    steps = {k: derive_once(k)[1] for k in (2, 4, 6)}
    assert steps[6] - steps[4] == steps[4] - steps[2] > 0


@pytest.mark.parametrize("wrt", [["W"], ["b"], ["x"], ["W", "x"], ["b", "x"]])
@pytest.mark.parametrize("sizes", [("m", "n"), (3, 4)])
def test_a_softmax_layer_by_any_input_has_a_check_script_that_runs(wrt, sizes, tmp_path) -> None:
    """y/(1^T y), the target a stated simplex is normalised to, is bracketed as a factor of a
    product (W.T @ (y / sum(y)), not W.T @ 1 / sum(y) * y, a matmul of a number)."""
    from derive import pipeline
    from derive.catalogue.spec import Spec
    from derive.checkrun import run_check
    from derive.kinds import check_script

    m, n = sizes
    shapes = {"W": f"{m},{n}", "x": f"{n},1", "b": f"{m},1", "y": f"{m},1"}
    fields = {"forward": ["z = W*x + b", "p = softmax(z)", "L = -y^T*log(p)"], "wrt": wrt,
              "shapes": shapes, "simplex": ["y"], "inline": ["p"]}
    derivation = pipeline.derive(Spec("softmax-layer", "Softmax layer", "test", "backprop",
                                      fields))
    path = tmp_path / "check_softmax_layer.py"
    path.write_text(check_script(derivation))
    outcome = run_check(path)
    assert outcome.passed, (outcome.line, path.read_text())
