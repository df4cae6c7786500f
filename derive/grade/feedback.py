"""The feedback PDF: every line re-printed by our printer, never the student's TeX.

What reaches TeX is either LaTeX produced by ``derive.printing`` from the
parsed expression (marked trusted), or the student's text escaped in one pass.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from derive.grade.checker import OK, START, UNDECIDED, UNPARSED, WRONG, LineVerdict
from derive.grade.reading import ParsedLine
from derive.grade.report import CheckReport, counterexample_text, status_words
from derive.grade.typed import line_latex
from derive.parse.lines import detect_syntax

TEMPLATE = "feedback.tex.j2"
MARKS = {
    START: "",
    OK: r"\textcolor{OliveGreen}{$\checkmark$}",
    WRONG: r"\textcolor{BrickRed}{$\boldsymbol{\times}$}",
    UNPARSED: r"\textcolor{BurntOrange}{\textbf{?}}",
    UNDECIDED: r"\textcolor{BurntOrange}{$\sim$}",
}
JUPYTER_MARKS = {START: "", OK: r"\color{green}{\checkmark}", WRONG: r"\color{red}{\times}",
                 UNPARSED: r"\color{orange}{?}", UNDECIDED: r"\color{orange}{\sim}"}
COLOURS = {WRONG: "BrickRed", UNPARSED: "BurntOrange", UNDECIDED: "BurntOrange"}
STATUS = {START: "where the derivation starts", OK: "right", WRONG: "wrong",
          UNPARSED: "not understood", UNDECIDED: "neither proved nor refuted"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def feedback_tex(report: CheckReport, name: str) -> str:
    """The LaTeX source of the feedback sheet."""
    from derive.render import Trusted, render_tex

    context = {
        "name": name,
        "summary": report.text().splitlines()[-1],
        "assumptions": list(report.assumptions.sentences),
        "lines": [_line(v, Trusted) for v in report.lines],
    }
    return render_tex(TEMPLATE, context)


def _line(verdict: LineVerdict, trusted: Any) -> dict[str, Any]:
    line = verdict.line
    details: list[Any] = []
    if verdict.counterexample:
        details.append(counterexample_text(verdict.counterexample, line.number))
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


def as_typed(line: ParsedLine) -> str | None:
    """The line as the student typed it, in LaTeX; None for a plain-syntax line (shown as text)."""
    latex = line.latex if line.error is None else detect_syntax(line.text) == "latex"
    return line_latex(line.segments) if latex else None


def report_latex(report: CheckReport) -> str:
    """The report for Jupyter (MathJax): each line as typed, its mark and its verdict."""
    from derive.render import escape_latex

    rows = []
    for verdict in report.lines:
        line = verdict.line
        typed = as_typed(line)
        math = typed if typed is not None else r"\texttt{" + escape_latex(line.text) + "}"
        words = escape_latex(status_words(verdict))
        rows.append(rf"{line.number} & {JUPYTER_MARKS[verdict.status]} & {math} & "
                    r"\text{" + words + "}")
    summary = escape_latex(report.text().splitlines()[-1])
    return ("$$\\begin{array}{rcll}\n" + " \\\\\n".join(rows)
            + f"\n\\end{{array}}\\\\ \\text{{{summary}}}$$")


def write_feedback(report: CheckReport, out: Path, name: str) -> Path:
    """Compile the feedback sheet to ``OUT/<name>-feedback.pdf`` (its .tex beside it)."""
    from derive.pdf import compile_pdf, write_text_atomically

    stem = _SAFE_NAME.sub("-", name).strip("-") or "derivation"
    tex = feedback_tex(report, name)
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out / f"{stem}-feedback.tex", tex)
    return compile_pdf(tex, out / f"{stem}-feedback.pdf")
