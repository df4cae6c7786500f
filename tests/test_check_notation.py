"""Hand derivations in the notation DL students write: matrices, named quantities, equations."""

from __future__ import annotations

import pytest

from derive.errors import ParseError
from derive.grade import check_text

SHAPES = "% shape W = m, n\n% shape x = n, 1\n% shape y = m, 1\n% shape A = n, n\n"


def statuses(text: str) -> dict[int, str]:
    return {v.line.number: v.status for v in check_text(text).steps}


# --- matrices ----------------------------------------------------------------------------------

RIGHT_MATRIX = {
    "least-squares": SHAPES + r"""L = \|W x - y\|^2
\nabla_W L = 2 (W x - y) x^\top \\
&= 2 W x x^\top - 2 y x^\top
""",
    "quadratic-form": SHAPES + r"""f = x^\top A x
\nabla_x f = (A + A^\top) x
= A x + A^\top x
""",
    "expanded-quadratic": SHAPES + r"""f = (W x - y)^\top (W x - y)
= x^\top W^\top W x - 2 y^\top W x + y^\top y
""",
    "one-by-one-is-scalar": SHAPES + r"""f = x^\top A x
= \operatorname{tr}(A x x^\top)
""",
    "sigmoid-layer": "% shape z = n, 1\n% shape y = n, 1\n"
                     + r"""L = \mathbf{1}^\top (\sigma(z) - y)
\nabla_z L = \sigma(z) \odot (\mathbf{1} - \sigma(z))
""",
    "sized-ones-batched-layer": "% shape X = N, n\n% shape W = n, m\n% shape b = m, 1\n"
                                + r"""Z = X W + \mathbf{1}_N b^\top
= X W + \mathbf{1}_{N} b^{\top}
""",
    "frac-partial-W": SHAPES + r"""\mathcal{L} = \frac{1}{2}\|W x - y\|^2
\frac{\partial \mathcal{L}}{\partial W} = (W x - y) x^\top
""",
    "inverse-and-det": "% shape A = n, n\n" + r"""f = \log\det A
\nabla_A f = A^{-\top}
""".replace("A^{-\\top}", r"(A^{-1})^\top"),
    "scalar-by-matrix-trace": "% shape A = n, n\n" + r"""\frac{d}{dt} \operatorname{tr}(e^{t} A)
= e^t \operatorname{tr}(A)
""",
    "plain-syntax": "% shape W = m, n\n% shape x = n, 1\n% shape y = m, 1\n"
                    "L = (W*x - y).T*(W*x - y)\n"
                    "dL/dW = 2*(W*x - y)*x.T\n",
}


@pytest.mark.parametrize("text", RIGHT_MATRIX.values(), ids=RIGHT_MATRIX.keys())
def test_right_matrix_work_passes(text):
    report = check_text(text)
    assert [v.status for v in report.steps] == ["ok"] * len(report.steps), report.text()
    assert report.exit_code == 0


# (text, line, hint)
MATRIX_MISTAKES = {
    "layout": (SHAPES + r"""L = \|W x - y\|^2
\nabla_W L = 2 x (W x - y)^\top
""", 6, "gradient layout"),
    "lost-2": (SHAPES + r"""L = \|W x - y\|^2
\nabla_W L = (W x - y) x^\top
""", 6, "lost factor"),
    "symmetric-only": (SHAPES + r"""f = x^\top A x
\nabla_x f = 2 A x
""", 6, "symmetric only"),
    "extra-transpose": (SHAPES + r"""f = W x
= x^\top W^\top
""", 6, "extra transpose"),
    "dropped-transpose": (SHAPES + r"""f = x^\top A x
\nabla_x f = (A + A^\top) x
= A x + A^\top x
= A x + A x
""", 8, "missing transpose"),
}


@pytest.mark.parametrize("text,line,hint", MATRIX_MISTAKES.values(), ids=MATRIX_MISTAKES.keys())
def test_matrix_mistakes_are_caught_and_named(text, line, hint):
    report = check_text(text)
    assert report.first_error == line, report.text()
    wrong = next(v for v in report.steps if v.line.number == line)
    if hint is not None:
        assert wrong.hint is not None and wrong.hint.name == hint, report.text()


def test_a_shape_mismatch_inside_a_line_is_wrong_and_names_both_shapes():
    report = check_text(SHAPES + "L = \\|W x - y\\|^2\n\\nabla_W L = 2 (W x - y) x^\\top\n"
                        "= 2 W x x^\\top - 2 y^\\top x^\\top\n")
    wrong = report.steps[-1]
    assert wrong.status == "wrong" and report.first_error == 7
    assert "(1 x m)" in wrong.error and "(1 x n)" in wrong.error


