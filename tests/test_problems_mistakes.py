"""The typical mistake of every numeric family: the number its hint describes, off the answer.

Drawn variants of each numeric family are derived as a release derives them; each
graded part's right number and its distractor are recomputed here from the drawn
choices by the textbook formulas (independently of the families' code), and a
distractor exists exactly when no number within the tolerance could be taken for it.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy as sp

from derive.problems.draw import Screen, draw_problem
from derive.problems.families import Mistake, distinct, family, graded
from derive.problems.solve import derive_variant, shared_derivations
from derive.problems.tolerance import tolerance_for


def _sample(choices) -> tuple[list[Fraction], int, Fraction]:
    xs = [Fraction(v) for v in choices["sample"]]
    return xs, len(xs), sum(xs)


def _posterior(choices) -> dict[str, tuple[float, float | None]]:
    """Conjugate update: (right, slip) per part; the slip updates with the other's count."""
    _, n, s = _sample(choices)
    a, b = choices["a"], choices["b"]
    if choices["pair"] == "beta-bernoulli":
        post_a, post_b, slip_a, slip_b = a + s, b + n - s, a + n, b + n
        mean = Fraction(post_a) / (post_a + post_b)
    else:  # gamma-poisson: shape a + sum, rate b + N
        post_a, post_b, slip_a, slip_b = a + s, b + n, a + n, b + s
        mean = Fraction(post_a) / post_b
    return {"a": (float(post_a), float(slip_a)), "b": (float(post_b), float(slip_b)),
            "posterior_mean": (float(mean), float(s / n))}


def _mle(choices) -> dict[str, tuple[float, float | None]]:
    """The textbook estimate on the sample, and the number the model's typical slip gives."""
    xs, n, s = _sample(choices)
    k = choices.get("k", 0)
    mean = s / n
    squares = sum((x - k) ** 2 for x in xs)
    found = {
        "gaussian-variance": lambda: (squares / n, squares / (n - 1)),
        "exponential": lambda: (1 / mean, mean), "geometric": lambda: (1 / mean, mean),
        "gamma-scale": lambda: (mean / k, mean), "binomial": lambda: (mean / k, mean),
        "weibull": lambda: (sum(x ** k for x in xs) / n, mean ** k),
        "poisson": lambda: (mean, s),
    }[choices["model"]]()
    return {"*": (float(found[0]), float(found[1]))}


def _gradient(choices) -> dict[str, tuple[float, float | None]]:
    """dL/dw at the point, and dL/dz there (the chain rule's factor x forgotten), found by
    writing the loss in z = x w + b."""
    fam = family("gradient-value")
    loss = fam.function(choices)
    (w,) = (s for s in loss.free_symbols if s.name == "w")
    z = sp.Symbol("z")
    x, b = sp.Rational(choices["x"]), sp.Rational(choices["b"])
    at = sp.Rational(choices["w"])
    right = sp.diff(loss, w).subs(w, at)
    slip = sp.diff(loss.subs(w, (z - b) / x), z).subs(z, x * at + b)
    return {"*": (float(right), float(slip))}


EXPECTED = {"conjugate-posterior": _posterior, "mle": _mle, "gradient-value": _gradient}


def _check_family(name: str, draws: int) -> set[str]:
    """Every graded part of ``draws`` variants; returns the parts that carried a distractor."""
    fam, screen, carried = family(name), Screen(), set()
    with shared_derivations():
        for i in range(draws):
            variant = draw_problem(fam, random.Random(f"mistakes/{name}/{i}"), f"m{i}", set(),
                                   set(), screen)
            expected = EXPECTED[name](variant.choices)
            for answer in derive_variant(variant).answers:
                if answer.tolerance is None:
                    continue
                right, slip = expected.get(answer.name, expected.get("*"))
                assert answer.value == pytest.approx(right, rel=1e-12), variant.choices
                if answer.mistake is None:
                    assert not distinct(right, slip), (answer.name, variant.choices)
                    continue
                assert answer.mistake.value == pytest.approx(slip, rel=1e-12), variant.choices
                assert answer.mistake.hint
                rule = tolerance_for(right)
                assert abs(right - slip) > rule.margin(right) + rule.margin(slip)
                kind = variant.choices.get("model") or variant.choices.get("pair", "")
                carried.add(f"{answer.name} ({kind})")
    return carried


@pytest.mark.parametrize("name, draws, parts", [
    ("conjugate-posterior", 10, {"a (beta-bernoulli)", "b (beta-bernoulli)",
                                 "posterior_mean (beta-bernoulli)", "a (gamma-poisson)",
                                 "b (gamma-poisson)", "posterior_mean (gamma-poisson)"}),
    ("gradient-value", 6, None),
    ("mle", 16, None),
])
def test_each_graded_part_has_the_distractor_its_hint_describes(name, draws, parts):
    carried = _check_family(name, draws)
    assert carried
    if parts is not None:
        assert parts <= carried, carried


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_many_drawn_variants_have_the_distractor_their_hint_describes(name):
    carried = _check_family(name, 60)
    if name == "mle":  # every model's slip shows up among this many draws
        models = {part.split(" (")[1].rstrip(")") for part in carried}
        assert models == {"gaussian-variance", "exponential", "geometric", "gamma-scale",
                          "binomial", "weibull", "poisson"}, models


def test_a_mistake_within_either_margin_is_no_distractor():
    """The answer's margin and the mistake's own (the answer's rule applied to it) are apart."""
    w = sp.Symbol("w")
    assert graded("w", w, w, 2.0, None, mistake=Mistake(2.03, "x")).mistake is None
    assert graded("w", w, w, 2.0, None, mistake=Mistake(2.05, "x")).mistake == Mistake(2.05, "x")
    assert graded("w", w, w, 0.01, None, mistake=Mistake(0.0109, "x")).mistake is None
    assert graded("w", w, w, 0.01, None, mistake=Mistake(0.0112, "x")).mistake == \
        Mistake(0.0112, "x")
