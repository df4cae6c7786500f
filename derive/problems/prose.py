"""Question text as segments of prose and mathematics, printed for LaTeX, HTML or MathML.

Families write their questions once; the problem sheets get LaTeX (text
escaped, maths as given by our printer), the Moodle quiz gets HTML with
MathJax delimiters (everything HTML-escaped) and the QTI package XHTML with
MathML (through derive.html.mathml). The manifest keeps the segments
(``record``) so that every export prints from them.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from derive.errors import InputError
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


def mathml(tex: str, display: bool = False) -> str:
    """One formula of our printer as a MathML ``<math>`` element (inline or block)."""
    from derive.html.mathml import mathml

    return str(mathml(tex, display))


_MATHML = {
    str: html.escape,
    Math: lambda m: mathml(m.tex),
    Display: lambda d: f"</p><p>{mathml(d.tex, display=True)}</p><p>",
}
_KIND = {str: ("text", str), Math: ("math", lambda m: m.tex),
         Display: ("display", lambda d: d.tex)}
_OF_KIND = {"text": str, "math": Math, "display": Display}


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

    def mathml(self) -> str:
        """XHTML paragraphs with MathML maths (QTI item bodies and feedback)."""
        body = "".join(_MATHML[type(p)](p) for p in self.parts)
        return f"<p>{body}</p>".replace("<p></p>", "")

    def record(self) -> list[list[str]]:
        """The segments as JSON: ``[kind, text]`` pairs, kind ``text``, ``math`` or ``display``."""
        return [[_KIND[type(p)][0], _KIND[type(p)][1](p)] for p in self.parts]

    @classmethod
    def from_record(cls, record: Sequence[Sequence[str]], where: str) -> Prose:
        """The segments back from ``record()``; anything else is an error naming ``where``."""
        try:
            return cls(tuple(_OF_KIND[kind](str(text)) for kind, text in record))
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{where}: not a derive manifest (malformed prose)") from None
