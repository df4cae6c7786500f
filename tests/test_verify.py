"""The verification policy: symbolic first, numeric second, refutation with a counterexample."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.bounded import run_bounded
from derive.errors import BudgetExceeded, VerificationError
from derive.functions import sigmoid
from derive.model import Assumptions, Step
from derive.verify import compare, numerically_equal, verify_step

x, y = sp.symbols("x y", real=True)


def test_symbolic_proof_of_sigmoid_identity():
    verdict = compare(sp.exp(-x) / (1 + sp.exp(-x)) ** 2, sigmoid(x) * (1 - sigmoid(x)))
    assert verdict.equal is True and verdict.how == "symbolic"


def test_wrong_identity_is_refuted_with_a_counterexample():
    verdict = compare(sp.Derivative(sigmoid(x), x), sigmoid(x) * (1 + sigmoid(x)))
    assert verdict.equal is False
    assert set(verdict.counterexample["point"]) == {"x"}


def test_numeric_test_respects_positive_domain():
    # sqrt(x^2) = x only for x > 0: true under the assumption, refuted without it.
    assumed = Assumptions(positive=frozenset({"x"}))
    assert numerically_equal(sp.sqrt(y**2), y, assumed.__class__(positive=frozenset({"y"}))).equal
    assert numerically_equal(sp.sqrt(y**2), y).equal is False


def test_indexed_sums_are_checked_at_concrete_sizes():
    i = sp.Symbol("i", integer=True)
    n = sp.Symbol("N", integer=True, positive=True)
    xs = sp.IndexedBase("x")
    mu = sp.Symbol("mu", real=True)
    left = sp.Sum(xs[i] - mu, (i, 1, n))
    assert numerically_equal(left, sp.Sum(xs[i], (i, 1, n)) - n * mu).equal is True
    assert numerically_equal(left, sp.Sum(xs[i], (i, 1, n)) - mu).equal is False


def test_matrix_identities_at_random_shapes():
    m, n = sp.symbols("m n", integer=True, positive=True)
    a = sp.MatrixSymbol("A", m, n)
    b = sp.MatrixSymbol("B", n, m)
    assert numerically_equal(sp.Trace(a * b), sp.Trace(b * a)).equal is True
    assert numerically_equal((a * b).T, a.T * b.T.T.T).equal is False


def test_verify_step_names_the_entry_and_step():
    bad = Step(sp.Derivative(x**3, x, evaluate=False), 3 * x, "power rule")
    with pytest.raises(VerificationError, match=r"cubic: step 4: 'power rule' step refuted"):
        verify_step(bad, Assumptions(), entry="cubic", index=4)
    good = Step(sp.Derivative(x**3, x, evaluate=False), 3 * x**2, "power rule")
    assert verify_step(good, Assumptions()).verified == "symbolic"


def _spin() -> None:
    while True:
        pass


def test_bounded_run_stops_a_runaway_computation():
    with pytest.raises(BudgetExceeded):
        run_bounded(_spin, seconds=1)
    assert run_bounded(sp.expand, (x + 1) ** 2) == x**2 + 2 * x + 1
