r"""Constrained MLE: a Lagrangian (\lambda times a constraint with a sum), its stationarity
condition set to zero, and the equations after it checked against the whole system."""

from __future__ import annotations

import pytest

from derive.grade import check_text

LAGRANGIAN = (r"\mathcal{L}(p, \lambda) = \sum_{k=1}^{K} n_k \log p_k "
              r"+ \lambda \left(1 - \sum_{k=1}^{K} p_k\right)" "\n")
STATIONARY = r"\frac{\partial \mathcal{L}}{\partial p_k} = \frac{n_k}{p_k} - \lambda = 0" "\n"

RIGHT = {
    "the-whole-way": LAGRANGIAN + STATIONARY + "\\Rightarrow p_k = \\frac{n_k}{\\lambda}\n"
    "\\Rightarrow \\sum_{k=1}^{K} \\frac{n_k}{\\lambda} = 1\n"
    "\\Rightarrow \\lambda = \\sum_{k=1}^{K} n_k\n"
    "\\Rightarrow \\hat p_k = \\frac{n_k}{\\sum_{j=1}^{K} n_j}\n",
    "straight-to-the-estimate": LAGRANGIAN + STATIONARY
    + "\\Rightarrow \\hat p_k = \\frac{n_k}{\\sum_{j=1}^{K} n_j}\n",
    "minus-form-and-loglik-first": r"\ell(p) = \sum_{k=1}^{K} n_k \log p_k" "\n"
    r"\mathcal{L} = \ell(p) - \lambda \left(\sum_{k=1}^{K} p_k - 1\right)" "\n"
    r"\frac{\partial \mathcal{L}}{\partial p_k} = \frac{n_k}{p_k} - \lambda = 0" "\n"
    "\\Rightarrow \\lambda = \\sum_{k=1}^{K} n_k\n",
    "constraint-stated": LAGRANGIAN + STATIONARY + "\\Rightarrow p_k = \\frac{n_k}{\\lambda}\n"
    "\\sum_{k=1}^{K} p_k = 1 \\Rightarrow \\sum_{k=1}^{K} \\frac{n_k}{\\lambda} = 1\n"
    "\\Rightarrow \\lambda = \\sum_{k=1}^{K} n_k\n",
    "weighted": r"\mathcal{L} = \sum_{k=1}^{K} n_k \log p_k + \lambda (1 - \sum_{k=1}^{K} p_k)"
    "\n" r"\frac{\partial \mathcal{L}}{\partial p_k} = n_k / p_k - \lambda = 0" "\n"
    "\\Rightarrow p_k \\lambda = n_k\n",
}


@pytest.mark.parametrize("text", RIGHT.values(), ids=RIGHT.keys())
def test_right_constrained_work_passes(text):
    report = check_text(text)
    assert all(v.status == "ok" for v in report.steps), report.text()


WRONG = {
    "lambda-is-K": (LAGRANGIAN + STATIONARY + "\\Rightarrow p_k = \\frac{n_k}{\\lambda}\n"
                    "\\Rightarrow \\lambda = K\n", 4),
    "uniform-estimate": (LAGRANGIAN + STATIONARY + "\\Rightarrow \\hat p_k = \\frac{1}{K}\n", 3),
    "estimate-without-normalising": (LAGRANGIAN + STATIONARY + "\\Rightarrow \\hat p_k = n_k\n",
                                     3),
    "constraint-misstated": (LAGRANGIAN + STATIONARY + "\\Rightarrow p_k = \\frac{n_k}{\\lambda}\n"
                             "\\sum_{k=1}^{K} p_k = 2 \\Rightarrow \\lambda = 1\n", 4),
    "stationarity-sign": (LAGRANGIAN + r"\frac{\partial \mathcal{L}}{\partial p_k} = "
                          r"\frac{n_k}{p_k} + \lambda = 0" "\n", 2),
}


@pytest.mark.parametrize("text,line", WRONG.values(), ids=WRONG.keys())
def test_wrong_constrained_work_is_caught_at_its_line(text, line):
    report = check_text(text)
    assert report.first_error == line, report.text()


def test_a_name_never_defined_makes_the_step_undecided_naming_it():
    report = check_text(LAGRANGIAN + STATIONARY + "\\Rightarrow \\hat p_k = \\frac{n_k}{N}\n")
    last = report.steps[-1]
    assert last.status == "undecided" and "N appears here for the first time" in last.error
    assert report.first_error is None