def test_matrices_are_drawn_non_square_so_a_transpose_cannot_hide():
    # with square W, W^T x and W x would agree in shape: m and n are drawn apart
    report = check_text(SHAPES + "f = y^\\top W x\n\\nabla_x f = W y\n")
    assert report.first_error == 6


# --- names, starts and continuations -------------------------------------------------------------

RIGHT_FORMS = {
    "named-start": "J = (a t - b)^2\n\\frac{\\partial J}{\\partial a} = 2 (a t - b) t\n",
    "slash-derivative": "J = (a*t - b)^2\ndJ/da = 2*(a*t - b)*t\n",
    "prime": "f(x) = x^2 \\sin x\nf'(x) = 2x \\sin x + x^2 \\cos x\n",
    "nabla": "f(v) = v^3 + 2v\n\\nabla_v f = 3v^2 + 2\n",
    "function-name-later": "g(t) = t^3\n\\frac{d}{dt} g(t) = 3t^2\n",
    "intermediate-name": "z = w x + b\nL = (\\sigma(z) - y)^2\n"
                         "\\frac{dL}{dw} = 2(\\sigma(z) - y)\\sigma(z)(1 - \\sigma(z)) x\n",
    "lhs-rhs-one-line": "\\frac{d}{dx} x^3 = 3x^2\n",
    "align": "\\begin{align*}\n\\frac{d}{dx} \\tanh(2x) &= 2(1 - \\tanh^2(2x)) \\\\\n"
             "&= 2\\operatorname{sech}^2(2x)\n\\end{align*}\n",
    "display-math": "$$\n\\frac{d}{dx} \\log_2 x\n= \\frac{1}{x \\ln 2}\n$$\n",
    "brackets": "\\[ \\frac{d}{du} \\sigma(u) \\]\n\\[ = \\sigma'(u) \\]\n"
                "\\[ = \\sigma(u)(1 - \\sigma(u)) \\]\n",
    "indicator": "\\frac{d}{dx} \\operatorname{ReLU}(x)\n= \\mathbb{1}[x > 0]\n",
    "tanh-prime": "\\frac{d}{dx} \\tanh(x^2)\n= \\tanh'(x^2) \\cdot 2x\n"
                  "= 2x(1 - \\tanh^2(x^2))\n",
    "huge-power": "\\frac{d}{dx} (x - 4a)^{6000}\n= 6000 (x - 4a)^{5999}\n",
}


@pytest.mark.parametrize("text", RIGHT_FORMS.values(), ids=RIGHT_FORMS.keys())
def test_the_ways_students_start_and_continue(text):
    report = check_text(text)
    assert report.steps and all(v.status == "ok" for v in report.steps), report.text()


def test_differentiating_an_undefined_name_is_a_parse_error_naming_it():
    with pytest.raises(ParseError) as caught:
        check_text("dL/dw = 2*w\n")
    assert "'L' is not defined" in caught.value.message


@pytest.mark.parametrize("text,name,near", [
    ("\\frac{d}{dz} \\mathrm{softmx}(z)\n= 1\n", "softmx", "softmax"),
    ("d/dx sigmod(x)\n= 1\n", "sigmod", "sigmoid"),
    ("\\frac{d}{dx} \\operatorname{sofplus}(x)\n= 1\n", "sofplus", "softplus"),
])
def test_unknown_function_names_are_errors_with_the_nearest_names(text, name, near):
    # softmax itself is known now (a vector function): a scalar argument is a shape error
    with pytest.raises(ParseError) as caught:
        check_text(text)
    assert f"unknown function '{name}'" in caught.value.message and near in caught.value.message


# --- equations and MLE ------------------------------------------------------------------------

MLE_RIGHT = {
    "gaussian-mean": r"""\ell(\mu) = \sum_{i=1}^{N} -\frac{(x_i - \mu)^2}{2}
\frac{d\ell}{d\mu} = \sum_{i=1}^{N} (x_i - \mu) = 0
\Rightarrow \hat\mu = \frac{1}{N}\sum_{i=1}^{N} x_i
""",
    "exponential-rate": r"""% assume lambda > 0
\ell(\lambda) = \sum_{i=1}^{N} \left(\log\lambda - \lambda x_i\right)
\ell'(\lambda) = \frac{N}{\lambda} - \sum_{i=1}^{N} x_i = 0
\Rightarrow \frac{N}{\lambda} = \sum_{i=1}^{N} x_i
\iff N = \lambda \sum_{i=1}^{N} x_i
so \hat\lambda = \frac{N}{\sum_{i=1}^{N} x_i}
""",
    "plain-arrows": "% assume 0 < p < 1\n"
                    "l(p) = k*log(p) + (n - k)*log(1 - p)\n"
                    "dl/dp = k/p - (n - k)/(1 - p) = 0\n"
                    "=> k*(1 - p) = (n - k)*p\n"
                    "=> p = k/n\n",
    "set-to-zero-later-line": "f(x) = (x - 3)^2\nf'(x) = 2(x - 3)\n= 0\n\\Rightarrow x = 3\n",
}


