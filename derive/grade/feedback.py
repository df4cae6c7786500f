"""The feedback PDF: every line re-printed by our printer, never the student's TeX.

What reaches TeX is either LaTeX produced by ``derive.printing`` from the
parsed expression (marked trusted), or the student's text escaped in one pass.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from derive.grade.checker import OK, START, UNDECIDED, UNPARSED, WRONG, LineVerdict
from derive.grade.report import CheckReport, status_words, typeset_counterexample
from derive.grade.typed import as_typed

TEMPLATE = "feedback.tex.j2"
MARKS = {
    START: "",
    OK: r"\textcolor{OliveGreen}{$\checkmark$}",
    WRONG: r"\textcolor{BrickRed}{$\boldsymbol{\times}$}",
    UNPARSED: r"\textcolor{BurntOrange}{\textbf{?}}",
    UNDECIDED: r"\textcolor{BurntOrange}{$\sim$}",
}
COLOURS = {WRONG: "BrickRed", UNPARSED: "BurntOrange", UNDECIDED: "BurntOrange"}
STATUS = {START: "where the derivation starts", OK: "right", WRONG: "wrong",
          UNPARSED: "not understood", UNDECIDED: "neither proved nor refuted"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def feedback_tex(report: CheckReport, name: str) -> str:
    """The LaTeX source of the feedback sheet."""
    from derive.render import Trusted, render_tex
    from derive.richtext import assumption_tex

    context = {
        "name": name,
        "summary": report.text().splitlines()[-1],
        "assumptions": [assumption_tex(s) for s in report.assumptions.sentences],
        "lines": [_line(v, Trusted) for v in report.lines],
    }
    return render_tex(TEMPLATE, context)


def _line(verdict: LineVerdict, trusted: Any) -> dict[str, Any]:
    line = verdict.line
    details: list[Any] = []
    if verdict.counterexample:
        details.append(trusted(_counterexample_tex(verdict.counterexample, line.number)))
    if verdict.hint:
        details.append(trusted(r"\textbf{Hint.} " + verdict.hint.latex()))
    if verdict.error:
        details.append(verdict.error)
    typed = as_typed(line)
    return {
        "number": line.number,
        "mark": trusted(MARKS[verdict.status]),
        "status": status_words(verdict),
        "justification": line.justification,
        "math": trusted(typed) if typed is not None else "",
        "prefix": trusted(""),
        "source": line.text,
        "details": details,
        "colour": COLOURS.get(verdict.status, "NavyBlue"),
    }


def _counterexample_tex(example: dict[str, Any], number: int) -> str:
    """The counterexample's sentence with its names and numbers typeset as maths
    (``at $\\lambda = 1.5$``), any other value (a shape) escaped as words."""
    import sympy as sp

    from derive.printing import latex
    from derive.render import escape_latex

    return typeset_counterexample(example, number, lambda tex: f"${tex}$", escape_latex,
                                  lambda name: latex(sp.Symbol(name)))


def write_feedback(report: CheckReport, out: Path, name: str) -> Path:
    """Compile the feedback sheet to ``OUT/<name>-feedback.pdf`` (its .tex beside it)."""
    from derive.pdf import compile_pdf, write_text_atomically

    stem = _SAFE_NAME.sub("-", name).strip("-") or "derivation"
    tex = feedback_tex(report, name)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out / f"{stem}-feedback.tex", tex)
    return compile_pdf(tex, out / f"{stem}-feedback.pdf")
