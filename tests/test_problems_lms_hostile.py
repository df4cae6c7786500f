"""Hostile text in every field of a release's records reaches Moodle XML and QTI escaped.

The exports are built from manifest records alone (derive.problems.quiz reads them), so
the records' own schema says what can reach them: the family's name, the entry's title,
the words of the question and of the worked solution, and the hint of a typical mistake.
Each is drawn from XML specials, CDATA terminators, cloze metacharacters, Moodle's
category separator, backslashes, TeX delimiters and newlines, and every draw must come
back as it went in: as Moodle reads the file (its XML, its category paths, its cloze
syntax), and as QTI 2.1 reads it (pyslet keeps every element, scores the right answer,
shows the hint).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.problems.moodle import moodle_xml
from derive.problems.printers import prose_html, prose_record
from derive.problems.qti import package_files
from derive.problems.tolerance import tolerance_for
from derive.prose import Printed, Prose, displayed
from tests.lms_engine import dropped, score
from tests.lms_formats import QTI, category_names, check_item, cloze_subquestions
from tests.moodle_import import read_quiz

PIECES = ["<", ">", "&", '"', "'", "]]>", "<![CDATA[", "-->", "{", "}", "~", "=", "#", ":",
          "{1:NUMERICAL:=1}", "{#1}", "\\", "\\}", "\\#", "/", "//", "$", "$course$",
          "\\(x\\)", "&amp;", "&#125;", "%0%", "\n", "\t", " ", "Zoë", "</p>", "<b>"]
HOSTILE = st.lists(st.sampled_from(PIECES) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=4),
    min_size=1, max_size=6).map("".join).filter(lambda s: s.strip())


def _numeric(value: float, hint: str | None) -> dict:
    numeric = {"value": value, **tolerance_for(value).record(value)}
    if hint is not None:
        numeric["mistake"] = {"value": 3 * value + 1, "hint": hint}
    return numeric


@st.composite
def problems(draw: st.DrawFn, number: int) -> dict:
    """A problem record with hostile text in every field an export reads."""
    words = draw(st.lists(HOSTILE, min_size=3, max_size=3))
    question = Prose.of(words[0], Printed("x_1"), words[1])
    solution = Prose.of("Worked solution. ", words[2],
                        displayed(r"\begin{aligned}a &= b\end{aligned}"))
    parts = draw(st.integers(0, 3))
    hints = [draw(st.none() | HOSTILE) for _ in range(parts)]
    values = [draw(st.sampled_from([0.5333, -2.0, 1234.5, 0.003])) for _ in range(parts)]
    return {
        "number": number, "family": draw(HOSTILE), "entry": {"title": draw(HOSTILE)},
        "question": {"html": prose_html(question), "prose": prose_record(question)},
        "solution": {"html": prose_html(solution), "prose": prose_record(solution)},
        "answers": [{"name": f"a{k}", "label": f"a_{{{k}}}", "numeric": _numeric(v, h)}
                    for k, (v, h) in enumerate(zip(values, hints, strict=True), start=1)],
        "_words": words, "_hints": hints,
    }


@st.composite
def releases(draw: st.DrawFn) -> list[dict]:
    """Two versions of a set of one or two problems (the problems differ by version)."""
    count = draw(st.integers(1, 2))
    return [{"version": v, "problems": [draw(problems(n)) for n in range(1, count + 1)]}
            for v in (1, 2)]


class _Text(HTMLParser):
    """The text a browser shows of an HTML fragment (entities decoded, tags dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown(fragment: str) -> str:
    reader = _Text()
    reader.feed(fragment)
    reader.close()
    return "".join(reader.parts)


def _attribute(text: str) -> str:
    """An attribute's value as an XML parser gives it back (its whitespace characters are
    spaces: XML's attribute-value normalisation)."""
    return text.replace("\n", " ").replace("\t", " ")


def _problems(records: list[dict]) -> list[tuple[int, dict]]:
    return [(r["version"], p) for r in records for p in r["problems"]]


def _check_moodle(seed: int, records: list[dict]) -> None:
    text = moodle_xml(seed, records)
    imported = {q["idnumber"]: q for q in read_quiz(text)}  # Moodle's importer takes it all
    root = ET.fromstring(text)
    questions = list(root)
    by_id = {q.findtext("idnumber"): q for q in questions if q.get("type") != "category"}
    paths = [q.findtext("category/text") for q in questions if q.get("type") == "category"]
    families = {p["number"]: p["family"] for _, p in _problems(records[:1])}
    assert [category_names(path) for path in paths] == [
        ["$course$", "top", f"derive seed {seed}", f"Problem {n}: {f} (seed {seed})".strip()]
        for n, f in sorted(families.items())]
    for version, problem in _problems(records):
        question = by_id[f"derive-{seed}-p{problem['number']}-v{version}"]
        moodle = imported[f"derive-{seed}-p{problem['number']}-v{version}"]
        assert moodle["generalfeedback"] == problem["solution"]["html"].strip()
        assert question.findtext("idnumber") == moodle["idnumber"]
        assert html.unescape(moodle["name"]) == \
            f"derive {seed} p{problem['number']} v{version} {problem['family']}".strip()
        text = question.findtext("questiontext/text")
        assert question.findtext("generalfeedback/text") == problem["solution"]["html"]
        assert problem["_words"][2] in shown(problem["solution"]["html"])
        hints = problem["_hints"]
        if len(hints) == 1:
            assert text == problem["question"]["html"]
            if hints[0] is not None:
                feedback = question.findall("answer")[1].findtext("feedback/text")
                assert shown(feedback) == hints[0]
        elif len(hints) > 1:
            subs = cloze_subquestions(text)
            assert len(subs) == len(hints)
            for sub, answer, hint in zip(subs, problem["answers"], hints, strict=True):
                assert sub["alternatives"][0]["value"] == answer["numeric"]["value"]
                assert sub["alternatives"][-1]["answer"] == "*"
                if hint is not None:  # decoded by Moodle, then shown as HTML
                    assert shown(sub["alternatives"][1]["feedback"]) == hint
            for word in problem["_words"][:2]:  # no word of the text made a sub-question
                assert word in shown(text), word
        else:
            assert text == problem["question"]["html"]


def _check_qti(seed: int, records: list[dict]) -> None:
    files = {name: text.encode("utf-8") for name, text in package_files(seed, records).items()}
    for data in files.values():
        ET.fromstring(data)  # well-formed, whatever the text held
    test = ET.fromstring(files["test.xml"])
    titles = {p["number"]: p["entry"]["title"] for _, p in _problems(records[:1])}
    assert [s.get("title") for s in test.iter(f"{QTI}assessmentSection")] == [
        _attribute(f"Problem {n}: {t}") for n, t in sorted(titles.items())]
    for version, problem in _problems(records):
        data = files[f"items/derive-{seed}-p{problem['number']}-v{version}.xml"]
        item = ET.fromstring(data)
        assert check_item(item) == [] and not dropped(data)
        assert item.get("title") == _attribute(problem["entry"]["title"])
        body = "".join(item.find(f"{QTI}itemBody").itertext())
        assert all(word in body for word in problem["_words"][:2])
        solution = item.find(f"{QTI}modalFeedback[@identifier='SOLUTION']")
        assert problem["_words"][2] in "".join(solution.itertext())
        right = {f"RESPONSE_{k}": a["numeric"]["value"]
                 for k, a in enumerate(problem["answers"], start=1)}
        assert score(data, right)[0] == len(right)
        for k, hint in enumerate(problem["_hints"], start=1):
            if hint is None:
                continue
            shown_for = score(data, dict(right, **{f"RESPONSE_{k}": 3 * right[f"RESPONSE_{k}"]
                                                   + 1}))
            assert f"MISTAKE_{k}" in shown_for[1]
            feedback = item.find(f"{QTI}modalFeedback[@identifier='MISTAKE_{k}']")
            assert "".join(feedback.itertext()) == hint


@given(records=releases(), seed=st.integers(0, 10**6))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_hostile_record_text_reaches_moodle_and_qti_as_written(records, seed):
    _check_moodle(seed, records)
    _check_qti(seed, records)


@pytest.mark.slow
@given(records=releases(), seed=st.integers(0, 10**6))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_many_hostile_records_reach_moodle_and_qti_as_written(records, seed):
    _check_moodle(seed, records)
    _check_qti(seed, records)


@pytest.mark.parametrize("hint", ["C:\\", "a\\}b", "x\\#y", "<b>bold</b>", "}~#", "]]>"])
def test_cloze_feedback_ending_in_a_backslash_or_holding_markup_reads_back(hint):
    """Table rows the generator found or that Moodle's parser makes special."""
    problem = {"number": 1, "family": "f", "entry": {"title": "t"},
               "question": {"html": "<p>q</p>", "prose": [["text", "q"]]},
               "solution": {"html": "<p>s</p>", "prose": [["text", "s"]]},
               "answers": [{"name": f"a{k}", "label": "a", "numeric": _numeric(2.0, hint)}
                           for k in (1, 2)]}
    root = ET.fromstring(moodle_xml(1, [{"version": 1, "problems": [problem]}]))
    (question,) = [q for q in root if q.get("type") == "cloze"]
    subs = cloze_subquestions(question.findtext("questiontext/text"))
    assert [shown(s["alternatives"][1]["feedback"]) for s in subs] == [hint, hint]
    assert [s["alternatives"][0]["value"] for s in subs] == [2.0, 2.0]
