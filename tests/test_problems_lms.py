"""The LMS exports of a problem set: Moodle XML (categories, numerical, cloze, essay) and QTI 2.1.

One set of every family (6 problems x 3 versions, TeX sources only) with a roster as
Moodle exports it; every file is parsed as XML and checked against the rules of its
format (tests/lms_formats.py), and the graded numbers are followed from the manifest
into each export.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from tests.lms_engine import dropped, score
from tests.lms_formats import (
    CP,
    MATHML,
    QTI,
    category_names,
    check_item,
    check_mathml,
    cloze_subquestions,
    local,
)
from tests.moodle_import import MoodleRefusesError, grade, read_quiz
from tests.problem_sets import ROSTER, build_set, variants

SEED = "4242"
VERSIONS = 3


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_set(tmp_path_factory.mktemp("lms"), SEED, "--moodle", "--qti")


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _moodle(out: Path) -> list[ET.Element]:
    return list(ET.parse(out / "moodle.xml").getroot())


def test_roster_students_are_recorded_for_grading(built):
    versions = _manifest(built)["versions"]
    assert [v["name"] for v in versions] == ["Ana García", "=cmd|' /C calc'!A0 Smith",
                                             "Kurt Gödel"]
    assert [v["email"] for v in versions] == ["ana@example.org", "eve@example.org",
                                              "kg@example.org"]


def test_moodle_has_one_category_per_problem_holding_its_variants(built):
    data = _manifest(built)
    questions = _moodle(built)
    categories = [i for i, q in enumerate(questions) if q.get("type") == "category"]
    assert len(categories) == 6
    for number, start in enumerate(categories, start=1):
        family = data["plan"][number - 1]
        path = questions[start].findtext("category/text")
        assert path.startswith(f"$course$/top/derive seed {SEED}/Problem {number}: {family}")
        assert questions[start].findtext("idnumber") == f"derive-{SEED}-p{number}"
        variants = questions[start + 1:start + 1 + VERSIONS]
        assert all(q.get("type") != "category" for q in variants)
        assert [q.findtext("idnumber") for q in variants] == [
            f"derive-{SEED}-p{number}-v{k}" for k in range(1, VERSIONS + 1)]
        assert [q.findtext("name/text") for q in variants] == [
            f"derive {SEED} p{number} v{k} {family}" for k in range(1, VERSIONS + 1)]


def test_moodle_names_no_student(built):
    text = (built / "moodle.xml").read_text(encoding="utf-8")
    assert "García" not in text and "calc" not in text and "Version 1" not in text


def _questions_by_id(out: Path) -> dict[str, ET.Element]:
    return {q.findtext("idnumber"): q for q in _moodle(out) if q.get("type") != "category"}


def test_moodle_question_types_follow_the_parts(built):
    by_id = _questions_by_id(built)
    kinds = set()
    for version, problem, graded in variants(built / "manifest.json"):
        question = by_id[f"derive-{SEED}-p{problem['number']}-v{version['version']}"]
        expected = {0: "essay", 1: "numerical"}.get(len(graded), "cloze")
        assert question.get("type") == expected, problem["family"]
        kinds.add(expected)
    assert kinds == {"essay", "numerical", "cloze"}


def test_numerical_answers_carry_value_tolerance_and_the_typical_mistake(built):
    by_id = _questions_by_id(built)
    mistakes = 0
    for version, problem, graded in variants(built / "manifest.json"):
        if len(graded) != 1:
            continue
        numeric = graded[0]["numeric"]
        question = by_id[f"derive-{SEED}-p{problem['number']}-v{version['version']}"]
        answers = question.findall("answer")
        assert answers[0].get("fraction") == "100"
        assert float(answers[0].findtext("text")) == numeric["value"]
        margin = float(answers[0].findtext("tolerance"))
        if numeric["tolerance_mode"] == "relative":
            assert margin == pytest.approx(0.01 * abs(numeric["value"]))
        else:
            assert abs(numeric["value"]) < 0.05 and margin == 5e-4
        assert answers[-1].findtext("text") == "*" and answers[-1].get("fraction") == "0"
        if "mistake" in numeric:
            mistakes += 1
            assert float(answers[1].findtext("text")) == numeric["mistake"]["value"]
            assert answers[1].get("fraction") == "0"
            feedback = html.unescape(answers[1].findtext("feedback/text"))
            assert feedback == numeric["mistake"]["hint"]
            assert abs(numeric["mistake"]["value"] - numeric["value"]) > margin
    assert mistakes > 0


def test_cloze_questions_parse_as_moodle_parses_them(built):
    """One NUMERICAL sub-question per graded number, each its own mark (partial credit)."""
    by_id = _questions_by_id(built)
    seen = 0
    for version, problem, graded in variants(built / "manifest.json"):
        if len(graded) < 2:
            continue
        seen += 1
        question = by_id[f"derive-{SEED}-p{problem['number']}-v{version['version']}"]
        subs = cloze_subquestions(question.findtext("questiontext/text"))
        assert len(subs) == len(graded)
        for sub, answer in zip(subs, graded, strict=True):
            numeric = answer["numeric"]
            assert sub["numerical"] and sub["weight"] == "1"
            right = sub["alternatives"][0]
            assert right["fraction"] == 1.0 and right["value"] == numeric["value"]
            assert right["tolerance"] == pytest.approx(numeric["tolerance"])
            assert sub["alternatives"][-1]["answer"] == "*"
            if "mistake" in numeric:
                wrong = sub["alternatives"][1]
                assert wrong["fraction"] == 0 and wrong["value"] == numeric["mistake"]["value"]
                # Moodle decodes the entities once: the HTML a browser then shows as the hint
                assert html.unescape(wrong["feedback"]) == numeric["mistake"]["hint"]
    assert seen > 0


def test_general_feedback_is_the_worked_solution_for_mathjax(built):
    for question in _questions_by_id(built).values():
        feedback = question.findtext("generalfeedback/text")
        assert feedback.startswith("<p>Worked solution") and "\\[" in feedback
        assert "$" not in feedback
        ET.fromstring(f"<div>{feedback}</div>")  # well-formed HTML
        ET.fromstring(f"<div>{question.findtext('questiontext/text')}</div>")
        if question.get("type") == "essay":
            assert question.findtext("graderinfo/text") == feedback


def _imported(out: Path) -> list[dict]:
    return read_quiz((out / "moodle.xml").read_bytes())


def test_moodle_imports_every_question_into_its_category(built):
    """As qformat_xml reads the file: a category, then its variants, each with its idnumber."""
    data = _manifest(built)
    imported = _imported(built)
    assert len(imported) == 6 * (1 + VERSIONS)
    for number in range(1, 7):
        category, *questions = imported[(number - 1) * (1 + VERSIONS):number * (1 + VERSIONS)]
        family = data["plan"][number - 1]
        assert category["qtype"] == "category" and category["idnumber"] == \
            f"derive-{SEED}-p{number}"
        assert category_names(category["category"]) == [
            "$course$", "top", f"derive seed {SEED}", f"Problem {number}: {family} (seed {SEED})"]
        assert [q["idnumber"] for q in questions] == [
            f"derive-{SEED}-p{number}-v{k}" for k in range(1, VERSIONS + 1)]
        assert [q["name"] for q in questions] == [
            f"derive {SEED} p{number} v{k} {family}" for k in range(1, VERSIONS + 1)]
        assert {q["qtype"] for q in questions} <= {"numerical", "multianswer", "essay"}
        assert all(q["penalty"] == 0 and q["generalfeedbackformat"] == 1 for q in questions)


def _three_figures(value: float) -> str:
    """What a student types when asked for three significant figures."""
    return f"{value:.3g}"


def test_moodle_grades_typed_answers_as_derive_grade_does(built):
    """Each part rounded to three figures scores; the typical mistake shows its hint; a number
    off by 2.5 margins gets 'Not within the tolerance'; a cloze gives partial credit."""
    by_id = {q["idnumber"]: q for q in _imported(built) if q["qtype"] != "category"}
    hints = 0
    for version, problem, graded in variants(built / "manifest.json"):
        question = by_id[f"derive-{SEED}-p{problem['number']}-v{version['version']}"]
        if not graded:
            assert question["qtype"] == "essay"
            continue
        numbers = [a["numeric"] for a in graded]
        right = [_three_figures(n["value"]) for n in numbers]
        assert grade(question, right) == (len(graded), ["Correct."] * len(graded))
        for k, numeric in enumerate(numbers):
            off = list(right)
            off[k] = repr(numeric["value"] + 2.5 * numeric["tolerance"])
            marks, feedback = grade(question, off)
            assert marks == len(graded) - 1 and feedback[k].startswith("Not within")
            off[k] = repr(numeric["value"] + 0.99 * numeric["tolerance"]).replace(".", ",")
            assert grade(question, off)[0] == len(graded)  # a decimal comma, at the edge
            if "mistake" in numeric:
                off[k] = _three_figures(numeric["mistake"]["value"])
                marks, feedback = grade(question, off)
                assert marks == len(graded) - 1
                assert html.unescape(feedback[k]) == numeric["mistake"]["hint"]
                hints += 1
    assert hints > 0


def test_moodle_refuses_what_its_importer_refuses():
    """The importer model is no rubber stamp: Moodle's own refusals are refusals here."""
    quiz = '<?xml version="1.0"?><quiz>{}</quiz>'
    numerical = ('<question type="numerical"><name><text>n</text></name><questiontext '
                 'format="html"><text>q</text></questiontext>{}</question>')
    for body, reason in [
        (numerical.format('<answer fraction="100"><text>1.5e</text></answer>'),
         "invalidnumericanswer"),
        (numerical.format('<answer fraction="50"><text>1.5</text></answer>'), "fractionsnomax"),
        ('<question type="numerical"><questiontext><text>q</text></questiontext></question>',
         "xmlimportnoname"),
        ('<question type="cloze"><name><text>c</text></name><questiontext format="html">'
         '<text>{1:NUMERICAL:%50%2:0.1}</text></questiontext></question>', "fractionsnomax"),
        ('<question type="cloze"><name><text>c</text></name><questiontext format="html">'
         '<text>no blanks</text></questiontext></question>', "questionsmissing"),
        ('<question type="numerics"/>', "xmltypeunsupported"),
    ]:
        with pytest.raises(MoodleRefusesError, match=reason):
            read_quiz(quiz.format(body))


