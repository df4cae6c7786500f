"""Bayes family: the posterior of a conjugate pair with random hyperparameters and data.

The prior's hyperparameters are numbers drawn at random, so the derivation
carries them; a sample is drawn too, and the posterior's parameters and mean
on it are the numeric instance (the mean is the graded number).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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

HYPER = (1, 2, 3, 4, 5, 6)
RATES = (1, 2, 3, 4)
SIZES = (5, 6, 7, 8)
GRADED = "posterior_mean"
ASKED = ("a", "b", GRADED)  # the numbers the question asks for (the variance is not asked)
MEAN_HINT = ("This is the sample mean: the posterior mean also counts the prior's "
             "pseudo-observations.")
FAILURES_HINT = ("This adds all N observations to b; b counts the failures only: "
                 "b + N - (x_1 + ... + x_N).")
SUCCESSES_HINT = ("This adds all N observations to a; a counts the successes only: "
                  "a + x_1 + ... + x_N.")
SHAPE_HINT = ("This adds N to the shape a; the shape gains the sum of the counts, "
              "a + x_1 + ... + x_N, and the rate gains N.")
RATE_HINT = ("This adds the sum of the counts to the rate b; the rate gains the number of "
             "observations, b + N, and the shape the sum of the counts.")
# the slip of each posterior parameter, by pair: the hint and the number it gives
SLIPS: dict[tuple[str, str], tuple[str, Callable[[int, int, int, int], int]]] = {
    ("beta-bernoulli", "a"): (SUCCESSES_HINT, lambda a, b, n, s: a + n),
    ("beta-bernoulli", "b"): (FAILURES_HINT, lambda a, b, n, s: b + n),
    ("gamma-poisson", "a"): (SHAPE_HINT, lambda a, b, n, s: a + n),
    ("gamma-poisson", "b"): (RATE_HINT, lambda a, b, n, s: b + s),
}


@dataclass(frozen=True)
class Pair:
    """A likelihood with its conjugate prior; the prior written with numbers a, b."""

    likelihood: str  # in prose
    prior_name: str  # LaTeX: \operatorname{Beta}
    fields: dict[str, Any]  # density, var, params, support, base_measure, posterior
    prior: Callable[[int, int], str]  # the prior up to a constant, in the parser's syntax
    param: str
    a: tuple[int, ...]
    b: tuple[int, ...]
    values: Sequence[str]


PAIRS: dict[str, Pair] = {
    "beta-bernoulli": Pair(
        "Bernoulli", r"\operatorname{Beta}",
        {"density": "p^x*(1 - p)^(1 - x)", "support": "binary", "posterior": "beta"},
        lambda a, b: f"p^{a - 1}*(1 - p)^{b - 1}", "p", HYPER, HYPER, ("0", "1")),
    "gamma-poisson": Pair(
        "Poisson", r"\operatorname{Gamma}",
        {"density": "lambda^x*exp(-lambda)", "base_measure": "1/x!", "support": "naturals",
         "posterior": "gamma"},
        lambda a, b: f"lambda^{a - 1}*exp(-{b}*lambda)", "lambda", HYPER[1:], RATES,
        ("0", "1", "2", "3", "4", "5")),
}


class ConjugatePosterior(Family):
    """Posterior parameters of a conjugate pair, in general and on a drawn sample."""

    name = "conjugate-posterior"
    title = "Posterior of a conjugate pair"
    topic = "bayes"
    engine = "derive.kinds.bayes"
    numeric = True

    def draw(self, rng: random.Random) -> dict[str, Any]:
        name = rng.choice(sorted(PAIRS))
        pair = PAIRS[name]
        a, b = rng.choice(pair.a), rng.choice(pair.b)
        while a == 1 and b == 1:  # a flat prior does not involve the parameter
            b = rng.choice(pair.b)
        return {"pair": name, "a": a, "b": b, "sample": draw_sample(rng, pair.values, SIZES)}

    def spec(self, choices: Choices, ident: str) -> Spec:
        pair = PAIRS[choices["pair"]]
        fields = {**pair.fields, "var": "x", "params": [pair.param],
                  "prior": pair.prior(choices["a"], choices["b"])}
        return Spec(id=ident, title=self.title, topic=self.topic, kind="bayes", fields=fields)

    def group(self, choices: Choices) -> str | None:
        return choices["pair"]

    def key(self, choices: Choices) -> str:
        return json.dumps({"entry": super().key(choices), "sample": choices["sample"]})

    def question(self, choices: Choices, derivation: Derivation) -> Prose:
        pair = PAIRS[choices["pair"]]
        theta = latex(sp.Symbol(pair.param))
        prior = derivation.details.prior
        graded = label_tex(derivation, derivation.result(GRADED).label)
        return Prose.of(
            "The prior on ", Printed(theta), " is ",
            Printed(f"{pair.prior_name}({choices['a']}, {choices['b']})"), ", that is",
            displayed(rf"\pi({theta}) \propto {latex(prior)},"),
            "and given ", Printed(theta), " the observations ", Printed(r"x_1, \dots, x_N"),
            f" are independent {pair.likelihood} draws with",
            displayed(rf"f(x \mid {theta}) = {latex(derivation.function)}."),
            "Find the posterior distribution of ", Printed(theta),
            ": its family and its parameters in terms of ", Printed("N"), " and the ",
            Printed("x_i"), ". Then compute the posterior parameters and the posterior mean ",
            Printed(graded), ", to three significant figures, for the sample ",
            Printed(sample_tex(choices["sample"])), ".")

    def answers(self, choices: Choices, derivation: Derivation) -> tuple[Answer, ...]:
        sample = choices["sample"]
        where = rf"x = ({sample_tex(sample)})"
        xs = numbers(sample)
        found = []
        for r in derivation.results:
            value = float(at_sample(r.expr, sample))
            if r.name not in ASKED:
                found.append(Answer(r.name, r.label, r.expr, value, None, sample_point(sample),
                                    where))
                continue
            mistake = _mistake(choices, r.name, xs)
            found.append(graded(r.name, r.label, r.expr, value, sample_point(sample), where,
                                mistake))
        return tuple(found)


def _mistake(choices: Choices, part: str, xs: list[sp.Rational]) -> Mistake | None:
    """The typical slip for a part: the mean without the prior, a parameter updated with the
    other's count (all N observations as successes or failures; N and the sum swapped)."""
    if part == GRADED:
        return Mistake(float(sum(xs) / len(xs)), MEAN_HINT)
    slip = SLIPS.get((choices["pair"], part))
    if slip is None:
        return None
    hint, value = slip
    return Mistake(float(value(choices["a"], choices["b"], len(xs), int(sum(xs)))), hint)
