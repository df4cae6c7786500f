"""derive problems: files of the contract, determinism, checked variants, roster, Moodle quiz."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from derive.cli import main
from derive.parse import parse_expression
from tests.conftest import ROOT, pdf_text

SEED = "20260301"
ROSTER = ("name,email\nAda Lovelace,ada@example.org\nRosa & {Parks}_1 $5,rosa@example.org\n"
          "Kurt Gödel,kg@example.org\n")


def _problems(out: Path, *extra: str) -> list[str]:
    return ["problems", "--count", "3", "--seed", SEED, "--topic", "gradients", "--out", str(out),
            *extra]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three versions of a three-problem set, one per roster name, with a Moodle quiz."""
    folder = tmp_path_factory.mktemp("problems")
    roster = folder / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(main, _problems(out, "--roster", str(roster), "--moodle"))
    assert result.exit_code == 0, result.output
    assert "wrote 3 of 3 versions" in result.output
    return out


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_files_of_the_contract(built):
    for k in (1, 2, 3):
        for sheet in ("problems", "answers"):
            assert (built / f"{sheet}-{k}.tex").is_file()
            assert (built / f"{sheet}-{k}.pdf").stat().st_size > 1000
    assert (built / "manifest.json").is_file() and (built / "moodle.xml").is_file()
    assert not (built / "problems-4.tex").exists()


def test_manifest_records_seed_choices_and_answers(built):
    data = _manifest(built)
    assert data["seed"] == int(SEED) and data["failed"] == []
    assert data["options"]["count"] == 3 and data["options"]["versions"] == 3
    assert data["options"]["topic"] == "gradients"
    assert data["plan"] == ["neuron-gradient", "gradient-value", "two-neuron-chain"]
    assert [v["name"] for v in data["versions"]] == ["Ada Lovelace", "Rosa & {Parks}_1 $5",
                                                      "Kurt Gödel"]
    for version in data["versions"]:
        assert len(version["problems"]) == 3
        for problem in version["problems"]:
            assert problem["choices"] and problem["check"].split(":")[1].strip() == "ok"
            assert set(problem["verified"]) <= {"symbolic", "numeric"}
            for answer in problem["answers"]:
                assert {"latex", "sympy", "text", "numpy", "numeric"} <= set(answer)
                assert answer["numeric"]["value"] != 0


def test_manifest_answers_agree_with_an_independent_derivative(built):
    """Rebuild each answer from the manifest: the entry's expression, differentiated by sympy."""
    for version in _manifest(built)["versions"]:
        for problem in version["problems"]:
            f = parse_expression(problem["entry"]["fields"]["expr"])
            (w,) = [s for s in f.free_symbols if s.name == "w"]
            for answer in problem["answers"]:
                point = {w: sp.Rational(answer["numeric"]["at"]["w"])}
                exact = float(sp.diff(f, w).subs(point).rewrite(sp.exp).evalf(30))
                assert answer["numeric"]["value"] == pytest.approx(exact, rel=1e-9, abs=1e-12)
                stored = sp.Symbol("w", real=True)
                srepr_value = eval(answer["sympy"], vars(sp) | _functions())  # noqa: S307 - ours
                assert float(srepr_value.subs(stored, point[w]).rewrite(sp.exp)) == pytest.approx(
                    exact, rel=1e-9)


def _functions() -> dict:
    from derive import functions

    return {name: getattr(functions, name) for name in ("sigmoid", "softplus", "relu", "gelu")}


def test_a_version_can_be_rebuilt_from_its_recorded_choices(built):
    from derive.problems.families import family

    for version in _manifest(built)["versions"]:
        for problem in version["problems"]:
            spec = family(problem["family"]).spec(problem["choices"], problem["id"])
            assert spec.definition() == problem["entry"]


def test_pdfs_show_questions_names_and_answers(built):
    data = _manifest(built)
    for version in data["versions"]:
        k = version["version"]
        questions = pdf_text(built / f"problems-{k}.pdf")
        assert "Problem set, version" in questions and "Problem 3" in questions
        assert "Compute the number" in questions and "three significant figures" in questions
        assert " ".join(version["name"].split()) in " ".join(questions.split())
        answers = pdf_text(built / f"answers-{k}.pdf")
        assert "chain rule" in answers and "Answer key" in answers
        value = version["problems"][1]["answers"][0]["numeric"]["value"]
        assert f"{value:.4g}".replace("-", "−") in answers or f"{value:.4g}" in answers


def test_roster_names_are_escaped_in_the_tex(built):
    tex = (built / "problems-2.tex").read_text(encoding="utf-8")
    assert r"Rosa \& \{Parks\}\_1 \$5" in tex


def test_versions_differ(built):
    data = _manifest(built)
    signatures = {tuple(json.dumps(p["choices"], sort_keys=True) for p in v["problems"])
                  for v in data["versions"]}
    assert len(signatures) == 3
    texts = {(built / f"problems-{k}.tex").read_text() for k in (1, 2, 3)}
    assert len(texts) == 3


