"""LaTeX from our printer -> MathML: our notation survives, nothing typed is converted."""

from __future__ import annotations

import html
import re
import warnings

import pytest
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from derive.functions import sigmoid
from derive.html.mathml import MathMLError, latex_text, mathml
from derive.html.worksheet import rich_html
from derive.printing import latex
from derive.render import escape_latex


def text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))


X = sp.MatrixSymbol("X", 3, 3)
Y = sp.MatrixSymbol("Y", 3, 3)
x, w, mu = sp.symbols("x w mu")


@pytest.mark.parametrize("expr, elements", [
    (sigmoid(x) * (1 - sigmoid(x)), ["<mi>\u03c3</mi>"]),
    (sp.HadamardProduct(X, Y), ["<mo>\u2299</mo>"]),
    (X.T * Y, ["<msup><mi>X</mi><mrow><mo>\u22a4</mo></mrow></msup>"]),
    (sp.Derivative(sigmoid(w * x), w), ["<mfrac>", "\u2202"]),
    (sp.Sum(sp.Indexed(sp.IndexedBase("x"), sp.Symbol("i")), (sp.Symbol("i"), 1, sp.Symbol("N"))),
     ["\u2211"]),
    (sp.log(sp.Determinant(X)), ["<mi>log</mi>", "det"]),
], ids=["sigma", "odot", "transpose", "partial", "sum", "logdet"])
def test_our_notation_reaches_mathml(expr, elements) -> None:
    out = html.unescape(str(mathml(latex(expr))))
    for element in elements:
        assert element in out


def test_hats_and_aligned_chains() -> None:
    out = html.unescape(str(mathml(r"\hat{\mu} = \frac{1}{N}\sum_{i=1}^{N} x_i")))
    assert '<mover accent="true">' in out and "^" in out
    chain = mathml(r"\begin{aligned} S &= Q K^{\top} \\ P &= \operatorname{softmax}(S)"
                   r" \end{aligned}", display=True)
    assert str(chain).count("<mtr>") == 2 and ">&<" not in str(chain)


def test_brackets_stretch_only_around_tall_maths() -> None:
    flat = str(mathml(r"\left(w x + b\right)"))
    tall = str(mathml(r"\left(\frac{1}{x}\right)"))
    assert 'stretchy="false"' in flat and 'stretchy="true"' not in flat
    assert 'stretchy="true"' in tall


@pytest.mark.parametrize("tex", [r"\notacommand{x}", r"a & b"])
def test_what_the_converter_cannot_read_is_an_error(tex: str) -> None:
    with pytest.raises(MathMLError):
        mathml(tex)


def test_project_text_with_inline_and_display_maths() -> None:
    out = latex_text(r"Forward pass: \[ p = \sigma(z) \] with 95\% of $x\_1$ \textless{} 1.")
    assert str(out).count("<math") == 2 and 'display="block"' in str(out)
    assert text_of(out).startswith("Forward pass:") and "95% of" in text_of(out)
    assert "< 1." in text_of(out)


@given(st.text(max_size=80))
def test_escaped_text_comes_back_as_written(words: str) -> None:
    """Any text the project escaped for TeX shows in HTML as it was written, escaped again."""
    with warnings.catch_warnings(record=True) as fallbacks:
        warnings.simplefilter("always")
        escaped = escape_latex(words)
    assume(not fallbacks)  # a script the fonts lack is written in ASCII on purpose
    out = latex_text(escaped)
    assert "<math" not in str(out)
    assert html.unescape(str(out)) == words


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_user_notes_never_reach_html_unescaped(note: str) -> None:
    out = str(rich_html(note))
    without_maths = re.sub(r"<math.*?</math>", "", out, flags=re.DOTALL)
    assert "<" not in re.sub(r"</?code>", "", without_maths)


def test_user_notes_with_expressions() -> None:
    out = str(rich_html("see `sigmoid(x)` and <script>alert(1)</script> and `x +* `"))
    assert "<math" in out and "\u03c3" in html.unescape(out)
    assert "&lt;script&gt;" in out and "<code>x +* </code>" in out
