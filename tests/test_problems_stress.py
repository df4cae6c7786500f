"""derive problems --stress K: per family failures, redraws, answer ranges, duplicates, time."""

from __future__ import annotations

import pytest

from derive.cli import main
from derive.problems import solve, stress
from derive.problems.families import family


def test_stress_reports_every_family_of_the_topic(runner):
    result = runner.invoke(main, ["problems", "--stress", "3", "--topic", "gradients",
                                  "--jobs", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["family", "draws", "failed", "redraws", "distinct", "dupl.",
                                "ms/variant"]
    rows = {line.split()[0]: line.split() for line in lines[1:4]}
    assert set(rows) == {"neuron-gradient", "gradient-value", "two-neuron-chain"}
    for row in rows.values():
        assert row[1] == "3" and row[2] == "0" and int(row[4]) + int(row[5]) == 3
    assert "  w: " in result.output and "distinct to 3 s.f.: " in result.output


def test_failures_are_counted_by_reason_and_exit_1(runner, monkeypatch):
    real = solve.derive_variant

    def flaky(variant):
        if variant.spec.id in ("s0", "s2"):
            raise solve.ProblemError(f"problem {variant.spec.id}: its answer is zero")
        return real(variant)

    monkeypatch.setattr(solve, "derive_variant", flaky)
    result = runner.invoke(main, ["problems", "--stress", "3", "--topic", "gradients",
                                  "--jobs", "1"])
    assert result.exit_code == 1
    assert result.output.count("failed 2x: its answer is zero") == 3


def test_answers_are_compared_within_their_model(runner):
    result = runner.invoke(main, ["problems", "--stress", "2", "--topic", "bayes", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "posterior_mean (beta-bernoulli)" in result.output or \
        "posterior_mean (gamma-poisson)" in result.output


def test_the_share_of_graded_draws_with_a_distractor_shows():
    """Graded answers say how often the typical mistake's feedback is there; others do not."""
    (result,) = stress.stress(3, "bayes", jobs=1)
    answers = result.json()["answers"]
    for name, spread in answers.items():
        if name.startswith("posterior_variance"):  # not asked for: not graded
            assert "with_distractor" not in spread
        else:
            assert 0 <= spread["with_distractor"] <= 1
    assert sum(result.graded.values()) == 3 * 3  # a, b and the mean of each draw
    assert sum(result.distractors.values()) > 0
    assert "; with a distractor: " in stress.report([result])


def test_a_family_that_repeats_itself_shows(monkeypatch):
    fam = type(family("gradient-value"))
    fixed = {"loss": "squared", "activation": "tanh", "x": 2, "b": -1, "y": "1/2", "w": "1"}
    monkeypatch.setattr(fam, "draw", lambda self, rng: dict(fixed))
    (result,) = [r for r in stress.stress(4, "gradients", jobs=1) if r.family == "gradient-value"]
    data = result.json()
    assert data["duplicates"] == 3 and data["distinct"] == 1 and data["failed"] == 0
    assert data["answers"]["w"]["distinct"] == 1 and data["answers"]["w"]["most_common_share"] == 1
    assert data["answers"]["w"]["min"] == data["answers"]["w"]["max"]
    assert data["seconds_per_variant"] > 0


@pytest.mark.parametrize("args, message", [
    (["--stress", "0"], "0 is not in the range"),
    (["--stress", "200000"], "expected 1 to 100000"),
    (["--stress", "2", "--topic", "nope"], "no problem families"),
    (["--seed", "1"], "--count and --seed are required"),
])
def test_bad_stress_options_exit_2(runner, args, message):
    result = runner.invoke(main, ["problems", *args])
    assert result.exit_code == 2 and message in result.output
