"""A grade sheet: per student, per part scores; printed for the terminal, as CSV and as JSON.

Text cells written into the CSV (names, ids, e-mails, notes) are neutralised
against formula injection; numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derive.pdf import write_text_atomically
from derive.problems.table import neutral

ABSENT = "no row of the answers file is this student's"


@dataclass(frozen=True)
class PartScore:
    """One part of one student's answers."""

    problem: int
    index: int  # the part's place in its problem (versions may name their parts differently)
    part: str
    answer: float | None
    expected: float
    margin: float
    score: int
    note: str | None = None

    @property
    def column(self) -> str:
        return f"p{self.problem}.{self.index}"


@dataclass(frozen=True)
class StudentGrade:
    """One row of the answers file, matched to its version and scored (``line`` None: a student
    of the manifest with no row in the file, every part unanswered)."""

    line: int | None
    name: str
    student_id: str
    email: str
    version: int | None
    parts: tuple[PartScore, ...]
    error: str | None = None

    @property
    def score(self) -> int:
        return sum(p.score for p in self.parts)


@dataclass(frozen=True)
class GradeSheet:
    """Every row of an answers file, scored."""

    seed: Any
    students: list[StudentGrade]

    @property
    def columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for student in self.students:
            for part in student.parts:
                seen.setdefault(part.column, None)
        return sorted(seen, key=lambda c: (int(c[1:].split(".")[0]), c))

    def rows(self) -> list[list[str]]:
        """The CSV: one row per student, a score per part, the total and a note."""
        columns = self.columns
        table = [["name", "student_id", "email", "version", *columns, "score", "max", "note"]]
        for s in self.students:
            by_column = {p.column: str(p.score) for p in s.parts}
            notes = [s.error] if s.error else [ABSENT] if s.line is None else \
                [f"{p.column}: {p.note}" for p in s.parts if p.note]
            table.append([neutral(s.name), neutral(s.student_id), neutral(s.email),
                          "" if s.version is None else str(s.version),
                          *(by_column.get(c, "") for c in columns), str(s.score),
                          str(len(s.parts)), neutral("; ".join(notes))])
        return table

    def csv(self) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(self.rows())
        return buffer.getvalue()

    def json(self) -> dict[str, Any]:
        return {"kind": "grades", "seed": self.seed, "columns": self.columns, "students": [
            {"line": s.line, "name": s.name, "student_id": s.student_id or None,
             "email": s.email or None, "version": s.version, "score": s.score,
             "max": len(s.parts), "error": s.error,
             "parts": [{"problem": p.problem, "part": p.part, "answer": p.answer,
                        "expected": p.expected, "tolerance": p.margin, "score": p.score,
                        "column": p.column, "note": p.note} for p in s.parts]}
            for s in self.students]}

    def text(self) -> str:
        lines = []
        for s in self.students:
            who = s.name or s.email or s.student_id or f"line {s.line}"
            if s.line is None:
                lines.append(f"{who}  (version {s.version}): {ABSENT}")
            elif s.error:
                lines.append(f"line {s.line}  {who}: {s.error}")
            else:
                lines.append(f"line {s.line}  {who}  (version {s.version}): "
                             f"{s.score} of {len(s.parts)}")
        rows = [s for s in self.students if s.line is not None]
        graded = [s for s in rows if not s.error]
        absent = len(self.students) - len(rows)
        lines.append(f"{len(graded)} of {len(rows)} rows graded"
                     + (f"; {absent} of the manifest's students have no row" if absent else ""))
        return "\n".join(lines)

    def write(self, out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "grades.csv", out / "grades.json"]
        write_text_atomically(paths[0], self.csv())
        write_text_atomically(paths[1], json.dumps(self.json(), indent=2, ensure_ascii=False)
                              + "\n")
        return paths
