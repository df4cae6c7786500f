"""A Moodle XML question bank for quizzes: one category per problem holding its variants.

Moodle's "random question from a category" then gives each student one variant.
A problem with one graded number is a ``numerical`` question, one with several a
``cloze`` (multianswer) question with a NUMERICAL sub-question per number (each
its own mark: partial credit); a problem without a number is an ``essay`` marked by
hand. Each question has a stable name and idnumber, the worked solution as general
feedback (maths as ``\\( ... \\)`` for MathJax) and the typical mistake's number
with its hint as distractor feedback. Built from the manifest's records alone; the
template is rendered with XML autoescaping.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from derive.pdf import write_text_atomically
from derive.problems.lmsxml import number, xml_environment
from derive.problems.quiz import Item, Part, by_problem, items

# Inside a cloze sub-question an unescaped '}' or '~' ends a feedback; entities do not, and
# Moodle decodes them after splitting ('#' ends only an answer, and only one not after '&').
# Braces of the prose are encoded too, so that no maths can look like the start of a
# sub-question ('{1:NUMERICAL:').
_CLOZE_TEXT = str.maketrans({"{": "&#123;", "}": "&#125;", "~": "&#126;"})
# Moodle then turns '\}' and '\#' of the decoded feedback into '}' and '#': a backslash of
# the feedback's HTML stays an entity through the decoding.
_BACKSLASH = str.maketrans({"\\": "&#92;"})


def _cloze_feedback(feedback: str) -> str:
    """A feedback's HTML as a cloze sub-question holds it: Moodle decodes the entities of the
    text between '#' and '~' once (so the HTML is escaped once more), and ends it at '~' or
    '}' (so those are entities of that escaped text)."""
    return html.escape(feedback.translate(_BACKSLASH), quote=False).translate(_CLOZE_TEXT)


def category_name(name: str) -> str:
    """A category's name in a Moodle category path, as Moodle writes one (its
    ``assemble_category_path``): '/' separates categories, so a '/' of the name is doubled,
    and a name that starts or ends with one is padded with a space."""
    escaped = name.replace("/", "//")
    if escaped.startswith("/"):
        escaped = " " + escaped
    if escaped.endswith("/"):
        escaped += " "
    return escaped


def _answers(part: Part) -> list[dict[str, Any]]:
    """The answers of a part, feedback as HTML: the right number, the mistake, anything else."""
    found = [{"fraction": "100", "value": number(part.value), "tolerance": number(part.margin),
              "feedback": "Correct."}]
    if part.mistake is not None:
        found.append({"fraction": "0", "value": number(part.mistake.value),
                      "tolerance": number(part.mistake.margin),
                      "feedback": html.escape(part.mistake.hint)})
    found.append({"fraction": "0", "value": "*", "tolerance": "0",
                  "feedback": f"Not within the tolerance (± {part.margin:.3g})."})
    return found


def _subquestion(part: Part) -> str:
    """One embedded NUMERICAL sub-question: the answer, the mistake, anything else."""
    alternatives = []
    for answer in _answers(part):
        mark = "=" if answer["fraction"] == "100" else "%0%"
        tolerance = f":{answer['tolerance']}" if answer["value"] != "*" else ""
        feedback = _cloze_feedback(answer["feedback"])
        alternatives.append(f"{mark}{answer['value']}{tolerance}#{feedback}")
    return "{1:NUMERICAL:" + "~".join(alternatives) + "}"


def cloze_text(item: Item) -> str:
    """The question's HTML with a labelled input per graded part."""
    lines = [item.question_html.translate(_CLOZE_TEXT)]
    for part in item.parts:
        label = html.escape(part.label).translate(_CLOZE_TEXT)
        lines.append(f"<p>\\({label}\\) = {_subquestion(part)}</p>")
    return "\n".join(lines)


def _question(item: Item) -> dict[str, Any]:
    """A question's fields; its name is HTML too (Moodle strips tags from it, then shows it)."""
    common = {"name": html.escape(item.name, quote=False), "idnumber": item.ident,
              "feedback": item.solution_html}
    if not item.parts:
        return {**common, "type": "essay", "text": item.question_html}
    if len(item.parts) == 1:
        return {**common, "type": "numerical", "text": item.question_html,
                "answers": _answers(item.parts[0])}
    return {**common, "type": "cloze", "text": cloze_text(item)}


def categories(seed: int, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One category per problem, named after its family and the seed, with its variants."""
    found = []
    for number_, group in by_problem(items(seed, records)).items():
        family = group[0].family
        found.append({
            "path": f"$course$/top/derive seed {seed}/"
                    + category_name(f"Problem {number_}: {family} (seed {seed})"),
            "idnumber": f"derive-{seed}-p{number_}",
            "info": html.escape(f"{len(group)} variants of problem {number_} ({group[0].title});"
                                " a random question from this category gives each student one "
                                "of them."),
            "questions": [_question(i) for i in group],
        })
    return found


def moodle_xml(seed: int, records: Sequence[Mapping[str, Any]],
               templates: Path | None = None) -> str:
    env = xml_environment(templates)
    return env.get_template("moodle.xml.j2").render(seed=seed,
                                                    categories=categories(seed, records))


def write_moodle(path: Path, seed: int, records: Sequence[Mapping[str, Any]],
                 templates: Path | None = None) -> Path:
    write_text_atomically(path, moodle_xml(seed, records, templates))
    return path
