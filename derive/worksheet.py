"""Derivation -> the values a worksheet template shows (all maths printed here, not there)."""

from __future__ import annotations

import re
from typing import Any

from derive.model import Derivation, Section, Step
from derive.plots import plot_context
from derive.printing import latex
from derive.render import Trusted, escape_latex
from derive.rules import margin
from derive.texbreak import LINE, latex_lines, tex_width

VERIFIED_MARK = {"symbolic": "S", "numeric": "N"}


def _row(lines: list[str], steps: list[Step]) -> dict[str, Any]:
    """One displayed line: its LaTeX (continuation lines apart) and the steps it stands for.

    Steps that print the same as the line before add their rule to it instead of repeating
    it: every step stays proved and named, and no line says nothing new.
    """
    rules = [s.rule for s in steps]
    how = {s.verified for s in steps}
    mark = "N" if "numeric" in how else VERIFIED_MARK.get(next(iter(how), ""), "?")
    return {
        "tex": Trusted(lines[0]),
        "more": [Trusted(line) for line in lines[1:]],
        "rule": Trusted("; ".join(dict.fromkeys(margin(r) for r in rules))),
        "rule_name": rules[0] if rules else "",
        "rules": rules,
        "note": Trusted("; ".join(s.note for s in steps if s.note)),
        "verified": steps[0].verified if steps else "",
        "mark": mark,
    }


def _section(section: Section, settings: dict[str, Any]) -> dict[str, Any]:
    lhs = latex(section.lhs, **settings) if section.lhs is not None else None
    width = LINE - tex_width(lhs or "")
    start = latex(section.start, **settings)
    groups: list[tuple[Any, list[Step]]] = [(section.start, [])]
    shown = start
    for step in section.steps:
        tex = latex(step.after, **settings)
        if tex == shown:
            groups[-1][1].append(step)
            continue
        groups.append((step.after, [step]))
        shown = tex
    rows = [_row(latex_lines(expr, width, **settings), steps) for expr, steps in groups]
    head = rows[0]
    return {
        "title": Trusted(section.title),
        "lhs": Trusted(lhs) if lhs is not None else None,
        "start": head["tex"],
        "start_more": head["more"],
        "start_rule": head["rule"] if head["rules"] else None,
        "start_mark": head["mark"],
        "steps": rows[1:],
    }


def worksheet_context(derivation: Derivation, check_code: str, check_name: str) -> dict[str, Any]:
    """Everything the worksheet template needs, already printed."""
    settings = {"partial": len(derivation.symbols) > 1}
    extras = derivation.extras
    return {
        "id": derivation.id,
        "title": derivation.title,
        "topic": derivation.topic,
        "kind": derivation.kind,
        "question": Trusted(extras.get("question_tex") or _question(derivation, settings)),
        "statement": [Trusted(t) for t in latex_lines(derivation.function, LINE, **settings)],
        "name": Trusted(latex_name(extras.get("name", "f"))),
        "sections": [_section(s, settings) for s in derivation.sections],
        "results": [
            {
                "label": Trusted(latex(r.label, **settings)),
                "tex": Trusted(latex(r.expr, **settings)),
                "lines": [Trusted(t) for t in latex_lines(r.expr, LINE - 60, **settings)],
            }
            for r in derivation.results
        ],
        "assumptions": [assumption_tex(s) for s in derivation.assumptions.sentences],
        "notes": [rich_text(note) for note in derivation.notes],
        "conventions": [Trusted(c) for c in extras.get("conventions", ())],
        "cross_check": extras.get("cross_check", {}),
        "check_code": check_code,
        "check_name": check_name,
        "plot": plot_context(derivation),
    }


def rich_text(text: str) -> Trusted:
    """User text with `expressions` in backticks typeset as maths; the rest escaped.

    The expressions go through the project's parser and printer, never to TeX as typed;
    one that does not parse is shown as escaped text in typewriter type.
    """
    from derive.errors import DeriveError
    from derive.parse import parse_expression

    pieces = text.split("`")
    out = []
    for k, piece in enumerate(pieces):
        if k % 2 == 0 or k == len(pieces) - 1:
            out.append(escape_latex(piece if k % 2 == 0 else "`" + piece))
            continue
        try:
            out.append(f"${latex(parse_expression(piece, syntax='plain'))}$")
        except DeriveError:
            out.append(rf"\texttt{{{escape_latex(piece)}}}")
    return Trusted("".join(out))


def latex_name(name: str) -> str:
    import sympy as sp

    return latex(sp.Symbol(name))


def _question(derivation: Derivation, settings: dict[str, Any]) -> str:
    names = ", ".join(f"${latex(r.label, **settings)}$" for r in derivation.results)
    return f"Find {names}."


_WORDS = {"integer": r"\in \mathbb{Z}", "real": r"\in \mathbb{R}", "positive": "> 0",
          "nonnegative": r"\ge 0", "non-negative": r"\ge 0"}
_RELATIONS = {">=": r"\ge", "<=": r"\le", ">": ">", "<": "<"}
_PIECE = re.compile(r"\s*(>=|<=|>|<|[A-Za-z][A-Za-z0-9_]*|\d+(?:\.\d+)?)")


def assumption_tex(sentence: str) -> Trusted:
    """A stated assumption ('lambda > 0', '0 < p < 1', 'n integer', 'S symmetric') as maths:
    names through the printer, relations as symbols, words as text."""
    out, rest = [], sentence.strip()
    name, _, words = rest.partition(" ")
    if words.startswith("symmetric"):
        return Trusted(f"${latex_name(name)}$ {escape_latex(words)}")
    while rest:
        match = _PIECE.match(rest)
        if match is None:
            return Trusted(escape_latex(sentence))
        piece = match.group(1)
        rest = rest[match.end():].lstrip()
        if piece in _RELATIONS:
            out.append(_RELATIONS[piece])
        elif piece in _WORDS:
            out.append(_WORDS[piece])
        elif piece in ("is", "an", "a"):
            continue
        elif piece[0].isdigit():
            out.append(piece)
        else:
            out.append(latex_name(piece))
    return Trusted("$" + " ".join(out) + "$")
