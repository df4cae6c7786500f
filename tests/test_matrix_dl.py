"""Matrix calculus in DL notation: scalars among matrices, broadcasting, softmax, norms, sizes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from derive import api
from derive.checkrun import run_check
from derive.engine.matrix.sizes import fitting_sizes, requirements
from derive.kinds import check_script
from derive.matrixfunctions import Softmax
from derive.textprint import prose_text
from derive.verify import MatrixPoints, compare

m, n = sp.symbols("m n", integer=True, positive=True)
X, W = sp.MatrixSymbol("X", m, n), sp.MatrixSymbol("W", m, n)
A, S = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("X", n, n)
w, x, v = sp.MatrixSymbol("w", n, 1), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("v", n, 1)
y, z, t = sp.MatrixSymbol("y", m, 1), sp.MatrixSymbol("z", m, 1), sp.MatrixSymbol("t", m, 1)
alpha, s = sp.Symbol("alpha", positive=True), sp.Symbol("s", real=True)
ones_m = sp.OneMatrix(m, 1)
p = Softmax(z)


def _sigmoid(arg: sp.Basic) -> sp.Basic:
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

    from derive.functions import sigmoid

    u = sp.Dummy("u")
    return ElementwiseApplyFunction(sp.Lambda(u, sigmoid(u)), arg)


def _check_passes(derivation: object, folder: Path) -> None:
    path = folder / "check_case.py"
    path.write_text(check_script(derivation))
    outcome = run_check(path)
    assert outcome.passed, outcome.line


CASES = {
    "ridge": ("(X*w - y).T*(X*w - y) + alpha*w.T*w", "w", ["X=m,n", "w=n,1", "y=m,1"],
              2 * X.T * (X * w - y) + 2 * alpha * w),
    "ridge alpha": ("norm(X*w - y)^2 + alpha*norm(w)^2", "alpha", ["X=m,n", "w=n,1", "y=m,1"],
                    sp.Trace(w.T * w)),
    "batch mean": ("tr(W.T*B.T*B*W)/m", "B", ["W=m,n", "B=m,m"], None),
    "scalar wrt": ("s*tr(A*X)", "s", ["A=n,n", "X=n,n"], sp.Trace(A * S)),
    "scalar inside": ("sum(sigmoid(s*x))", "s", ["x=n,1"], None),
    "broadcast": ("sum(2 - sigmoid(W*x))", "W", ["W=m,n", "x=n,1"],
                  -sp.HadamardProduct(_sigmoid(W * x), ones_m - _sigmoid(W * x)) * x.T),
    "logsumexp": ("logsumexp(z)", "z", ["z=m,1"], p),
    "norm squared": ("norm(x)^2", "x", ["x=n,1"], 2 * x),
    "norm": ("norm(x - v)", "x", ["x=n,1", "v=n,1"], None),
    "frobenius": ("norm(X)^2", "X", ["X=m,n"], 2 * X),
    "softmax": ("y.T*softmax(z)", "z", ["y=m,1", "z=m,1"],
                (sp.DiagMatrix(p) - p * p.T) * y),
    "cross-entropy": ("-t.T*log(softmax(z))", "z", ["t=m,1", "z=m,1"],
                      p * ones_m.T * t - t),
    "hadamard power": ("sum(x.^3)", "x", ["x=n,1"], 3 * sp.HadamardPower(x, 2)),
    "quotient": ("sum(x ./ v)", "x", ["x=n,1", "v=n,1"], sp.HadamardPower(v, -1)),
    "diag": ("tr(diag(v)*A)", "v", ["v=n,1", "A=n,n"], None),
    "diag of a matrix": ("sum(diag(A).^2)", "A", ["A=n,n"], None),
    "mean": ("mean(X .* X)", "X", ["X=m,n"], 2 * X / (m * n)),
    "max of two": ("sum(max(x, v))", "x", ["x=n,1", "v=n,1"], None),
    "max with a scalar": ("sum(max(x, c))", "c", ["x=n,1"], None),
    "ones": ("ones(n).T*exp(x)", "x", ["x=n,1"], None),
    "scaled matrix power": ("tr((0.5*B.T)^3)", "B", ["B=m,m"], None),  # found by the census
    "log det gram": ("log(det(X.T*X))", "X", ["X=m,n"], 2 * X * sp.Inverse(X.T * X)),
    "logdet": ("logdet(X.T*X) + logdet(A*A.T)", "X", ["X=m,n", "A=n,n"],
               2 * X * sp.Inverse(X.T * X)),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_dl_gradient(case: str, tmp_path: Path) -> None:
    expr, wrt, shapes, expected = CASES[case]
    derivation = api.grad(expr, wrt=wrt, shapes=shapes, assume=["alpha > 0"])
    assert all(step.verified for step in derivation.steps)
    assert derivation.cross_check[wrt]
    result = derivation.results[0].expr
    if expected is not None:
        assert compare(result, expected).equal is True
    _check_passes(derivation, tmp_path)


def test_scalar_gradient_is_a_scalar() -> None:
    derivation = api.grad("s*tr(A*X) + s^2", wrt=["s", "X"], shapes=["A=n,n", "X=n,n"])
    ds, dx = (r.expr for r in derivation.results)
    assert not isinstance(ds, sp.MatrixExpr)
    assert dx.shape == (n, n)
    assert "identify the derivative" in [step.rule for step in derivation.steps]


RULES = {
    "softmax": ("y.T*softmax(z)", "differential of softmax"),
    "logsumexp": ("logsumexp(z)", "differential of logsumexp"),
    "norm": ("norm(z - y)", "differential of the norm"),
    "log softmax": ("-y.T*log(softmax(z))", "log of softmax"),
    "entrywise power": ("sum(z.^2)", "power rule (entrywise)"),
    "elementwise": ("sum(tanh(z))", "elementwise function"),
    "diag": ("tr(diag(z)*B)", "trace of diag"),
}


@pytest.mark.parametrize("case", RULES, ids=list(RULES))
def test_each_dl_function_names_its_rule(case: str) -> None:
    expr, rule = RULES[case]
    derivation = api.grad(expr, wrt="z", shapes=["z=m,1", "y=m,1", "B=m,m"])
    assert rule in [step.rule for step in derivation.steps]


def test_one_hot_simplification_only_when_stated(tmp_path: Path) -> None:
    general = api.grad("-t.T*log(softmax(z))", wrt="z", shapes=["t=m,1", "z=m,1"])
    assert compare(general.results[0].expr, p - t).equal is False
    stated = api.grad("-t.T*log(softmax(z))", wrt="z", shapes=["t=m,1", "z=m,1"],
                      assume=["1^T t = 1"])
    assert compare(stated.results[0].expr, p - t, stated.assumptions).equal is True
    assert "sum to one" in [step.rule for step in stated.steps]
    _check_passes(stated, tmp_path)


def test_sizes_make_every_inverse_defined() -> None:
    gram = sp.Inverse(X.T * X)
    assert requirements(gram) == [(n, m)]
    assert requirements(sp.Inverse(X.T * A.T * A * X)) == [(n, m)] or (n, m) in requirements(
        sp.Inverse(X.T * X * A))
    sizes = fitting_sizes({m, n}, requirements(gram))
    assert sizes[m] > sizes[n]
    derivation = api.grad("log(det(X.T*X))", wrt="X", shapes=["X=m,n"])
    points = MatrixPoints([s.after for s in derivation.steps], derivation.assumptions, 3)
    for k in range(10):
        drawn, _ = points[k]
        assert drawn[m] >= drawn[n]
    code = check_script(derivation)
    assert "\"X\": (4, 3)" in code  # m = 4 > n = 3 in the check script (black's quotes)


@pytest.mark.parametrize("text,wrt,written", [
    ("(W*x - y).T*(W*x - y)", "W", "2 * (W @ x - y) @ x.T"),
    ("-y.T*log(softmax(W*x))", "W", "(np.sum(y) * softmax(W @ x) - y) @ x.T"),
    ("sum(2 - sigmoid(W*x))/m", "W", "np.sum(2 - sigmoid(W @ x)) / W.shape[0]"),
    ("logsumexp(W*x) - 3*y.T*W*x", "W", "(softmax(W @ x) - 3 * y) @ x.T"),
    ("mean(W.^2) + c*norm(W)^2", "c", "with respect to the number c"),
])
def test_check_scripts_read_like_code(text: str, wrt: str, written: str) -> None:
    derivation = api.grad(text, wrt=wrt, shapes=["W=m,n", "x=n,1", "y=m,1"])
    code = check_script(derivation)
    assert written in code
    assert "0.0 *" not in code and "(-1)" not in code and "lambda" not in code
    derived = code[code.index("def d_"):code.index("SHAPES")]
    assert "((" not in derived.replace("np.ones((", "").replace("np.zeros((", "")


def test_broadcast_rule_is_stated() -> None:
    derivation = api.grad("sum(1 - sigmoid(W*x))", wrt="W", shapes=["W=m,n", "x=n,1"])
    said = " ".join(prose_text(c) for c in derivation.conventions)
    assert "added to every entry" in said and "entry by entry" in said


@pytest.mark.parametrize("text,message", [
    ("x^2", ".^ is the elementwise power"),
    ("x / v", "./ divides elementwise"),
    ("softmax(c)", "softmax needs a vector or a matrix"),
])
def test_dl_notation_errors_say_what_to_write(runner, text: str, message: str) -> None:
    from derive.cli import main

    result = runner.invoke(main, ["grad", text, "--wrt", "x", "--shape", "x=n,1",
                                  "--shape", "v=n,1"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("text,message", [
    ("tr(A^1000)", "matrix power above 16"),
    ("sum(A.^(10^100))", "entrywise power above 16"),
    ("ones(2000).T*x", "ones() takes sizes"),
])
def test_powers_and_sizes_are_bounded(runner, text: str, message: str) -> None:
    from derive.cli import main

    result = runner.invoke(main, ["grad", text, "--wrt", "A", "--shape", "A=n,n",
                                  "--shape", "x=n,1"])
    assert result.exit_code == 2 and message in result.output


def test_a_size_is_not_a_variable(runner) -> None:
    from derive.cli import main

    result = runner.invoke(main, ["grad", "sum(x)/n", "--wrt", "n", "--shape", "x=n,1"])
    assert result.exit_code == 2 and "'n' is a matrix size" in result.output


def test_latex_entrywise_operators() -> None:
    from derive.parse import parse_latex

    shapes = {"x": ("n", 1), "v": ("n", 1)}
    assert parse_latex(r"x \oslash v", shapes=shapes) == sp.HadamardProduct(
        x, sp.HadamardPower(v, -1))
    assert parse_latex(r"x \odot v", shapes=shapes) == sp.HadamardProduct(x, v)
    assert isinstance(parse_latex(r"\operatorname{softmax}(x)", shapes=shapes), Softmax)


def test_a_stated_symmetric_matrix_is_used(tmp_path: Path) -> None:
    derivation = api.grad("x.T*inv(S)*x + log(det(S))", wrt="S", shapes=["S=n,n", "x=n,1"],
                          assume=["S symmetric"])
    S = sp.MatrixSymbol("S", n, n)
    result = derivation.results[0].expr
    assert not result.has(sp.Transpose(S))
    expected = sp.Inverse(S) - sp.Inverse(S) * x * x.T * sp.Inverse(S)
    assert compare(result, expected, derivation.assumptions).equal is True
    assert "symmetric" in [step.rule for step in derivation.steps]
    _check_passes(derivation, tmp_path)


@pytest.mark.parametrize("text,shapes,wrt", [
    # a scalar factor inside a product that is transposed (found by the slow generator)
    ("tr(((B.T + B.T))^2)", {"B": (3, 3)}, "B"),
    # a size that only a constant matrix carries once y - y is 0 (found by the slow generator)
    ("alpha*logsumexp(x) + logsumexp((y - y))", {"x": ("n", 1), "y": ("m", 1)}, "x"),
])
def test_generated_regressions_derive_and_check(text: str, shapes: dict, wrt: str,
                                                tmp_path: Path) -> None:
    derivation = api.grad(text, wrt=[wrt], shapes=shapes, assume=["alpha > 0"])
    _check_passes(derivation, tmp_path)
