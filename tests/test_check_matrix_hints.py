"""Hints for matrix mistakes: which transpose (or order) would make a line's matrices fit, the
gradient in the wrong layout, and an identity for symmetric matrices used for a general one."""

from __future__ import annotations

import pytest

from derive.grade import check_text

SHAPES = "% shape W = m, n\n% shape x = n, 1\n% shape y = m, 1\n% shape delta = m, 1\n" \
         "% shape A = n, n\n"

# (body, the wrong line's number in the file, hint name, words the hint must hold)
CASES = {
    "delta-W": ("L = \\delta^\\top W x\n\\nabla_x L = \\delta W\n", 7, "missing transpose",
                ["(m x 1)", "(m x n)", "W^T*delta", "(n x 1)"]),
    "W-delta": ("L = \\delta^\\top W x\n\\nabla_x L = W \\delta\n", 7, "missing transpose",
                ["W^T*delta"]),
    "both-transposed": ("L = \\delta^\\top W x\n\\nabla_x L = W^\\top \\delta^\\top\n", 7,
                        "extra transpose", ["(1 x m)", "W^T*delta"]),
    "outer-product-order": ("L = y^\\top W x\n\\nabla_W L = x^\\top y\n", 7, "product order",
                            ["y*x^T", "(m x n)"]),
    "continued-line": ("L = \\|W x - y\\|^2\n\\nabla_W L = 2 (W x - y) x^\\top\n"
                       "= 2 W x x^\\top - 2 x^\\top y\n", 8, "product order", ["y*x^T"]),
    "sum-of-transposed": ("L = y^\\top W x\n\\nabla_W L = y x^\\top + x y^\\top\n", 7,
                          "missing transpose", ["(m x n)"]),
    "layout": ("L = y^\\top W x\n\\nabla_W L = x y^\\top\n", 7, "gradient layout", []),
    "softmax-without-simplex": ("% shape z = m, 1\nL = -y^\\top \\log(\\mathrm{softmax}(z))\n"
                                "\\nabla_z L = \\mathrm{softmax}(z) - y\n", 8, "sums to one",
                                ["1^T y = 1"]),
    "symmetric-only": ("f = x^\\top A x\n\\nabla_x f = 2 A x\n", 7, "symmetric only", ["A"]),
    "symmetric-only-later": ("f = x^\\top A x\n\\nabla_x f = A x + A^\\top x\n= 2 A x\n", 8,
                             "missing transpose", ["A"]),  # A^T x written as A x
}


@pytest.mark.parametrize("body,line,name,words", CASES.values(), ids=CASES.keys())
def test_matrix_mistakes_get_the_hint_that_names_them(body, line, name, words):
    report = check_text(SHAPES + body)
    assert report.first_error == line, report.text()
    wrong = next(v for v in report.steps if v.line.number == line)
    assert wrong.hint is not None and wrong.hint.name == name, report.text()
    for word in words:
        assert word in wrong.hint.text(), wrong.hint.text()


def test_the_hint_reaches_json_and_the_pdf_text():
    from derive.grade.hints import HINTS

    report = check_text(SHAPES + "L = \\delta^\\top W x\n\\nabla_x L = \\delta W\n")
    wrong = report.steps[-1]
    assert wrong.hint.name in HINTS
    assert "\\delta" in wrong.hint.latex() and "(n x 1)" in wrong.hint.latex()


def test_a_mismatch_no_transpose_can_fix_has_no_hint_but_is_still_wrong():
    report = check_text("% shape W = m, n\n% shape v = k, 1\nL = \\mathbf{1}^\\top W\n"
                        "= W v\n")
    assert report.first_error == 4 and report.steps[-1].status == "wrong"
    assert report.steps[-1].hint is None


def test_a_report_shows_in_python_as_in_the_terminal(runner, tmp_path):
    import derive
    from derive.cli import main

    text = SHAPES + "L = \\delta^\\top W x\n\\nabla_x L = \\delta W\n"
    path = tmp_path / "hw.tex"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["check", str(path)])
    report = derive.check(text)
    assert result.exit_code == 1
    assert repr(report) == str(report) == report.text() == result.output.rstrip("\n")
    assert "Wᵀ·δ" in repr(report) and report._repr_html_().startswith("<pre>")


def test_with_the_simplex_stated_the_softmax_gradient_is_right():
    report = check_text("% shape z = m, 1\n% shape y = m, 1\n% assume 1^T y = 1\n"
                        "L = -y^\\top \\log(\\mathrm{softmax}(z))\n"
                        "\\nabla_z L = \\mathrm{softmax}(z) - y\n")
    assert [v.status for v in report.steps] == ["ok"], report.text()
