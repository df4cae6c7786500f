"""Odd and hostile lines in the new forms (names, equations, matrices): a verdict or one line.

Every line of every drawn file ends in a verdict (start, ok, wrong, undecided) or a
one-line parse error naming its place; nothing raises, nothing hangs.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.errors import DeriveError
from derive.grade import check_text
from tests.test_check_hostile import no_hang

STATUSES = {"start", "ok", "wrong", "undecided", "unparsed"}
DIRECTIVES = ["", "% shape W = m, n\n% shape x = n, 1\n% shape y = m, 1\n",
              "% shape A = 3, 3\n% shape x = 3, 1\n", "% assume lambda > 0\n",
              "% assume 0 < p < 1\n", "% shape z = n, 1\n"]
STARTS = [
    "L = \\|W x - y\\|^2", "f = x^\\top A x", "J = (a t - b)^2",
    "\\ell(\\mu) = \\sum_i (x_i - \\mu)^2",
    "f(x) = x^2", "L(w) = (w x - y)^2", "\\frac{d}{dx} \\sigma(x^2)", "d/dx sigmoid(x)",
    "\\mathcal{L} = \\mathbf{1}^\\top z", "z = w x + b", "\\frac{d}{dx} x^3 = 3x^2",
    "\\hat y = \\sigma(w x)", "x", "\\sigma(x) = \\frac{1}{1 + e^{-x}}",
]
HEADS = ["", "= ", "&= ", "\\Rightarrow ", "=> ", "so ", "\\iff ", "dL/dw = ", "\\nabla_W L = ",
         "\\frac{\\partial L}{\\partial W} = ", "L'(w) = ", "f'(x) = ", "\\nabla_x f = ",
         "\\frac{d\\ell}{d\\mu} = ", "\\hat\\mu = ", "mu = ", "x = "]
TOKENS = [
    "x", "y", "w", "W", "A", "z", "\\mu", "\\lambda", "N", "2", "0", "1", "+", "-", "*", "/",
    "^", "^\\top", ".T", "^{-1}", "(", ")", "\\left(", "\\right)", "{", "}", "\\frac{", "}{",
    "\\sigma(", "\\sigma'(", "\\tanh'", "\\log_2", "\\log", "\\operatorname{sech}", "e^{",
    "\\odot", "\\|", "\\mathbf{1}", "\\mathbb{1}[", "> 0]", "\\operatorname{tr}(", "\\det",
    "\\sum_{i=1}^{N}", "x_i", "\\hat\\mu", "\\bar x", "=", "&", "&&", "\\\\", "\\Rightarrow",
    "so", "'", "|", "\\mathrm{softmax}(", "foo(", "\\nabla_", "d/dw", "= 0", "\\quad", "#",
    "\\begin{align*}", "$$", "\\[", "\\]", "sigmoid(", "(x - 4a)^{6000}", "\\input{x}",
]

line = st.tuples(st.sampled_from(HEADS),
                 st.lists(st.sampled_from(TOKENS), min_size=1, max_size=10).map(" ".join)
                 ).map("".join)
document = st.tuples(st.sampled_from(DIRECTIVES), st.sampled_from(STARTS),
                     st.lists(line, min_size=1, max_size=5)).map(
    lambda parts: parts[0] + parts[1] + "\n" + "\n".join(parts[2]) + "\n")


def verdicts_or_one_line(text: str) -> None:
    with no_hang():
        try:
            report = check_text(text)
        except DeriveError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
    for verdict in report.lines:
        assert verdict.status in STATUSES
        if verdict.status == "unparsed":
            assert verdict.error and "\n" not in verdict.error
            assert verdict.error.startswith(f"line {verdict.line.number}, column ")
    report.json()
    report.text()
    report._repr_latex_()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_odd_lines_end_in_a_verdict_or_a_one_line_error(text):
    verdicts_or_one_line(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(STARTS + [h + "x" for h in HEADS]), min_size=1, max_size=6))
def test_any_order_of_starts_and_steps(lines):
    verdicts_or_one_line("\n".join(lines) + "\n")
