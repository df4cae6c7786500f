"""derive grade on the answer exports of Moodle (responses report) and Canvas (student analysis).

The files are written as the LMSs write them (tests/lms_answers.py) in the encodings
they use: UTF-8 with a byte-order mark (Moodle's CSV), UTF-16 with tabs (Excel
downloads), Windows-1252 (a sheet re-saved on Windows).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derive.cli import main
from tests.lms_answers import canvas_student_analysis, moodle_responses
from tests.problem_sets import build_set, graded


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_set(tmp_path_factory.mktemp("answers"), "91") / "manifest.json"


def _versions(release: Path) -> list[dict]:
    return json.loads(release.read_text(encoding="utf-8"))["versions"]


def _wrong(value: float) -> float:
    return value + 1 + 2 * abs(value)  # farther than any tolerance


def _typed(versions: list[dict], comma: bool = False) -> tuple[dict, dict]:
    """Version 1 all right, version 2 the first part of each problem right, version 3 blank."""
    typed: dict[int, dict[int, list[str]]] = {}
    expected = {1: 0, 2: 0, 3: 0}
    for version in versions:
        k = version["version"]
        typed[k] = {}
        for problem in version["problems"]:
            values = [a["numeric"]["value"] for a in graded(problem)]
            if not values or k == 3:
                continue
            if k == 2:
                values = values[:1] + [_wrong(v) for v in values[1:]]
            cells = [repr(v).replace(".", ",") if comma else repr(v) for v in values]
            typed[k][problem["number"]] = cells
            expected[k] += len(values) if k == 1 else 1
    return typed, expected


def _grade(runner, release: Path, answers: Path) -> list[dict]:
    result = runner.invoke(main, ["grade", str(release), str(answers), "--json"])
    assert result.exit_code == 0, result.output
    return [s for s in json.loads(result.stdout)["students"] if s["line"] is not None]


ENCODINGS = [("utf-8-sig", ","), ("utf-16", "\t"), ("cp1252", ";")]


@pytest.mark.parametrize("encoding, delimiter", ENCODINGS)
def test_moodle_responses_report_with_question_text_and_right_answers(release, tmp_path, runner,
                                                                      encoding, delimiter):
    """'Question N' (the text shown) and 'Right answer N' beside 'Response N' are not answers."""
    versions = _versions(release)
    typed, expected = _typed(versions)
    text = moodle_responses(versions, typed, extra_rows=[["Overall average"] + [""] * 7],
                            delimiter=delimiter)
    answers = tmp_path / "responses.csv"
    answers.write_bytes(text.encode(encoding, errors="strict"))
    rows = _grade(runner, release, answers)
    assert [r["version"] for r in rows] == [1, 2, 3]  # the average row is not a student
    assert [r["score"] for r in rows] == [expected[1], expected[2], expected[3]]
    assert rows[0]["score"] == rows[0]["max"] > 3
    assert all(p["note"] == "no answer" for p in rows[2]["parts"])


def test_moodle_responses_report_answers_only(release, tmp_path, runner):
    versions = _versions(release)
    typed, expected = _typed(versions)
    answers = tmp_path / "responses.csv"
    answers.write_text(moodle_responses(versions, typed, question_text=False,
                                        right_answers=False), encoding="utf-8")
    assert [r["score"] for r in _grade(runner, release, answers)] == [
        expected[1], expected[2], expected[3]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1252"])
def test_canvas_student_analysis(release, tmp_path, runner, encoding):
    """A column pair per variant; students matched by name; blanks joined by commas."""
    versions = _versions(release)
    typed, expected = _typed(versions, comma=True)  # decimal commas, written as '\,'
    answers = tmp_path / "student_analysis.csv"
    text = canvas_student_analysis(versions, typed, {1: "101", 2: "102", 3: "103"})
    answers.write_bytes(text.encode(encoding))
    rows = _grade(runner, release, answers)
    assert [r["version"] for r in rows] == [3, 2, 1]  # Canvas's order: latest first
    assert [r["score"] for r in rows] == [expected[3], expected[2], expected[1]]
    assert rows[2]["score"] == rows[2]["max"]
    multi = [p for p in rows[1]["parts"] if p["column"].endswith(".2")]
    assert multi and all(p["score"] == 0 and p["note"] is None for p in multi)


def test_canvas_questions_not_from_derive_are_a_one_line_error(release, tmp_path, runner):
    answers = tmp_path / "student_analysis.csv"
    answers.write_text("name,id,section,submitted,555: What is 2+2?,1.0,n correct,n incorrect,"
                       "score\nAna García,101,A,2026-03-03,4,1.0,1,0,1.0\n", encoding="utf-8")
    result = runner.invoke(main, ["grade", str(release), str(answers)])
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"{answers}: line 1: Canvas's question columns" in result.output


def test_a_name_two_students_share_is_matched_only_by_email(release, tmp_path, runner):
    data = json.loads(release.read_text(encoding="utf-8"))
    data["versions"][1]["name"] = data["versions"][0]["name"]
    twins = tmp_path / "manifest.json"
    twins.write_text(json.dumps(data), encoding="utf-8")
    versions = data["versions"]
    typed, expected = _typed(versions)
    answers = tmp_path / "responses.csv"
    answers.write_text(moodle_responses(versions, typed), encoding="utf-8")
    rows = _grade(runner, twins, answers)
    assert [r["score"] for r in rows] == [expected[1], expected[2], expected[3]]
    by_name = tmp_path / "by_name.csv"
    by_name.write_text(canvas_student_analysis(versions, typed, {1: "", 2: "", 3: ""}),
                       encoding="utf-8")
    rows = _grade(runner, twins, by_name)
    assert [r["version"] for r in rows] == [3, None, None]
    assert rows[1]["error"].startswith("more than one student in the manifest has this name")


def test_canvas_ids_match_renamed_students_and_a_lone_blank_keeps_its_comma(release, tmp_path,
                                                                           runner):
    """A roster from a course without SIS ids keeps Canvas's ID; the student analysis's 'id'
    then finds the student whatever the name, and one blank holding '0,25' is one number."""
    data = json.loads(release.read_text(encoding="utf-8"))
    for version in data["versions"]:
        version["student_id"] = str(500 + version["version"])
    with_ids = tmp_path / "manifest.json"
    with_ids.write_text(json.dumps(data), encoding="utf-8")
    version = data["versions"][0]
    typed = {1: {}}
    for problem in version["problems"]:
        values = [a["numeric"]["value"] for a in graded(problem)]
        if values:
            typed[1][problem["number"]] = [repr(v).replace(".", ",") for v in values]
    renamed = dict(version, name="Someone Else")
    text = canvas_student_analysis([renamed], typed, {1: "501"})
    lone = {n for n, cells in typed[1].items() if len(cells) == 1}
    assert lone
    for number in lone:  # Canvas escapes a comma only where blanks are joined
        cell = typed[1][number][0]
        text = text.replace(cell.replace(",", "\\,"), cell)
    answers = tmp_path / "student_analysis.csv"
    answers.write_text(text, encoding="utf-8")
    (row,) = _grade(runner, with_ids, answers)
    assert row["version"] == 1 and row["student_id"] == "501" and row["name"] == "Someone Else"
    assert row["score"] == row["max"] > len(lone)
