"""Solved problems -> the values the problem and answer templates show (all maths printed here)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from derive.printing import latex
from derive.problems.families import Answer, label_tex
from derive.problems.solve import Solved
from derive.render import Trusted, render_tex
from derive.richtext import LATEX_PROSE

SIGNIFICANT = 4  # digits shown for numeric answers on the answer key


def number_tex(value: float) -> str:
    """A float for an answer key: four significant figures, no exponent noise for plain sizes."""
    text = f"{value:.{SIGNIFICANT}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _header(version: int, versions: int, name: str | None, seed: int) -> dict[str, Any]:
    return {"version": version, "versions": versions, "student": name or "", "seed": seed}


def _problem(number: int, item: Solved) -> dict[str, Any]:
    return {
        "number": number,
        "title": Trusted(item.derivation.title.render(LATEX_PROSE)),
        "question": Trusted(item.question.render(LATEX_PROSE)),
        "numeric": item.answers[0].value is not None,
    }


def _answer(number: int, item: Solved) -> dict[str, Any]:
    numbers = [
        {"label": Trusted(label_tex(item.derivation, a.label)), "at": Trusted(_where(a)),
         "value": Trusted(number_tex(a.value))}
        for a in item.answers if a.value is not None
    ]
    return {**_problem(number, item), "sections": item.lines["sections"],
            "results": item.lines["results"],
            "numbers": numbers, "check_line": item.check_line}


def _where(answer: Answer) -> str:
    if answer.where is not None:
        return answer.where
    return ", ".join(f"{k} = {latex(_rational(v))}" for k, v in sorted((answer.at or {}).items()))


def _rational(text: str) -> Any:
    import sympy as sp

    return sp.Rational(text)


def problems_tex(solved: Sequence[Solved], version: int, versions: int, name: str | None,
                 seed: int, templates: Path | None = None) -> str:
    """The student's sheet: questions and room to answer."""
    context = {**_header(version, versions, name, seed),
               "problems": [_problem(n, s) for n, s in enumerate(solved, start=1)]}
    return render_tex("problems.tex.j2", context, templates)


def answers_tex(solved: Sequence[Solved], version: int, versions: int, name: str | None,
                seed: int, templates: Path | None = None) -> str:
    """The answer key: every problem's verified steps and result (printed once per entry)."""
    context = {**_header(version, versions, name, seed),
               "problems": [_answer(n, s) for n, s in enumerate(solved, start=1)]}
    return render_tex("answers.tex.j2", context, templates)
