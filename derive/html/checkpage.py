"""A checked hand derivation as HTML: each line as read (MathML), its mark, hint and counterexample.

The student's own text is shown escaped, never converted; the maths shown is what
the parser read, printed by the project's printer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sympy as sp
from markupsafe import Markup, escape

from derive.grade.checker import OK, START, UNDECIDED, UNPARSED, WRONG, LineVerdict, ParsedLine
from derive.grade.report import CheckReport, typeset_counterexample
from derive.html.mathml import latex_text, mathml
from derive.printing import latex
from derive.render import render_html
from derive.richtext import assumption_tex

MARKS = {START: "", OK: "\u2713", WRONG: "\u2717", UNPARSED: "?", UNDECIDED: "~"}
STATUS = {START: "start", OK: "right", WRONG: "wrong", UNPARSED: "not understood",
          UNDECIDED: "neither proved nor refuted"}
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def read_as(line: ParsedLine, first: bool) -> Markup | None:
    """How the parser read a line, as MathML (``= ...`` after the first line)."""
    if line.expr is None:
        return None
    return mathml(("" if first else "= ") + latex(line.expr))


def _hint(verdict: LineVerdict) -> Markup | None:
    if verdict.hint is None:
        return None
    words = verdict.hint.name[:1].upper() + verdict.hint.name[1:]
    parts = [escape(p) if isinstance(p, str) else mathml(latex(p)) for p in verdict.hint.parts]
    return Markup("{}: {}").format(words, Markup("").join(parts))


def counterexample(example: dict[str, Any], number: int) -> Markup:
    """The point and the two sides' values as MathML (as the feedback PDF typesets them);
    the sentence's own words are fixed text, every value went through mathml or escape."""
    return Markup(typeset_counterexample(example, number, lambda tex: str(mathml(tex)),
                                         lambda text: str(escape(text)),
                                         lambda name: latex(sp.Symbol(name))))


def verdict_row(verdict: LineVerdict, first: bool = False) -> dict[str, Any]:
    """One line of the verdict table."""
    line = verdict.line
    example = verdict.counterexample
    return {
        "number": line.number,
        "source": line.text,
        "justification": line.justification,
        "math": read_as(line, first),
        "status": verdict.status,
        "mark": MARKS[verdict.status],
        "word": STATUS[verdict.status],
        "verified": verdict.verified,
        "counterexample": counterexample(example, line.number) if example else None,
        "hint": _hint(verdict),
        "error": verdict.error,
    }


def report_context(report: CheckReport) -> dict[str, Any]:
    """The verdict table and the summary line of a checked derivation."""
    return {
        "rows": [verdict_row(v, first=k == 0) for k, v in enumerate(report.lines)],
        "summary": report.text().splitlines()[-1],
        "first_error": report.first_error,
        "assumptions": [latex_text(assumption_tex(s)) for s in report.assumptions.sentences],
    }


def preview_rows(lines: Sequence[ParsedLine]) -> list[dict[str, Any]]:
    """How each line was read, without judging it (the live preview)."""
    return [{"number": line.number, "source": line.text, "math": read_as(line, k == 0),
             "error": str(line.error) if line.error else None}
            for k, line in enumerate(lines)]


def feedback_html(report: CheckReport, name: str) -> str:
    """A standalone feedback page for a checked file."""
    return render_html("feedback.html.j2", {"name": name, **report_context(report)})


def write_feedback_html(report: CheckReport, out: Path, name: str) -> Path:
    """Write ``OUT/<name>-feedback.html``."""
    from derive.pdf import write_text_atomically

    stem = _SAFE_NAME.sub("-", name).strip("-") or "derivation"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{stem}-feedback.html"
    write_text_atomically(path, feedback_html(report, name))
    return path