def test_same_seed_gives_byte_identical_files(built, tmp_path):
    """A second build in a fresh interpreter (another hash seed) writes the same bytes."""
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / "again"
    env = dict(os.environ, PYTHONHASHSEED="12345", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "derive.cli",
                           *_problems(out, "--roster", str(roster), "--moodle")],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in built.iterdir() if p.is_file())
    assert names == sorted(p.name for p in out.iterdir() if p.is_file())
    for name in names:
        assert (built / name).read_bytes() == (out / name).read_bytes(), name


def test_different_seeds_differ(built, tmp_path, runner):
    result = runner.invoke(main, ["problems", "--count", "3", "--seed", "7", "--versions", "1",
                                  "--topic", "gradients", "--to", "tex", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    other = _manifest(tmp_path)["versions"][0]["problems"]
    ours = _manifest(built)["versions"][0]["problems"]
    assert [p["choices"] for p in other] != [p["choices"] for p in ours]
    assert (tmp_path / "answers-1.tex").read_text() != (built / "answers-1.tex").read_text()


def test_a_failing_version_is_reported_and_the_others_kept(tmp_path, runner):
    templates = tmp_path / "templates"
    templates.mkdir()
    source = (ROOT / "templates" / "problems.tex.j2").read_text()
    fault = r"\BLOCK{if version == 2}\undefinedmacro\BLOCK{endif}"
    broken = source.replace(r"\BLOCK{block body}", r"\BLOCK{block body}" + fault)
    (templates / "problems.tex.j2").write_text(broken)
    out = tmp_path / "out"
    result = runner.invoke(main, ["problems", "--count", "1", "--seed", "3", "--versions", "2",
                                  "--templates", str(templates), "--out", str(out)])
    assert result.exit_code == 1
    assert "version 2: TeX error" in result.output and "wrote 1 of 2 versions" in result.output
    assert (out / "problems-1.pdf").is_file() and not (out / "problems-2.pdf").exists()
    data = _manifest(out)
    assert [v["version"] for v in data["versions"]] == [1]
    assert data["failed"][0]["version"] == 2 and "undefinedmacro" in data["failed"][0]["error"]


@pytest.mark.parametrize("args, message", [
    (["--topic", "nope"], "no problem families"),
    (["--versions", "2", "--roster", "{roster}"], "the roster names 3 students"),
    (["--roster", "{missing}"], "cannot read"),
])
def test_bad_options_exit_2(tmp_path, runner, args, message):
    roster = tmp_path / "r.csv"
    roster.write_text("Ann\nBob\nCy\n")
    args = [a.format(roster=roster, missing=tmp_path / "none.csv") for a in args]
    result = runner.invoke(main, ["problems", "--count", "2", "--seed", "1", "--to", "tex",
                                  "--out", str(tmp_path / "o"), *args])
    assert result.exit_code == 2 and message in result.output


def test_roster_without_header_names_one_per_row(tmp_path):
    from derive.problems.roster import read_roster

    path = tmp_path / "names.csv"
    path.write_text("Ann Lee\n\n  Bob   Ray \n")
    assert read_roster(path) == ("Ann Lee", "Bob Ray")
    path.write_text("id,Name\n1,Ann\n2,Bo\n")
    assert read_roster(path) == ("Ann", "Bo")


def test_workers_share_derivations_through_the_run_folder(monkeypatch):
    """A derivation made by one worker is loaded, not derived again, by another."""
    from derive import pipeline
    from derive.problems import solve
    from derive.problems.families import family

    fam = family("neuron-gradient")
    choices = {"loss": "squared", "activation": "tanh", "x": 2, "b": -1, "y": "1/2"}
    with solve.shared_derivations():
        first = solve._derived(fam.spec(choices, "first"))
        (pooled,) = solve._SHARED[-1].glob("*.pickle")
        monkeypatch.setattr(solve, "_DERIVED", {})  # as in another worker process

        def not_again(spec):
            raise AssertionError(f"{spec.id} derived again")

        monkeypatch.setattr(pipeline, "derive", not_again)
        second = solve._derived(fam.spec(choices, "second"))
    assert second.derivation.id == "second" and first.derivation.id == "first"
    assert second.derivation.results == first.derivation.results
    assert second.derivation.sections == first.derivation.sections
    assert second.lines == first.lines
    assert not pooled.exists()  # the folder lives as long as the run


def test_one_and_two_worker_processes_write_the_same_bytes(tmp_path, runner):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}"
        result = runner.invoke(main, ["problems", "--count", "2", "--seed", "11", "--versions",
                                      "4", "--topic", "likelihood", "--to", "tex", "--jobs", jobs,
                                      "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir()) and "answers-4.tex" in names
    for name in names:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
