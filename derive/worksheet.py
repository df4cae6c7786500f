"""Derivation -> the values a worksheet template shows (all maths printed here, not there)."""

from __future__ import annotations

from typing import Any

from derive.model import Derivation, Section, Step
from derive.plots import plot_context
from derive.printing import latex
from derive.prose import Printers
from derive.render import Trusted, escape_latex
from derive.rules import margin

VERIFIED_MARK = {"symbolic": "S", "numeric": "N"}

#: Prose on a worksheet: words escaped, maths by the project's LaTeX printer.
LATEX_PROSE = Printers(
    words=escape_latex,
    math=lambda m: "$" + " = ".join(latex(e) for e in m.exprs) + "$",
    tex=lambda t: t.latex,
)


def _step(step: Step, settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "tex": Trusted(latex(step.after, **settings)),
        "rule": Trusted(margin(step.rule)),
        "rule_name": step.rule,
        "note": Trusted(step.note),
        "verified": step.verified,
        "mark": VERIFIED_MARK.get(step.verified, "?"),
    }


def _section(section: Section, settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": Trusted(section.title.render(LATEX_PROSE)),
        "lhs": Trusted(latex(section.lhs, **settings)) if section.lhs is not None else None,
        "start": Trusted(latex(section.start, **settings)),
        "steps": [_step(s, settings) for s in section.steps],
    }


def worksheet_context(derivation: Derivation, check_code: str, check_name: str) -> dict[str, Any]:
    """Everything the worksheet template needs, already printed."""
    settings = {"partial": len(derivation.symbols) > 1}
    return {
        "id": derivation.id,
        "title": derivation.title,
        "topic": derivation.topic,
        "kind": derivation.kind,
        "question": Trusted(derivation.question or _question(derivation, settings)),
        "statement": Trusted(latex(derivation.function, **settings)),
        "name": Trusted(latex_name(derivation.name)),
        "sections": [_section(s, settings) for s in derivation.sections],
        "results": [
            {
                "label": Trusted(latex(r.label, **settings)),
                "tex": Trusted(latex(r.expr, **settings)),
            }
            for r in derivation.results
        ],
        "assumptions": list(derivation.assumptions.sentences),
        "notes": [rich_text(note) for note in derivation.notes],
        "conventions": [Trusted(c) for c in derivation.conventions],
        "cross_check": derivation.cross_check,
        "check_code": check_code,
        "check_name": check_name,
        "plot": plot_context(derivation),
    }


def rich_pieces(text: str) -> list[tuple[str, Any]]:
    """User text split at `backticks`: ("text", str), ("math", expression) or ("code", str).

    The expressions go through the project's parser, never to TeX or HTML as typed;
    one that does not parse is kept as code.
    """
    from derive.errors import DeriveError
    from derive.parse import parse_expression

    pieces = text.split("`")
    out: list[tuple[str, Any]] = []
    for k, piece in enumerate(pieces):
        if k % 2 == 0 or k == len(pieces) - 1:
            out.append(("text", piece if k % 2 == 0 else "`" + piece))
            continue
        try:
            out.append(("math", parse_expression(piece, syntax="plain")))
        except DeriveError:
            out.append(("code", piece))
    return out


def rich_text(text: str) -> Trusted:
    """User text with `expressions` in backticks typeset as maths; the rest escaped."""
    printers = {
        "text": escape_latex,
        "math": lambda expr: f"${latex(expr)}$",
        "code": lambda piece: rf"\texttt{{{escape_latex(piece)}}}",
    }
    return Trusted("".join(printers[kind](value) for kind, value in rich_pieces(text)))


def latex_name(name: str) -> str:
    import sympy as sp

    return latex(sp.Symbol(name))


def _question(derivation: Derivation, settings: dict[str, Any]) -> str:
    names = ", ".join(f"${latex(r.label, **settings)}$" for r in derivation.results)
    return f"Find {names}."
