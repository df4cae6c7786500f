"""The hand-derivation checker: equivalence, verdicts per line, hints for typical mistakes."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.errors import InputError, ParseError
from derive.functions import sigmoid
from derive.grade import check_text
from derive.grade.equivalence import judge
from derive.grade.hints import HINTS, find_hint
from derive.model import Assumptions

x = sp.Symbol("x", real=True)
w = sp.Symbol("w", real=True)
N = sp.Symbol("N", integer=True, positive=True)
i = sp.Symbol("i", integer=True)
X, Y = sp.IndexedBase("x"), sp.IndexedBase("y")


# --- equivalence: three outcomes -------------------------------------------------------------


@pytest.mark.parametrize("before,after", [
    (sigmoid(x) * (1 - sigmoid(x)), sp.exp(-x) / (1 + sp.exp(-x)) ** 2),
    (sp.tanh(x), 2 * sigmoid(2 * x) - 1),
    (sp.log(x**2), 2 * sp.log(x)),  # equal wherever both sides are real
    (sp.Sum(2 * (w * X[i] - Y[i]) * X[i], (i, 1, N)) / N,
     2 * w * sp.Sum(X[i] ** 2, (i, 1, N)) / N - 2 * sp.Sum(X[i] * Y[i], (i, 1, N)) / N),
], ids=["sigmoid-forms", "tanh-sigmoid", "log-square", "sum-expanded"])
def test_equal_but_different_forms_are_accepted(before, after):
    assert judge(before, after).equal is True


def test_a_refutation_names_a_readable_point_and_both_values():
    outer = sigmoid(x**2) * (1 - sigmoid(x**2))
    verdict = judge(outer * 2 * x, outer)
    assert verdict.equal is False
    point, left, right = (verdict.counterexample[k] for k in ("point", "left", "right"))
    assert point == {"x": 1.5}
    s = 1 / (1 + sp.exp(-sp.Float(2.25)))
    assert left == pytest.approx(float(s * (1 - s) * 3))
    assert right == pytest.approx(float(s * (1 - s)))


def test_negative_values_are_tried_unless_assumed():
    assert judge(sp.sqrt(x**2), x).equal is False
    positive = Assumptions(positive=frozenset({"x"}))
    assert judge(sp.sqrt(x**2), x, positive).equal is True


def test_sums_are_checked_at_concrete_sizes_with_random_data():
    mean = sp.Sum(X[i], (i, 1, N)) / N
    verdict = judge(mean, sp.Sum(X[i], (i, 1, N)) / (N - 1))
    assert verdict.equal is False
    assert "N" in verdict.counterexample["point"] and "x[1]" in verdict.counterexample["point"]


def test_undecided_when_no_point_is_real():
    verdict = judge(sp.log(-1 - x**2) * 0 + sp.sqrt(-1 - x**2), sp.sqrt(-2 - x**2))
    assert verdict.equal is None


# --- whole derivations, written as students write them ---------------------------------------

CORRECT = {
    "sigmoid-chain": r"""
\frac{d}{dx} \sigma(x^2)
= \sigma(x^2)\left(1 - \sigma(x^2)\right) \cdot 2x   && chain rule
= 2x\,\sigma(x^2)\,\sigma(-x^2)                       \quad since 1 - \sigma(u) = \sigma(-u)
= \frac{2x e^{-x^2}}{\left(1 + e^{-x^2}\right)^2}
""",
    "product-plain": """
d/dx x^2*sin(x)
= 2*x*sin(x) + x^2*cos(x)   # product rule
= x*(2*sin(x) + x*cos(x))
""",
    "mse": r"""
% assume N > 0
\frac{\partial}{\partial w} \frac{1}{N} \sum_{i=1}^{N} (w x_i - y_i)^2
= \frac{1}{N} \sum_{i=1}^{N} 2 (w x_i - y_i) x_i
= \frac{2}{N} \sum_{i=1}^{N} (w x_i^2 - x_i y_i)
""",
    "softplus": r"""
