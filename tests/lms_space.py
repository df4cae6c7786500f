"""Rosters and answer files a TA could hand to derive, drawn with hypothesis, each with its reading.

A draw is an LMS layout (Moodle, Canvas, Blackboard, a plain list or a home-made sheet)
with its header spelt in any case and spacing, students drawn with replacement (so
names repeat) from names with accents, apostrophes, quotes and commas, blank lines
anywhere, any delimiter, line ending and encoding an LMS writes, and at most one fault
(a column gone, a row without a name, an overlong name). What the file must read as is
known from the draw: the students, or the one-line error naming the file and the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from tests.lms_answers import canvas_student_analysis, moodle_responses
from tests.problem_sets import graded

FIRST = ["Ana", "Ana María", "Jürgen", "Zoë", "Łukasz", "Chloé", "D'Arcy", 'Li "Leo"', "Kurt",
         "Ngozi", "Søren", "Yusuf", "=cmd|' /C calc'!A0"]
LAST = ["García", "O'Brien", "Müller", "van der Berg", "Nguyễn", "Smith-Jones", "Gödel",
        "Ølstad", "Dubois", "Okafor"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]
HEADERS = {  # first name, last name, e-mail / id as each layout spells them
    "moodle": ["First name", "Surname", "Email address"],
    "moodle4": ["First name", "Last name", "ID number", "Email address"],
    "moodle-de": ["Vorname", "Nachname", "E-Mail-Adresse"],
    "canvas": ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"],
    "blackboard": ["Last Name", "First Name", "Username", "Student ID", "Last Access"],
    "generic": ["Name", "E-Mail"],
    "plain": [],
}
NAME_COLUMNS = {"First name", "Surname", "Last name", "Vorname", "Nachname", "Student",
                "Last Name", "First Name", "Name"}


@dataclass(frozen=True)
class Person:
    first: str
    last: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        return f"{self.last.replace(' ', '').replace(chr(39), '')}.{len(self.first)}@example.org"


@dataclass(frozen=True)
class Drawn:
    """A file's bytes and what it must read as: students (name, id, email) or an error."""

    data: bytes
    students: tuple[tuple[str, str | None, str | None], ...]
    error: str | None = None  # a part of the expected message, with the line where one applies


def _spelt(draw: st.DrawFn, head: str) -> str:
    """A header cell as an export or a person may spell it (case, spaces, a required star)."""
    style = draw(st.sampled_from(["as", "upper", "lower", "spaced", "star"]))
    return {"as": head, "upper": head.upper(), "lower": head.lower(), "spaced": f"  {head} ",
            "star": f"{head} *"}[style]


def _cells(layout: str, person: Person, k: int) -> tuple[list[str], tuple[str, str | None,
                                                                           str | None]]:
    """A row of the layout, and the student it must read as."""
    rows = {
        "moodle": ([person.first, person.last, person.email], (None, person.email)),
        "moodle4": ([person.first, person.last, f"s{k}", person.email], (f"s{k}", person.email)),
        "moodle-de": ([person.first, person.last, person.email], (None, person.email)),
        "canvas": ([f"{person.last}, {person.first}", str(4000 + k), f"A-{k}", f"u{k}", "S1"],
                   (f"A-{k}", None)),
        "blackboard": ([person.last, person.first, f"u{k}", str(900 + k), "2026-01-01"],
                       (str(900 + k), None)),
        "generic": ([person.name, person.email], (None, person.email)),
        "plain": ([person.name], (None, None)),
    }
    cells, (ident, email) = rows[layout]
    return cells, (person.name, ident, email)


@st.composite
def rosters(draw: st.DrawFn) -> Drawn:
    layout = draw(st.sampled_from(sorted(HEADERS)))
    firsts = FIRST if layout != "plain" else [f for f in FIRST if not f.startswith("=")]
    people = draw(st.lists(st.builds(Person, st.sampled_from(firsts), st.sampled_from(LAST)),
                           min_size=1, max_size=7))
    fault = draw(st.sampled_from(["none", "none", "no name column", "no name", "overlong"]))
    if layout == "plain" and fault == "no name column":
        fault = "none"
    header = [_spelt(draw, h) for h in HEADERS[layout]]
    rows = []
    expected = []
    for k, person in enumerate(people, start=1):
        cells, student = _cells(layout, person, k)
        rows.append(cells)
        expected.append(student)
    if layout == "canvas":
        rows.insert(0, ["    Points Possible", "", "", "", ""])
    bad = draw(st.integers(1, len(rows))) - 1  # the row a fault is put in
    if layout == "canvas" and bad == 0:
        bad = 1 if len(rows) > 1 else bad
    if fault == "no name column":
        keep = [i for i, h in enumerate(HEADERS[layout]) if h not in NAME_COLUMNS]
        header = [header[i] for i in keep]
        rows = [[r[i] for i in keep] for r in rows]
    elif fault in ("no name", "overlong"):
        if layout == "canvas" and len(rows) == 1:
            fault = "none"
        else:
            if layout == "plain":  # a plain list's empty row is a blank line: skipped
                fault = "overlong"
            names = [i for i, h in enumerate(HEADERS[layout] or ["Name"]) if h in NAME_COLUMNS]
            for i in names:
                rows[bad][i] = "" if fault == "no name" else "x" * 121
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [header] if header else []
    lines += rows
    blanks = draw(st.lists(st.integers(0, len(lines)), max_size=4))
    text, line_of = _write(lines, delimiter, ending, blanks)
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:  # a name Windows-1252 cannot hold: the export was UTF-8
        data = text.encode("utf-8")
    first_row = 1 if header else 0
    if fault == "no name column":
        return Drawn(data, (), "no name column")
    if fault in ("no name", "overlong"):
        what = "no name" if fault == "no name" else "longer than 120 characters"
        return Drawn(data, (), f"line {line_of[first_row + bad]}: {what}")
    return Drawn(data, tuple(expected))


