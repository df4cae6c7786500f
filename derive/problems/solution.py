"""The worked solution of a released problem as prose (LMS feedback: HTML or MathML).

The verified derivation, section by section: the heading (the engine's prose: words
escaped for HTML, maths by our printer) and the chain of steps as one displayed
``aligned`` block taken from the LaTeX the answer key printed (no second printing),
each step with its rule in words. The headings' segments become words and ``Printed``
LaTeX, which is what the manifest keeps (``derive.problems.printers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from derive.model import Derivation
from derive.printing import display_latex, math_latex
from derive.prose import Display, Math, Printed, Prose, Segment, Tex, Words, displayed


def _text_and_maths(text: str) -> list[Segment]:
    """Engine text with ``$...$`` maths (section titles, rule notes) as prose segments."""
    pieces = text.split("$")
    return [Printed(p) if k % 2 else Words(p) for k, p in enumerate(pieces) if p]


def _in_display(text: str) -> str:
    """Engine text with ``$...$`` maths, for a note inside displayed maths."""
    pieces = text.split("$")
    return "".join(p if k % 2 else rf"\text{{{p}}}" for k, p in enumerate(pieces) if p)


def _step(step: Mapping[str, Any]) -> str:
    note = _in_display(step["rule"])
    if step["note"]:
        note += r"\text{; }" + _in_display(step["note"])
    return rf"&= {step['tex']} && {note}"


_HEADING = {
    Words: lambda w: [w],
    Math: lambda m: [Printed(math_latex(m))],
    Display: lambda d: [displayed(display_latex(d))],
    Tex: lambda t: _text_and_maths(t.latex),
}


def _heading(title: Prose) -> list[Segment]:
    return [segment for part in title.parts for segment in _HEADING[type(part)](part)]


def _section(title: Prose, section: Mapping[str, Any]) -> list[Segment]:
    head = f"{section['lhs']} &= {section['start']}" if section["lhs"] is not None \
        else f"&{section['start']}"
    rows = [head, *(_step(s) for s in section["steps"])]
    chain = r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"
    return [*_heading(title), Words(":"), displayed(chain)]


def solution_prose(derivation: Derivation, sheet: Mapping[str, Any]) -> Prose:
    """The derivation and its results (``sheet``: their worksheet context), in reading order."""
    parts: list[Segment] = [Words("Worked solution (every step verified). ")]
    for section, printed in zip(derivation.sections, sheet["sections"], strict=True):
        parts.extend(_section(section.title, printed))
    rows = r" \\ ".join(f"{r['label']} &= {r['tex']}" for r in sheet["results"])
    parts.extend([Words("Result:"), displayed(r"\begin{aligned}" + rows + r"\end{aligned}")])
    return Prose(tuple(parts))
