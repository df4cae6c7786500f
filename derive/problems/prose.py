"""Question text as segments of prose and mathematics, printed for LaTeX or for HTML.

Families write their questions once; the problem sheets get LaTeX (text
escaped, maths as given by our printer) and the Moodle quiz gets HTML with
MathJax delimiters (everything HTML-escaped).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from derive.render import escape_latex


@dataclass(frozen=True)
class Math:
    """Inline mathematics, already printed by the project's LaTeX printer."""

    tex: str


@dataclass(frozen=True)
class Display:
    """Displayed mathematics, already printed by the project's LaTeX printer."""

    tex: str


Segment = str | Math | Display

_LATEX = {str: escape_latex, Math: lambda m: f"${m.tex}$", Display: lambda d: f"\\[ {d.tex} \\]"}
_HTML = {
    str: html.escape,
    Math: lambda m: f"\\({html.escape(m.tex)}\\)",
    Display: lambda d: f"</p><p>\\[{html.escape(d.tex)}\\]</p><p>",
}


@dataclass(frozen=True)
class Prose:
    """A question: text and mathematics in reading order."""

    parts: tuple[Segment, ...]

    @classmethod
    def of(cls, *parts: Segment) -> Prose:
        return cls(tuple(parts))

    def latex(self) -> str:
        return "".join(_LATEX[type(p)](p) for p in self.parts)

    def html(self) -> str:
        body = "".join(_HTML[type(p)](p) for p in self.parts)
        return f"<p>{body}</p>".replace("<p></p>", "")
