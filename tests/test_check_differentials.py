r"""Matrix differentials in hand derivations: ``dx``, ``\mathrm{d}W``, ``dL = ...``.

Drawn from a corpus of textbook differentials (quadratic forms, least squares, traces,
log det, bilinear forms), each written with any of the ways students write the
direction, clean or with one typical mistake injected: every clean file is right,
every mistake is wrong at its line.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.errors import ParseError
from derive.grade import check_text


@dataclass(frozen=True)
class Case:
    shapes: str
    lines: tuple[str, ...]  # {x}: the direction of x, as the drawn spelling writes it
    mistakes: tuple[tuple[int, str], ...]  # (line index, the line with the mistake)


CASES = {
    "quadratic form": Case(
        "% shape x = n\n% shape A = n, n\n",
        (r"f = x^\top A x", r"{df} = {x}^\top A x + x^\top A \, {x}",
         r"= x^\top (A + A^\top) {x}", r"\nabla_x f = (A + A^\top) x"),
        ((2, r"= 2 x^\top A {x}"), (1, r"{df} = x^\top A \, {x}"))),
    "least squares": Case(
        "% shape X = m, n\n% shape w = n\n% shape y = m\n",
        (r"L = \|X w - y\|^2", r"{dL} = 2 (X w - y)^\top X \, {w}",
         r"\nabla_w L = 2 X^\top (X w - y)"),
        ((1, r"{dL} = (X w - y)^\top X \, {w}"), (1, r"{dL} = 2 (X w - y)^\top {w}"))),
    "trace": Case(
        "% shape W = n, k\n% shape A = n, n\n",
        (r"L = \operatorname{tr}(W^\top A W)",
         r"{dL} = \operatorname{tr}({W}^\top A W) + \operatorname{tr}(W^\top A \, {W})",
         r"= \operatorname{tr}(W^\top (A + A^\top) {W})", r"\nabla_W L = (A + A^\top) W"),
        ((2, r"= \operatorname{tr}(2 W^\top A {W})"),
         (1, r"{dL} = \operatorname{tr}(W^\top A \, {W})"))),
    "log det": Case(
        "% shape X = m, n\n",
        (r"L = \log\det(X^\top X)",
         r"{dL} = \operatorname{tr}((X^\top X)^{-1} ({X}^\top X + X^\top {X}))",
         r"= 2 \operatorname{tr}((X^\top X)^{-1} X^\top {X})",
         r"\nabla_X L = 2 X (X^\top X)^{-1}"),
        ((2, r"= \operatorname{tr}((X^\top X)^{-1} X^\top {X})"),)),
    "bilinear": Case(
        "% shape a = m\n% shape b = n\n% shape W = m, n\n",
        (r"f = a^\top W b", r"{df} = a^\top {W} b", r"= \operatorname{tr}(b a^\top {W})",
         r"\nabla_W f = a b^\top"),
        ((2, r"= \operatorname{tr}(a b^\top {W})"),)),
}

#: how a direction dX is written: a bare d, an upright d (with or without braces, spaced),
#: as an operator name; a vector or matrix also in bold
SPELLINGS = {
    "bare": "d{}",
    "upright": r"\mathrm{{d}}{}",
    "upright spaced": r"\mathrm d {}",
    "operatorname": r"\operatorname{{d}}{}",
    "bold": r"\mathrm{{d}}\mathbf{{{}}}",
}


def _file(case: Case, spelling: str, mistake: int | None) -> tuple[str, int | None]:
    lines = list(case.lines)
    wrong_at = None
    if mistake is not None:
        index, text = case.mistakes[mistake]
        lines[index] = text
        wrong_at = case.shapes.count("\n") + index + 1
    form = SPELLINGS[spelling]
    names = {"x", "w", "W", "X"}
    written = []
    for line in lines:
        for name in names:
            line = line.replace("{" + name + "}", form.format(name))
        for head in ("df", "dL"):
            line = line.replace("{" + head + "}", form.format(head[1]))
        written.append(line)
    return case.shapes + "\n".join(written) + "\n", wrong_at


@st.composite
def files(draw: st.DrawFn) -> tuple[str, str, int | None]:
    name = draw(st.sampled_from(sorted(CASES)))
    case = CASES[name]
    spelling = draw(st.sampled_from(sorted(SPELLINGS)))
    mistake = draw(st.none() | st.integers(0, len(case.mistakes) - 1))
    text, wrong_at = _file(case, spelling, mistake)
    return name, text, wrong_at


@settings(max_examples=40, deadline=None)
@given(files())
def test_a_drawn_differential_is_right_or_wrong_at_its_line(drawn):
    name, text, wrong_at = drawn
    report = check_text(text)
    assert report.first_error == wrong_at, (name, text, report)
    assert all(v.status in ("start", "ok", "wrong") for v in report.steps), report


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_clean_case_in_plain_latex_is_right(name):
    text, wrong_at = _file(CASES[name], "upright", None)
    assert wrong_at is None
    assert check_text(text).first_error is None


def test_plain_syntax_writes_dx_as_one_name():
    text = ("% shape S = n, n\n% shape x = n\nf = x.T*S*x\n"
            "df = dx.T*S*x + x.T*S*dx\n= x.T*(S + S.T)*dx\n= 2*x.T*S*dx\n")
    report = check_text(text)
    assert report.first_error == 6
    assert report.steps[-1].hint.name in ("missing transpose", "symmetric only")
    assert check_text(text.replace("S = n, n", "S = n, n, symmetric")).first_error is None


def test_d_is_a_scalar_where_no_matrix_is_declared():
    """Without % shape, d x is d times x, as before: a scalar named d."""
    assert check_text("f = d x^2\n= x (d x)\n").first_error is None


def test_the_differential_of_an_expression_is_refused_naming_the_place():
    text = ("% shape W = m, n\n% shape x = n\n% shape y = m\n"
            r"L = \frac{1}{2} \|\sigma(W x) - y\|^2" "\n"
            r"\mathrm{d}L = (\sigma(Wx) - y)^\top \mathrm{d}\sigma(Wx)" "\n")
    report = check_text(text)
    error = report.steps[-1].error
    assert report.steps[-1].status == "unparsed" and "line 5, column 37" in str(error)
    assert "write the differential of an expression out" in str(error)


def test_a_differential_of_an_undefined_name_is_refused():
    with pytest.raises(ParseError) as caught:
        check_text("% shape x = n\n" r"\mathrm{d}g = 2 x^\top \mathrm{d}x" "\n"
                   r"= x^\top \mathrm{d}x" "\n")
    assert "'g' is not defined: write g = ... on an earlier line" in str(caught.value)
    assert "line 2, column 1" in str(caught.value)
