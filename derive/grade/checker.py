"""Judge every move of a parsed hand derivation against the state the lines before it left.

The state is the current value (what ``= ...`` continues from) and, once a
line sets something to zero or states an equation, the current equation.
Derivatives are evaluated (bounded; by a numeric gradient when matrices are
involved). After a wrong line the next lines are compared with what the
student wrote, so a line that follows correctly is marked "follows from line
k"; a line that is back on the right value is simply right.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from derive.bounded import run_bounded
from derive.errors import BudgetExceeded
from derive.grade.constraints import System, constrained_follows, find_constraint
from derive.grade.equations import follows
from derive.grade.equivalence import judge
from derive.grade.gradient import evaluated
from derive.grade.hints import Hint, find_hint
from derive.grade.reading import IMPLIES, START, Move, ParsedLine
from derive.model import Assumptions

OK, WRONG, UNPARSED, UNDECIDED = "ok", "wrong", "unparsed", "undecided"
FILE_BUDGET = 20.0  # seconds of bounded symbolic work per file; then numeric tests only
_RANK = {OK: 0, UNDECIDED: 1, WRONG: 2}
_EVALUATION_FAILURES = (TypeError, ValueError, AttributeError, ArithmeticError, KeyError,
                        IndexError, NotImplementedError, RecursionError)

__all__ = ["OK", "START", "UNDECIDED", "UNPARSED", "WRONG", "LineVerdict", "ParsedLine",
           "check_lines", "evaluated"]


@dataclass(frozen=True)
class LineVerdict:
    """The verdict on one line; ``counterexample`` has the point and both lines' values."""

    line: ParsedLine
    status: str
    verified: str | None = None
    counterexample: dict[str, Any] | None = None
    hint: Hint | None = None
    error: str | None = None
    follows_from: int | None = None


@dataclass
class State:
    """Where the derivation stands: the value ``=`` continues from, the equation, the unknown."""

    value: Any = None  # as written
    before: Any = None  # evaluated
    equation: tuple[Any, Any] | None = None
    unknown: Any = None
    wrong_line: int | None = None  # the wrong line the current value came from
    right: Any = None  # the last value known to be right (evaluated)
    constraint: Any = None  # a Lagrangian's multiplier and constraint (grade.constraints)
    system: Any = None  # its stationarity condition, once set to zero


def check_lines(lines: Sequence[ParsedLine], assumptions: Assumptions) -> list[LineVerdict]:
    """Verdicts for all lines; the first must have parsed (the caller checks)."""
    deadline = time.monotonic() + FILE_BUDGET
    state = State()
    verdicts = []
    moves = [m for line in lines for m in line.moves]
    solving = {id(m) for m, after in zip(moves, moves[1:], strict=False)
               if m.zero and after.kind == IMPLIES}
    for line in lines:
        if line.error is not None:
            status = WRONG if line.shapes_wrong else UNPARSED
            hint = _shape_hint(line, state) if line.shapes_wrong else None
            verdicts.append(LineVerdict(line, status, error=str(line.error), hint=hint))
            if line.shapes_wrong:
                state.wrong_line = line.number
            continue
        slow = time.monotonic() < deadline
        verdicts.append(_line(line, state, assumptions, slow, solving))
    return verdicts


def _line(line: ParsedLine, state: State, assumptions: Assumptions, slow: bool,
          solving: set[int]) -> LineVerdict:
    """The worst verdict of the line's moves; "= 0" sets the line to zero when an equation
    follows it (``solving``), else it is an ordinary step."""
    worst: LineVerdict | None = None
    checked = False
    moves = line.moves
    how = _states_constraint(line, state, assumptions)
    if how is not None:  # "\sum_k p_k = 1 => ...": the constraint, stated
        state.equation = (moves[0].expr, moves[1].expr)
        worst, checked, moves = LineVerdict(line, OK, verified=how), True, moves[2:]
    for move in moves:
        if move.zero and id(move) not in solving:
            move = replace(move, zero=False)
        try:
            verdict = _move(move, line, state, assumptions, slow)
        except _EVALUATION_FAILURES as exc:  # an expression the evaluators cannot take
            verdict = LineVerdict(line, UNDECIDED, error=f"cannot evaluate this line "
                                  f"({type(exc).__name__}: {str(exc)[:80]})")
        if verdict is None:
            continue
        checked = True
        if worst is None or _RANK[verdict.status] > _RANK[worst.status]:
            worst = verdict
    if not checked or worst is None:
        return LineVerdict(line, START)
    if worst.status == WRONG:
        state.wrong_line = line.number
    elif worst.status == OK and state.wrong_line is not None and worst.follows_from is None:
        worst = replace(worst, follows_from=state.wrong_line)
    return worst


def _move(move: Move, line: ParsedLine, state: State, assumptions: Assumptions,
          slow: bool) -> LineVerdict | None:
    if move.kind == START:
        after = evaluated(move.expr, slow)
        _constrain(state, move.expr)
        state.value, state.before, state.right = move.expr, after, after
        state.equation, state.wrong_line, state.system = None, None, None
        state.unknown = move.unknown if move.unknown is not None else _variable_of(move.expr)
        return None
    if move.kind == IMPLIES:
        return _implies(move, line, state, assumptions, slow)
    return _equals(move, line, state, assumptions, slow)


