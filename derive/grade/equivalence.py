"""Are two lines equal? Three outcomes: equal (how), not equal (a counterexample), undecided.

Fast path first: identical trees, then values at real points of each
variable's domain (a few readable ones, then random ones; sums at the concrete
N each point draws, with random data), then a cheap symbolic test to say
"symbolic" instead of "numeric". Only when the points cannot decide does a
bounded simplification run in a child process. Matrix lines go through
``derive.verify.compare`` (explicit random matrices).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import sympy as sp

from derive import numeric, verify
from derive.bounded import run_bounded
from derive.engine.matrix.expressions import is_matrix
from derive.errors import BudgetExceeded
from derive.model import Assumptions
from derive.numeric import Point, Unevaluable, ctx, make_point, real_value
from derive.verify import NUMERIC, SYMBOLIC, Verdict

POINTS = 24
NICE_POINTS = 3
MAX_TRIES = 120
EQUAL = ctx.mpf(10) ** -18
DIFFERENT = ctx.mpf(10) ** -9
NOTHING_ASSUMED = Assumptions()
MAX_EXPANDED_POWER = 12
SECONDS = 3.0  # wall-clock budget of the numeric test; past it the test is undecided


def variables(*exprs: sp.Basic) -> tuple[sp.Symbol, ...]:
    """The free symbols of the expressions, by name (indexed entries are drawn per point)."""
    found: set[sp.Symbol] = set()
    for expr in exprs:
        labels = {b.label for b in expr.atoms(sp.IndexedBase)}
        found |= {s for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in labels}
    return tuple(sorted(found, key=lambda s: (s.name, str(s.assumptions0))))


def close(a: Any, b: Any) -> bool | None:
    """True when equal to 18 digits, False when apart by more than 1e-9, else None."""
    return numeric.close(a, b, EQUAL, DIFFERENT)


def points(symbols: tuple[sp.Symbol, ...], assumptions: Assumptions,
           seed: int = 0) -> Iterable[Point]:
    """Readable points first, then random ones, ``MAX_TRIES`` in all."""
    for k in range(MAX_TRIES):
        nice = k if k < NICE_POINTS else None
        yield make_point(symbols, assumptions, seed * 1000 + k, nice)


def counterexample(point: Point, left: Any, right: Any) -> dict[str, Any]:
    return {"point": point.shown(), "left": float(left), "right": float(right)}


def numerically(before: sp.Basic, after: sp.Basic, assumptions: Assumptions,
                needed: int = POINTS, seed: int = 0) -> Verdict:
    """Compare values at real points where both sides are defined and real."""
    agreed = 0
    deadline = time.monotonic() + SECONDS
    for point in points(variables(before, after), assumptions, seed):
        if time.monotonic() > deadline:
            break
        try:
            left = real_value(before, point)
            right = real_value(after, point)
        except Unevaluable:
            continue
        verdict = close(left, right)
        if verdict is False:
            return Verdict(False, counterexample=counterexample(point, left, right))
        if verdict:
            agreed += 1
            if agreed >= needed:
                return Verdict(True, NUMERIC)
    return Verdict(None, reason=f"only {agreed} of {needed} points gave real values on both sides")


def judge(before: Any, after: Any, assumptions: Assumptions = NOTHING_ASSUMED,
          slow: bool = True) -> Verdict:
    """Equal symbolically or numerically, or a counterexample, or undecided.

    ``slow=False`` skips the bounded simplification (a file's time budget is spent).
    """
    if is_matrix(before) or is_matrix(after):
        return _matrices(before, after, assumptions)
    if before == after:
        return Verdict(True, SYMBOLIC)
    numeric = numerically(before, after, assumptions)
    if numeric.equal is False:
        return numeric
    if numeric.equal:
        return Verdict(True, SYMBOLIC) if _cheaply_equal(before, after) else numeric
    if not slow:
        return numeric
    try:
        if run_bounded(verify.symbolically_equal, before, after, 2.0, seconds=3.0):
            return Verdict(True, SYMBOLIC)
    except BudgetExceeded:
        pass
    return numeric


def _cheaply_equal(before: sp.Basic, after: sp.Basic) -> bool:
    """verify.quickly_equal (expansion), only on trees where expanding cannot blow up."""
    if not (_tame(before) and _tame(after)):
        return False
    try:
        return verify.quickly_equal(before, after)
    except (TypeError, ValueError, RecursionError):
        return False


def _tame(expr: sp.Basic) -> bool:
    if expr.has(sp.Sum, sp.Product, sp.Derivative) or sp.count_ops(expr) > verify.SMALL_OPS:
        return False
    return all(not p.exp.is_Number or abs(p.exp) <= MAX_EXPANDED_POWER
               for p in expr.atoms(sp.Pow))


def _matrices(before: Any, after: Any, assumptions: Assumptions) -> Verdict:
    if not (is_matrix(before) and is_matrix(after)):
        return Verdict(False, counterexample={"point": {}, "left": _kind(before),
                                              "right": _kind(after)},
                       reason="a matrix on one side, a scalar on the other")
    if before.shape != after.shape:
        return Verdict(False, counterexample={"point": {}, "left": _shape(before),
                                              "right": _shape(after)},
                       reason=f"shapes differ: {_shape(before)} and {_shape(after)}")
    try:
        return verify.compare(before, after, assumptions, seconds=3.0)
    except (TypeError, ValueError, ArithmeticError) as exc:
        return Verdict(None, reason=f"cannot evaluate the matrices ({exc})")


def _shape(expr: Any) -> str:
    return " x ".join(str(d) for d in expr.shape)


def _kind(expr: Any) -> str:
    return f"matrix {_shape(expr)}" if is_matrix(expr) else "scalar"
