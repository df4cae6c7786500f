r"""Piecewise lines: ``\begin{cases}`` (inline or over several lines) and ``\mathbb{1}[...]``."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.errors import DeriveError, ParseError
from derive.grade import check_text
from derive.grade.typed import typed_latex
from derive.parse import parse_latex

x = sp.Symbol("x", real=True)

PARSED = [
    (r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise}\end{cases}",
     sp.Piecewise((1, x > 0), (0, True))),
    (r"\begin{cases} 1, & x \geq 0 \\ 0, & x < 0 \end{cases}",
     sp.Piecewise((1, x >= 0), (0, x < 0))),
    (r"\begin{cases} x & \text{if } 0 < x < 1 \\ 0 & \text{else} \\ \end{cases}",
     sp.Piecewise((x, (x > 0) & (x < 1)), (0, True))),
    (r"\begin{cases} 0 & x = 0 \\ 1/x & x \neq 0 \end{cases}",
     sp.Piecewise((0, sp.Eq(x, 0)), (1 / x, sp.Ne(x, 0)))),
    (r"2 \begin{dcases} x^2 & |x| \le 1 \\ |x| & \text{otherwise} \end{dcases}",
     2 * sp.Piecewise((x**2, sp.Abs(x) <= 1), (sp.Abs(x), True))),
]


@pytest.mark.parametrize("text,expected", PARSED)
def test_cases_parse_to_a_piecewise(text, expected):
    assert parse_latex(text) == expected


@pytest.mark.parametrize("text", [
    r"\begin{cases} 1 & x > 0 \\ 0 & x \end{cases}",  # a condition that is no relation
    r"\begin{cases} 1 & x > 0 \\ 0 & x < 0",  # never closed
    r"\mathbb{1}[x \neq 0]",  # an indicator takes an order relation
])
def test_malformed_cases_are_one_line_parse_errors(text):
    with pytest.raises(ParseError) as caught:
        parse_latex(text)
    assert "\n" not in caught.value.message


RIGHT = {
    "relu-inline": "\\frac{d}{dx} \\mathrm{ReLU}(x)\n"
                   "= \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{otherwise}\\end{cases}\n",
    "relu-multiline-align": "\\begin{align*}\n\\frac{d}{dx} \\mathrm{ReLU}(x)\n"
                            "&= \\begin{cases}\n  1 & \\text{if } x > 0 \\\\\n"
                            "  0 & \\text{otherwise}\n\\end{cases} \\\\\n"
                            "&= \\mathbb{1}[x > 0]\n\\end{align*}\n",
    "leaky-relu": "f(x) = \\begin{cases} x & x > 0 \\\\ 0.1 x & x \\le 0 \\end{cases}\n"
                  "f'(x) = \\begin{cases} 1 & x > 0 \\\\ 0.1 & \\text{otherwise} \\end{cases}\n"
                  "= 0.1 + 0.9 \\, \\mathbb{1}[x > 0]\n",
    "abs-quad": "\\frac{d}{dx} |x|\n= \\begin{cases} 1, \\quad x > 0 \\\\ -1, \\quad x < 0"
                " \\end{cases} \\quad \\text{away from 0}\n",
    "huber": "% assume d > 0\nf(x) = \\begin{cases} x^2/2 & |x| \\le d \\\\ d(|x| - d/2) & "
             "\\text{otherwise} \\end{cases}\n"
             "f'(x) = \\begin{cases} x & |x| \\le d \\\\ d \\, \\mathrm{sign}(x) & "
             "\\text{otherwise} \\end{cases}\n",
}


@pytest.mark.parametrize("text", RIGHT.values(), ids=RIGHT.keys())
def test_right_piecewise_work_passes(text):
    report = check_text(text)
    assert report.steps and all(v.status == "ok" for v in report.steps), report.text()


WRONG = {
    "relu-swapped": ("\\frac{d}{dx} \\mathrm{ReLU}(x)\n"
                     "= \\begin{cases} 0 & x > 0 \\\\ 1 & \\text{otherwise}\\end{cases}\n", 2),
    "leaky-slope": ("f(x) = \\begin{cases} x & x > 0 \\\\ 0.1 x & x \\le 0 \\end{cases}\n"
                    "f'(x) = \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}\n",
                    2),
    "multiline-after": ("\\frac{d}{dx} x |x|\n= \\begin{cases}\n 2x & x > 0 \\\\\n"
                        " -2x & x < 0\n\\end{cases}\n= 2x\n", 6),
}


@pytest.mark.parametrize("text,line", WRONG.values(), ids=WRONG.keys())
def test_wrong_piecewise_work_is_caught_at_its_line(text, line):
    assert check_text(text).first_error == line


def test_a_cases_line_is_shown_as_typed():
    text = r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise}\end{cases}"
    shown = typed_latex(text)
    assert shown is not None and r"\begin{cases}" in shown and "&" in shown and r"\\" in shown
    assert r"\text{otherwise}" in shown  # the words the parser passes over are shown too


@pytest.mark.parametrize("text,line,words", [
    ("\\frac{d}{dx} x^2\n= \\begin{cases} 2x & x > 0\n= 2x\n", 2, "never closed"),
    ("\\frac{d}{dx} x^2\n= 2x \\end{cases}\n", 2, "without a \\begin{cases}"),
    ("% shape W = m, n\nf = \\mathbf{1}^\\top W\n= \\begin{cases} W & x > 0 \\\\ 0 & "
     "\\text{otherwise}\\end{cases}\n", 3, "not supported"),
])
def test_a_cases_line_that_cannot_be_read_names_why(text, line, words):
    report = check_text(text)
    unread = next(v for v in report.steps if v.line.number == line)
    assert unread.status == "unparsed" and words in unread.error, report.text()
    assert report.first_error is None


# --- drawn: rows of cases as students write them, and their pieces -----------------------------

_VALUES = st.sampled_from(["1", "0", "x", "-x", "x^2", r"\frac{1}{2}", r"\alpha x", "|x|", "e^{x}",
                           r"\sigma(x)", "2x - 1", "}", "&", r"\\"])
_CONDITIONS = st.sampled_from(["x > 0", r"x \le 0", "0 < x < 1", "x = 0", r"x \neq 1",
                               r"\text{otherwise}", r"\text{if } x \geq 2", "", "x", "> 0",
                               r"|x| \le 1"])
_SEPARATORS = st.sampled_from([" & ", ", & ", ", ", " && ", " "])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_VALUES, _SEPARATORS, _CONDITIONS), min_size=1, max_size=4),
       st.booleans())
def test_drawn_cases_parse_to_a_piecewise_or_a_one_line_error(rows, trailing):
    body = r" \\ ".join(f"{v}{sep}{c}" for v, sep, c in rows) + (r" \\" if trailing else "")
    text = rf"\begin{{cases}} {body} \end{{cases}}"
    try:
        value = parse_latex(text)
    except DeriveError as exc:
        assert "\n" not in str(exc)
        return
    assert value.is_number or value.free_symbols, value  # a value, built from the rows


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([">", r"\geq"]), st.integers(-3, 3), st.integers(-3, 3),
       st.sampled_from(["1", "I"]))
def test_a_drawn_step_function_checks_against_its_indicator(relation, a, b, letter):
    # \mathbb{I} as the sheets print it (amssymb has no blackboard 1), \mathbb{1} as typed
    text = (f"f(x) = {a} + {b}\\,\\mathbb{{{letter}}}[x {relation} 0]\n"
            f"= \\begin{{cases}} {a + b} & x {relation} 0 \\\\ {a} & \\text{{otherwise}} "
            "\\end{cases}\n")
    report = check_text(text)
    assert [v.status for v in report.steps] == ["ok"], report.text()