def _package(out: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(out / "qti.zip") as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_qti_package_manifest_lists_every_file_once(built):
    files = _package(built)
    manifest = ET.fromstring(files["imsmanifest.xml"])
    assert manifest.tag == f"{CP}manifest"
    assert manifest.findtext(f"{CP}metadata/{CP}schema") == "QTIv2.1 Package"
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    idents = [r.get("identifier") for r in resources]
    assert len(idents) == len(set(idents)) == 1 + 6 * VERSIONS
    hrefs = {r.get("href") for r in resources}
    assert hrefs | {"imsmanifest.xml"} == set(files)
    for r in resources:
        assert [f.get("href") for f in r.findall(f"{CP}file")] == [r.get("href")]
        assert r.get("type") in ("imsqti_item_xmlv2p1", "imsqti_test_xmlv2p1")
        for dependency in r.findall(f"{CP}dependency"):
            assert dependency.get("identifierref") in idents


def test_qti_items_follow_the_standard(built):
    files = _package(built)
    identifiers = []
    for name, data in files.items():
        if name.startswith("items/"):
            root = ET.fromstring(data)
            assert check_item(root) == [], name
            assert not dropped(data), name  # pyslet kept every element: each where QTI allows
            identifiers.append(root.get("identifier"))
    assert len(identifiers) == len(set(identifiers)) == 6 * VERSIONS


def test_qti_maths_is_mathml_printed_from_the_manifests_prose(built):
    """Question, labels and worked solution: MathML 2.0, one element per maths segment."""
    files = _package(built)
    for version, problem, graded in variants(built / "manifest.json"):
        item = _item(files, version["version"], problem["number"])
        assert check_mathml(item) == [], problem["family"]
        question = item.find(f"{QTI}itemBody/{QTI}div[@class='question']")
        segments = [kind for kind, _ in problem["question"]["prose"]]
        maths = question.findall(f".//{MATHML}math")
        assert len(maths) == segments.count("math") + segments.count("display") > 0
        assert [m.get("display") for m in maths] == [
            "block" if k == "display" else "inline" for k in segments if k != "text"]
        labels = [p.find(f"{MATHML}math") for p in item.findall(f"{QTI}itemBody/{QTI}p")]
        assert len(labels) == len(graded) and all(m is not None for m in labels)
        solution = item.find(f"{QTI}modalFeedback[@identifier='SOLUTION']")
        steps = [kind for kind, _ in problem["solution"]["prose"]]
        assert len(solution.findall(f".//{MATHML}math")) == len(steps) - steps.count("text")
        assert "".join(solution.itertext()).startswith("Worked solution")


def test_qti_test_selects_one_variant_per_problem(built):
    files = _package(built)
    test = ET.fromstring(files["test.xml"])
    assert test.tag == f"{QTI}assessmentTest"
    sections = test.findall(f"{QTI}testPart/{QTI}assessmentSection")
    assert len(sections) == 6
    for section in sections:
        assert section.find(f"{QTI}selection").get("select") == "1"
        refs = section.findall(f"{QTI}assessmentItemRef")
        assert len(refs) == VERSIONS and all(r.get("href") in files for r in refs)


def _item(files: dict[str, bytes], version: int, number: int) -> ET.Element:
    return ET.fromstring(files[f"items/derive-{SEED}-p{number}-v{version}.xml"])


def _score(files: dict[str, bytes], version: int, number: int,
           responses: dict[str, float | None]) -> dict:
    """SCORE and FEEDBACK as pyslet's QTI 2.1 response processing gives them."""
    points, feedback = score(files[f"items/derive-{SEED}-p{number}-v{version}.xml"], responses)
    return {"SCORE": points, "FEEDBACK": feedback}


def test_qti_response_processing_accepts_the_tolerance_part_by_part(built):
    files = _package(built)
    checked = 0
    for version, problem, graded in variants(built / "manifest.json"):
        if not graded:
            continue
        item = _item(files, version["version"], problem["number"])
        at = (files, version["version"], problem["number"])
        ids = [f"RESPONSE_{k}" for k in range(1, len(graded) + 1)]
        values = [a["numeric"]["value"] for a in graded]
        margins = [a["numeric"]["tolerance"] for a in graded]
        right = dict(zip(ids, values, strict=True))
        assert _score(*at, right)["SCORE"] == len(graded)
        assert float(item.find(f"{QTI}outcomeDeclaration[@identifier='MAXSCORE']/"
                               f"{QTI}defaultValue/{QTI}value").text) == len(graded)
        edge = {i: v + 0.99 * m for i, v, m in zip(ids, values, margins, strict=True)}
        assert _score(*at, edge)["SCORE"] == len(graded)
        for k, (i, v, m) in enumerate(zip(ids, values, margins, strict=True)):
            off = dict(right, **{i: v + 2.5 * m})
            assert _score(*at, off)["SCORE"] == len(graded) - 1  # partial credit
            missing = dict(right, **{i: None})
            assert _score(*at, missing)["SCORE"] == len(graded) - 1
            mistake = graded[k]["numeric"].get("mistake")
            if mistake:
                outcome = _score(*at, dict(right, **{i: mistake["value"]}))
                assert f"MISTAKE_{k + 1}" in outcome["FEEDBACK"]
                shown = item.find(f"{QTI}modalFeedback[@identifier='MISTAKE_{k + 1}']")
                assert "".join(shown.itertext()) == mistake["hint"]
        assert "SOLUTION" in _score(*at, {})["FEEDBACK"]
        checked += 1
    assert checked == 3 * VERSIONS  # gradient-value, mle, conjugate-posterior


def test_qti_items_without_numbers_are_marked_by_hand(built):
    files = _package(built)
    for version, problem, graded in variants(built / "manifest.json"):
        if graded:
            continue
        item = _item(files, version["version"], problem["number"])
        kinds = {local(e.tag) for e in item.iter() if local(e.tag).endswith("Interaction")}
        assert kinds == {"extendedTextInteraction"}


def test_manifest_has_no_process_dependent_expressions(built):
    text = (built / "manifest.json").read_text(encoding="utf-8")
    assert "Dummy(" not in text and "dummy_index" not in text


def test_two_processes_with_other_hash_seeds_and_jobs_write_the_same_bytes(built, tmp_path):
    """--jobs 1 and --jobs 2, each in a fresh interpreter with its own PYTHONHASHSEED."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    outs = []
    for jobs, hash_seed in (("1", "1"), ("2", "987654")):
        out = tmp_path / f"jobs{jobs}"
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-m", "derive.cli", "problems", "--count", "6",
                               "--seed", SEED, "--roster", str(roster), "--moodle", "--qti",
                               "--to", "tex", "--jobs", jobs, "--out", str(out)],
                              capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outs.append(out)
    names = sorted(p.name for p in built.iterdir())
    assert "qti.zip" in names and "manifest.json" in names and "moodle.xml" in names
    for out in outs:
        assert sorted(p.name for p in out.iterdir()) == names
        for name in names:
            assert (out / name).read_bytes() == (built / name).read_bytes(), name
