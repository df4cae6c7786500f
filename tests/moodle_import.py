"""Moodle XML read as Moodle reads it, and numbers graded as Moodle grades them.

Moodle's format has no schema: what counts is its importer. This follows
question/format/xml/format.php (qformat_xml: ``readquestions``, ``import_question``,
``import_headers``, ``import_answer``, ``import_numerical``, ``import_multianswer``,
``import_essay``, ``import_category``; text trimmed where ``getpath`` is asked for text,
other values raw), question/type/multianswer/questiontype.php
(``qtype_multianswer_extract_question`` through tests/lms_formats.py's regular expressions,
``qtype_multianswer_validate_question``) and question/type/numerical
(``qtype_numerical_answer_processor::apply_units``, ``qtype_numerical_answer::
within_tolerance`` with the nominal tolerance an import gives, ``get_matching_answer``:
the first answer in file order that matches). A file Moodle would refuse raises
``MoodleRefuses`` with Moodle's reason.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any

from tests.lms_formats import cloze_subquestions

FORMATS = {"moodle_auto_format": 0, "html": 1, "plain_text": 2, "wiki_like": 3, "markdown": 4}
DEFAULT_PENALTY = 0.3333333  # qformat_default::defaultquestion
EPSILON = 1e-14  # pow(10, -ini_get('precision')), PHP's default precision 14
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?")
_EXPONENT = re.compile(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)")
_TAG = re.compile(r"<[^>]*>")


class MoodleRefusesError(Exception):
    """What Moodle's importer would print instead of importing the question."""


def _child(element: ET.Element | None, *path: str) -> ET.Element | None:
    """xmlize's ``[name][0]`` steps: the first child of each name, None where one is missing."""
    for name in path:
        if element is None:
            return None
        element = element.find(name)
    return element


def getpath(element: ET.Element, path: tuple[str, ...], default: Any,
            istext: bool = False) -> Any:
    """qformat_xml::getpath: a node's content, trimmed when read as text; else ``default``."""
    node = _child(element, *path)
    if node is None:
        return default
    if istext and len(node):
        raise MoodleRefusesError("invalidxml: text holding elements")
    value = node.text or ""
    return value.strip() if istext else value


def trans_format(name: str) -> int:
    return FORMATS.get(name.strip(), FORMATS["html"])


def _text_field(question: ET.Element, tag: str, default_format: str = "html") -> dict:
    """import_text_with_files: the text (trimmed) and its format."""
    node = _child(question, tag)
    return {"text": getpath(question, (tag, "text"), "", True),
            "format": trans_format(node.get("format", default_format) if node is not None
                                   else default_format)}


def clean_question_name(name: str) -> str:
    """PARAM_TEXT drops tags; Moodle then shortens a name longer than 255 characters."""
    name = _TAG.sub("", name).strip()
    if len(name) > 255:
        raise MoodleRefusesError(f"question name longer than 255 characters: {name[:40]}...")
    return name


def import_headers(question: ET.Element) -> dict:
    if _child(question, "name", "text") is None:
        raise MoodleRefusesError("xmlimportnoname")
    text = _text_field(question, "questiontext")
    feedback = _text_field(question, "generalfeedback")
    return {"name": clean_question_name(getpath(question, ("name", "text"), "", True)),
            "questiontext": text["text"], "questiontextformat": text["format"],
            "idnumber": getpath(question, ("idnumber",), None),
            "generalfeedback": feedback["text"], "generalfeedbackformat": feedback["format"],
            "defaultmark": float(getpath(question, ("defaultgrade",), 1)),
            "penalty": float(getpath(question, ("penalty",), DEFAULT_PENALTY))}


def import_numerical(question: ET.Element) -> dict:
    qo = import_headers(question) | {"qtype": "numerical", "answers": []}
    for answer in question.findall("answer"):
        text = getpath(answer, ("text",), "", True)
        if not (text == "*" or is_valid_number(text)):  # save_question_options: apply_unit
            raise MoodleRefusesError(f"invalidnumericanswer: {text!r}")
        qo["answers"].append({
            "answer": text, "fraction": float(answer.get("fraction", 0)) / 100,
            "feedback": _text_field(answer, "feedback")["text"],
            "tolerance": float(getpath(answer, ("tolerance",), 0))})
    qo["showunits"] = int(getpath(question, ("showunits",), 3))
    _validate_answers("numerical", qo["answers"])
    return qo


