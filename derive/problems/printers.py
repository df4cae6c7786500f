"""A problem's prose for each export: the sheets' LaTeX, Moodle's HTML with MathJax
delimiters, QTI's XHTML with MathML, and the manifest's record of its segments.

Families write their questions once as ``derive.prose.Prose`` (words and ``Printed``
LaTeX); the manifest keeps the segments (``prose_record``) so that every export prints
from them. Words are escaped for each target; sympy maths is printed by the project's
LaTeX printer first.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from derive.errors import InputError
from derive.printing import display_latex, math_latex
from derive.prose import Code, Display, Formula, Math, Printed, Printers, Prose, Tex, Words
from derive.richtext import LATEX_PROSE, formula_latex


def mathml(tex: str, display: bool = False) -> str:
    """One formula of our printer as a MathML ``<math>`` element (inline or block)."""
    from derive.html.mathml import mathml

    return str(mathml(tex, display))


def _printers(inline: Callable[[str], str], block: Callable[[str], str]) -> Printers:
    """Printers for one web target, from how it writes inline and displayed LaTeX."""
    return Printers(
        words=html.escape,
        math=lambda m: inline(math_latex(m)),
        display=lambda d: block(display_latex(d)),
        printed=lambda p: block(p.tex) if p.display else inline(p.tex),
        tex=lambda t: html.escape(t.text),  # hand-written notation: its plain form
        formula=lambda f: inline(formula_latex(f)),
        code=lambda c: f"<code>{html.escape(c)}</code>",
    )


#: Moodle: HTML with MathJax delimiters, everything escaped.
QUIZ_HTML = _printers(lambda t: f"\\({html.escape(t)}\\)",
                      lambda t: f"</p><p>\\[{html.escape(t)}\\]</p><p>")
#: QTI item bodies and feedback: XHTML paragraphs with MathML.
QTI_MATHML = _printers(mathml, lambda t: f"</p><p>{mathml(t, display=True)}</p><p>")


def prose_latex(prose: Prose) -> str:
    """The prose on a problem sheet."""
    return prose.render(LATEX_PROSE)


def _paragraphs(prose: Prose, printers: Printers) -> str:
    return f"<p>{prose.render(printers)}</p>".replace("<p></p>", "")


def prose_html(prose: Prose) -> str:
    """HTML paragraphs with MathJax delimiters (Moodle's questions and feedback)."""
    return _paragraphs(prose, QUIZ_HTML)


def prose_mathml(prose: Prose) -> str:
    """XHTML paragraphs with MathML maths (QTI item bodies and feedback)."""
    return _paragraphs(prose, QTI_MATHML)


_RECORD: dict[type, Callable[[Any], list[str]]] = {
    Words: lambda w: ["text", w.text],
    Printed: lambda p: ["display" if p.display else "math", p.tex],
    Math: lambda m: ["math", math_latex(m)],
    Display: lambda d: ["display", display_latex(d)],
    Formula: lambda f: ["math", formula_latex(f)],
    Tex: lambda t: ["text", t.text],
    Code: lambda c: ["text", c.text],
}
_OF_KIND: dict[str, Callable[[str], Any]] = {
    "text": Words, "math": Printed, "display": lambda tex: Printed(tex, display=True)}


def prose_record(prose: Prose) -> list[list[str]]:
    """The segments as JSON: ``[kind, text]`` pairs, kind ``text``, ``math`` or ``display``."""
    return [_RECORD[type(p)](p) for p in prose.parts]


def prose_from_record(record: Sequence[Sequence[str]], where: str) -> Prose:
    """The segments back from ``prose_record``; anything else is an error naming ``where``."""
    try:
        return Prose(tuple(_OF_KIND[kind](str(text)) for kind, text in record))
    except (KeyError, TypeError, ValueError):
        raise InputError(f"{where}: not a derive manifest (malformed prose)") from None
