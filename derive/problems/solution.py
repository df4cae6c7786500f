"""The worked solution of a released problem as HTML with MathJax delimiters (LMS feedback).

The verified derivation, section by section: the title as text with inline maths
and the chain of steps as one displayed ``aligned`` block, each step with its rule
in words. Everything goes through ``Prose``, the one HTML printer of problem text.
"""

from __future__ import annotations

from functools import lru_cache

from derive.model import Derivation, Result, Section, Step
from derive.printing import latex
from derive.problems.prose import Display, Math, Prose, Segment
from derive.rules import margin


def _text_and_maths(text: str) -> list[Segment]:
    """Engine text with ``$...$`` maths (section titles, rule notes) as prose segments."""
    pieces = text.split("$")
    return [Math(p) if k % 2 else p for k, p in enumerate(pieces) if p]


def _in_display(text: str) -> str:
    """Engine text with ``$...$`` maths, for a note inside displayed maths."""
    pieces = text.split("$")
    return "".join(p if k % 2 else rf"\text{{{p}}}" for k, p in enumerate(pieces) if p)


def _step(step: Step, partial: bool) -> str:
    note = _in_display(margin(step.rule))
    if step.note:
        note += r"\text{; }" + _in_display(step.note)
    return rf"&= {latex(step.after, partial=partial)} && {note}"


def _section(section: Section, partial: bool) -> list[Segment]:
    start = latex(section.start, partial=partial)
    head = f"{latex(section.lhs, partial=partial)} &= {start}" if section.lhs is not None \
        else f"&{start}"
    rows = [head, *(_step(s, partial) for s in section.steps)]
    chain = r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"
    return [*_text_and_maths(section.title), ":", Display(chain)]


def solution_prose(derivation: Derivation) -> Prose:
    """The derivation and its boxed results, in reading order."""
    return _prose(derivation.sections, derivation.results, len(derivation.symbols) > 1)


@lru_cache(maxsize=512)  # variants that share an entry (another point, another sample) share it
def _prose(sections: tuple[Section, ...], results: tuple[Result, ...], partial: bool) -> Prose:
    parts: list[Segment] = ["Worked solution (every step verified). "]
    for section in sections:
        parts.extend(_section(section, partial))
    rows = r" \\ ".join(
        f"{latex(r.label, partial=partial)} &= {latex(r.expr, partial=partial)}" for r in results)
    parts.extend(["Result:", Display(r"\begin{aligned}" + rows + r"\end{aligned}")])
    return Prose(tuple(parts))


def solution_html(derivation: Derivation) -> str:
    return solution_prose(derivation).html()
