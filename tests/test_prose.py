"""Section headings are Prose: written once by the engines, printed late by each target."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import api, catalogue
from derive.errors import DeriveError
from derive.kinds import derive_unverified
from derive.printing import Label, latex
from derive.prose import Code, Formula, Math, Printers, Prose, Tex, Words, math
from derive.richtext import LATEX_PROSE
from derive.textout import derivation_text, unicode_prose, unicode_text
from derive.textprint import prose_text, text
from tests.conftest import ROOT

x, w = sp.symbols("x w")


def test_plain_strings_are_words_and_segments_keep_their_order():
    typed = Formula((x, w), ("<",), "x < w")
    prose = Prose.of("The score for ", math(x), ", then ", Tex(r"$\ell$", "ell"), " if ", typed,
                     Code("x +"))
    assert prose.parts == (Words("The score for "), Math((x,)), Words(", then "),
                           Tex(r"$\ell$", "ell"), Words(" if "), typed, Code("x +"))
    marked = Printers(words=str.upper, math=lambda m: "<m>", display=lambda d: "<d>",
    printed=lambda p: "<p>",
                      tex=lambda t: "<t>",
                      formula=lambda f: "<f>", code=lambda c: f"<{c}>")
    assert prose.render(marked) == "THE SCORE FOR <m>, THEN <t> IF <f><x +>"


def test_the_worksheet_escapes_words_and_prints_maths_with_the_project_printer():
    prose = Prose.of("50% & more of ", math(sp.Symbol("sigma")), " at ", math(w, x**2))
    assert prose.render(LATEX_PROSE) == r"50\% \& more of $\sigma$ at $w = x^{2}$"


def test_the_terminal_gets_plain_text():
    prose = Prose.of("Setting ", math(sp.Function("f")(x), x**2 + 1), " and ",
                     Tex(r"$\bar x \pm h$", "xbar +- h"))
    assert prose_text(prose) == "Setting f(x) = x**2 + 1 and xbar +- h"


def test_every_heading_and_label_of_the_catalogue_reads_as_text_and_typesets():
    for spec in catalogue.entries():
        derivation = derive_unverified(spec)
        for section in derivation.sections:
            assert isinstance(section.title, Prose), spec.id
            shown = prose_text(section.title)
            assert not any(c in shown for c in "\\${}"), (spec.id, shown)
            tex = section.title.render(LATEX_PROSE)
            assert tex.count("$") % 2 == 0, (spec.id, tex)
        labels = [r.label for r in derivation.results]
        labels += [s.lhs for s in derivation.sections if s.lhs is not None]
        for label in labels:
            assert "\\" not in text(label), (spec.id, text(label))


def test_a_label_is_latex_on_the_worksheet_and_plain_text_on_the_terminal():
    kl = Label(r"\operatorname{KL}(p\,\|\,q)", "KL(p || q)")
    assert latex(kl) == r"\operatorname{KL}(p\,\|\,q)"
    assert text(sp.Derivative(Label(r"\ell", "ell"), x)) == "dell/dx"
    assert pickle.loads(pickle.dumps(kl)).plain == "KL(p || q)"


@pytest.mark.parametrize("expr, wrt, title", [
    ("sigmoid(w*x + b)", "w", "With respect to w"),
    ("tr(X.T*B*X)", "X", "Differential with respect to X"),
])
def test_json_steps_name_their_section_as_text(expr: str, wrt: str, title: str):
    shapes = ["--shape", "X=m,n", "--shape", "B=m,m"] if "X" in expr else []
    done = subprocess.run([sys.executable, "-m", "derive.cli", "grad", expr, "--wrt", wrt,
                           *shapes, "--json"], capture_output=True, text=True, cwd=ROOT,
                          check=True)
    steps = json.loads(done.stdout)["steps"]
    assert steps and {s["section"] for s in steps} >= {title}


def _margins(derivation) -> list:
    """Every piece of prose a derivation carries besides its headings."""
    return [s.note for s in derivation.steps] + [derivation.question, *derivation.conventions]


def _reads_plainly(prose, where) -> None:
    assert isinstance(prose, Prose), where
    shown = prose_text(prose)
    assert "\\" not in shown and "$" not in shown, (where, shown)
    assert "\\" not in unicode_prose(prose), (where, unicode_prose(prose))
    tex = prose.render(LATEX_PROSE)
    assert tex.count("$") % 2 == 0, (where, tex)


def test_every_note_question_and_convention_of_the_catalogue_is_prose_read_plainly():
    for spec in catalogue.entries():
        derivation = derive_unverified(spec)
        for prose in _margins(derivation):
            _reads_plainly(prose, spec.id)


_FUNCTIONS = ["sigmoid", "softplus", "relu", "gelu", "exp", "log", "abs", "sin", "cos", "tan",
              "atan", "sinh", "cosh", "tanh", "erf", "sqrt", "asin"]


@st.composite
def _expressions(draw, depth: int = 3) -> str:
    """What a student types: functions, products, quotients and powers of w, x and numbers."""
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(["w", "x", "w*x", "2", "(w + 1)", "3*w"]))
    form = draw(st.sampled_from(["f", "*", "/", "^", "+"]))
    a = draw(_expressions(depth - 1))
    if form == "f":
        return f"{draw(st.sampled_from(_FUNCTIONS))}({a})"
    b = draw(_expressions(depth - 1))
    if form == "^":
        return f"({a})^{draw(st.sampled_from(['2', '3', '-1', 'w']))}"
    return f"({a}) {form} ({b})"


@settings(max_examples=60, deadline=None)
@given(_expressions())
def test_the_notes_of_any_typed_gradient_read_plainly(expr: str):
    try:
        derivation = derive_unverified(api.grad_spec(expr, "w"))
    except DeriveError:
        return  # a clear refusal (the expression does not involve w, a step budget, ...)
    for prose in _margins(derivation):
        _reads_plainly(prose, expr)


def test_the_terminal_shows_a_steps_note_in_unicode_not_latex():
    shown = derivation_text(derive_unverified(api.grad_spec("sigmoid(w*x)^2", "w")))
    assert "[chain rule: u = σ(w·x), (u^2)' = 2·u; proved" not in shown  # not yet verified
    assert "[chain rule: u = σ(w·x), (u^2)' = 2·u; not verified]" in shown
    assert "\\" not in shown and "$" not in shown


@pytest.mark.parametrize("written, shown", [
    (r"$\frac{(x-\mu_1)^2}{2\sigma_1^2}$", "(x-μ_1)^2/(2σ_1^2)"),
    (r"$\frac{1}{N}$", "1/N"),
    (r"$\frac{a + b}{c}$", "(a + b)/c"),
    # derivative operators as a lecturer writes them inline, a function name kept apart
    (r"$\frac{\partial}{\partial q_k}\, p_k \log\frac{p_k}{q_k}$", "∂/∂q_k p_k log p_k/q_k"),
    (r"$\frac{\partial q_k}{\partial z_1}$", "∂q_k/∂z_1"),
    (r"$\frac{d}{dx} x^2$", "d/dx x^2"),
    (r"$\log(x) + \log x + \log\left(y\right)$", "log(x) + log x + log(y)"),
])
def test_hand_written_fractions_on_the_terminal_keep_their_grouping(written: str, shown: str):
    assert unicode_text(written) == shown
