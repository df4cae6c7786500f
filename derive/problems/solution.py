"""The worked solution of a released problem as HTML with MathJax delimiters (LMS feedback).

The verified derivation, section by section, from the LaTeX the answer key printed
(no second printing): the title as text with inline maths and the chain of steps as
one displayed ``aligned`` block, each step with its rule in words. Everything goes
through ``Prose``, the one HTML printer of problem text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from derive.problems.prose import Display, Math, Prose, Segment


def _text_and_maths(text: str) -> list[Segment]:
    """Engine text with ``$...$`` maths (section titles, rule notes) as prose segments."""
    pieces = text.split("$")
    return [Math(p) if k % 2 else p for k, p in enumerate(pieces) if p]


def _in_display(text: str) -> str:
    """Engine text with ``$...$`` maths, for a note inside displayed maths."""
    pieces = text.split("$")
    return "".join(p if k % 2 else rf"\text{{{p}}}" for k, p in enumerate(pieces) if p)


def _step(step: Mapping[str, Any]) -> str:
    note = _in_display(step["rule"])
    if step["note"]:
        note += r"\text{; }" + _in_display(step["note"])
    return rf"&= {step['tex']} && {note}"


def _section(section: Mapping[str, Any]) -> list[Segment]:
    head = f"{section['lhs']} &= {section['start']}" if section["lhs"] is not None \
        else f"&{section['start']}"
    rows = [head, *(_step(s) for s in section["steps"])]
    chain = r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"
    return [*_text_and_maths(section["title"]), ":", Display(chain)]


def solution_prose(sheet: Mapping[str, Any]) -> Prose:
    """The derivation and its results from a printed worksheet context, in reading order."""
    parts: list[Segment] = ["Worked solution (every step verified). "]
    for section in sheet["sections"]:
        parts.extend(_section(section))
    rows = r" \\ ".join(f"{r['label']} &= {r['tex']}" for r in sheet["results"])
    parts.extend(["Result:", Display(r"\begin{aligned}" + rows + r"\end{aligned}")])
    return Prose(tuple(parts))


def solution_html(sheet: Mapping[str, Any]) -> str:
    return solution_prose(sheet).html()
