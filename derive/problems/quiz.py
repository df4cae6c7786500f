"""The quiz a released set makes, read from manifest records: items per problem, graded parts.

Moodle XML, the QTI package and the grader all read the same records through
here, so a part's value, tolerance and typical mistake mean one thing everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from derive.problems.printers import prose_from_record
from derive.problems.tolerance import Tolerance, from_record
from derive.prose import Prose


@dataclass(frozen=True)
class Mistake:
    """A distractor: the number the typical mistake gives, its margin and its hint."""

    value: float
    margin: float
    hint: str


@dataclass(frozen=True)
class Part:
    """One graded number of a problem."""

    name: str
    label: str  # LaTeX
    value: float
    tolerance: Tolerance
    mistake: Mistake | None

    @property
    def margin(self) -> float:
        return self.tolerance.margin(self.value)


@dataclass(frozen=True)
class Item:
    """One variant of one problem: what an LMS imports as a question."""

    seed: int
    version: int
    number: int
    family: str
    title: str
    question_html: str
    solution_html: str
    question: Prose
    solution: Prose
    parts: tuple[Part, ...]

    @property
    def ident(self) -> str:
        """Stable across runs: the set's seed, the problem and the version."""
        return f"derive-{self.seed}-p{self.number}-v{self.version}"

    @property
    def name(self) -> str:
        return f"derive {self.seed} p{self.number} v{self.version} {self.family}"


def parts(problem: Mapping[str, Any]) -> tuple[Part, ...]:
    """The graded numbers of a problem record (those released with a tolerance)."""
    found = []
    for answer in problem["answers"]:
        numeric = answer.get("numeric") or {}
        if "tolerance_mode" not in numeric:
            continue
        tolerance = from_record(numeric)
        mistake = None
        if "mistake" in numeric:
            value = float(numeric["mistake"]["value"])
            mistake = Mistake(value, tolerance.margin(value), str(numeric["mistake"]["hint"]))
        found.append(Part(answer["name"], answer["label"], float(numeric["value"]), tolerance,
                          mistake))
    return tuple(found)


def _item(seed: int, version: int, problem: Mapping[str, Any]) -> Item:
    where = f"version {version}, problem {problem['number']}"
    solution = problem.get("solution", {})
    return Item(seed, version, problem["number"], problem["family"],
                problem["entry"].get("title", problem["family"]), problem["question"]["html"],
                solution.get("html", ""), prose_from_record(problem["question"]["prose"], where),
                prose_from_record(solution.get("prose", []), where), parts(problem))


def items(seed: int, records: Sequence[Mapping[str, Any]]) -> list[Item]:
    """Every released variant, by problem number, then version."""
    found = [_item(seed, record["version"], problem)
             for record in records for problem in record["problems"]]
    return sorted(found, key=lambda i: (i.number, i.version))


def by_problem(found: Sequence[Item]) -> dict[int, list[Item]]:
    groups: dict[int, list[Item]] = {}
    for item in found:
        groups.setdefault(item.number, []).append(item)
    return groups
