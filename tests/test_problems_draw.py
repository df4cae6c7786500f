"""Drawing variants: seeded per version, degenerate and repeated draws rejected, bounded."""

from __future__ import annotations

import random

import pytest
import sympy as sp

from derive.errors import InputError
from derive.problems.draw import draw_versions, version_rng
from derive.problems.families import Answer, plan
from derive.problems.families.scalar import GradientValue, NeuronGradient
from derive.problems.solve import ProblemError, _degenerate


def test_draws_depend_on_seed_and_version_only():
    first = [[v.choices for v in vs] for vs in draw_versions(plan(3), 5, 4)]
    again = [[v.choices for v in vs] for vs in draw_versions(plan(3), 5, 4)]
    other = [[v.choices for v in vs] for vs in draw_versions(plan(3), 6, 4)]
    assert first == again and first != other
    assert version_rng(5, 2).random() == version_rng(5, 2).random() != version_rng(5, 3).random()


def test_no_problem_repeats_within_a_version_and_versions_are_distinct():
    drawn = list(draw_versions(plan(6), 11, 30))
    for variants in drawn:
        keys = [v.key for v in variants]
        assert len(set(keys)) == len(keys)
    assert len({tuple(v.key for v in vs) for vs in drawn}) == 30


class _ZeroAtTheStart(GradientValue):
    """Draws a point where the gradient is exactly zero first, then ordinary draws."""

    name = "gradient-value"

    def __init__(self) -> None:
        self.calls = 0

    def draw(self, rng: random.Random) -> dict:
        self.calls += 1
        if self.calls <= 2:  # tanh(w)^2/2 has gradient tanh(w)(1 - tanh(w)^2): zero at w = 0
            return {"loss": "half-squared", "activation": "tanh", "x": 1, "b": 0, "y": "0",
                    "w": "0"}
        return super().draw(rng)


def test_degenerate_draws_are_rejected_and_recorded():
    family = _ZeroAtTheStart()
    assert family.screen({"loss": "half-squared", "activation": "tanh", "x": 1, "b": 0, "y": "0",
                          "w": "0"}) is not None
    (variants,) = draw_versions([family], 1, 1)
    assert variants[0].choices["w"] != "0" or variants[0].choices["activation"] != "tanh"
    assert "the gradient is (nearly) zero at the point" in variants[0].rejected


class _AlwaysZero(NeuronGradient):
    def draw(self, rng: random.Random) -> dict:
        return {"loss": "squared", "activation": "sigmoid", "x": 0, "b": 1, "y": "1"}


def test_a_family_with_only_degenerate_draws_fails_clearly():
    with pytest.raises(InputError, match=r"no acceptable variant in \d+ draws.*gradient is zero"):
        list(draw_versions([_AlwaysZero()], 1, 1))


def test_released_answers_must_not_be_degenerate():
    w = sp.Symbol("w", real=True)
    assert _degenerate(Answer("w", w, sp.S.Zero)) == "its answer is zero"
    assert _degenerate(Answer("w", w, sp.zoo * w)) == "its answer is undefined"
    assert _degenerate(Answer("w", w, w, value=float("nan"))) is not None
    assert _degenerate(Answer("w", w, w + 1, value=0.5)) is None
    assert issubclass(ProblemError, Exception) and ProblemError.exit_code == 1


def test_topic_plan_cycles_through_the_topic_families():
    families = plan(5, "gradients")
    assert [f.name for f in families][:3] == ["neuron-gradient", "gradient-value",
                                              "two-neuron-chain"]
    assert families[3] is families[0] or families[3].name == families[0].name