\frac{d}{dx} \log\left(1 + e^{x}\right)
= \frac{e^{x}}{1 + e^{x}}
= \frac{1}{1 + e^{-x}}
= \sigma(x)
""",
    "align-env": r"""
\begin{align*}
\frac{d}{dx} \tanh(2x) \\
&= \left(1 - \tanh^2(2x)\right) \cdot 2 \\
&= 2 - 2\tanh^2(2x) && simplify
\end{align*}
""",
    "log-with-assumption": r"""
% assume x > 0
\frac{d}{dx} \log(x^2)
= \frac{2x}{x^2}
= \frac{2}{x}
""",
}


@pytest.mark.parametrize("text", CORRECT.values(), ids=CORRECT.keys())
def test_correct_work_is_never_flagged(text):
    report = check_text(text)
    assert [v.status for v in report.steps] == ["ok"] * len(report.steps)
    assert report.first_error is None and report.exit_code == 0
    assert all(v.verified in ("symbolic", "numeric") for v in report.steps)


# (text, the first wrong line, the hint's name)
MISTAKES = {
    "quotient-rule-written-out": (r"""\frac{d}{dx} \frac{1}{1 + e^{-x}}
= \frac{0 \cdot (1 + e^{-x}) + 1 \cdot (-e^{-x})}{(1 + e^{-x})^2}
""", 2, "quotient rule sign"),
    "chain-rule": (r"""\frac{d}{dx} \sigma(x^2)
= \sigma(x^2)\left(1-\sigma(x^2)\right)
""", 2, "missing inner derivative"),
    "chain-rule-exp": (r"""\frac{d}{dx} e^{-x^2}
= e^{-x^2}
""", 2, "missing inner derivative"),
    "sign": (r"""\frac{d}{dx} \cos(x) \cdot x
= \sin(x) \cdot x + \cos(x) \quad product rule
""", 2, "sign error"),
    "sign-later": ("""d/dx x*exp(-x)
= exp(-x) - x*exp(-x)
= exp(-x)*(1 + x)
""", 3, "sign error"),
    "lost-2": (r"""\frac{\partial}{\partial w} \frac{1}{N}\sum_{i=1}^{N} (w x_i - y_i)^2
= \frac{2}{N}\sum_{i=1}^{N} (w x_i - y_i) x_i
= \frac{1}{N}\sum_{i=1}^{N} (w x_i - y_i) x_i  && cancel
""", 3, "lost factor"),
    "lost-1/N": (r"""\frac{\partial}{\partial w} \frac{1}{N}\sum_{i=1}^{N} (w x_i - y_i)^2
= \sum_{i=1}^{N} 2 (w x_i - y_i) x_i
""", 2, "lost factor"),
    "product-rule": (r"""\frac{d}{dx} x^2 \sin x
= 2x \sin x
""", 2, "product rule"),
    "product-of-derivatives": (r"""\frac{d}{dx} \left( x^3 e^{x} \right)
= 3x^2 e^{x}  && derivative of each factor
""", 2, "product rule"),
    "quotient-sign": (r"""\frac{d}{dx} \frac{x^2}{1 + x}
= \frac{x^2 - 2x(1+x)}{(1+x)^2}
""", 2, "quotient rule sign"),
    "log-of-sum": (r"""\frac{d}{dx} \log(x + x^3)
= \frac{1}{x} + \frac{3x^2}{x^3}  && log rule
""", 2, "log of a sum"),
    "log-of-sum-algebra": (r"""\log\left(1 + e^{x}\right)
= \log 1 + \log e^{x}
""", 2, "log of a sum"),
    "dropped-term": ("""d/dx (x^3 + sin(x))
