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
