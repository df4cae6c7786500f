"""Spelled-out DL functions are named: e^u ⊘ (1 + e^u) and 1 ⊘ (1 + e^-u) entry by entry are
sigma(u), e^z / 1^T e^z is softmax(z); on the sheet, in the terminal and in the check script."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive import api
from derive.checkrun import run_check
from derive.cli import main
from derive.engine.matrix.recognise import recognised
from derive.functions import sigmoid
from derive.kinds import check_script
from derive.matrixfunctions import Softmax
from derive.printing import latex
from derive.verify import compare

m, n = sp.symbols("m n", integer=True, positive=True)
X = sp.MatrixSymbol("X", m, n)
w = sp.MatrixSymbol("w", n, 1)
y, z, t = (sp.MatrixSymbol(name, m, 1) for name in "yzt")
u = sp.Symbol("u", real=True)
LOGISTIC = ("sum(log(1 + exp(-y .* (X*w))))", ["X=m,n", "y=m,1", "w=n,1"])


def _sigmoid(arg: sp.Basic) -> sp.Basic:
    return ElementwiseApplyFunction(sp.Lambda(u, sigmoid(u)), arg)


def _exp(arg: sp.Basic) -> sp.Basic:
    return ElementwiseApplyFunction(sp.Lambda(u, sp.exp(u)), arg)


def _passes(derivation: object, folder: Path) -> str:
    code = check_script(derivation)
    path = folder / "check_named.py"
    path.write_text(code)
    outcome = run_check(path)
    assert outcome.passed, outcome.line
    return code


def test_the_logistic_gradient_reads_in_sigmoid_form(tmp_path: Path) -> None:
    text, shapes = LOGISTIC
    derivation = api.grad(text, wrt="w", shapes=shapes)
    result = derivation.results[0].expr
    textbook = -X.T * sp.HadamardProduct(y, _sigmoid(-sp.HadamardProduct(y, X * w)))
    assert compare(result, textbook).equal is True
    assert result.has(sigmoid) and not result.has(sp.exp)
    assert "sigmoid from exp" in [step.rule for step in derivation.steps]
    assert "sigmoid(-(X @ w) * y) * y" in _passes(derivation, tmp_path)


def test_the_terminal_and_the_sheet_show_the_sigmoid(tmp_path: Path) -> None:
    text, shapes = LOGISTIC
    args = ["grad", text, "--wrt", "w", *(a for s in shapes for a in ("--shape", s)),
            "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    last = [line for line in result.output.splitlines() if line.startswith("df/dw")][0]
    assert "σ(" in last and "exp" not in last
    assert "[sigmoid from exp; proved numerically]" in result.output
    sheet = (tmp_path / "expr.tex").read_text()
    assert r"\sigma" in sheet and r"e^{u}/(1 + e^{u}) = \sigma(u)" in sheet
    assert (tmp_path / "expr.pdf").is_file()


@pytest.mark.parametrize("before,after", [
    (sp.HadamardProduct(_exp(z), sp.HadamardPower(_exp(z) + sp.OneMatrix(m, 1), -1)),
     _sigmoid(z)),
    (sp.HadamardPower(sp.OneMatrix(m, 1) + _exp(-z), -1), _sigmoid(z)),
    (sp.HadamardPower(sp.OneMatrix(m, 1) + _exp(z), -1), _sigmoid(-z)),
    (sp.HadamardProduct(y, _exp(z), sp.HadamardPower(_exp(z) + sp.OneMatrix(m, 1), -1)),
     sp.HadamardProduct(y, _sigmoid(z))),
    # e^z beside 1/(1 + e^y) is no pair: 1/(1 + e^y) alone is sigma(-y)
    (sp.HadamardProduct(_exp(z), sp.HadamardPower(_exp(y) + sp.OneMatrix(m, 1), -1)),
     sp.HadamardProduct(_exp(z), _sigmoid(-y))),
])
def test_each_sigmoid_form_is_named_and_equal(before: sp.Basic, after: sp.Basic) -> None:
    rule, named = recognised(before)
    assert rule == "sigmoid from exp"
    assert compare(named, after).equal is True
    assert compare(before, named).equal is True


@pytest.mark.parametrize("form", [
    _exp(z),  # no denominator
    sp.HadamardPower(_exp(z) + y, -1),  # y + e^z
    sp.HadamardPower(2 * sp.OneMatrix(m, 1) + _exp(z), -1),  # 2 + e^z
    sp.HadamardPower(sp.OneMatrix(m, 1) + _exp(z), -2),
])
def test_what_is_not_a_sigmoid_is_left(form: sp.Basic) -> None:
    assert recognised(form) is None


def test_a_typed_sigmoid_is_differentiated_as_one(tmp_path: Path) -> None:
    derivation = api.grad("sum(1 ./ (1 + exp(-z)))", wrt="z", shapes=["z=m,1"])
    rules = [step.rule for step in derivation.steps]
    assert rules[:rules.index("sigmoid from exp")] in ([], ["simplify"])
    expected = sp.HadamardProduct(_sigmoid(z), sp.OneMatrix(m, 1) - _sigmoid(z))
    assert compare(derivation.results[0].expr, expected).equal is True
    _passes(derivation, tmp_path)


@pytest.mark.parametrize("text", ["-t.T*log(exp(z)./sum(exp(z)))",
                                  "-t.T*log(exp(z)/sum(exp(z)))"])
def test_softmax_cross_entropy_from_exp_ends_in_p_minus_t(text: str, tmp_path: Path) -> None:
    shapes = ["z=m,1", "t=m,1"]
    stated = api.grad(text, wrt="z", shapes=shapes, assume=["1^T t = 1"])
    rules = [step.rule for step in stated.steps]
    named = rules.index("softmax from exp")  # first, after sympy's form of the typed loss
    assert named <= 1 and rules[:named] in ([], ["simplify"])
    assert rules.index("log of softmax") > named
    assert stated.results[0].expr == Softmax(z) - t
    _passes(stated, tmp_path)
    general = api.grad(text, wrt="z", shapes=shapes)  # 1^T t = 1 not stated: not p - t
    assert compare(general.results[0].expr, Softmax(z) - t).equal is False


def test_the_batch_softmax_cross_entropy_through_a_layer(tmp_path: Path) -> None:
    derivation = api.grad("-t.T*log(exp(W*x + b)./sum(exp(W*x + b)))", wrt=["W", "b"],
                          shapes=["W=m,n", "x=n,1", "b=m,1", "t=m,1"], assume=["1^T t = 1"])
    W, x, b = sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("b", m, 1)
    p = Softmax(W * x + b)
    dw, db = (r.expr for r in derivation.results)
    assert db == p - t
    assert compare(dw, (p - t) * x.T).equal is True
    _passes(derivation, tmp_path)


def test_a_power_of_a_number_or_of_exp_is_bracketed_on_the_sheet() -> None:
    sums = sp.Trace(sp.MatMul(sp.OneMatrix(1, m), _exp(z)))
    assert r"e^{z}^" not in latex(sp.Pow(sums, 2)) and r"\right)^{2}" in latex(sp.Pow(sums, 2))
    assert r"\left(e^{z}\right)^{\circ \frac{1}{2}}" in latex(
        sp.HadamardPower(_exp(z), sp.Rational(1, 2)))


@pytest.mark.parametrize("text,shapes", [
    ("-t.T*log(exp(z)./sum(exp(z)))", ["z=m,1", "t=m,1"]),  # (1^T e^z)^2 in a denominator
    ("((2*y.T) .* (y.T .* y.T))*exp(log(1 + exp(y))).^0.5", ["y=m,1"]),  # e^{..}^{o 1/2}
])
def test_the_sheets_of_powers_compile(text: str, shapes: list[str], tmp_path: Path) -> None:
    wrt = "z" if "z" in text else "y"
    args = ["grad", text, "--wrt", wrt, *(a for s in shapes for a in ("--shape", s)),
            "--out", str(tmp_path)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "expr.pdf").is_file()


@pytest.mark.parametrize("text,shapes", [
    ("-t.T*z + log(sum(exp(z)))", ["z=m,1", "t=m,1"]),
    ("((2*y.T) .* (y.T .* y.T))*exp(log(1 + exp(y))).^0.5", ["y=m,1"]),
])
def test_no_symmetric_step_without_a_symmetric_matrix(text: str, shapes: list[str]) -> None:
    wrt = "z" if "z" in text else "y"
    derivation = api.grad(text, wrt=wrt, shapes=shapes)
    assert "symmetric" not in [step.rule for step in derivation.steps]


@pytest.mark.parametrize("at_zero,tex,text", [
    (0, r"\mathbb{I}\left[u > 0\right]", "𝟙[u > 0]"),  # relu'(u)
    (1, r"\mathbb{I}\left[u \geq 0\right]", "𝟙[u ≥ 0]"),
    (sp.S.Half, r"H\left(u\right)", "H(u)"),  # max(a, b)' splits a tie: H(0) = 1/2
])
def test_a_step_function_prints_its_value_at_zero(at_zero, tex: str, text: str) -> None:
    from derive.textout import maths

    step = sp.Heaviside(sp.Symbol("u"), at_zero)
    assert latex(step) == tex and maths(step) == text
