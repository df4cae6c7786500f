"""Judge every transition of a parsed hand derivation: line k against line k - 1.

The first line's derivatives are evaluated (bounded), so ``d/dx f`` is
compared with the next line by value. A line that did not parse is reported
with its column and skipped: the next line is compared with the last line
that parsed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.bounded import run_bounded
from derive.errors import BudgetExceeded, ParseError
from derive.grade.equivalence import judge
from derive.grade.hints import Hint, find_hint
from derive.model import Assumptions

START, OK, WRONG, UNPARSED, UNDECIDED = "start", "ok", "wrong", "unparsed", "undecided"
SMALL_TREE = 400  # nodes: evaluated in process; larger trees in a bounded child
FILE_BUDGET = 20.0  # seconds of bounded symbolic work per file; then numeric tests only
MAX_ORDER_IN_PROCESS = 3  # total order of derivatives carried out in process


@dataclass(frozen=True)
class ParsedLine:
    """One step of the file: where it is, what was written, and the expression or the error."""

    number: int
    text: str
    justification: str = ""
    expr: Any = None
    error: ParseError | None = None


@dataclass(frozen=True)
class LineVerdict:
    """The verdict on one line; ``counterexample`` has the point and both lines' values."""

    line: ParsedLine
    status: str
    verified: str | None = None
    counterexample: dict[str, Any] | None = None
    hint: Hint | None = None
    error: str | None = None


def evaluated(expr: Any, slow: bool = True) -> Any:
    """``expr`` with its derivatives carried out, within a time budget for large trees."""
    if not expr.has(sp.Derivative):
        return expr
    if _size(expr) <= SMALL_TREE and _order(expr) <= MAX_ORDER_IN_PROCESS:
        return _carry_out(expr)
    if not slow:
        return expr
    try:
        return run_bounded(_carry_out, expr, seconds=2.0)
    except BudgetExceeded:
        return expr  # evaluated numerically, point by point


def _carry_out(expr: Any) -> Any:
    return expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit(deep=False))


def _order(expr: Any) -> int:
    return sum(int(count) if count.is_Integer else MAX_ORDER_IN_PROCESS + 1
               for d in expr.atoms(sp.Derivative) for _, count in d.variable_count)


def _size(expr: Any) -> int:
    count = 0
    for _ in sp.preorder_traversal(expr):
        count += 1
        if count > SMALL_TREE:
            break
    return count


def check_lines(lines: Sequence[ParsedLine], assumptions: Assumptions) -> list[LineVerdict]:
    """Verdicts for all lines; the first must have parsed (the caller checks)."""
    deadline = time.monotonic() + FILE_BUDGET
    first = lines[0]
    verdicts = [LineVerdict(first, START)]
    previous, before = first.expr, evaluated(first.expr)
    for line in lines[1:]:
        if line.error is not None:
            verdicts.append(LineVerdict(line, UNPARSED, error=str(line.error)))
            continue
        slow = time.monotonic() < deadline
        after = evaluated(line.expr, slow)
        verdicts.append(_transition(line, previous, before, after, assumptions, slow))
        previous, before = line.expr, after
    return verdicts


def _transition(line: ParsedLine, previous: Any, before: Any, after: Any,
                assumptions: Assumptions, slow: bool) -> LineVerdict:
    verdict = judge(before, after, assumptions, slow)
    if verdict.equal:
        return LineVerdict(line, OK, verified=verdict.how)
    if verdict.equal is None:
        return LineVerdict(line, UNDECIDED, error=f"neither proved nor refuted: {verdict.reason}")
    return LineVerdict(line, WRONG, counterexample=_shown(verdict.counterexample),
                       hint=_hint(previous, before, after, assumptions) if slow else None,
                       error=verdict.reason or None)


def _shown(counterexample: dict[str, Any] | None) -> dict[str, Any] | None:
    if counterexample is None:
        return None
    return {"point": counterexample.get("point", {}), "previous": counterexample.get("left"),
            "this": counterexample.get("right")}


def _hint(previous: Any, before: Any, after: Any, assumptions: Assumptions) -> Hint | None:
    try:
        return run_bounded(find_hint, previous, before, after, assumptions, seconds=3.0)
    except BudgetExceeded:
        return None
