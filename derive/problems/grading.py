r"""Grades from an LMS's export of students' answers, scored with the release's tolerances.

The manifest says who got which version and each graded part's number and
tolerance; the answers CSV gives what each student typed. Read are Moodle's
responses report (``Response N`` per quiz slot, also ``Antwort N``, ``Réponse N``, ...;
its ``Question N`` and ``Right answer N`` columns are not answers; a cloze response is
``part 1: 8; part 2: 7``), Canvas's quiz student analysis (a ``<question id>: <text>``
column per question, the text starting ``Problem N.`` as the QTI items write it, then
its points; several blanks as ``8,7`` with ``\,`` for a comma in a blank), and any
sheet with a name, e-mail, id or version column and ``Problem N``, ``pN``, ``qN`` or
``N`` columns, with ``.M`` or ``.name`` for one part. Every part scores 1 within
tolerance.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derive.errors import InputError
from derive.files import read_bounded
from derive.names import is_digits
from derive.problems.gradesheet import GradeSheet, PartScore, StudentGrade
from derive.problems.quiz import Part, parts
from derive.problems.roster import (
    Columns,
    cell,
    header_columns,
    header_key,
    marker_row,
    student_id,
    student_name,
)
from derive.problems.table import read_table

MAX_MANIFEST = 200_000_000
MAX_ANSWERS = 50_000_000
MAX_ROWS = 100_000
MAX_NUMBER = 64  # characters of one typed answer that are read
UNANSWERED = {"", "-"}  # what Moodle's responses report shows for no answer

# Moodle's responses report in English, German, French, Spanish, Italian; generic sheets
_COLUMN = re.compile(r"^(?:response|answer|problem|question|antwort|réponse|respuesta|risposta"
                     r"|aufgabe|frage|q|p)?\s*\.?\s*(\d{1,3})"
                     r"(?:\s*(?:\.|part|-|_|:)\s*([a-z][a-z0-9_]*|\d{1,2}))?$")
# Moodle's responses report: 'Question N' (the text shown) beside 'Response N' (the answer)
_PROMPT = re.compile(r"^(?:question|frage|pregunta|domanda)\s*(\d{1,3})$")
_RESPONSE = re.compile(r"^(?:response|antwort|réponse|respuesta|risposta)\s*\d")
_CANVAS_QUESTION = re.compile(r"^\d+: ")  # Canvas's student analysis: '<question id>: <text>'
_CANVAS = re.compile(r"^\d+: problem (\d{1,3})\.")  # ... of an item of derive's qti.zip
_BLANKS = re.compile(r"(?<!\\),")  # Canvas joins blanks with ',' and writes a comma as '\,'
SKIPPED_ROWS = {"overall average", "points possible"}  # Moodle's and Canvas's summary rows
_CLOZE = re.compile(r"part\s*(\d{1,2})\s*:\s*([^;]*)")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d{1,3})?$")
_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_FRACTION = re.compile(r"^([+-]?\d{1,15})/(\d{1,15})$")


def parse_number(text: str) -> float | None:
    """A typed number: 0.53, -1.2e-3, 0,53 (decimal comma), 8/15, a Unicode minus; else None."""
    cleaned = text.strip().replace("\u2212", "-").casefold()
    if len(cleaned) > MAX_NUMBER:
        return None
    if _COMMA.match(cleaned):
        cleaned = cleaned.replace(",", ".")
    fraction = _FRACTION.match(cleaned)
    if fraction:
        numerator, denominator = int(fraction.group(1)), int(fraction.group(2))
        return numerator / denominator if denominator else None
    value = float(cleaned) if _FLOAT.match(cleaned) else None
    return value if value is not None and math.isfinite(value) else None


def load_manifest(path: Path) -> dict[str, Any]:
    where = str(path)
    try:
        raw = read_bounded(path, MAX_MANIFEST)  # a named pipe or /dev/zero: one line, no hang
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror})") from None
    except ValueError:
        raise InputError(f"{where}: larger than {MAX_MANIFEST} bytes") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InputError(f"{where}: not a derive manifest (not JSON)") from None
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, list) or not all(
            isinstance(v, dict) and isinstance(v.get("version"), int)
            and isinstance(v.get("problems"), list) for v in versions):
        raise InputError(f"{where}: not a derive manifest (no versions with problems)")
    return data


Column = tuple[int, str | None, bool]  # problem, part (None: all), blanks joined by commas


def _answer_columns(header: Sequence[str], skip: set[int], where: str) -> dict[int, Column]:
    """Where the answers are: Canvas's question columns if any, else every answer-like column
    (Moodle's ``Question N`` only where no ``Response N`` says it is the question's text)."""
    keys = [" ".join(cell.casefold().split()) for cell in header]
    canvas = {i: (int(m.group(1)), None, True) for i, k in enumerate(keys)
              if i not in skip and (m := _CANVAS.match(k))}
    if canvas:
        return canvas
    if any(_CANVAS_QUESTION.match(k) for k in keys):
        raise InputError(f"{where}: Canvas's question columns do not start with 'Problem N.' "
                         "(was the quiz imported from derive's qti.zip?)")
    responses = any(_RESPONSE.match(k) for k in keys)
    found: dict[int, Column] = {}
    for index, key in enumerate(keys):
        if index in skip or responses and _PROMPT.match(key):
            continue
        match = _COLUMN.match(key)
        if match:
            found[index] = (int(match.group(1)), match.group(2), False)
    return found


@dataclass(frozen=True)
class _Release:
    """What the manifest says: the graded parts of each version, and who got which."""

    parts: dict[int, dict[int, tuple[Part, ...]]]  # version -> problem -> parts
    people: dict[str, int]  # 'email:...', 'id:...', 'name:...' -> version
    shared: frozenset[str]  # keys of more than one version (two students of one name)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> _Release:
        graded: dict[int, dict[int, tuple[Part, ...]]] = {}
        people: dict[str, int] = {}
        shared = set()
        for record in data["versions"]:
            version = record["version"]
            graded[version] = {p["number"]: parts(p) for p in record["problems"]}
            for kind, key in (("email", "email"), ("id", "student_id"), ("name", "name")):
                if record.get(key):
                    person = f"{kind}:{str(record[key]).casefold()}"
                    if people.setdefault(person, version) != version:
                        shared.add(person)
        return cls(graded, people, frozenset(shared))

    def version_of(self, row: Sequence[str], columns: Columns, version_column: int | None,
                   name: str) -> int | str:
        """The row's version, or why it has none."""
        if version_column is not None and version_column < len(row):
            typed = row[version_column].strip()
            if is_digits(typed) and int(typed) in self.parts:
                return int(typed)
        keys = [f"{kind}:{cell.casefold()}" for kind, cell in
                (("email", cell(row, columns.email)), ("id", student_id(row, columns))) if cell]
        keys += [f"name:{name.casefold()}"] if name else []
        for key in keys:
            if key in self.people and key not in self.shared:
                return self.people[key]
        if any(key in self.shared for key in keys):
            return "more than one student in the manifest has this name (give an e-mail or id)"
        return "no such student or version in the manifest"


