"""derive problems for layers, likelihood and Bayes: verified answers, independent numbers, bytes.

Small sets (2 versions x 3 problems per topic), built in this process with one job so that
the rebuild for determinism reuses the verified derivations and only re-renders.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner
from scipy import integrate, optimize

from derive.cli import main
from derive.parse import parse_expression
from tests.conftest import pdf_text

TOPICS = ("layers", "likelihood", "bayes")


COUNT = {"layers": 3, "likelihood": 3, "bayes": 2}  # a Bayes derivation costs the most
TO = {"layers": "tex", "likelihood": "tex", "bayes": "pdf"}


def _build(out: Path, topic: str, *extra: str) -> None:
    args = ["problems", "--count", str(COUNT[topic]), "--seed", "41", "--versions", "2",
            "--topic", topic, "--jobs", "1", "--to", TO[topic], "--out", str(out), *extra]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"wrote 2 of 2 versions of {COUNT[topic]} problems" in result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = {}
    for topic in TOPICS:
        folders[topic] = tmp_path_factory.mktemp(topic)
        _build(folders[topic], topic, "--moodle")
    return folders


def _problems(folder: Path) -> list[dict]:
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert data["failed"] == [] and len(data["versions"]) == 2
    return [p for v in data["versions"] for p in v["problems"]]


@pytest.mark.parametrize("topic", TOPICS)
def test_every_answer_verified_checked_and_recorded(built, topic):
    problems = _problems(built[topic])
    assert len(problems) == 2 * COUNT[topic]
    assert len({json.dumps(p["choices"]) for p in problems}) == len(problems)
    for problem in problems:
        assert problem["check"].split(":")[1].strip() == "ok"
        assert problem["verified"] and set(problem["verified"]) <= {"symbolic", "numeric"}
        for answer in problem["answers"]:
            assert answer["latex"] and answer["numpy"] and answer["sympy"]
            if topic != "layers":  # matrix answers hold the project's own classes
                assert sp.srepr(eval(answer["sympy"], _namespace())) == answer["sympy"]  # noqa: S307


def _namespace() -> dict:
    from sympy.core.symbol import Str

    from derive import functions

    return vars(sp) | {"Str": Str} | {n: getattr(functions, n) for n in ("sigmoid", "softplus",
                                                                          "relu")}


def test_layer_answers_are_matrices_in_the_asked_gradients(built):
    for problem in _problems(built["layers"]):
        asked = problem["choices"]["wrt"]
        assert [a["name"] for a in problem["answers"]] == asked
        for name, answer in zip(asked, problem["answers"], strict=True):
            assert answer["label"] == rf"\frac{{\partial L}}{{\partial {name}}}"
        assert r"\mathbb{R}" in problem["question"]["latex"]


def _log_likelihood(entry: dict, sample: list[str]):
    fields = entry["fields"]
    density = parse_expression(fields["density"])
    (theta,) = [s for s in density.free_symbols if s.name == fields["params"][0]]
    (x,) = [s for s in density.free_symbols if s.name == fields["var"]]
    total = sum(sp.log(density.subs(x, sp.Rational(v))) for v in sample)
    return sp.lambdify(theta, total, "math"), theta


def test_mle_values_agree_with_a_numeric_maximiser(built):
    """Maximise the sample's log-likelihood with scipy, from the recorded density and sample."""
    for problem in _problems(built["likelihood"]):
        ell, theta = _log_likelihood(problem["entry"], problem["choices"]["sample"])
        high = 1 - 1e-9 if theta.name == "p" else 100.0
        best = optimize.minimize_scalar(lambda t, f=ell: -f(t), bounds=(1e-9, high),
                                        method="bounded", options={"xatol": 1e-10})
        (answer,) = problem["answers"]
        assert answer["numeric"]["value"] == pytest.approx(best.x, rel=1e-5)
        margin = 0.01 * abs(best.x) if abs(best.x) >= 0.05 else 5e-4  # relative, absolute near 0
        assert answer["numeric"]["tolerance"] == pytest.approx(margin)
        assert answer["numeric"]["at"]["N"] == str(len(problem["choices"]["sample"]))


def test_posterior_means_agree_with_quadrature(built):
    """Posterior mean = integral of theta * prior * likelihood over the integral of the rest."""
    for problem in _problems(built["bayes"]):
        fields = problem["entry"]["fields"]
        ell, theta = _log_likelihood(problem["entry"], problem["choices"]["sample"])
        prior = sp.lambdify(theta, parse_expression(fields["prior"]), "math")
        upper = 1.0 if theta.name == "p" else 60.0

        def weight(t, f=ell, g=prior):
            return g(t) * math.exp(f(t))

        mass = integrate.quad(weight, 0, upper, epsabs=0, epsrel=1e-11)[0]
        mean = integrate.quad(lambda t: t * weight(t), 0, upper, epsabs=0, epsrel=1e-11)[0] / mass
        answers = {a["name"]: a for a in problem["answers"]}
        assert answers["posterior_mean"]["numeric"]["value"] == pytest.approx(mean, rel=1e-7)
        for asked in ("a", "b", "posterior_mean"):  # the question asks for these three
            assert answers[asked]["numeric"]["tolerance_mode"] == "relative"
        assert "tolerance" not in answers["posterior_variance"]["numeric"]


def test_numeric_problems_go_into_the_moodle_quiz(built):
    """One number: numerical; several (the posterior's parameters and mean): cloze; none: essay."""
    for topic, kind in (("layers", "essay"), ("likelihood", "numerical"), ("bayes", "cloze")):
        root = ET.parse(built[topic] / "moodle.xml").getroot()
        questions = root.findall("question")
        assert {q.get("type") for q in questions} == {"category", kind}, topic


@pytest.mark.parametrize("topic", TOPICS)
def test_same_seed_same_bytes(built, topic, tmp_path):
    _build(tmp_path, topic, "--moodle")
    names = sorted(p.name for p in built[topic].iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (built[topic] / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_posterior_sheets_read_back_from_the_pdf(built):
    for k in (1, 2):
        questions = " ".join(pdf_text(built["bayes"] / f"problems-{k}.pdf").split())
        assert "The prior on" in questions and "posterior mean" in questions
        answers = " ".join(pdf_text(built["bayes"] / f"answers-{k}.pdf").split())
        assert "Answer key" in answers and ("Beta" in answers or "Gamma" in answers)
        assert "recognise the kernel" in answers


def test_a_mixed_set_takes_one_topic_after_another(tmp_path, runner):
    result = runner.invoke(main, ["problems", "--count", "3", "--seed", "5", "--jobs", "1",
                                  "--to", "tex", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert data["plan"] == ["neuron-gradient", "layer-backprop", "mle"]
    questions = (tmp_path / "problems-1.tex").read_text(encoding="utf-8")
    assert "dense layer" in questions and "maximum-likelihood estimator" in questions
