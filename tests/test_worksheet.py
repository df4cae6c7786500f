"""Worksheet context: user text escaped, backtick maths re-printed, Jupyter rendering."""

from __future__ import annotations

import pytest

import derive
from derive.render import escape_latex
from derive.richtext import LATEX_PROSE, rich_prose


@pytest.mark.parametrize(
    "text,tex",
    [
        (
            "50% & $5 #1 a_b {x} ~ ^ \\",
            r"50\% \& \$5 \#1 a\_b \{x\} \textasciitilde{} "
            r"\textasciicircum{} \textbackslash{}",
        ),
        ("<tag>", r"\textless{}tag\textgreater{}"),
    ],
)
def test_escape_latex_in_one_pass(text, tex):
    assert escape_latex(text) == tex


def test_backtick_maths_is_parsed_and_reprinted():
    tex = rich_prose("is `sigmoid(z) - y`.").render(LATEX_PROSE)
    assert tex == r"is $\sigma\!\left(z\right) - y$."


def test_backtick_text_that_does_not_parse_is_escaped_not_compiled():
    tex = rich_prose(r"see `\input{/etc/passwd}` here").render(LATEX_PROSE)
    assert r"\input" not in tex.replace(r"\textbackslash{}input", "")
    assert tex.startswith("see \\texttt{")


def test_derivation_shows_as_latex_in_jupyter():
    d = derive.grad("sigmoid(w*x + b)", wrt="w")
    tex = d._repr_latex_()
    assert r"\sigma" in tex and "chain rule" in tex
    assert "With respect to $w$" in tex and "Result" in tex and r"\boxed" in tex


@pytest.mark.parametrize("entry,route", [
    ("sigmoid", "sympy's own differentiation"),
    ("integral-density", "sympy's own integration"),
    ("gaussian-moments", "numerical quadrature with mpmath at 30 digits"),
    ("layer-relu", "central differences of the function, entry by entry, at 50 digits"),
])
def test_how_this_was_checked_names_the_route_that_was_taken(entry: str, route: str) -> None:
    from derive import pipeline
    from tests.derived import derived

    tex, _ = pipeline.render(derived(entry))
    checked = tex[tex.index("How this was checked"):]
    assert f"an independent route ({route})" in checked


def test_how_the_steps_are_proved_is_said_where_the_checking_is_not_as_a_convention() -> None:
    from derive import pipeline
    from tests.derived import derived

    tex, _ = pipeline.render(derived("linearity-of-expectation"))
    question, checked = tex.split("How this was checked")
    assert "model distribution" not in question and "model distribution" in checked
