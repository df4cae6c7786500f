"""Maths in backticks in titles, notes and assumptions: parsed and printed on every target."""

from __future__ import annotations

import json
import re

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derive import catalogue
from derive.html.index import title_html
from derive.html.worksheet import sheet_context
from derive.names import plain_text
from derive.pipeline import derive
from derive.prose import Code
from derive.richtext import LATEX_PROSE, matrix_shapes, rich_prose
from derive.textout import UNICODE_PROSE, derivation_text
from tests.derived import derived


def rich_text(text: str, shapes: dict | None = None) -> str:
    return rich_prose(text, shapes).render(LATEX_PROSE)


def rich_unicode(text: str, shapes: dict | None = None) -> str:
    return rich_prose(text, shapes).render(UNICODE_PROSE)


IDS = [s.id for s in catalogue.entries()]


@pytest.mark.parametrize("entry", IDS)
def test_every_backticked_formula_of_the_catalogue_parses(entry):
    spec = catalogue.get(entry)
    shapes = matrix_shapes(derive(spec))
    for text in (spec.title, *spec.notes):
        code = [p.text for p in rich_prose(text, shapes).parts if isinstance(p, Code)]
        assert code == [], (text, code)


@pytest.mark.parametrize("entry,tex", [
    ("mc-linear-form", r"Gradient of a linear form $a^{\top} x$"),
    ("mc-trace-axb", r"Gradient of $\operatorname{tr}\left(A X B \right)$"),
    ("least-squares", r"Least squares: gradient of $\left\|X w - y\right\|^{2}$"),
    ("layer-linear", r"Linear layer $z = W x + b$: backward pass"),
])
def test_matrix_titles_keep_their_transposes_and_order(entry, tex):
    derivation = derived(entry)
    assert derivation.title.render(LATEX_PROSE) == tex


def test_a_title_prints_on_every_target_without_backticks(runner):
    from derive.cli import main

    derivation = derived("mc-quadratic-form")
    html = sheet_context(derivation, "", "check.py")
    assert "<math" in str(html["title"]) and "`" not in html["title_text"]
    assert html["title_text"] == "Gradient of a quadratic form xᵀ·A·x"  # Unicode maths
    assert derivation_text(derivation).splitlines()[0] == html["title_text"]
    assert "<math" in str(title_html(catalogue.get("mc-quadratic-form")))
    listed = json.loads(runner.invoke(main, ["list", "--json"]).output)["entries"]
    assert all("`" not in e["title"] for e in listed)
    shown = {e["id"]: e["title"] for e in listed}
    assert shown["mc-quadratic-form"] == "Gradient of a quadratic form x^T*A*x"
    assert "x^T*A*x" in runner.invoke(main, ["list", "--topic", "matrix-calculus"]).output


def test_formulas_print_as_typed():
    assert rich_text("`x*sigmoid(x)`") == r"$x \sigma\!\left(x\right)$"
    assert rich_text("`w - eta*(g + lambda*w)`") == r"$w - \eta \left(g + \lambda w\right)$"
    assert rich_text("`1/s_N^2 = 1/tau^2 + N/sigma^2`") == (
        r"$\frac{1}{s_{N}^{2}} = \frac{1}{\tau^{2}} + \frac{N}{\sigma^{2}}$")
    assert rich_text("`0 < eta < 2/a`") == r"$0 < \eta < \frac{2}{a}$"
    assert rich_unicode("`abs(1 - eta*a) < 1`") in ("|1 - η·a| < 1", "|1 - a·η| < 1")


_FORMULA = st.sampled_from(["x", "sigmoid(x)", "a^T*x", "1/s^2", "tr(A)", "x <= 1", "p - y",
                            "+*", r"\input{x}", "", "2*A*x", "norm(A*x - b)^2"])
_WORDS = st.text(alphabet=st.sampled_from(list("ab $%&#_{}~^\\<> \u03c3\u00e9")), max_size=12)


@given(st.lists(st.tuples(_WORDS, _FORMULA), max_size=4))
def test_any_text_with_backticks_is_typeset_or_escaped(parts):
    text = "".join(f"{words}`{formula}`" for words, formula in parts)
    shapes = {"A": ("n", "n"), "x": ("n", 1), "b": ("n", 1), "a": ("n", 1)}
    tex = rich_text(text, shapes)
    assert r"\input" not in tex.replace(r"\textbackslash{}input", "")
    assert "`" not in plain_text(text) and "`" not in rich_unicode(text, shapes)
    outside = re.sub(r"\$[^$]*\$", "", tex.replace(r"\$", ""))
    assert "$" not in outside  # every maths shift is the printer's, paired


def test_mle_terminal_text_is_textbook_unicode(runner):
    from derive.cli import main

    done = runner.invoke(main, ["mle", "exp(-(x-mu)^2/(2*v))/sqrt(2*pi*v)", "--var", "x",
                                "--param", "mu", "--param", "v", "--assume", "mu real"])
    assert done.exit_code == 0, done.output
    out = done.output
    assert "μ̂ = ∑ᵢ xᵢ/N" in out and "v̂ = ∑ᵢ (xᵢ - μ̂)^2/N" in out
    assert "/√(2·π·v)" in out  # the roots of the density under one sign
    assert "∂²ℓ/∂μ²" in out and "∂²ℓ/∂μ∂v" in out
    assert "(∑ᵢ (xᵢ - μ)^2)^2" in out
    for repr_text in ("_hat", "dell", "Sum(", "Subs(", "**", "sqrt("):
        assert repr_text not in out, repr_text


def test_a_root_of_a_sum_prints_as_a_root():
    from derive.textout import maths

    i, n = sp.Symbol("i", integer=True), sp.Symbol("N", integer=True, positive=True)
    x = sp.IndexedBase("x")
    spread = sp.Sum((x[i] - sp.Symbol("mu")) ** 2, (i, 1, n))
    assert maths(sp.sqrt(spread) / sp.sqrt(n)) == "√(∑ᵢ (xᵢ - μ)^2)/√N"
    assert maths(1 / sp.sqrt(spread)) == "1/√(∑ᵢ (xᵢ - μ)^2)"
    assert maths(spread ** 2) == "(∑ᵢ (xᵢ - μ)^2)^2"
