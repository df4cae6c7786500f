"""The verification policy: symbolic first, numeric second, refutation with a counterexample."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sympy as sp

from derive.bounded import run_bounded
from derive.errors import BudgetExceeded, VerificationError
from derive.functions import sigmoid, softplus
from derive.model import Assumptions, Derivation, Section, Step
from derive.prose import Prose
from derive.verify import (
    compare,
    numerically_equal,
    symbolically_equal,
    verify_derivation,
    verify_step,
)

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


def test_a_unit_interval_symbol_lets_logs_split_soundly():
    # log((1 - p)^3 p^2) = 3 log(1 - p) + 2 log p needs 1 - p > 0: stated by p in (0, 1)
    p = sp.Symbol("p", positive=True)
    before, after = sp.log((1 - p) ** 3 * p**2), 3 * sp.log(1 - p) + 2 * sp.log(p)
    unit = Assumptions(unit_interval=frozenset({"p"}))
    assert symbolically_equal(before, after, assumptions=unit)
    assert not symbolically_equal(before, after)  # p > 0 alone does not allow the split
    assert verify_step(Step(before, after, "log rules"), unit).verified == "symbolic"


def test_reflected_sigmoids_inside_other_functions_are_proved_symbolically():
    # sigmoid(-u) = 1 - sigmoid(u) deep inside tanh and powers: in closed form a polynomial
    # identity in exponentials that outlasts the budget; with the functions kept, instant
    w = sp.Symbol("w", real=True)
    u = softplus(2 * w + 1)
    before = (1 - sigmoid(-3 * u)) * (sigmoid(-3 * u) - sp.Rational(1, 4)) * sigmoid(-3 * u)
    after = (sp.Rational(3, 4) - sigmoid(3 * u)) * (1 - sigmoid(3 * u)) * sigmoid(3 * u)
    assert symbolically_equal(before, after)
    nested = sp.tanh(sigmoid(-3 * w - 2)) * sp.cosh(w) ** 2
    assert symbolically_equal(nested, -sp.tanh(sigmoid(3 * w + 2) - 1) * sp.cosh(w) ** 2)
    assert symbolically_equal(sp.sinh(u) / sp.cosh(u), sp.tanh(u))
    assert not symbolically_equal(sigmoid(-3 * u), sigmoid(3 * u))


def test_the_log_of_a_poisson_likelihood_splits_for_positive_data():
    # log(x_i!) is real for x > 0 (as Gamma(x_i + 1)): the stated sign of x allows the split
    i = sp.Symbol("i", integer=True)
    n = sp.Symbol("N", integer=True, positive=True)
    xs = sp.IndexedBase("x")
    lam = sp.Symbol("lambda", positive=True)
    factor = lam ** xs[i] * sp.exp(-lam) / sp.factorial(xs[i])
    before = sp.log(sp.Product(factor, (i, 1, n)))
    after = sp.Sum(xs[i] * sp.log(lam) - lam - sp.log(sp.factorial(xs[i])), (i, 1, n))
    assert symbolically_equal(before, after, assumptions=Assumptions(positive=frozenset({"x"})))


def test_sums_split_term_by_term_are_proved_symbolically():
    i = sp.Symbol("i", integer=True)
    n = sp.Symbol("N", integer=True, positive=True)
    xs = sp.IndexedBase("x")
    lam = sp.Symbol("lambda", positive=True)
    before = sp.Sum(xs[i] * sp.log(lam) - lam, (i, 1, n))
    after = sp.log(lam) * sp.Sum(xs[i], (i, 1, n)) - n * lam
    assert verify_step(Step(before, after, "linearity of the sum"), Assumptions()).verified \
        == "symbolic"


def test_steps_sharing_points_still_refute_the_wrong_one():
    m, n = sp.symbols("m n", integer=True, positive=True)
    a, b = sp.MatrixSymbol("A", m, n), sp.MatrixSymbol("B", n, m)
    steps = (Step(sp.Trace(a * b), sp.Trace(b * a), "cyclic trace"),
             Step(sp.Trace(b * a), sp.Trace(a.T * b.T), "transpose"),
             Step(sp.Trace(a.T * b.T), 2 * sp.Trace(a * b), "wrong: a factor 2"))
    derivation = Derivation("gradient", "t", "", sp.Trace(a * b),
                            (Section(Prose.of("s"), sp.Trace(a * b), steps),), (), id="shared")
    with pytest.raises(VerificationError, match=r"shared: step 3: 'wrong: a factor 2'"):
        verify_derivation(derivation)
    fixed = replace(derivation, sections=(Section(Prose.of("s"), sp.Trace(a * b), steps[:2]),))
    assert [s.verified for s in verify_derivation(fixed).steps] == ["numeric", "numeric"]


def test_digits_lost_to_cancellation_are_not_a_counterexample():
    """The derivative of a product of 20 linear factors, multiplied out, against the product
    rule: at 30 digits the expanded form cancels some 25 digits; at more it agrees."""
    x = sp.Symbol("x", real=True)
    product = sp.Mul(*[(k * x + k + 1) for k in range(1, 21)])
    assert numerically_equal(sp.expand(sp.diff(product, x)), sp.diff(product, x)).equal is True
    assert numerically_equal(sp.expand(sp.diff(product, x)) + 1, sp.diff(product, x)).equal is False


@pytest.mark.parametrize("wrong", ["transposed", "scaled", "slightly off"])
def test_the_cross_check_refutes_a_wrong_matrix_gradient(wrong: str) -> None:
    """The matrix gradient's second opinion (the loss along a random direction of its own)
    catches a result whose steps were not what produced it."""
    from derive import api
    from derive.model import Result
    from derive.verify import cross_check

    derivation = api.grad("tr(A*X*B)", wrt="X", shapes=["A=n,n", "X=n,n", "B=n,n"])
    (result,) = derivation.results
    assert cross_check(derivation) == {"X": "numeric"}
    g = result.expr  # A^T B^T
    e = sp.MatrixSymbol("E", *g.shape)  # one entry off, a little: E is drawn like every input
    bad = {"transposed": sp.Transpose(g), "scaled": sp.MatMul(sp.Rational(101, 100), g),
           "slightly off": g + sp.MatMul(sp.Rational(1, 10**6), e)}[wrong]
    with pytest.raises(VerificationError, match="disagrees with the independent route"):
        cross_check(replace(derivation, results=(Result("X", result.label, bad),)))
