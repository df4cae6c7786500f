"""`derive check FILE [--json] [--out DIR]`: exit codes, JSON, text marks, feedback PDF."""

from __future__ import annotations

import json
import shutil

import pytest

from derive.cli import main
from tests.conftest import pdf_text

RIGHT = r"""% assume x > 0
\frac{d}{dx} \sigma(x^2)
= \sigma(x^2) \left(1 - \sigma(x^2)\right) \cdot 2x  && chain rule
"""
WRONG = r"""\frac{d}{dx} \sigma(x^2)
= \sigma(x^2) \left(1 - \sigma(x^2)\right)  && chain rule
= 0 + (
"""


def write(tmp_path, text, name="hw.tex"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_right_derivation_exits_0(runner, tmp_path):
    result = runner.invoke(main, ["check", write(tmp_path, RIGHT)])
    assert result.exit_code == 0, result.output
    assert "✓" in result.output and "the step is right" in result.output


def test_wrong_line_exits_1_with_counterexample_and_hint(runner, tmp_path):
    result = runner.invoke(main, ["check", write(tmp_path, WRONG)])
    assert result.exit_code == 1
    assert "✗" in result.output and "at x = 1.5" in result.output
    assert "hint: missing inner derivative" in result.output
    assert "line 3, column 8" in result.output


def test_json_output(runner, tmp_path):
    result = runner.invoke(main, ["check", "--json", write(tmp_path, WRONG)])
    data = json.loads(result.output)
    assert data["first_error"] == 2
    assert [s["status"] for s in data["steps"]] == ["wrong", "unparsed"]
    assert data["steps"][0]["verified"] is None and data["steps"][1]["error"]


@pytest.mark.parametrize("content,message", [
    (None, "cannot read"),
    (b"\xff\xfe\x00binary", "not UTF-16 text"),  # the bytes open with the UTF-16 mark
    (b"\xfe\x00\xffbinary", "not UTF-8 text"),
    ("\\frac{d}{dx} (x\n= 1\n", "line 1, column"),
    ("% nothing\n", "no derivation"),
])
def test_bad_input_exits_2_with_one_line(runner, tmp_path, content, message):
    path = tmp_path / "bad.tex"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.tex
def test_feedback_pdf_reprints_and_escapes(runner, tmp_path):
    if not shutil.which("latexmk"):
        pytest.skip("latexmk is not installed")
    hostile = WRONG.replace("chain rule", r"\input{/etc/passwd} \immediate\write18{ls} $x$ 100%")
    result = runner.invoke(main, ["check", write(tmp_path, hostile), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1, result.output
    pdf = tmp_path / "o" / "hw-feedback.pdf"
    text = pdf_text(pdf)
    assert "Line 2" in text and "wrong" in text and "Missing inner derivative" in text
    assert "x = 1.5" in text and "not understood" in text
    assert r"\input{/etc/passwd}" in text  # shown as text, never run
    assert "root:" not in text


def test_an_error_with_json_is_json_on_standard_output(runner, tmp_path):
    result = runner.invoke(main, ["check", "--json", write(tmp_path, "dL/dw = 2\n")])
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "error": "line 1, column 1: 'L' is not defined: write L = ... on an earlier line "
                 "to differentiate it by name"}


def test_a_matrix_derivation_with_an_equation_and_follow_through(runner, tmp_path):
    text = ("% shape W = m, n\n% shape x = n, 1\n% shape y = m, 1\n"
            "L = \\|W x - y\\|^2\n"
            "\\nabla_W L = (W x - y) x^\\top\n"
            "= W x x^\\top - y x^\\top\n")
    result = runner.invoke(main, ["check", "--json", write(tmp_path, text)])
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["first_error"] == 5
    assert [(s["line"], s["status"], s["follows_from"]) for s in data["steps"]] == [
        (5, "wrong", None), (6, "ok", 5)]
    assert data["steps"][0]["hint"].startswith("lost factor")


def test_the_feedback_sheet_typesets_a_counterexample_as_maths():
    from derive.grade import check_text
    from derive.grade.feedback import feedback_tex

    tex = feedback_tex(check_text("f = \\lambda x^2\n= 2 \\lambda x\n"), "lam")
    assert r"at $\lambda = 1.5$, $x = 0.75$: the previous line gives $0.84375$" in tex
    shapes = check_text("% shape x = n\nf = x^\\top x\n= x\n")
    assert "the previous line gives scalar, line 3 gives matrix n x 1" in feedback_tex(
        shapes, "shape")  # a shape stays words
