"""The 'sampling' kind: estimators in expectation, E[sample mean] = mu and E[sigma_hat^2].

Proves E[sample mean] = mu and E[sigma_hat^2] = (N - 1)/N sigma^2 step by step
for an i.i.d. sample ``X_1, ..., X_N`` (the model of
derive.engine.probability.expectation: steps are checked at concrete N on random
finite distributions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.checkcode import code
from derive.engine.probability.expectation import (
    E,
    Mean,
    RandomVariable,
    SampleMean,
    SampleSum,
    StdDev,
    sample,
)
from derive.kinds.base import Kind, derivation_of
from derive.kinds.sampling.fields import FIELDS
from derive.model import Derivation, Result, Section, Step
from derive.prose import Prose, math, tex

N = sp.Symbol("N", integer=True, positive=True)
INDEX = sp.Symbol("i", integer=True, positive=True)


def _sample_sum(body: sp.Expr) -> SampleSum:
    return SampleSum(body, INDEX, N)


def _mean_steps(x: sp.Expr, item: Any) -> tuple[sp.Expr, list[Step]]:
    xbar = SampleMean(item(INDEX), INDEX, N)
    s0 = E(_sample_sum(item(INDEX)) / N)
    s1 = _sample_sum(E(item(INDEX))) / N
    s2 = _sample_sum(Mean(x)) / N
    s3 = Mean(x)
    return E(xbar), [
        Step(E(xbar), s0, "definition"),
        Step(s0, s1, "linearity of expectation",
             Prose.of("the sum and ", tex("$1/N$", "1/N"), " come out")),
        Step(s1, s2, "identically distributed"),
        Step(s2, s3, "sum of a constant"),
    ]


def _variance_steps(x: sp.Expr, item: Any) -> tuple[sp.Expr, list[Step]]:
    xbar = SampleMean(item(INDEX), INDEX, N)
    start = E(_sample_sum((item(INDEX) - xbar) ** 2) / N)
    s1 = E(_sample_sum(item(INDEX) ** 2) / N - xbar**2)
    s2 = _sample_sum(E(item(INDEX) ** 2)) / N - E(xbar**2)
    s3 = E(x**2) - E(xbar**2)
    s3b = E(x**2) - E(_sample_sum(item(INDEX)) ** 2) / N**2
    s4 = E(x**2) - (N * E(x**2) + N * (N - 1) * Mean(x) ** 2) / N**2
    s5 = (N - 1) / N * (E(x**2) - Mean(x) ** 2)
    s6 = (N - 1) / N * StdDev(x) ** 2
    return start, [
        Step(start, s1, "expand", tex(r"$\frac{1}{N}\sum_i (x_i - \bar x)^2 = "
                                      r"\frac{1}{N}\sum_i x_i^2 - \bar x^2$",
                                      "(1/N) sum_i (x_i - xbar)^2 = (1/N) sum_i x_i^2 - xbar^2")),
        Step(s1, s2, "linearity of expectation"),
        Step(s2, s3, "identically distributed"),
        Step(s3, s3b, "definition", tex(r"$\bar X = \frac{1}{N}\sum_i X_i$",
                                        "Xbar = (1/N) sum_i X_i")),
        Step(s3b, s4, "independence", Prose.of(
            math(N), " terms ", tex("$i = j$", "i = j"), " give ",
            tex(r"$\mathbb{E}[X^2]$", "E[X^2]"),
            ", ", tex("$N(N-1)$", "N(N-1)"), " terms ", tex(r"$i \ne j$", "i != j"), " give ",
            tex(r"$\mu^2$", "mu^2"))),
        Step(s4, s5, "factor"),
        Step(s5, s6, "named identity", tex(r"$\sigma^2 = \mathbb{E}[X^2] - \mu^2$",
                                           "sigma^2 = E[X^2] - mu^2")),
    ]


MU = tex(r"$\mu$", "mu")

SAMPLING: dict[str, tuple[Any, Prose, Prose]] = {
    "sample-mean": (_mean_steps, tex(r"$\bar X = \frac{1}{N}\sum_{i=1}^{N} X_i$",
                                     "Xbar = (1/N) sum_(i=1..N) X_i"),
                    Prose.of("Show that the sample mean is an unbiased estimator of ", MU, ".")),
    "mle-variance": (_variance_steps,
                     tex(r"$\hat\sigma^2 = \frac{1}{N}\sum_{i=1}^{N} (X_i - \bar X)^2$",
                         "sigma_hat^2 = (1/N) sum_(i=1..N) (X_i - Xbar)^2"),
                     Prose.of("Find the expectation of the maximum-likelihood variance ",
                              tex(r"$\hat\sigma^2$", "sigma_hat^2"), ": is it unbiased?")),
}


@dataclass(frozen=True)
class Sampling:
    """What an estimator in expectation adds: which estimator."""

    estimator: str  # "sample-mean" | "mle-variance"


def derive_sampling(spec: Spec) -> Derivation:
    """E of an estimator over an i.i.d. sample, step by step."""
    name = spec.require("estimator")
    if name not in SAMPLING:
        raise spec.error("estimator", f"unknown estimator {name!r} (known: {', '.join(SAMPLING)})")
    make, definition, question = SAMPLING[name]
    x = RandomVariable("X")
    start, steps = make(x, sample("X"))
    return derivation_of(
        spec,
        input=name,
        function=start,
        sections=(Section(Prose.of("Derivation"), start, tuple(steps)),),
        results=(Result(name, start, steps[-1].after),),
        symbols=(N,),
        question=Prose.of(
            "Let ", tex(r"$X_1, \dots, X_N$", "X_1, ..., X_N"), " be i.i.d. with mean ",
            tex(r"$\mu = \mu_X$", "mu = mu_X"), " and variance ",
            tex(r"$\sigma^2 = \sigma_X^2$", "sigma^2 = sigma_X^2"), ", and ", definition, ". ",
            question),
        method=(Prose.of(
            "The sample is modelled as ", math(N), " independent "
            "copies of a distribution on finitely many points with symbolic values and "
            "probabilities; each step is evaluated exactly at random values and random ",
            math(N), " (3 to 6), where the mean of a product of independent items is the "
            "product of their means."),),
        details=Sampling(name),
    )


#: estimator -> numpy code over samples in the rows of x (the estimator's definition).
ESTIMATORS = {
    "sample-mean": "x.mean(axis=1)",
    "mle-variance": "((x - x.mean(axis=1, keepdims=True)) ** 2).mean(axis=1)",
}


def sampling_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_sampling.py.j2``: the estimator and its derived mean."""
    x = RandomVariable("X")
    result = derivation.results[0].expr
    plain = result.xreplace({StdDev(x): sp.sqrt(sp.Symbol("sigma2"))}).subs(
        {sp.Symbol("N", integer=True, positive=True): sp.Symbol("N")})
    plain = plain.replace(lambda e: type(e).__name__ == "Mean", lambda e: sp.Symbol("mu"))
    return {"estimator": ESTIMATORS[derivation.details.estimator], "result": code(plain)}


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The estimator's mean over many simulated samples against the derived expectation."""
    return "check_sampling.py.j2", sampling_context(derivation)


KIND = Kind("sampling", FIELDS, derive_sampling, check_recipe)
