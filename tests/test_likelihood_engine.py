"""The MLE engine on densities typed by a user: estimators, kinds of maximum, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive import pipeline
from derive.catalogue.spec import Spec
from derive.engine.sample.statistics import SampleMax, SampleMedian
from derive.errors import InputError, ParseError
from derive.kinds import derive_unverified
from derive.verify import compare

x = sp.IndexedBase("x")
i = sp.Symbol("i", integer=True)
N = sp.Symbol("N", integer=True, positive=True)


def S(expr):  # noqa: N802 - the statistic sum_i expr
    return sp.Sum(expr, (i, 1, N))


def spec(density, params, assume=(), **fields):
    return Spec(
        id="t",
        title="t",
        topic="t",
        kind="mle",
        fields={"density": density, "var": "x", "params": list(params), **fields},
        assume=tuple(assume),
    )


def named(name, **facts):
    return sp.Symbol(name, **facts)


# density, params, assume, extra fields, expected estimators (param -> expression), maximum
CASES = [
    (
        "rayleigh",
        "x/s^2*exp(-x^2/(2*s^2))",
        ["s"],
        [],
        {},
        {"s": sp.sqrt(S(x[i] ** 2) / (2 * N))},
        "verified",
    ),
    (
        "weibull-shape-2",
        "2*x/lambda^2*exp(-(x/lambda)^2)",
        ["lambda"],
        [],
        {},
        {"lambda": sp.sqrt(S(x[i] ** 2) / N)},
        "verified",
    ),
    (
        "pareto-from-1",
        "a*x^(-a - 1)",
        ["a"],
        [],
        {"support": ["1", "inf"]},
        {"a": N / S(sp.log(x[i]))},
        "verified",
    ),
    ("power-on-unit", "a*x^(a - 1)", ["a"], [], {}, {"a": -N / S(sp.log(x[i]))}, "verified"),
    (
        "shifted-exponential-rate",
        "lam*exp(-lam*(x - 2))",
        ["lam"],
        [],
        {"support": ["2", "inf"]},
        {"lam": N / (S(x[i]) - 2 * N)},
        "verified",
    ),
    (
        "gaussian-known-variance-4",
        "exp(-(x - m)^2/8)/sqrt(8*pi)",
        ["m"],
        ["m real"],
        {},
        {"m": S(x[i]) / N},
        "verified",
    ),
    (
        "uniform-boundary",
        "1/theta",
        ["theta"],
        [],
        {"support": ["0", "theta"]},
        {"theta": SampleMax(x[i], (i, 1, N))},
        "boundary",
    ),
    (
        "laplace-median",
        "exp(-abs(x - mu))/2",
        ["mu"],
        ["mu real"],
        {},
        {"mu": SampleMedian(x[i], (i, 1, N))},
        "verified",
    ),
    ("cauchy-no-closed-form", "1/(pi*(1 + (x - t)^2))", ["t"], ["t real"], {}, {}, "not-verified"),
]


@pytest.mark.parametrize(
    "density,params,assume,fields,expected,maximum",
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_estimators_of_typed_densities(density, params, assume, fields, expected, maximum):
    derivation = derive_unverified(spec(density, params, assume, **fields))
    estimators = derivation.details.estimators
    assert derivation.details.maximum == maximum
    assert set(estimators) == set(expected)
    for name, want in expected.items():
        got = estimators[name]
        if isinstance(want, SampleMax | SampleMedian):
            assert got == want
        else:
            assert compare(got, want).equal is True, (name, got)


def test_every_step_of_a_user_density_is_verified_and_the_numpy_code_runs():
    derivation = pipeline.derive(spec("x/s^2*exp(-x^2/(2*s^2))", ["s"]))
    assert derivation.steps and all(s.verified in ("symbolic", "numeric") for s in derivation.steps)
    rules = [s.rule for s in derivation.steps]
    for rule in (
        "log of a product",
        "log rules",
        "split sums",
        "pull out constants",
        "sum of a constant",
        "score",
        "solve",
    ):
        assert rule in rules
    from derive.numpyprint import numpy_code

    code = numpy_code(derivation.details.estimators["s"], sample_size="x.size")
    sample = np.array([0.5, 1.5, 2.0, 0.7])
    namespace = {"np": np, "x": sample}
    value = eval(code, namespace)  # noqa: S307 - our own printer's output, in a test
    assert value == pytest.approx(np.sqrt(np.sum(sample**2) / (2 * sample.size)))


def test_joint_gaussian_substitutes_the_mean_into_the_variance():
    derivation = derive_unverified(
        spec("exp(-(x-mu)^2/(2*v))/sqrt(2*pi*v)", ["mu", "v"], ["mu real"])
    )
    got = derivation.details.estimators
    assert compare(got["v"], S((x[i] - S(x[i]) / N) ** 2) / N).equal is True
    assert derivation.details.maximum == "verified"


def test_no_closed_form_gives_a_newton_step():
    derivation = derive_unverified(spec("1/(pi*(1 + (x - t)^2))", ["t"], ["t real"]))
    assert "t" in derivation.details.newton
    assert any(s.rule == "newton step" for s in derivation.steps)


@pytest.mark.parametrize(
    "density,params,error,match",
    [
        ("exp(-lam)", ["lam"], InputError, "does not involve 'x'"),
        ("lam*exp(-lam*x)", ["mu"], InputError, "'mu' does not occur"),
        ("lam*exp(-lam*x", ["lam"], ParseError, "line 1, column"),
        ("-lam*exp(-lam*x)", ["lam"], InputError, "not a density"),
        ("lam*x", ["lam"], InputError, "not a density"),
        ("lam*exp(-lam*x)", ["x"], InputError, "variable"),
    ],
    ids=[
        "no-variable",
        "absent-param",
        "unparseable",
        "negative",
        "not-normalisable",
        "param-is-var",
    ],
)
def test_bad_input_is_one_clear_error(density, params, error, match):
    with pytest.raises(error, match=match):
        derive_unverified(spec(density, params))


def test_probabilities_are_recognised_from_one_minus_p():
    derivation = derive_unverified(spec("p^x*(1-p)^(1-x)", ["p"]))
    assert "p" in derivation.assumptions.unit_interval
    assert derivation.details.model.support.name == "binary"
