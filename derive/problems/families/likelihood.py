"""Likelihood family: the MLE of one parameter of a density with random known constants.

The density comes from a small table of models (gamma with known shape,
Weibull with known shape, Gaussian with known mean, binomial with known
trials, Poisson with known exposure, exponential, geometric); a sample is
drawn too, and the estimate on it is the numeric instance.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.model import Derivation
from derive.printing import latex
from derive.problems.families import Answer, Choices, Family, Mistake, graded, label_tex
from derive.problems.families.samples import (
    at_sample,
    draw_sample,
    numbers,
    sample_point,
    sample_tex,
)
from derive.prose import Printed, Prose, displayed

POSITIVE = ("1/2", "1", "3/2", "2", "5/2", "3", "4", "5")
INTEGERS = ("-2", "-1", "0", "1", "2", "3", "4", "5")
SIZES = (4, 5, 6)


@dataclass(frozen=True)
class Model:
    """A density with one unknown parameter and at most one known constant k."""

    words: Callable[[int], list]  # prose: 'a gamma distribution with known shape k = 3'
    density: Callable[[int], str]  # in the parser's syntax
    param: str
    support: Callable[[int], str]
    values: Callable[[int], Sequence[str]]  # possible observations
    constants: tuple[int, ...] = (0,)  # 0: the model has no known constant
    degenerate: Callable[[int, list[sp.Rational]], bool] = lambda k, xs: False
    extra: Callable[[int], dict[str, Any]] = field(default=lambda k: {})


def _all(xs: list[sp.Rational], value: Any) -> bool:
    return all(x == value for x in xs)


MODELS: dict[str, Model] = {
    "gamma-scale": Model(
        lambda k: ["a gamma distribution with known shape ", Printed(f"k = {k}"),
                   " and unknown scale ", Printed(r"\theta")],
        lambda k: f"x^{k - 1}*exp(-x/theta)/({math.factorial(k - 1)}*theta^{k})",
        "theta", lambda k: "positive", lambda k: POSITIVE, (2, 3, 4)),
    "weibull": Model(
        lambda k: ["a Weibull distribution with known shape ", Printed(f"k = {k}"),
                   ", written with the parameter ", Printed(rf"\theta = \lambda^{{{k}}}")],
        lambda k: f"{k}*x^{k - 1}*exp(-x^{k}/theta)/theta",
        "theta", lambda k: "positive", lambda k: POSITIVE, (2, 3)),
    "gaussian-variance": Model(
        lambda k: ["a normal distribution with known mean ", Printed(f"{k}"),
                   " and unknown variance ", Printed("v")],
        lambda k: f"exp(-(x - {k})^2/(2*v))/sqrt(2*pi*v)",
        "v", lambda k: "real", lambda k: INTEGERS, (-1, 1, 2, 3),
        degenerate=lambda k, xs: _all(xs, k)),
    "binomial": Model(
        lambda k: ["a binomial distribution with ", Printed(f"n = {k}"), " trials"],
        lambda k: f"p^x*(1 - p)^({k} - x)",
        "p", lambda k: f"counts:{k}", lambda k: tuple(str(v) for v in range(k + 1)),
        (4, 5, 6, 8, 10),
        degenerate=lambda k, xs: _all(xs, 0) or _all(xs, k),
        extra=lambda k: {"base_measure": "binomial(n, x)", "trials": k}),
    "poisson": Model(
        lambda k: ["a Poisson distribution"],
        lambda k: "lambda^x*exp(-lambda)",
        "lambda", lambda k: "naturals", lambda k: ("0", "1", "2", "3", "4", "5", "6"),
        degenerate=lambda k, xs: _all(xs, 0),
        extra=lambda k: {"base_measure": "1/x!"}),
    "exponential": Model(
        lambda k: ["an exponential distribution"],
        lambda k: "lambda*exp(-lambda*x)",
        "lambda", lambda k: "positive", lambda k: POSITIVE),
    "geometric": Model(
        lambda k: ["a geometric distribution (the number of trials up to the first success)"],
        lambda k: "p*(1 - p)^(x - 1)",
        "p", lambda k: "positive-integers", lambda k: ("1", "2", "3", "4", "5", "6"),
        degenerate=lambda k, xs: _all(xs, 1)),
}


@dataclass(frozen=True)
class Typical:
    """The typical mistake for a model: the number it gives from the right estimate."""

    value: Callable[[float, int, list[sp.Rational]], float]  # (estimate, k, sample) -> number
    hint: str


def _mean_of_powers_swapped(estimate: float, k: int, xs: list[sp.Rational]) -> float:
    return float((sum(xs) / len(xs)) ** k)


MISTAKES: dict[str, Typical] = {
    "gaussian-variance": Typical(
        lambda v, k, xs: v * len(xs) / (len(xs) - 1),
        "This divides by N - 1, as the sample variance does; with the mean known, the "
        "maximum-likelihood estimate divides by N."),
    "exponential": Typical(
        lambda v, k, xs: 1 / v,
        "This is the sample mean; setting the score to zero gives its reciprocal."),
    "geometric": Typical(
        lambda v, k, xs: 1 / v,
        "This is the sample mean; setting the score to zero gives its reciprocal."),
    "gamma-scale": Typical(
        lambda v, k, xs: v * k,
        "This is the sample mean; with known shape k the scale estimate is the mean divided by k."),
    "binomial": Typical(
        lambda v, k, xs: v * k,
        "This is the mean count; the estimate of p divides it by the number of trials n."),
    "poisson": Typical(
        lambda v, k, xs: v * len(xs),
        "This is the sum of the observations; the score (x_1 + ... + x_N)/lambda - N is zero "
        "at the sum divided by N."),
    "weibull": Typical(
        _mean_of_powers_swapped,
        "This raises the sample mean to the power k; the estimate is the mean of the x_i^k."),
}


class MaximumLikelihood(Family):
    """The MLE of a density with random known constants, and its value on a drawn sample."""

    name = "mle"
    title = "Maximum-likelihood estimator"
    topic = "likelihood"
    engine = "derive.kinds.mle"
    numeric = True

    def draw(self, rng: random.Random) -> dict[str, Any]:
        model = rng.choice(sorted(MODELS))
        k = rng.choice(MODELS[model].constants)
        return {"model": model, "k": k,
                "sample": draw_sample(rng, MODELS[model].values(k), SIZES)}

    def spec(self, choices: Choices, ident: str) -> Spec:
        model, k = MODELS[choices["model"]], choices["k"]
        fields = {"density": model.density(k), "var": "x", "params": [model.param],
                  "support": model.support(k), **model.extra(k)}
        return Spec(id=ident, title=self.title, topic=self.topic, kind="mle", fields=fields)

    def key(self, choices: Choices) -> str:
        # the sample is part of the problem: the same density with other data is another variant
        return json.dumps({"entry": super().key(choices), "sample": choices["sample"]})

    def group(self, choices: Choices) -> str | None:
        return choices["model"]

    def screen(self, choices: Choices) -> str | None:
        if MODELS[choices["model"]].degenerate(choices["k"], numbers(choices["sample"])):
            return "the estimate on the sample is at the edge of the parameter space"
        return None

    def question(self, choices: Choices, derivation: Derivation) -> Prose:
        model = MODELS[choices["model"]]
        theta = latex(sp.Symbol(model.param))
        hat = label_tex(derivation, derivation.results[0].label)
        return Prose.of(
            "Observations ", Printed(r"x_1, \dots, x_N"), " are independent draws from ",
            *model.words(choices["k"]), ", with density",
            displayed(rf"f(x; {theta}) = {latex(derivation.function)}."),
            "Find the maximum-likelihood estimator ", Printed(hat), " in terms of the ",
            Printed("x_i"),
            ". Then compute its value, to three significant figures, for the sample ",
            Printed(sample_tex(choices["sample"])), ".")

    def answers(self, choices: Choices, derivation: Derivation) -> tuple[Answer, ...]:
        sample = choices["sample"]
        where = rf"x = ({sample_tex(sample)})"
        typical = MISTAKES.get(choices["model"])
        found = []
        for r in derivation.results:
            value = float(at_sample(r.expr, sample))
            mistake = None
            if typical is not None:
                mistake = Mistake(typical.value(value, choices["k"], numbers(sample)), typical.hint)
            found.append(graded(r.name, r.label, r.expr, value, sample_point(sample), where,
                                mistake))
        return tuple(found)
