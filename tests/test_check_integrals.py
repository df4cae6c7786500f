r"""Hand derivations of expectations: ``E[X] = \int_0^\infty x \lambda e^{-\lambda x} dx``.

The corpus is built from densities a course uses and their moments, each written the
ways students write them (``dx``, ``\, dx``, ``\mathrm{d}x``; ``E[X]``, ``\mathbb{E}[X^2]``;
``% assume \lambda > 0``); every right line must be right, and the same line with the
moment changed (a factor or a term) must be wrong at that line.
"""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from derive.grade import check_text

x = sp.Symbol("x", real=True)
lam, a = sp.Symbol("lambda", positive=True), sp.Symbol("a", positive=True)

#: (assumption, bounds, density as LaTeX, the same as sympy, the variable's LaTeX)
DENSITIES = [
    (r"\lambda > 0", (r"0", r"\infty"), r"\lambda e^{-\lambda x}", lam * sp.exp(-lam * x)),
    (r"a > 0", (r"0", r"a"), r"\frac{1}{a}", 1 / a),
    ("", (r"{-\infty}", r"\infty"), r"\frac{1}{\sqrt{2\pi}} e^{-x^2/2}",
     sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)),
    ("", (r"0", r"1"), r"2x", 2 * x),
]
DIFFERENTIALS = ["dx", r"\, dx", r"\,\mathrm{d}x"]
HEADS = ["E[X^{k}]", r"\mathbb{E}[X^{k}]", r"\mathbb{E}\left[X^{k}\right]", ""]
LIMITS = {"0": 0, r"\infty": sp.oo, r"{-\infty}": -sp.oo, "a": a, "1": 1}


def _moment(density: sp.Expr, bounds: tuple[str, str], k: int) -> sp.Expr:
    low, high = (LIMITS[b] for b in bounds)
    return sp.simplify(sp.integrate(x**k * density, (x, low, high)))


def _file(assume: str, bounds: tuple[str, str], density: str, k: int, dx: str, head: str,
          value: sp.Expr) -> str:
    power = "x" if k == 1 else f"x^{{{k}}}"
    integral = rf"\int_{bounds[0]}^{bounds[1]} {density} {power} {dx}"
    first = f"{head.replace('{k}', str(k))} = {integral}" if head else integral
    lines = ([f"% assume {assume}"] if assume else []) + [first, f"= {sp.latex(value)}"]
    return "\n".join(lines) + "\n"


CASES = [(d, k, dx, head) for d, k, (dx, head) in itertools.product(
    DENSITIES, (1, 2), zip(DIFFERENTIALS * 2, HEADS, strict=False))]


@pytest.mark.parametrize("density,k,dx,head", CASES)
def test_a_right_moment_is_right_and_a_changed_one_wrong(density, k, dx, head):
    assume, bounds, written, value = density
    moment = _moment(value, bounds, k)
    right = check_text(_file(assume, bounds, written, k, dx, head, moment))
    assert [v.status for v in right.steps] == ["ok"], right.text()
    for wrong_value in (2 * moment + sp.Rational(1, 2), moment + 1):
        wrong = check_text(_file(assume, bounds, written, k, dx, head, wrong_value))
        assert [v.status for v in wrong.steps] == ["wrong"], wrong.text()


def test_a_variance_line_starts_a_new_chain():
    report = check_text("% assume \\lambda > 0\n"
                        "\\mathbb{E}[X^2] = \\int_0^\\infty x^2 \\lambda e^{-\\lambda x} dx\n"
                        "= \\frac{2}{\\lambda^2}\n"
                        "\\operatorname{Var}(X) = \\frac{2}{\\lambda^2} - \\frac{1}{\\lambda^2}\n"
                        "= \\frac{1}{\\lambda^2}\n")
    assert [(v.line.number, v.status) for v in report.steps] == [(3, "ok"), (5, "ok")]


def test_E_of_x_in_brackets_is_still_a_function_a_student_defines():
    report = check_text("E(x) = x^2 + 1\n\\frac{dE}{dx} = 2x\n")
    assert [v.status for v in report.steps] == ["ok"], report.text()


@pytest.mark.parametrize("text,words", [
    ("\\int x^2 dx\n= x^3/3\n", "definite integral"),
    ("% shape A = n, n\n\\int_0^1 A dx\n= A\n", "matrix"),
])
def test_what_the_checker_cannot_integrate_is_one_clear_line(text, words):
    from derive.errors import DeriveError

    with pytest.raises(DeriveError) as caught:
        check_text(text)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_the_feedback_sheet_typesets_the_integral_and_the_assumption():
    from derive.grade.feedback import feedback_tex

    report = check_text("% assume \\lambda > 0\n"
                        "\\mathbb{E}[X] = \\int_0^\\infty x \\lambda e^{-\\lambda x} \\, dx\n"
                        "= \\frac{1}{\\lambda}\n")
    tex = feedback_tex(report, "moments")
    assert r"\int _ 0 ^ \infty" in tex and r"\,\mathrm{d}x" in tex, tex
    assert r"\texttt" not in tex.split(r"\textbf{Assumptions.}")[1].split(r"\par")[0]
    assert r"\lambda > 0" in tex
