"""The outcome of checking a derivation: JSON per the contract, and text for a terminal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from derive.grade.checker import OK, START, UNDECIDED, UNPARSED, WRONG, LineVerdict
from derive.grade.typed import as_typed
from derive.model import Assumptions

MARKS = {START: " ", OK: "✓", WRONG: "✗", UNPARSED: "?", UNDECIDED: "~"}
TEXT_WIDTH = 60


@dataclass(frozen=True, repr=False)
class CheckReport:
    """Verdicts on every line (the first is the start) and the stated assumptions; shown in a
    Python session as the terminal report."""

    lines: tuple[LineVerdict, ...]
    assumptions: Assumptions = Assumptions()

    @property
    def steps(self) -> tuple[LineVerdict, ...]:
        """The lines that are steps: every line but those that only start (or define)."""
        return tuple(v for v in self.lines if v.status != START)

    @property
    def first_error(self) -> int | None:
        """The number of the first line that is wrong (an undecided line is not an error)."""
        return next((v.line.number for v in self.steps if v.status == WRONG), None)

    @property
    def exit_code(self) -> int:
        """0 all right; 1 a wrong (or unprovable) line; 2 a line that did not parse."""
        statuses = {v.status for v in self.steps}
        if WRONG in statuses or UNDECIDED in statuses:
            return 1
        return 2 if UNPARSED in statuses else 0

    def json(self) -> dict[str, Any]:
        """DESIGN "check --json": one entry per step (a line that only starts is none)."""
        return {"kind": "check", "steps": [_step_json(v) for v in self.steps],
                "first_error": self.first_error}

    def text(self) -> str:
        """Each line as typed, with its mark; under a wrong line the counterexample and the hint."""
        out = []
        for verdict in self.lines:
            line = verdict.line
            shown = _shorten(line.text)
            out.append(f"{line.number:>3} {MARKS[verdict.status]} {shown:<{TEXT_WIDTH}}  "
                       f"{status_words(verdict)}")
            out.extend(f"        {extra}" for extra in _details(verdict))
        out.append("")
        out.append(_summary(self))
        return "\n".join(out)

    def __repr__(self) -> str:
        return self.text()

    __str__ = __repr__

    def _repr_html_(self) -> str:
        """Jupyter: the terminal report, escaped, in a <pre> block."""
        import html

        return f"<pre>{html.escape(self.text())}</pre>"

    def _repr_latex_(self) -> str:
        """Jupyter: each line re-printed by our printer, with its mark and verdict."""
        return report_latex(self)


def status_words(verdict: LineVerdict) -> str:
    """``start``, ``ok (symbolic)``, ``ok (numeric, follows from line 3)``, ``wrong``, ..."""
    if verdict.status == START:
        return "start"
    if verdict.status != OK:
        return verdict.status
    how = [verdict.verified] if verdict.verified else []
    if verdict.follows_from is not None:
        how.append(f"follows from line {verdict.follows_from}")
    return f"ok ({', '.join(how)})" if how else "ok"


def _step_json(verdict: LineVerdict) -> dict[str, Any]:
    return {"line": verdict.line.number, "status": verdict.status, "verified": verdict.verified,
            "counterexample": verdict.counterexample,
            "hint": verdict.hint.text() if verdict.hint else None, "error": verdict.error,
            "follows_from": verdict.follows_from}


def _details(verdict: LineVerdict) -> list[str]:
    details = []
    if verdict.counterexample:
        details.append(counterexample_text(verdict.counterexample, verdict.line.number))
    if verdict.hint:
        details.append(f"hint: {verdict.hint.unicode()}")
    if verdict.error:
        details.append(verdict.error)
    return details


def number_text(value: Any) -> str:
    """A value of a counterexample as shown: a float to 6 significant digits."""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def typeset_counterexample(example: dict[str, Any], number: int, maths: Callable[[str], str],
                           words: Callable[[str], str], name: Callable[[str], str]) -> str:
    """The counterexample's sentence for a typeset page: each coordinate and each number as
    ``maths`` (of its LaTeX; ``name`` a variable's), any other value (a shape) as ``words``."""
    def value(v: Any) -> str:
        shown = number_text(v)
        try:
            float(shown)
        except ValueError:
            return words(shown)
        return maths(shown)

    return counterexample_text(example, number, lambda k, v: maths(f"{name(k)} = {v}"), value)


def counterexample_text(example: dict[str, Any], number: int,
                        assigned: Callable[[str, str], str] = lambda k, v: f"{k} = {v}",
                        value: Callable[[Any], str] = number_text) -> str:
    """``at x = 1.5: the previous line gives 0.2588, line 3 gives 0.0863``; ``assigned``
    writes one coordinate of the point, ``value`` a side's value (the feedback PDF's maths)."""
    point = ", ".join(assigned(k, number_text(v)) for k, v in example.get("point", {}).items())
    where = f"at {point}: " if point else ""
    return (f"{where}the previous line gives {value(example.get('previous'))}, "
            f"line {number} gives {value(example.get('this'))}")



def _shorten(text: str) -> str:
    return text if len(text) <= TEXT_WIDTH else text[: TEXT_WIDTH - 1] + "…"


def _summary(report: CheckReport) -> str:
    wrong = [v for v in report.steps if v.status == WRONG]
    unparsed = [v for v in report.steps if v.status == UNPARSED]
    undecided = [v for v in report.steps if v.status == UNDECIDED]
    if not (wrong or unparsed or undecided):
        return "the step is right" if len(report.steps) == 1 else (
            f"all {len(report.steps)} steps are right")
    parts = []
    if wrong:
        parts.append(f"first error at line {report.first_error}"
                     + (f" ({len(wrong)} wrong lines)" if len(wrong) > 1 else ""))
    following = [v for v in report.steps if v.follows_from is not None]
    if following:
        parts.append(_count(following, "later line follows", "later lines follow")
                     + " correctly from a wrong one")
    if unparsed:
        parts.append(_count(unparsed, "line", "lines") + " not understood")
    if undecided:
        parts.append(_count(undecided, "step", "steps") + " neither proved nor refuted")
    return "; ".join(parts)


def _count(items: list, one: str, many: str) -> str:
    """``1 line`` or ``3 lines``."""
    return f"{len(items)} {one if len(items) == 1 else many}"


JUPYTER_MARKS = {START: "", OK: r"\color{green}{\checkmark}", WRONG: r"\color{red}{\times}",
                 UNPARSED: r"\color{orange}{?}", UNDECIDED: r"\color{orange}{\sim}"}


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