= 3*x^2 + cos(x)
= 3*x^2
""", 3, "dropped term"),
}


@pytest.mark.parametrize("text,line,hint", MISTAKES.values(), ids=MISTAKES.keys())
def test_mistakes_are_caught_at_the_right_line_and_named(text, line, hint):
    report = check_text(text)
    assert report.first_error == line and report.exit_code == 1
    wrong = next(v for v in report.steps if v.line.number == line)
    assert wrong.status == "wrong" and wrong.counterexample["point"]
    assert wrong.hint is not None and wrong.hint.name == hint, wrong.hint
    assert all(v.status == "ok" for v in report.steps if v.line.number < line)
    shown = wrong.hint.unicode()  # the terminal's maths, never Python's x**2 or backticks
    assert "**" not in shown and "`" not in shown and shown in report.text(), shown


def test_every_hint_of_the_vocabulary_is_tested():
    from tests.test_check_matrix_hints import CASES
    from tests.test_check_notation import MATRIX_MISTAKES

    tested = {hint for _, _, hint in MISTAKES.values()} | {"missing transpose", "quotient rule"}
    tested |= {hint for _, _, hint in MATRIX_MISTAKES.values() if hint}
    tested |= {hint for _, _, hint, _ in CASES.values()}
    assert tested == set(HINTS)


def test_missing_transpose_is_named():
    m, n = sp.Symbol("m", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
    a, b = sp.MatrixSymbol("a", m, 1), sp.MatrixSymbol("b", n, 1)
    right = a * b.T
    hint = find_hint(right, right, b * a.T, Assumptions())
    assert hint is not None and hint.name == "missing transpose"


def test_a_dropped_quotient_term_is_named():
    hint = find_hint(sp.Derivative(sp.sin(x) / (1 + x**2), x),
                     sp.Derivative(sp.sin(x) / (1 + x**2), x).doit(),
                     sp.cos(x) / (1 + x**2), Assumptions())
    assert hint is not None and hint.name == "quotient rule"


def test_json_follows_the_contract():
    report = check_text(MISTAKES["chain-rule"][0] + "= 0\n")
    data = report.json()
    assert set(data) == {"kind", "steps", "first_error"} and data["kind"] == "check"
    assert data["first_error"] == 2
    for step in data["steps"]:
        assert set(step) == {"line", "status", "verified", "counterexample", "hint", "error",
                             "follows_from"}
    assert data["steps"][0]["hint"].startswith("missing inner derivative")
    assert data["steps"][0]["counterexample"]["point"] == {"x": 1.5}


def test_unparsed_lines_report_the_column_and_are_skipped():
    report = check_text("d/dx x^2\n= 2*x +* 1\n= 2*x\n")
    unparsed, after = report.steps
    assert unparsed.status == "unparsed" and unparsed.line.error.column == 8
    assert "line 2, column 8" in unparsed.error
    assert after.status == "ok"  # compared with line 1, the last line that parsed
    assert report.exit_code == 2


def test_a_later_line_without_equals_is_not_understood():
    report = check_text("d/dx x^2\n2*x\n")
    assert report.steps[0].status == "unparsed" and "'='" in report.steps[0].error


def test_a_first_line_that_does_not_parse_is_a_parse_error():
    with pytest.raises(ParseError) as caught:
        check_text("% my homework\n\\frac{d}{dx} (x^2\n= 2x\n")
    assert caught.value.line == 2


@pytest.mark.parametrize("text", ["", "% only a comment\n", "% assume x is lovely\nx\n= x\n"])
def test_bad_files_are_input_errors(text):
    with pytest.raises(InputError):
        check_text(text)


def test_text_output_marks_every_line():
    text = check_text(MISTAKES["product-rule"][0]).text()
    assert "✗" in text and "hint: product rule" in text and "first error at line 2" in text


def test_an_undecided_step_is_not_accepted_and_the_json_keeps_the_contract():
    report = check_text("sqrt(-1 - x^2)\n= sqrt(-2 - x^2)\n")
    (step,) = report.json()["steps"]
    assert step["status"] == "undecided" and step["counterexample"] is None
    assert "neither proved nor refuted" in step["error"]
    assert report.json()["first_error"] is None and report.exit_code == 1  # DESIGN: not an error
