"""The space of rosters and answer files (tests/lms_space.py): every draw reads as it must.

A draw without a fault gives exactly the students, or per row the version and score,
that were written; a draw with one gives a one-line error naming the file (and the
row, where a row is at fault). The slow tier draws ten times as many.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.cli import main
from derive.errors import InputError
from derive.problems.roster import read_students
from tests.lms_space import Drawn, Graded, answer_files, rosters
from tests.problem_sets import build_set

FEW = settings(max_examples=120, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])
MANY = settings(max_examples=1200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _nfc(value: str | None) -> str | None:
    return None if value is None else unicodedata.normalize("NFC", value)


def _check_roster(path: Path, drawn: Drawn) -> None:
    path.write_bytes(drawn.data)
    try:
        students = read_students(path)
    except InputError as exc:
        message = str(exc)
        assert drawn.error is not None, f"{message} for {drawn.data[:300]!r}"
        assert "\n" not in message and message.startswith(f"--roster {path}: ")
        assert drawn.error in message, (message, drawn.error)
        return
    assert drawn.error is None, f"read {students} where {drawn.error!r} was due"
    assert [(s.name, s.id, s.email) for s in students] == [
        tuple(_nfc(v) for v in student) for student in drawn.students]


@FEW
@given(drawn=rosters())
def test_drawn_rosters_read_as_written(tmp_path, drawn):
    _check_roster(tmp_path / "roster.csv", drawn)


@pytest.mark.slow
@MANY
@given(drawn=rosters())
def test_many_drawn_rosters_read_as_written(tmp_path, drawn):
    _check_roster(tmp_path / "roster.csv", drawn)


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    manifest = build_set(tmp_path_factory.mktemp("space"), "313") / "manifest.json"
    return manifest, json.loads(manifest.read_text(encoding="utf-8"))["versions"]


def _check_answers(manifest: Path, versions: list[dict], path: Path, drawn: Graded) -> None:
    path.write_bytes(drawn.data)
    result = CliRunner().invoke(main, ["grade", str(manifest), str(path), "--json"])
    if drawn.error is not None:
        assert result.exit_code == 2, result.output
        message = json.loads(result.stdout)["error"]
        assert "\n" not in message and message.startswith(f"{path}: {drawn.error}"), message
        return
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["students"]
    found = [r for r in rows if r["line"] is not None]
    assert [(r["version"], r["score"]) for r in found] == list(drawn.rows), rows
    # every student of the roster no row reached is listed, unanswered
    named = {v["version"] for v in versions if v.get("name") or v.get("email")}
    absent = [r for r in rows if r["line"] is None]
    assert sorted(r["version"] for r in absent) == sorted(named - {r["version"] for r in found})
    assert all(r["score"] == 0 and r["max"] == len(r["parts"]) for r in absent)


def _answers_test(release, tmp_path, data) -> None:
    manifest, versions = release
    _check_answers(manifest, versions, tmp_path / "answers.csv",
                   data.draw(answer_files(versions)))


@FEW
@given(data=st.data())
def test_drawn_answer_files_grade_as_written(release, tmp_path, data):
    _answers_test(release, tmp_path, data)


@pytest.mark.slow
@MANY
@given(data=st.data())
def test_many_drawn_answer_files_grade_as_written(release, tmp_path, data):
    _answers_test(release, tmp_path, data)
