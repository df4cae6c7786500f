"""Answer exports as Moodle and Canvas write them, for a released set (the grading tests).

Moodle's quiz responses report (mod/quiz/report/responses): the user columns ("Last name",
"First name", "Email address"), "State", "Started", "Completed", "Duration",
"Grade/N.00", then per quiz slot "Question N" (the text shown, if asked for), "Response N"
(a number; ``part 1: 8; part 2: 7`` for a cloze question; ``-`` for no answer) and
"Right answer N". Canvas's quiz student analysis (Quizzes::QuizStatistics::StudentAnalysis
#to_csv): "name", "id", "sis_id", "section", "section_id", "section_sis_id",
"submitted", "attempt", then per question of any student a "<question id>: <text>"
column (the text without tags) and a column headed by its points, then "n correct",
"n incorrect", "score"; several blanks joined by "," with "\\," for a comma.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Mapping, Sequence

from tests.problem_sets import graded

Typed = Mapping[int, Mapping[int, Sequence[str] | None]]  # version -> problem -> cells


def _text(problem: dict) -> str:
    """The question as Canvas's column header shows it: tags stripped, no spaces added."""
    return html.unescape(re.sub(r"<[^>]+>", "", problem["question"]["html"]))


def moodle_responses(versions: Sequence[dict], typed: Typed, question_text: bool = True,
                     right_answers: bool = True, extra_rows: Sequence[list[str]] = (),
                     delimiter: str = ",") -> str:
    """Moodle 4's responses report download (CSV) of these versions' attempts."""
    heads = ["Last name", "First name", "Email address", "State", "Started", "Completed",
             "Duration", "Grade/6.00"]
    slots = len(versions[0]["problems"])
    for n in range(1, slots + 1):
        heads += [f"Question {n}"] * question_text + [f"Response {n}"] + \
            [f"Right answer {n}"] * right_answers
    rows = [heads]
    for version in versions:
        first, last = version["name"].split(" ", 1)
        row = [last, first, version["email"], "Finished", "3 March 2026  10:02 AM",
               "3 March 2026  10:41 AM", "39 mins 2 secs", "4.50"]
        for problem in version["problems"]:
            cells = typed.get(version["version"], {}).get(problem["number"])
            response = "-" if cells is None else (
                cells[0] if len(cells) == 1 else
                "; ".join(f"part {k}: {c}" for k, c in enumerate(cells, start=1)))
            right = "; ".join(str(a["numeric"]["value"]) for a in graded(problem))
            row += [_text(problem)] * question_text + [response] + [right] * right_answers
        rows.append(row)
    rows.extend(extra_rows)
    return _csv(rows, delimiter)


def canvas_student_analysis(versions: Sequence[dict], typed: Typed,
                            ids: Mapping[int, str]) -> str:
    """Canvas's student analysis report: a column pair per question variant any student saw."""
    columns: dict[tuple[int, int], int] = {}  # (version, problem) -> index of its text column
    heads = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted",
             "attempt"]
    for version in versions:
        for problem in version["problems"]:
            if (version["version"], problem["number"]) in columns:
                continue
            columns[version["version"], problem["number"]] = len(heads)
            question_id = 70000 + 100 * version["version"] + problem["number"]
            text = f"Problem {problem['number']}.{_text(problem)}"
            heads += [f"{question_id}: {text}", f"{max(len(graded(problem)), 1)}.0"]
    heads += ["n correct", "n incorrect", "score"]
    rows = [heads]
    for version in reversed(versions):  # Canvas lists the latest submission first
        row = [""] * len(heads)
        row[:8] = [version["name"], ids[version["version"]], "", "ML 101", "4711", "",
                   "2026-03-03 10:41:12 UTC", "1"]
        for problem in version["problems"]:
            cells = typed.get(version["version"], {}).get(problem["number"])
            index = columns[version["version"], problem["number"]]
            row[index] = "" if cells is None else ",".join(c.replace(",", "\\,") for c in cells)
            row[index + 1] = "0.0"
        row[-3:] = ["2", "4", "2.0"]
        rows.append(row)
    return _csv(rows, ",")


def _csv(rows: Sequence[Sequence[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()
