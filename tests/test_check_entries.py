r"""Entries and estimates students name: ``p_k = ...`` defines every entry p_j, a derivative
by an entry means that entry (inside the sums' range), and ``\hat\sigma^2 = ...`` solves
for sigma."""

from __future__ import annotations

import pytest

from derive.grade import check_text

SOFTMAX = "p_k = \\frac{e^{z_k}}{\\sum_{j=1}^{K} e^{z_j}}\n"
GAUSS_SCALE = ("% assume sigma > 0\n\\ell(\\sigma) = \\sum_{i=1}^{N} \\left(-\\log \\sigma - "
               "\\frac{x_i^2}{2\\sigma^2}\\right)\n\\frac{\\partial \\ell}{\\partial \\sigma} = "
               "-\\frac{N}{\\sigma} + \\frac{\\sum_{i=1}^{N} x_i^2}{\\sigma^3} = 0\n")

RIGHT = {
    "softmax-diagonal": SOFTMAX + "\\frac{\\partial p_k}{\\partial z_k} = p_k (1 - p_k)\n",
    "cross-entropy-by-an-entry": SOFTMAX + "L = -\\sum_{k=1}^{K} y_k \\log p_k\n"
    "\\frac{\\partial L}{\\partial z_i} = \\sum_{k=1}^{K} y_k p_i - y_i\n",
    "variance-estimate": GAUSS_SCALE
    + "\\Rightarrow \\hat\\sigma^2 = \\frac{1}{N} \\sum_{i=1}^{N} x_i^2\n",
    "cube": "\\frac{d}{da} (a^3 - 8 a) = 3a^2 - 8 = 0\n\\Rightarrow a^2 = \\frac{8}{3}\n",
}


@pytest.mark.parametrize("text", RIGHT.values(), ids=RIGHT.keys())
def test_right_work_passes(text):
    report = check_text(text)
    assert report.steps and all(v.status == "ok" for v in report.steps), report.text()


WRONG = {
    "softmax-diagonal-sign": (SOFTMAX + "\\frac{\\partial p_k}{\\partial z_k} = p_k (1 + p_k)\n",
                              2),
    "cross-entropy-without-the-target": (SOFTMAX + "L = -\\sum_{k=1}^{K} y_k \\log p_k\n"
                                         "\\frac{\\partial L}{\\partial z_i} = p_i - 1\n", 3),
    "variance-estimate-twice": (GAUSS_SCALE + "\\Rightarrow \\hat\\sigma^2 = \\frac{2}{N} "
                                "\\sum_{i=1}^{N} x_i^2\n", 4),
}


@pytest.mark.parametrize("text,line", WRONG.values(), ids=WRONG.keys())
def test_wrong_work_is_caught_at_its_line(text, line):
    report = check_text(text)
    assert report.first_error == line, report.text()
