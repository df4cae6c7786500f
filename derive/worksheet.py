"""Derivation -> the values a worksheet template shows (all maths printed here, not there)."""

from __future__ import annotations

from typing import Any

from derive.listing import sheet_listing
from derive.model import Derivation, Section, Step
from derive.plots import plot_context
from derive.printing import RELATION_TEX, latex
from derive.render import Trusted
from derive.richtext import LATEX_PROSE, assumption_tex
from derive.rules import margin
from derive.texbreak import LINE, latex_lines, tex_width

VERIFIED_MARK = {"symbolic": "S", "numeric": "N"}


def _row(whole: str, lines: list[str], steps: list[Step]) -> dict[str, Any]:
    """One displayed line: its LaTeX (continuation lines apart) and the steps it stands for.

    Steps that print the same as the line before add their rule to it instead of repeating
    it: every step stays proved and named, and no line says nothing new.
    """
    rules = [s.rule for s in steps]
    how = {s.verified for s in steps}
    mark = "N" if "numeric" in how else VERIFIED_MARK.get(next(iter(how), ""), "?")
    first = lines[0]
    if first.startswith("-"):  # -x at the start of an align cell: unary, not "= {} - x"
        first = "{-}" + first[1:]
    return {
        "tex": Trusted(first),
        "more": [Trusted(line) for line in lines[1:]],
        "whole": Trusted(whole),  # unbroken, for pages that wrap by themselves (HTML)
        "rule": Trusted("; ".join(dict.fromkeys(margin(r) for r in rules))),
        "rule_name": rules[0] if rules else "",
        "rules": rules,
        "note": Trusted("; ".join(s.note.render(LATEX_PROSE) for s in steps if s.note)),
        "verified": steps[0].verified if steps else "",
        "mark": mark,
    }


def _section(section: Section, settings: dict[str, Any]) -> dict[str, Any]:
    lhs = latex(section.lhs, **settings) if section.lhs is not None else None
    width = LINE - tex_width(lhs or "")
    start = latex(section.start, **settings)
    groups: list[tuple[Any, str, list[Step]]] = [(section.start, start, [])]
    for step in section.steps:
        tex = latex(step.after, **settings)
        if tex == groups[-1][1]:
            groups[-1][2].append(step)
            continue
        groups.append((step.after, tex, [step]))
    rows = [_row(tex, latex_lines(expr, width, **settings), steps) for expr, tex, steps in groups]
    head = rows[0]
    title = section.title.render(LATEX_PROSE)
    return {
        "title": Trusted(title),
        "lhs": Trusted(lhs) if lhs is not None else None,
        "start": head["tex"],
        "start_more": head["more"],
        "start_whole": head["whole"],
        "start_rule": head["rule"] if head["rules"] else None,
        "start_mark": head["mark"],
        "steps": rows[1:],
    }


def worksheet_context(derivation: Derivation, check_code: str, check_name: str) -> dict[str, Any]:
    """Everything the worksheet template needs, already printed."""
    settings = {"partial": len(derivation.symbols) > 1}
    return {
        "id": derivation.id,
        "title": Trusted(derivation.title.render(LATEX_PROSE)),
        "topic": derivation.topic,
        "kind": derivation.kind,
        "question": Trusted(derivation.question.render(LATEX_PROSE)
                            if derivation.question else _question(derivation, settings)),
        "statement": [Trusted(t) for t in latex_lines(
            derivation.statement if derivation.statement is not None else derivation.function,
            LINE, **settings)],
        "name": Trusted(latex_name(derivation.name)),
        **derivation_lines(derivation),
        "assumptions": [assumption_tex(s) for s in derivation.assumptions.sentences],
        "notes": [Trusted(note.render(LATEX_PROSE)) for note in derivation.notes],
        "conventions": [Trusted(c.render(LATEX_PROSE)) for c in derivation.conventions],
        "method": [Trusted(m.render(LATEX_PROSE)) for m in derivation.method],
        "cross_check": derivation.cross_check,
        "independent_route": Trusted(derivation.independent_route.render(LATEX_PROSE)),
        "check_code": _listing(check_code, check_name),
        "check_name": check_name,
        "plot": plot_context(derivation),
    }


def derivation_lines(derivation: Derivation) -> dict[str, Any]:
    """The derivation's sections and results printed (what an answer key shows of it)."""
    settings = {"partial": len(derivation.symbols) > 1}
    return {
        "sections": [_section(s, settings) for s in derivation.sections],
        "results": [
            {
                "label": Trusted(latex(r.label, **settings)),
                "relation": Trusted(RELATION_TEX[r.relation]),
                "tex": Trusted(latex(r.expr, **settings)),
                "lines": [Trusted(t) for t in latex_lines(r.expr, LINE - 60, **settings)],
            }
            for r in derivation.results
        ],
    }


def _listing(check_code: str, check_name: str) -> str:
    """The check script's own part (``derive.listing``), trusted as the script was."""
    shown = sheet_listing(check_code, check_name)
    return Trusted(shown) if isinstance(check_code, Trusted) else shown


def latex_name(name: str) -> str:
    import sympy as sp

    return latex(sp.Symbol(name))


def _question(derivation: Derivation, settings: dict[str, Any]) -> str:
    names = ", ".join(f"${latex(r.label, **settings)}$" for r in derivation.results)
    return f"Find {names}."


