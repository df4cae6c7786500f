"""The table-driven mpmath evaluator: integrals, pieces, sample statistics, own hooks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from derive import numeric
from derive.engine.matrix.expressions import ScalarDifferential
from derive.engine.probability.integrals import NumericIntegral
from derive.engine.sample.statistics import INDEX, SIZE, SampleMax, SampleMedian, SampleMin, sample
from derive.engine.sample.support import NAMED, find_support, is_density
from derive.functions import normal_pdf, relu
from derive.kinds.kl.kind import QuadratureIntegral
from derive.model import Assumptions
from derive.verify import compare, numerically_equal

x, z, mu = sp.symbols("x z mu", real=True)
s, lam = sp.symbols("s lam", positive=True)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def forty_digits():
    with mpmath.workdps(40):  # the references below at the evaluator's precision
        yield


def value(expr: sp.Expr, **values: float) -> mpmath.mpf:
    return numeric.value_at(expr, {sp.Symbol(k, **_facts(k)): v for k, v in values.items()},
                            digits=40)


def _facts(name: str) -> dict[str, bool]:
    return {"positive": True} if name in {"s", "lam"} else {"real": True}


def test_gaussian_moments_by_quadrature_to_thirty_digits():
    density = sp.exp(-(x - mu) ** 2 / (2 * s**2)) / sp.sqrt(2 * sp.pi * s**2)
    second = sp.Integral(x**2 * density, (x, -sp.oo, sp.oo))
    assert abs(value(second, mu=0.5, s=1.5) - mpmath.mpf("2.5")) < mpmath.mpf(10) ** -30
    half_line = sp.Integral(x * sp.exp(-x / s) / s, (x, 0, sp.oo))
    assert abs(value(half_line, s=1.25) - mpmath.mpf("1.25")) < mpmath.mpf(10) ** -22


def test_kinks_are_split_and_a_double_integral_nests():
    kink = sp.Integral(sp.Abs(x - mu), (x, -1, 2))  # (1 + mu)^2/2 + (2 - mu)^2/2
    assert abs(value(kink, mu=0.25) - (mpmath.mpf("1.25") ** 2 + mpmath.mpf("1.75") ** 2) / 2) \
        < mpmath.mpf(10) ** -25
    ramp = sp.Integral(relu(x - mu) * sp.exp(-x), (x, 0, sp.oo))  # e^-mu for mu > 0
    assert abs(value(ramp, mu=0.5) - mpmath.exp(-0.5)) < mpmath.mpf(10) ** -25
    y = sp.Symbol("y", real=True)
    double = sp.Integral(sp.exp(-x * y), (x, 0, 1), (y, 0, 2))  # Ein(2)
    expected = mpmath.quad(lambda t: (1 - mpmath.exp(-t)) / t, [0, 2])
    assert abs(value(double) - expected) < mpmath.mpf(10) ** -14


def test_a_divergent_integral_is_unevaluable_not_a_number():
    with pytest.raises(numeric.Unevaluable):
        value(sp.Integral(sp.exp(x), (x, 0, sp.oo)))
    with pytest.raises(numeric.Unevaluable):
        value(sp.Integral(x, (x,)))


def test_piecewise_and_conditions():
    f = sp.Piecewise((x**2, sp.And(x > 0, x < 1)), (-x, x <= 0), (1, True))
    assert value(f, x=0.5) == mpmath.mpf("0.25")
    assert value(f, x=-2) == 2
    assert value(f, x=3) == 1
    assert value(sp.Piecewise((x, x > 0)), x=1.5) == mpmath.mpf("1.5")
    with pytest.raises(numeric.Unevaluable):
        value(sp.Piecewise((x, x > 0)), x=-1.5)


def test_sample_statistics_and_own_hooks():
    xs = sample("x")
    stats = (SampleMax(xs[INDEX] ** 2, (INDEX, 1, SIZE)), SampleMin(xs[INDEX], (INDEX, 1, SIZE)),
             SampleMedian(xs[INDEX], (INDEX, 1, SIZE)))
    for size in (4, 5):
        point = numeric.Point({SIZE: numeric.ctx.mpf(size)}, seed=size)
        got = [numeric.evaluate(stat, point) for stat in stats]
        data = sorted(point.data.values())
        assert len(data) == size
        middle = data[size // 2] if size % 2 else (data[size // 2 - 1] + data[size // 2]) / 2
        assert got == [max(v**2 for v in data), data[0], middle]
    dx = sp.Symbol("dx", real=True)
    differential = ScalarDifferential(sp.sin(x) ** 2, x, dx)  # 2 sin x cos x dx
    got = value(differential, x=0.75, dx=1.5)
    assert abs(got - 2 * mpmath.sin(0.75) * mpmath.cos(0.75) * 1.5) < mpmath.mpf(10) ** -25


def test_project_integrals_evaluate_by_quadrature():
    assert abs(NumericIntegral(normal_pdf(z) * z**2, (z, -sp.oo, sp.oo)).evalf(30) - 1) < 1e-25
    closed = QuadratureIntegral(normal_pdf(z) * sp.log(1 + z**2), (z, -sp.oo, sp.oo)).doit()
    reference = mpmath.quad(lambda t: mpmath.npdf(t) * mpmath.log(1 + t**2), [-mpmath.inf, 0,
                                                                               mpmath.inf])
    assert isinstance(closed, sp.Float) and abs(float(closed) - float(reference)) < 1e-13


def test_verify_refutes_and_proves_through_quadrature():
    density = normal_pdf((x - mu) / s) / s
    mean = NumericIntegral(x * density, (x, -sp.oo, sp.oo))
    assumed = Assumptions(positive=frozenset({"s"}))
    assert compare(mu, mean, assumed).equal is True
    wrong = compare(mu + s**2 / 10**12, mean, assumed)  # apart by 1e-12: still refuted
    assert wrong.equal is False and set(wrong.counterexample["point"]) == {"mu", "s"}


def test_verify_draws_integer_data_where_the_domain_is_integer():
    i, n = sp.Symbol("i", integer=True), sp.Symbol("N", integer=True, positive=True)
    y = sp.IndexedBase("y")
    binary = Assumptions(integer=frozenset({"y"}))
    # y_i^2 = y_i only holds for 0/1 data; for integers 1..6, y_i^3 - y_i is divisible by 6.
    left = sp.Sum((y[i] ** 3 - y[i]) / 6, (i, 1, n))
    assert numerically_equal(sp.floor(left), left, binary).equal is True
    assert numerically_equal(sp.floor(left), left).equal is False


def test_densities_are_found_without_generated_code():
    k = sp.Symbol("k", integer=True, nonnegative=True)
    poisson = lam**k * sp.exp(-lam) / sp.factorial(k)  # mass 1 needs terms far out
    assert find_support(poisson, k, [lam], Assumptions(positive=frozenset({"lam"}))).name \
        == "naturals"
    laplace = sp.exp(-sp.Abs(x - mu)) / 2
    assert is_density(laplace, x, NAMED["real"], [mu], Assumptions()) == (True, "")
    assert is_density(x * sp.exp(-x), x, NAMED["real"], [], Assumptions())[0] is False


def test_no_code_generation_in_the_package():
    found = subprocess.run(["grep", "-rn", "lambdify", str(ROOT / "derive")],
                           capture_output=True, text=True)
    assert found.stdout == ""