def _pieces(cell: str, blanks: bool, count: int) -> dict[str, str]:
    """A cell holding every part of a problem (``count`` of them), by part number ('1', ...);
    Canvas's commas join blanks only where there are several ('0,5' alone is a number)."""
    cloze = dict(_CLOZE.findall(cell.casefold()))
    if cloze or not blanks or count == 1:
        return cloze or {"1": cell.replace("\\,", ",") if blanks else cell}
    return {str(k): p.replace("\\,", ",") for k, p in enumerate(_BLANKS.split(cell), start=1)}


def _typed(row: Sequence[str], answer_columns: Mapping[int, Column], problem: int,
           graded: Sequence[Part]) -> dict[str, str]:
    """What the student typed for each part of a problem, by part name."""
    typed: dict[str, str] = {}
    for index, (number, part, blanks) in answer_columns.items():
        if number != problem or index >= len(row) or not row[index]:
            continue
        cell = row[index]
        if part is None:
            pieces = _pieces(cell, blanks, len(graded))
            for k, p in enumerate(graded, start=1):
                if str(k) in pieces:
                    typed[p.name] = pieces[str(k)]
        elif is_digits(part):
            if 1 <= int(part) <= len(graded):
                typed[graded[int(part) - 1].name] = cell
        else:
            typed[part] = cell
    return typed