def _write(lines: list[list[str]], delimiter: str, ending: str,
           blanks: list[int]) -> tuple[str, list[int]]:
    """The CSV text with blank lines before the given rows, and each row's line number."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending)
    line_of = []
    line = 1
    for index, cells in enumerate(lines):
        for _ in range(blanks.count(index)):
            out.write(delimiter * (len(cells) - 1) + ending if index % 2 else ending)
            line += 1
        writer.writerow(cells)
        line_of.append(line)
        line += 1
    out.write(ending * blanks.count(len(lines)))
    return out.getvalue(), line_of


GARBAGE = ["abc", "1/0", "=1+1", "\u00bd", "1 000", "0x10", "nan", "?"]
TYPED = ["right", "right", "comma", "sci", "wrong", "blank", "garbage", "mistake"]
RIGHT = {"right", "comma", "sci"}


@dataclass(frozen=True)
class Graded:
    """An answers file and what grading it must give: per row the version and the score."""

    data: bytes
    rows: tuple[tuple[int | None, int], ...]
    error: str | None = None


def _cell(kind: str, answer: dict, garbage: str) -> str:
    value = answer["numeric"]["value"]
    mistake = answer["numeric"].get("mistake")
    return {"right": repr(value), "comma": repr(value).replace(".", ","),
            "sci": f"{value:.7e}", "wrong": repr(value + 1 + 2 * abs(value)), "blank": "",
            "garbage": garbage,
            "mistake": repr(mistake["value"]) if mistake else garbage}[kind]


@st.composite
def answer_files(draw: st.DrawFn, versions: Sequence[dict]) -> Graded:
    """An LMS's answers export for some of the release's students (in any order, twice or
    not at all), every part typed right, wrong, blank, as garbage or the typical mistake."""
    layout = draw(st.sampled_from(["moodle", "moodle-bare", "canvas", "generic"]))
    chosen = draw(st.lists(st.sampled_from(list(versions)), min_size=1, max_size=5))
    typed: dict[int, dict[int, list[str]]] = {}
    scores: dict[int, int] = {}
    for version in versions:
        k = version["version"]
        typed[k], scores[k] = {}, 0
        for problem in version["problems"]:
            answers = graded(problem)
            if not answers:
                continue
            kinds = [draw(st.sampled_from(TYPED)) for _ in answers]
            garbage = draw(st.sampled_from(GARBAGE))
            typed[k][problem["number"]] = [_cell(t, a, garbage)
                                          for t, a in zip(kinds, answers, strict=True)]
            scores[k] += sum(t in RIGHT for t in kinds)
    fault = draw(st.sampled_from(["none", "none", "stranger", "no answers", "no student"]))
    if layout != "generic" and fault in ("no answers", "no student"):
        fault = "none"
    stranger = {"version": 0, "name": "Nobody Else", "email": "ghost@example.org",
                "problems": versions[0]["problems"]}
    listed = [*chosen, stranger] if fault == "stranger" else chosen
    if layout == "canvas":
        text = canvas_student_analysis(listed, typed, {v["version"]: "" for v in listed})
        order = list(reversed(listed))
    elif layout.startswith("moodle"):
        bare = layout == "moodle-bare"
        text = moodle_responses(listed, typed, question_text=not bare, right_answers=not bare)
        order = listed
    else:
        text, order = _generic(draw, listed, typed, fault), listed
    expected = tuple((v["version"], scores[v["version"]]) if v["version"] else (None, 0)
                     for v in order)
    encoding = draw(st.sampled_from(ENCODINGS))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    error = {"no answers": "line 1: no answer columns",
             "no student": "line 1: no column names the student"}.get(fault)
    return Graded(data, () if error else expected, error)


def _generic(draw: st.DrawFn, listed: Sequence[dict], typed: dict, fault: str) -> str:
    """A home-made sheet: name, e-mail, then a column per part (``p<N>.<k>``)."""
    parts = {n: len(cells) for k in typed for n, cells in typed[k].items()}
    who = [] if fault == "no student" else [_spelt(draw, "Name"), _spelt(draw, "Email")]
    answers = [] if fault == "no answers" else [
        f"p{n}.{k}" for n in sorted(parts) for k in range(1, parts[n] + 1)]
    rows = [who + answers + ["Comment"]]
    for version in listed:
        cells = typed.get(version["version"], {})
        row = [version["name"], version["email"]] if who else []
        if answers:
            row += [(cells.get(n, []) + [""] * parts[n])[k - 1]
                    for n in sorted(parts) for k in range(1, parts[n] + 1)]
        rows.append(row + ["ok, thanks"])
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    text, _ = _write(rows, delimiter, draw(st.sampled_from(["\n", "\r\n"])),
                     draw(st.lists(st.integers(1, len(rows)), max_size=3)))
    return text
