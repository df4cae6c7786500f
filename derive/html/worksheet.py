"""Derivation -> the values an HTML worksheet shows: every formula as MathML, printed here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sympy as sp
from markupsafe import Markup, escape

from derive.html.mathml import latex_text, mathml
from derive.html.plot import plot_svg
from derive.model import Derivation, Section, Step
from derive.printing import display_latex, latex, math_latex
from derive.prose import Printers
from derive.render import render_html
from derive.richtext import assumption_tex, formula_latex, rich_prose
from derive.rules import margin
from derive.textout import UNICODE_PROSE

#: how each step was proved, in words (the PDF's marks are S and N)
#: Prose on a page: words escaped, maths as MathML, hand-written LaTeX through the converter.
HTML_PROSE = Printers(
    words=lambda words: str(escape(words)),
    math=lambda m: str(mathml(math_latex(m))),
    display=lambda d: str(mathml(display_latex(d), display=True)),
    printed=lambda p: str(mathml(p.tex, display=p.display)),
    tex=lambda t: str(latex_text(t.latex)),
    formula=lambda f: str(mathml(formula_latex(f))),
    code=lambda piece: str(Markup("<code>{}</code>").format(piece)),
)

PROVED = {"symbolic": "symbolically", "numeric": "numerically"}


def _step(step: Step, settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "math": mathml("= " + latex(step.after, **settings)),
        "rule": latex_text(margin(step.rule)),
        "note": Markup(step.note.render(HTML_PROSE)) if step.note else None,
        "verified": step.verified,
        "proved": PROVED.get(step.verified, "not verified"),
    }


def _section(section: Section, settings: dict[str, Any]) -> dict[str, Any]:
    start = latex(section.start, **settings)
    if section.lhs is not None:
        start = f"{latex(section.lhs, **settings)} = {start}"
    return {
        "title": Markup(section.title.render(HTML_PROSE)),
        "start": mathml(start),
        "steps": [_step(s, settings) for s in section.steps],
    }


def rich_html(text: str, shapes: dict[str, tuple[Any, Any]] | None = None) -> Markup:
    """User text with `expressions` in backticks as MathML; the rest escaped."""
    return Markup(rich_prose(text, shapes).render(HTML_PROSE))


def _question(derivation: Derivation, settings: dict[str, Any]) -> Markup:
    if derivation.question:
        return Markup(derivation.question.render(HTML_PROSE))
    names = Markup(", ").join(mathml(latex(r.label, **settings)) for r in derivation.results)
    return Markup("Find {}.").format(names)


def sheet_context(derivation: Derivation, check_code: str, check_name: str) -> dict[str, Any]:
    """Everything ``worksheet.html.j2`` needs, already printed."""
    settings = {"partial": len(derivation.symbols) > 1}
    name = latex(sp.Symbol(derivation.name))
    return {
        "id": derivation.id,
        "title": Markup(derivation.title.render(HTML_PROSE)),
        "title_text": derivation.title.render(UNICODE_PROSE),
        "topic": derivation.topic,
        "kind": derivation.kind,
        "question": _question(derivation, settings),
        "statement": mathml(f"{name} = {latex(derivation.function, **settings)}", display=True),
        "sections": [_section(s, settings) for s in derivation.sections],
        "results": [
            mathml(f"{latex(r.label, **settings)} = {latex(r.expr, **settings)}", display=True)
            for r in derivation.results
        ],
        "assumptions": [latex_text(assumption_tex(s)) for s in derivation.assumptions.sentences],
        "notes": [Markup(note.render(HTML_PROSE)) for note in derivation.notes],
        "conventions": [Markup(c.render(HTML_PROSE)) for c in derivation.conventions],
        "method": [Markup(m.render(HTML_PROSE)) for m in derivation.method],
        "cross_check": bool(derivation.cross_check),
        "independent_route": Markup(derivation.independent_route.render(HTML_PROSE)),
        "check_code": check_code,  # the whole script: a page can hold it, a reader copies it
        "check_name": check_name,
        "plot": plot_svg(derivation),
    }


def html_sheet(derivation: Derivation, check_code: str, check_name: str,
               templates: Path | None = None) -> str:
    """The standalone HTML worksheet of a verified derivation."""
    context = sheet_context(derivation, check_code, check_name)
    names = [f"{derivation.kind}.html.j2", "worksheet.html.j2"]
    return render_html(names, context, templates)
