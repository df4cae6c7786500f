"""derive grade: an LMS's export of students' answers scored with the release's tolerances."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.cli import main
from derive.problems.grading import parse_number
from tests.problem_sets import build_set, graded, variants


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_set(tmp_path_factory.mktemp("grade"), "77") / "manifest.json"


def _versions(release: Path) -> list[dict]:
    return json.loads(release.read_text(encoding="utf-8"))["versions"]


def _moodle_response(problem: dict, values: list[float]) -> str:
    """A cell of Moodle's responses report: a number, or 'part 1: ...; part 2: ...' for cloze."""
    if len(values) == 1:
        return f"{values[0]:.6g}"
    return "; ".join(f"part {k}: {v:.6g}" for k, v in enumerate(values, start=1))


def _moodle_report(release: Path, answers: dict[int, dict[int, list[float]]],
                   heads: tuple[str, ...] = ("Surname", "First name", "Email address", "State",
                                             "Started on", "Grade/9.00", "Response")) -> str:
    """Moodle's quiz responses report for these answers (version -> problem -> numbers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*heads[:-1], *(f"{heads[-1]} {n}" for n in range(1, 7))])
    for version in _versions(release):
        surname, first = version["name"].rsplit(" ", 1)[1], version["name"].rsplit(" ", 1)[0]
        cells = []
        for problem in version["problems"]:
            values = answers.get(version["version"], {}).get(problem["number"])
            if values is None:
                cells.append("-" if graded(problem) else "free text")  # Moodle: '-' unanswered
            else:
                cells.append(_moodle_response(problem, values))
        writer.writerow([surname, first, version["email"], "Finished", "1 March 2026", "-",
                         *cells])
    writer.writerow(["Nobody", "Else", "ghost@example.org", "Finished", "", "-", "1", "2", "3",
                     "4", "5", "6"])
    return buffer.getvalue()


def _answers(release: Path) -> tuple[dict, dict]:
    """Version 1 all right; version 2 the mistakes or one part off; version 3 blank."""
    given: dict[int, dict[int, list[float]]] = {}
    expected: dict[int, int] = {}
    for version, problem, parts in variants(release):
        k = version["version"]
        given.setdefault(k, {})
        expected.setdefault(k, 0)
        if not parts:
            continue
        values = [a["numeric"]["value"] for a in parts]
        if k == 1:
            expected[k] += len(values)
        elif k == 2:
            values = [a["numeric"].get("mistake", {}).get("value", 2 * v + 1)
                      for a, v in zip(parts, values, strict=True)]
            if len(values) > 1:  # a cloze problem: one part right, the others wrong
                values[0] = parts[0]["numeric"]["value"] * (1 + 0.004)
                expected[k] += 1
        else:
            continue
        given[k][problem["number"]] = values
    return given, expected


def test_moodle_responses_report_is_scored_per_part(release, tmp_path, runner):
    given, expected = _answers(release)
    answers = tmp_path / "responses.csv"
    answers.write_text(_moodle_report(release, given), encoding="utf-8-sig")
    out = tmp_path / "grades"
    result = runner.invoke(main, ["grade", str(release), str(answers), "--json", "--out",
                                  str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = data["students"]
    assert [r["version"] for r in rows] == [1, 2, 3, None]
    assert [r["score"] for r in rows[:3]] == [expected[1], expected[2], expected[3]]
    assert rows[0]["score"] == rows[0]["max"] > 1
    assert rows[3]["error"] == "no such student or version in the manifest"
    notes = {p["note"] for p in rows[1]["parts"]}
    assert "the typical mistake" in notes
    assert all(p["note"] == "no answer" for p in rows[2]["parts"])
    assert (out / "grades.json").read_text(encoding="utf-8").strip() == result.stdout.strip()
    sheet = list(csv.reader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    assert sheet[0][:4] == ["name", "student_id", "email", "version"]
    assert sheet[2][0] == "'=cmd|' /C calc'!A0 Smith"  # neutralised for spreadsheets
    assert [row[sheet[0].index("score")] for row in sheet[1:4]] == [
        str(expected[k]) for k in (1, 2, 3)]


def test_a_student_without_a_row_is_listed_unanswered(release, tmp_path, runner):
    """Version 3's student typed nothing and is not in the export: a row of zeros, named."""
    given, expected = _answers(release)
    report = _moodle_report(release, given).splitlines()
    third = _versions(release)[2]
    kept = [line for line in report if third["email"] not in line]
    answers = tmp_path / "responses.csv"
    answers.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = runner.invoke(main, ["grade", str(release), str(answers), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["students"]
    assert [r["version"] for r in rows] == [1, 2, None, 3]
    absent = rows[3]
    assert absent["line"] is None and absent["name"] == third["name"]
    assert absent["email"] == third["email"] and absent["score"] == 0
    assert absent["max"] == len(absent["parts"]) > 0
    assert all(p["note"] == "no answer" for p in absent["parts"])
    text = runner.invoke(main, ["grade", str(release), str(answers)]).output
    assert f"{third['name']}  (version 3): no row of the answers file is this student's" in text
    assert "2 of 3 rows graded; 1 of the manifest's students have no row" in text


def test_comma_decimals_blanks_and_words_in_one_report(release, tmp_path, runner):
    """'0,5' is a number, a blank cell or Moodle's '-' no answer, words not a number."""
    version = _versions(release)[0]
    cells, notes = [], []
    for problem in version["problems"]:
        parts = graded(problem)
        if not parts:
            cells.append("")
            continue
        typed = [repr(parts[0]["numeric"]["value"]).replace(".", ","), "", "about 3"]
        cells.append(typed[0] if len(parts) == 1 else
                     "; ".join(f"part {k}: {typed[(k - 1) % 3]}" for k in range(1, len(parts) + 1)))
        notes += [None] if len(parts) == 1 else [
            [None, "no answer", "not a number"][(k - 1) % 3] for k in range(1, len(parts) + 1)]
    answers = tmp_path / "responses.csv"
    with answers.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Email address", *(f"Response {n}" for n in range(1, 7))],
                                 [version["email"], *cells]])
    result = runner.invoke(main, ["grade", str(release), str(answers), "--json"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["students"][0]
    assert [p["note"] for p in row["parts"]] == notes
    assert row["score"] == notes.count(None) > 0


def test_a_german_moodle_report_in_utf16(release, tmp_path, runner):
    given, expected = _answers(release)
    heads = ("Nachname", "Vorname", "E-Mail-Adresse", "Status", "Begonnen am",
             "Bewertung/9,00", "Antwort")
    answers = tmp_path / "antworten.csv"
    answers.write_text(_moodle_report(release, given, heads), encoding="utf-16")
    result = runner.invoke(main, ["grade", str(release), str(answers), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["students"]
    assert [r["score"] for r in rows[:3]] == [expected[1], expected[2], expected[3]]


def test_a_sheet_with_part_columns_and_a_version_column(release, tmp_path, runner):
    version = _versions(release)[0]
    header, cells = ["Version"], ["1"]
    for problem in version["problems"]:
        for k, answer in enumerate(graded(problem), start=1):
            header.append(f"p{problem['number']}.{k}")
            cells.append(str(answer["numeric"]["value"]).replace(".", ","))  # a decimal comma
    answers = tmp_path / "sheet.csv"
    answers.write_text(";".join(header) + "\n" + ";".join(cells) + "\n", encoding="latin-1")
    result = runner.invoke(main, ["grade", str(release), str(answers)])
    assert result.exit_code == 0, result.output
    total = sum(len(graded(p)) for p in version["problems"])
    assert f"(version 1): {total} of {total}" in result.output


@pytest.mark.parametrize("typed, number", [
    ("0.53", 0.53), (" -1.5e-3 ", -1.5e-3), ("0,25", 0.25), ("\u22122", -2.0), ("8/15", 8 / 15),
    ("1 000", None), ("=1+1", None), ("nan", None), ("inf", None), ("1/0", None), ("", None),
    ("9" * 500, None), ("0x10", None),
])
def test_typed_numbers(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize("content, message", [
    ("Name,Email\nAna,a@x.org\n", "no answer columns among 'Name', 'Email'"),
    ("State,Response 1\nFinished,3\n", "no column names the student"),
])
def test_bad_answer_files_are_one_line_errors(release, tmp_path, runner, content, message):
    answers = tmp_path / "a.csv"
    answers.write_text(content, encoding="utf-8")
    result = runner.invoke(main, ["grade", str(release), str(answers)])
    assert result.exit_code == 2 and message in result.output
    result = runner.invoke(main, ["grade", str(release), str(answers), "--json"])
    assert result.exit_code == 2 and message in json.loads(result.stdout)["error"]


def test_canvas_names_are_matched_by_name(release, tmp_path, runner):
    """Canvas writes 'Last, First'; the manifest has the roster's 'First Last'."""
    (version, *_) = _versions(release)
    cells = []
    for problem in version["problems"]:
        parts = graded(problem)
        cells.append(_moodle_response(problem, [a["numeric"]["value"] for a in parts])
                     if parts else "")
    surname = version["name"].rsplit(" ", 1)[1]
    first = version["name"].rsplit(" ", 1)[0]
    answers = tmp_path / "canvas.csv"
    with answers.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Student", "ID", *(f"Q{n}" for n in range(1, 7))],
                                 [f"{surname}, {first}", "4711", *cells]])
    result = runner.invoke(main, ["grade", str(release), str(answers), "--json"])
    assert result.exit_code == 0, result.output
    (row, *absent) = json.loads(result.stdout)["students"]
    assert row["version"] == 1 and row["score"] == row["max"] > 0
    assert absent and all(s["line"] is None and s["score"] == 0 for s in absent)


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "not a derive manifest"), ("{not json", "not a derive manifest"),
    ('{"versions": [{"version": "x"}]}', "not a derive manifest"),
    ('{"versions": [{"version": 1, "problems": [{"number": 1, "answers": 5}]}]}',
     "the manifest is malformed"),
    ('{"versions": [{"version": 1, "problems": [{"answers": [{"numeric": '
     '{"tolerance_mode": "relative"}}]}]}]}', "the manifest is malformed"),
])
def test_a_file_that_is_not_a_manifest(tmp_path, runner, content, message):
    bad = tmp_path / "m.json"
    answers = tmp_path / "a.csv"
    answers.write_text("Name,Response 1\nAna,1\n")
    bad.write_text(content)
    result = runner.invoke(main, ["grade", str(bad), str(answers)])
    assert result.exit_code == 2 and message in result.output, result.output


_CELLS = st.text(st.characters(codec="utf-8"), max_size=6) | st.sampled_from(
    ["Response 1", "Response 4", "p2.1", "p6.posterior_mean", "Email address", "First name",
     "Version", "1", "2", "part 1: 3; part 2: x", "=cmd|' /C calc'!A0", "-0,5", "1e308",
     "\u202e", "\x00", '"', "\n", "ana@example.org", "Ana", ",", ";", "\t"])


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(_CELLS, max_size=40), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_any_answers_file_gives_a_sheet_or_a_one_line_error(release, tmp_path, cells, encoding):
    answers = tmp_path / "hostile.csv"
    answers.write_bytes("".join(cells).encode(encoding, errors="replace"))
    result = CliRunner().invoke(main, ["grade", str(release), str(answers), "--out",
                                       str(tmp_path / "g")])
    assert result.exit_code in (0, 2), result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.output.count("\n") == 1 and result.output.startswith("derive: error:")
        return
    written = (tmp_path / "g" / "grades.csv").read_text(encoding="utf-8")
    for row in csv.reader(io.StringIO(written)):
        assert not any(cell.startswith(("=", "+", "@")) for cell in row), row