def _equals(move: Move, line: ParsedLine, state: State, assumptions: Assumptions,
            slow: bool) -> LineVerdict:
    after = evaluated(move.expr, slow)
    verdict = judge(state.before, after, assumptions, slow)
    if verdict.equal is not True and move.zero and state.equation is None and (
            move.expr == 0 or not state.value.has(sp.Derivative)):
        # "... = 0": the score set to zero; "x^2 = 4" before "=> x = 2": an equation
        state.equation = (state.value, move.expr)
        if state.constraint is not None and isinstance(state.unknown, sp.Indexed):
            state.system = System(state.constraint, state.before - after, state.unknown)
        return LineVerdict(line, OK, verified=None)
    outcome = _verdict(line, verdict, state, move, after, assumptions, slow)
    if state.equation is not None:
        state.equation = (state.equation[0], move.expr)
    state.value, state.before = move.expr, after
    if outcome.status == OK and outcome.follows_from is None and state.wrong_line is None:
        state.right = after
    return outcome


def _verdict(line: ParsedLine, verdict: Any, state: State, move: Move, after: Any,
             assumptions: Assumptions, slow: bool) -> LineVerdict:
    if verdict.equal:
        return LineVerdict(line, OK, verified=verdict.how)
    if state.wrong_line is not None and state.right is not None:
        back = judge(state.right, after, assumptions, slow)
        if back.equal:
            state.wrong_line = None
            return LineVerdict(line, OK, verified=back.how)
    if verdict.equal is None:
        return LineVerdict(line, UNDECIDED, error=f"neither proved nor refuted: {verdict.reason}")
    hint = _hint(state.value, state.before, after, assumptions) if slow else None
    return LineVerdict(line, WRONG, counterexample=_shown(verdict.counterexample), hint=hint,
                       error=verdict.reason or None)


def _implies(move: Move, line: ParsedLine, state: State, assumptions: Assumptions,
             slow: bool) -> LineVerdict:
    lhs, rhs = evaluated(move.expr, slow), evaluated(move.rhs, slow)
    if state.equation is not None:
        old = tuple(evaluated(side, slow) for side in state.equation)
    else:
        old = (state.before, sp.S.Zero)  # "=> x = 1" after a derivative: it was set to zero
    verdict = follows(old, (lhs, rhs), state.unknown, assumptions)
    if verdict.equal is not True and state.system is not None:
        verdict = constrained_follows(state.system, (lhs, rhs), assumptions)
    state.equation = (move.expr, move.rhs)
    state.value, state.before = move.rhs, rhs
    if verdict.equal:
        return LineVerdict(line, OK, verified=verdict.how)
    if verdict.equal is None:
        return LineVerdict(line, UNDECIDED, error=f"neither proved nor refuted: {verdict.reason}")
    return LineVerdict(line, WRONG, counterexample=_shown(verdict.counterexample),
                       error=verdict.reason or None)


def _states_constraint(line: ParsedLine, state: State, assumptions: Assumptions) -> str | None:
    """How it was proved that the line starts by stating the Lagrangian's constraint
    (``lhs = rhs``, either sign); None when it does not."""
    if state.system is None or not line.segments or line.segments[0][0] != "" or len(
            line.segments[0][1]) != 2 or len(line.moves) < 2:
        return None
    first, second = line.moves[:2]
    if first.kind != "equals" or second.kind != "equals":
        return None
    stated = first.expr - second.expr
    condition = state.system.constraint.condition
    for sign in (1, -1):
        verdict = judge(stated + sign * condition, sp.S.Zero, assumptions)
        if verdict.equal:
            return verdict.how
    return None


def _constrain(state: State, expr: Any) -> None:
    """A Lagrangian starts a constrained problem; its derivative continues it; any other
    start ends it."""
    if isinstance(expr, sp.Derivative) and state.constraint is not None and expr.expr.has(
            state.constraint.multiplier):
        return
    state.constraint = find_constraint(expr)


def _variable_of(expr: Any) -> Any:
    """The variable of the outermost derivative in ``expr``, if any."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Derivative):
            return node.variable_count[0][0]
    return None


def _shown(counterexample: dict[str, Any] | None) -> dict[str, Any] | None:
    if counterexample is None:
        return None
    return {"point": counterexample.get("point", {}),
            "previous": counterexample.get("left"), "this": counterexample.get("right")}



def _hint(previous: Any, before: Any, after: Any, assumptions: Assumptions) -> Hint | None:
    try:
        return run_bounded(find_hint, previous, before, after, assumptions, seconds=3.0)
    except BudgetExceeded:
        return None


def _shape_hint(line: ParsedLine, state: State) -> Hint | None:
    """Which transpose would make the clashing matrices fit, in the shape the line must have:
    that of the derivative the line starts with, else of the value it continues."""
    from derive.grade.shapehints import expected_shape, shape_hint

    expr = line.partial[-1].expr if line.partial else state.before
    return shape_hint(line.mismatch, expected_shape(expr)) if line.mismatch else None