def import_multianswer(question: ET.Element) -> dict:
    text = _text_field(question, "questiontext")
    subquestions = []
    for sub in cloze_subquestions(text["text"]):
        answers = []
        for alternative in sub["alternatives"]:
            if sub["numerical"] and alternative["value"] is not None:
                stored = alternative["answer"].split(":")[0]  # NUMERICAL_CORRECT_ANSWER
            else:
                stored = html.unescape(alternative["answer"]).replace("\\}", "}")
                stored = stored.replace("\\#", "#")
            answers.append({"answer": stored, "fraction": alternative["fraction"],
                            "feedback": alternative["feedback"] or "",
                            "tolerance": alternative["tolerance"]})
        qtype = "numerical" if sub["numerical"] else "other"
        _validate_answers(qtype, answers)
        subquestions.append({"qtype": qtype, "defaultmark": float(sub["weight"] or 1),
                             "answers": answers})
    if not subquestions:
        raise MoodleRefusesError("questionsmissing")
    name = getpath(question, ("name", "text"), None, True)
    feedback = _text_field(question, "generalfeedback")
    return {"qtype": "multianswer", "name": clean_question_name(name or text["text"][:40]),
            "questiontext": text["text"], "questiontextformat": text["format"],
            "idnumber": getpath(question, ("idnumber",), None),
            "generalfeedback": feedback["text"], "generalfeedbackformat": feedback["format"],
            "penalty": float(getpath(question, ("penalty",), DEFAULT_PENALTY)),
            "subquestions": subquestions,
            "defaultmark": sum(s["defaultmark"] for s in subquestions)}


def _validate_answers(qtype: str, answers: list[dict]) -> None:
    """qtype_multianswer_validate_question (the numerical form asks the same): answers given,
    numbers or '*', and one of them worth 100 %."""
    given = [a for a in answers if a["answer"].strip() != ""]
    if not given:
        raise MoodleRefusesError("notenoughanswers")
    for a in given:
        if qtype == "numerical" and not (a["answer"].strip() == "*"
                                         or is_valid_number(a["answer"].strip())):
            raise MoodleRefusesError(f"answermustbenumberorstar: {a['answer']!r}")
    if not any(a["fraction"] == 1 for a in given):
        raise MoodleRefusesError("fractionsnomax")


def import_essay(question: ET.Element) -> dict:
    return import_headers(question) | {
        "qtype": "essay",
        "responseformat": getpath(question, ("responseformat",), "editor"),
        "graderinfo": _text_field(question, "graderinfo")["text"]}


def import_category(question: ET.Element) -> dict:
    node = _child(question, "category", "text")
    if node is None:
        raise MoodleRefusesError("a category without its path")
    info = _child(question, "info")
    return {"qtype": "category", "category": (node.text or "").strip(),
            "info": getpath(question, ("info", "text"), "", True),
            "infoformat": trans_format(info.get("format", "")) if info is not None else 0,
            "idnumber": getpath(question, ("idnumber",), None)}


IMPORTERS = {"numerical": import_numerical, "cloze": import_multianswer,
             "multianswer": import_multianswer, "essay": import_essay,
             "category": import_category}


def read_quiz(data: bytes | str) -> list[dict]:
    """readquestions: every ``quiz/question`` imported, in file order."""
    if isinstance(data, bytes):
        data = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")  # readdata drops a BOM
    root = ET.fromstring(data)
    if root.tag != "quiz":
        raise MoodleRefusesError(f"the root is {root.tag}, not quiz")
    found = []
    for question in root.findall("question"):
        kind = question.get("type", "")
        if kind not in IMPORTERS:
            raise MoodleRefusesError(f"xmltypeunsupported: {kind}")
        found.append(IMPORTERS[kind](question))
    return found


def apply_units(response: str) -> float | None:
    """qtype_numerical_answer_processor::apply_units without units: the typed number, or None
    (spaces dropped; ',' a decimal point unless a '.' or several ',' make it a separator)."""
    response = _EXPONENT.sub(r"e\1", response.replace(" ", ""))
    if "." in response or response.count(",") > 1:
        response = response.replace(",", "")
    else:
        response = response.replace(",", ".")
    match = _NUMBER.match(response)
    if not match or response[match.end():].strip():
        return None
    return float(match.group(0))


def is_valid_number(text: str) -> bool:
    return apply_units(text) is not None


def within_tolerance(answer: dict, value: float) -> bool:
    """qtype_numerical_answer::within_tolerance, nominal tolerance (what an import sets)."""
    if answer["answer"] == "*":
        return True
    expected, tolerance = float(answer["answer"]), abs(answer["tolerance"])
    tolerance += EPSILON * max(tolerance, abs(expected), EPSILON)
    return expected - tolerance <= value <= expected + tolerance


def matching_answer(answers: list[dict], typed: str) -> dict | None:
    """get_matching_answer: the first answer, in file order, the typed number lies within."""
    value = apply_units(typed)
    if value is None:
        return None
    return next((a for a in answers if within_tolerance(a, value)), None)


def grade(question: dict, typed: list[str]) -> tuple[float, list[str | None]]:
    """The marks a student gets for the typed numbers (one per part), and each part's feedback."""
    parts = question["subquestions"] if question["qtype"] == "multianswer" else [
        {"defaultmark": question["defaultmark"], "answers": question["answers"]}]
    assert len(parts) == len(typed)
    marks, feedback = 0.0, []
    for part, text in zip(parts, typed, strict=True):
        answer = matching_answer(part["answers"], text)
        marks += part["defaultmark"] * (answer["fraction"] if answer else 0.0)
        feedback.append(answer["feedback"] if answer else None)
    return marks, feedback