@pytest.mark.parametrize("text", MLE_RIGHT.values(), ids=MLE_RIGHT.keys())
def test_equations_that_follow_are_right(text):
    report = check_text(text)
    assert all(v.status == "ok" for v in report.steps), report.text()


@pytest.mark.parametrize("text,line", [
    (MLE_RIGHT["exponential-rate"].replace(r"\frac{N}{\sum_{i=1}^{N} x_i}",
                                           r"\frac{\sum_{i=1}^{N} x_i}{N}"), 6),
    (MLE_RIGHT["gaussian-mean"].replace(r"\frac{1}{N}\sum", r"\frac{1}{N - 1}\sum"), 3),
    (MLE_RIGHT["plain-arrows"].replace("=> k*(1 - p) = (n - k)*p", "=> k*(1 - p) = (n + k)*p"),
     4),
])
def test_an_equation_that_does_not_follow_is_wrong(text, line):
    assert check_text(text).first_error == line


NORMAL_EQUATIONS = "% shape X = N, d\n% shape w = d, 1\n% shape y = N, 1\n" + r"""
J = \frac{1}{2N} (X w - y)^\top (X w - y)
\nabla_w J = \frac{1}{N} X^\top (X w - y) = 0
\Rightarrow X^\top X w = X^\top y
\Rightarrow \hat w = (X^\top X)^{-1} X^\top y
"""


def test_matrix_equations_are_solved_for_the_unknown_with_inverses_that_exist():
    report = check_text(NORMAL_EQUATIONS)
    assert all(v.status == "ok" for v in report.steps), report.text()
    wrong = check_text(NORMAL_EQUATIONS + "\\Rightarrow w = X^\\top y\n")
    assert wrong.first_error == 9
    sloppy = NORMAL_EQUATIONS.replace("X^\\top X w = X^\\top y", "X X^\\top w = X^\\top y")
    assert check_text(sloppy).first_error == 7


def test_a_derivative_set_to_zero_without_an_equation_after_it_is_an_ordinary_step():
    assert statuses("d/dx x^2\n= 2*x\n= 0\n")[3] == "wrong"


# --- sound equivalence --------------------------------------------------------------------------

@pytest.mark.parametrize("text,status", [
    ("\\sqrt[3]{x^3}\n= |x|\n", "wrong"),  # the real cube root of a negative number
    ("\\sqrt[3]{x^3}\n= x\n", "ok"),
    ("(-1)^n * x\n= x\n", "wrong"),  # real only at whole n: refuted at n = 1
    ("(-1)^n * x\n= x*(-1)^n\n", "ok"),
    ("e^{\\pi \\sqrt{163}}\n= 262537412640768744\n", "wrong"),  # apart at the 30th digit
    ("\\log 8\n= 3 \\log 2\n", "ok"),
    ("\\pi\n= \\frac{355}{113}\n", "wrong"),
    ("d/dx (x - 4*a)^6000\n= 6000*(x - 4*a)^6000\n", "wrong"),
])
def test_equivalence_is_sound(text, status):
    assert check_text(text).steps[-1].status == status


# --- follow-through and the report ---------------------------------------------------------------

FOLLOW = r"""\frac{d}{dx} x^2 \sin x
= 2x \sin x
= 2 x \sin x + 0
= x (2 \sin x)
"""


def test_lines_after_a_wrong_one_follow_from_it():
    report = check_text(FOLLOW)
    data = report.json()
    assert data["first_error"] == 2
    assert [(s["line"], s["status"], s["follows_from"]) for s in data["steps"]] == [
        (2, "wrong", None), (3, "ok", 2), (4, "ok", 2)]
    assert "follows from line 2" in report.text()
    assert report.exit_code == 1


def test_a_line_back_on_the_right_value_is_right_again():
    report = check_text(FOLLOW + "= 2x \\sin x + x^2 \\cos x\n")
    assert report.steps[-1].status == "ok" and report.steps[-1].follows_from is None


def test_reports_show_the_lines_as_typed_and_render_in_jupyter():
    report = check_text("\\frac{d}{dx} 2(x + 1)^2\n= 4(x + 1)\n")
    assert "= 4(x + 1)" in report.text()
    latex = report._repr_latex_()
    assert latex.startswith("$$") and "4 ( x + 1 )" in latex and "checkmark" in latex
    assert "<pre>" in report._repr_html_() and "4(x + 1)" in report._repr_html_()