def _score(problem: int, index: int, part: Part, typed: str | None) -> PartScore:
    typed = None if typed is None or typed.strip() in UNANSWERED else typed
    value = parse_number(typed) if typed is not None else None
    note = None if value is not None else ("no answer" if typed is None else "not a number")
    score = int(value is not None and part.tolerance.accepts(part.value, value))
    if value is not None and not score and part.mistake is not None and \
            part.tolerance.accepts(part.mistake.value, value):
        note = "the typical mistake"
    return PartScore(problem, index, part.name, value, part.value, part.margin, score, note)


def grade_rows(data: Mapping[str, Any], rows: Sequence[tuple[int, list[str]]],
               where: str) -> GradeSheet:
    """Score every row below the header against the manifest."""
    try:
        release = _Release.of(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError(f"{where}: the manifest is malformed (edited by hand?)") from None
    if not any(any(ps for ps in problems.values()) for problems in release.parts.values()):
        raise InputError(f"{where}: the manifest has no graded numbers (no numeric problems)")
    if not rows:
        raise InputError(f"{where}: no rows")
    header = rows[0][1]
    columns = header_columns(header)
    plain = [header_key(c) for c in header]
    version_column = plain.index("version") if "version" in plain else None
    skip = {i for i in (columns.first, columns.last, columns.full, *columns.ids, columns.email,
                        version_column) if i is not None}
    at = f"{where}: line {rows[0][0]}"
    answer_columns = _answer_columns(header, skip, at)
    listed = ", ".join(f"'{c}'" for c in header[:12])
    if not answer_columns:
        raise InputError(f"{at}: no answer columns among {listed} (expected 'Response 1', "
                         "'Problem 1', 'p1' or 'p1.<part>')")
    if not columns.recognised and version_column is None:
        raise InputError(f"{at}: no column names the student among {listed} (expected a "
                         "name, e-mail, id or version column)")
    keys = [header_key(c) for c in header]
    body = [(line, row) for line, row in rows[1:] if not marker_row(row, columns)
            and (not columns.has_name
                 or header_key(student_name(row, columns, keys)) not in SKIPPED_ROWS)]
    students = [_grade_row(release, line, row, columns, keys, version_column, answer_columns)
                for line, row in body]
    return GradeSheet(data.get("seed"), students + _absent(data, release, students))


def _absent(data: Mapping[str, Any], release: _Release,
            students: Sequence[StudentGrade]) -> list[StudentGrade]:
    """The roster's students whose version no row of the file reached, every part unanswered."""
    reached = {s.version for s in students}
    found = []
    for record in data["versions"]:
        version = record["version"]
        if version in reached or not any(record.get(k) for k in ("name", "email", "student_id")):
            continue
        scores = [_score(problem, k, p, None) for problem, graded in
                  sorted(release.parts[version].items()) for k, p in enumerate(graded, start=1)]
        found.append(StudentGrade(None, str(record.get("name") or ""),
                                  str(record.get("student_id") or ""),
                                  str(record.get("email") or ""), version, tuple(scores)))
    return found


def _grade_row(release: _Release, line: int, row: list[str], columns: Columns,
               keys: Sequence[str], version_column: int | None,
               answer_columns: Mapping[int, Column]) -> StudentGrade:
    name = student_name(row, columns, keys) if columns.has_name else ""
    version = release.version_of(row, columns, version_column, name)
    if isinstance(version, str):
        return StudentGrade(line, name, student_id(row, columns), cell(row, columns.email),
                            None, (), version)
    scores = []
    for problem, graded in sorted(release.parts[version].items()):
        typed = _typed(row, answer_columns, problem, graded)
        scores.extend(_score(problem, k, p, typed.get(p.name))
                      for k, p in enumerate(graded, start=1))
    return StudentGrade(line, name, student_id(row, columns), cell(row, columns.email), version,
                        tuple(scores))


def grade_file(manifest: Path, answers: Path) -> GradeSheet:
    data = load_manifest(manifest)
    rows = read_table(answers, str(answers), MAX_ANSWERS, MAX_ROWS)
    return grade_rows(data, rows, str(answers))

