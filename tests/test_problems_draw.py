"""Drawing variants: seeded per version, degenerate and repeated draws rejected, bounded."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

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


def test_no_topic_mixes_the_topics():
    assert [f.topic for f in plan(5)] == ["gradients", "layers", "likelihood", "bayes",
                                          "gradients"]


def test_topic_plan_cycles_through_the_topic_families():
    families = plan(5, "gradients")
    assert [f.name for f in families][:3] == ["neuron-gradient", "gradient-value",
                                              "two-neuron-chain"]
    assert families[3] is families[0] or families[3].name == families[0].name


def _failing_at_first(monkeypatch, fails: Callable[[str, int], bool]) -> list[str]:
    """Patch the check script: a script that exits 1 where ``fails(problem id, call)``."""
    from derive.problems import solve

    real, calls = solve.check_script, []

    def check_script(derivation, templates=None, layout=True):
        calls.append(derivation.id)
        if fails(derivation.id, len(calls)):
            return "import sys\nprint('planted failure')\nsys.exit(1)\n"
        return real(derivation, templates, layout)

    monkeypatch.setattr(solve, "check_script", check_script)
    return calls


def test_a_variant_whose_check_fails_is_redrawn(monkeypatch, tmp_path):
    from derive.problems import build_problem_set

    calls = _failing_at_first(monkeypatch, lambda ident, call: call == 1)
    outcome = build_problem_set(1, 4, versions=1, topic="gradients", out=tmp_path, jobs=1, to="tex")
    assert outcome.ok and calls == ["v1-p1", "v1-p1"]
    (problem,) = json.loads(outcome.manifest.read_text())["versions"][0]["problems"]
    assert "check failed: planted failure" in problem["redraws"][-1]
    assert problem["check"].split(":")[1].strip() == "ok"
    (first,) = next(draw_versions(plan(1, "gradients"), 4, 1))
    assert problem["choices"] != first.choices  # the redrawn variant, not the first draw


def test_a_version_fails_cleanly_when_redraws_are_exhausted(monkeypatch, tmp_path):
    from derive.problems import build_problem_set
    from derive.problems.draw import MAX_REDRAWS

    calls = _failing_at_first(monkeypatch, lambda ident, call: ident.startswith("v2-"))
    outcome = build_problem_set(1, 4, versions=2, topic="gradients", out=tmp_path, jobs=1, to="tex")
    assert calls.count("v2-p1") == MAX_REDRAWS + 1
    assert [v for v, _ in outcome.failed] == [2]
    assert f"{MAX_REDRAWS} redraws failed too" in outcome.failed[0][1]
    assert (tmp_path / "answers-1.tex").is_file() and not (tmp_path / "answers-2.tex").exists()
    data = json.loads(outcome.manifest.read_text())
    assert [v["version"] for v in data["versions"]] == [1] and data["failed"][0]["version"] == 2


def test_log_cosh_answers_are_written_with_tanh():
    from derive import pipeline

    choices = {"loss": "log-cosh", "activation": "sigmoid", "x": 2, "b": -1, "y": "1/2"}
    derivation = pipeline.derive(NeuronGradient().spec(choices, "t"))
    (result,) = derivation.results
    assert result.expr.has(sp.tanh) and not result.expr.has(sp.sinh, sp.cosh)
    assert "tanh identity" in [s.rule for s in derivation.steps]