def test_a_transposed_name_without_a_shape_is_an_error_not_a_silent_scalar():
    with pytest.raises(ParseError) as caught:
        check_text("f = x^\\top A x\n= x^\\top A^\\top x\n")
    assert "declare it with % shape x = rows, cols" in caught.value.message
    report = check_text("% shape x = n, 1\nf = a x^\\top x\n= a b^\\top\n")
    assert report.steps[0].status == "unparsed" and "% shape b" in report.steps[0].error


@pytest.mark.parametrize("directive,message", [
    ("% shape W: m by n", "expected 'NAME = ROWS, COLS'"),
    ("% shape W = 0, 3", "expected an integer from 1"),
    ("% shape W = 784, 100", "a size above 8"),
])
def test_a_shape_directive_that_cannot_be_read_is_an_input_error(directive, message):
    from derive.errors import InputError

    with pytest.raises(InputError) as caught:
        check_text(directive + "\nx\n= x\n")
    assert message in str(caught.value) and "line 1" in str(caught.value)


@pytest.mark.parametrize("structure,lines", [
    ("symmetric", "x^\\top S y\n= y^\\top S x\n"),
    ("spd", "\\left|\\det S\\right|\n= \\det S\n"),
    ("positive definite", "x^\\top S y\n= y^\\top S x\n"),
    ("orthogonal", "\\|S x\\|^2\n= x^\\top x\n"),
    ("diagonal", "x^\\top S y\n= y^\\top S x\n"),
])
def test_a_shape_directive_may_state_a_structure(structure, lines):
    """'% shape S = n, n, symmetric' is '% assume S symmetric': the identity that needs it
    holds, and the same file without it is wrong at its line."""
    shapes = "% shape x = n\n% shape y = n\n"
    with_structure = check_text(f"% shape S = n, n, {structure}\n{shapes}{lines}")
    assert with_structure.first_error is None, with_structure.steps[-1]
    without = check_text(f"% shape S = n, n\n{shapes}{lines}")
    assert without.first_error == 5


@pytest.mark.parametrize("directive,message", [
    ("% shape S = n, m, symmetric", "a symmetric matrix is square"),
    ("% shape S = n, n, wobbly", "unknown structure 'wobbly' (use symmetric, spd"),
])
def test_a_structure_that_cannot_be_is_an_input_error(directive, message):
    from derive.errors import InputError

    with pytest.raises(InputError) as caught:
        check_text(directive + "\nx\n= x\n")
    assert message in str(caught.value) and str(caught.value).startswith("line 1: % shape S")


def test_a_one_size_shape_is_a_column_and_numeric_sizes_work():
    report = check_text("% shape W = 3, 2\n% shape x = 2\nf = W x\n= x^\\top W^\\top\n")
    assert report.first_error == 4 and report.steps[0].hint.name == "extra transpose"


@pytest.mark.parametrize("text,statuses_wanted", [
    ("x^2 = 4\n\\Rightarrow x = 2\n", ["ok", "ok"]),
    ("2x - 4 = 0 \\Rightarrow x = 2\n", ["ok"]),
    ("x^2 = 4\n\\Rightarrow x = 3\n", ["ok", "wrong"]),
    # an identity that fails stays a wrong step, even with an equation after it
    ("\\frac{d}{dx} x^2 = 3x\n\\Rightarrow x = 0\n", ["wrong", "ok"]),
])
def test_an_equation_can_be_where_a_derivation_starts(text, statuses_wanted):
    assert [v.status for v in check_text(text).steps] == statuses_wanted


@pytest.mark.parametrize("rows,cols", [("N", "d"), ("m", "n"), ("5", "3")])
@pytest.mark.parametrize("normal", [r"X^\top X w = X^\top y", r"X^\top y = X^\top X w",
                                    r"X^\top X w - X^\top y = 0"])
def test_the_normal_equations_follow_at_any_sizes(rows, cols, normal):
    """An instance where X^T X is singular (fewer rows than columns) is redrawn, never counted
    against a right line."""
    text = (f"% shape X = {rows}, {cols}\n% shape w = {cols}, 1\n% shape y = {rows}, 1\n"
            r"J = \frac{1}{2} (X w - y)^\top (X w - y)" "\n"
            r"\nabla_w J = X^\top (X w - y) = 0" "\n"
            rf"\Rightarrow {normal}" "\n")
    report = check_text(text)
    assert all(v.status == "ok" for v in report.steps), report.text()
