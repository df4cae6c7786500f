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
from dataclasses import replace
from fractions import Fraction
from typing import Any

import sympy as sp

from derive import numeric, symbolic, verify
from derive.bounded import run_bounded
from derive.engine.matrix.expressions import is_matrix
from derive.errors import BudgetExceeded
from derive.model import Assumptions
from derive.numeric import Point, Unevaluable, ctx, make_point, real_value
from derive.verify import NUMERIC, SYMBOLIC, Verdict

POINTS = 24
NICE_POINTS = 3
#: Whole numbers and simple fractions: (-8)^(1/3) and (-1)^n are real there.
SIMPLE_VALUES = tuple(tuple(Fraction(v) for v in row) for row in (
    ("2", "-1", "3", "1", "-2"), ("-3", "1", "-2", "2", "3"),
    ("1/2", "-3/2", "1/3", "-2/3", "5/2"), ("-1/2", "3/2", "-1/3", "2/3", "1/4")))
MAX_TRIES = 120
EQUAL = ctx.mpf(10) ** -18
DIFFERENT = ctx.mpf(10) ** -9
NOTHING_ASSUMED = Assumptions()
MAX_EXPANDED_POWER = 12
CONSTANT_DIGITS = 120
GRADIENT_POINTS = 4
MATRIX_POINTS = 8  # random instances; each compares every entry of the matrices
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
    """Readable points first, then whole numbers and simple fractions (where powers of a
    negative base are real), then random ones, ``MAX_TRIES`` in all."""
    return (point for point, _ in labelled_points(symbols, assumptions, seed))


def labelled_points(symbols: tuple[sp.Symbol, ...], assumptions: Assumptions,
                    seed: int = 0) -> Iterable[tuple[Point, bool]]:
    """The points of :func:`points`, each with True when it is a readable one (its values
    may be whole numbers, where a function's kink can sit)."""
    for k in range(MAX_TRIES):
        if k < NICE_POINTS:
            yield make_point(symbols, assumptions, seed * 1000 + k, k), True
        elif k < NICE_POINTS + len(SIMPLE_VALUES):
            yield _simple_point(symbols, assumptions, seed * 1000 + k, k - NICE_POINTS), True
        else:
            yield make_point(symbols, assumptions, seed * 1000 + k, None), False


def _simple_point(symbols: tuple[sp.Symbol, ...], assumptions: Assumptions, seed: int,
                  k: int) -> Point:
    """A point of whole numbers or simple fractions inside each symbol's domain."""
    base = make_point(symbols, assumptions, seed, None)
    values = dict(base.values)
    for j, symbol in enumerate(symbols):
        if symbol.is_integer or symbol.name in assumptions.integer:
            continue
        domain = assumptions.domain(symbol.name)
        low = 0.2 if symbol.is_positive and domain.low <= 0 else domain.low
        row = SIMPLE_VALUES[k]
        for offset in range(len(row)):
            value = row[(j + offset) % len(row)]
            if low <= value <= domain.high:
                values[symbol] = ctx.mpf(value.numerator) / value.denominator
                break
    return Point(values, seed, assumptions)


def counterexample(point: Point, left: Any, right: Any) -> dict[str, Any]:
    return {"point": point.shown(), "left": shown_number(left), "right": shown_number(right)}


def shown_number(value: Any) -> float | str:
    """A float, or the number in words when no float holds it (``6.2e+1056``)."""
    number = float(value)
    return number if number not in (float("inf"), float("-inf")) else ctx.nstr(value, 6)


def numerically(before: sp.Basic, after: sp.Basic, assumptions: Assumptions,
                needed: int = POINTS, seed: int = 0) -> Verdict:
    """Compare values at real points where both sides are defined and real.

    A difference at a readable point alone (the kink of max(0, 1 - yz) at y = z = 1)
    refutes only when no random point is real; otherwise a random point must confirm it
    (and the readable point is shown).
    """
    agreed = random_agreed = 0
    held: dict[str, Any] | None = None
    deadline = time.monotonic() + SECONDS
    for point, simple in labelled_points(variables(before, after), assumptions, seed):
        if time.monotonic() > deadline or agreed >= needed:
            break
        try:
            left = real_value(before, point)
            right = real_value(after, point)
        except Unevaluable:
            continue
        verdict = close(left, right)
        if verdict is False and not simple:  # the readable point is the one to show
            return Verdict(False, counterexample=held or counterexample(point, left, right))
        if verdict is False:
            held = held or counterexample(point, left, right)
        elif verdict:
            agreed += 1
            random_agreed += not simple
    if held is not None and not random_agreed:
        return Verdict(False, counterexample=held)
    if agreed >= needed:
        return Verdict(True, NUMERIC)
    return Verdict(None, reason=f"only {agreed} of {needed} points gave real values on both sides")


def judge(before: Any, after: Any, assumptions: Assumptions = NOTHING_ASSUMED,
          slow: bool = True) -> Verdict:
    """Equal symbolically or numerically, or a counterexample, or undecided.

    ``slow=False`` skips the bounded simplification (a file's time budget is spent).
    """
    if is_matrix(before) or is_matrix(after) or sp.Tuple(before, after).has(sp.MatrixSymbol):
        return _matrices(before, after, assumptions)
    if before == after:
        return Verdict(True, SYMBOLIC)
    if not variables(before, after) and not sp.Tuple(before, after).has(sp.Indexed):
        return _constants(before, after, slow)
    numeric = numerically(before, after, assumptions)
    if numeric.equal is False:
        return numeric
    if numeric.equal and _odd_roots(before, after):
        real = numerically(real_roots(before), real_roots(after), assumptions, seed=3)
        if real.equal is False:
            return Verdict(False, counterexample=real.counterexample,
                           reason="with the real odd root of a negative number")
    if numeric.equal:
        return Verdict(True, SYMBOLIC) if _cheaply_equal(before, after) else numeric
    if not slow:
        return numeric
    try:
        if run_bounded(symbolic.symbolically_equal, before, after, 2.0, seconds=3.0):
            return Verdict(True, SYMBOLIC)
    except BudgetExceeded:
        pass
    return numeric


def _constants(before: Any, after: Any, slow: bool) -> Verdict:
    """Two numbers: apart at 120 digits is wrong; equal there, proved exactly if possible.
    A definite integral is known only to quadrature's 24 digits: it is compared as values
    at a point are (equal to 18 digits, apart beyond 1e-9)."""
    approximate = sp.Tuple(before, after).has(sp.Integral)
    point = Point({}, 0) if approximate else Point({}, 0, digits=CONSTANT_DIGITS)
    try:
        left, right = real_value(before, point), real_value(after, point)
    except Unevaluable as exc:
        return Verdict(None, reason=f"a side has no real value ({exc})")
    agree = close(left, right) if approximate else True
    if agree is None:
        return Verdict(None, reason="the integral's value is too imprecise to decide")
    if agree is False:
        return Verdict(False, counterexample={"point": {}, "left": shown_number(left),
                                              "right": shown_number(right)})
    with ctx.workdps(CONSTANT_DIGITS):
        gap = abs(left - right)
        apart = ctx.mpf(10) ** (10 - CONSTANT_DIGITS) * (1 + max(abs(left), abs(right)))
        if not approximate and gap > apart:
            if float(left) == float(right):  # apart beyond a float's 16 digits
                shown = {"left": ctx.nstr(left, 30), "right": ctx.nstr(right, 30)}
            else:
                shown = {"left": shown_number(left), "right": shown_number(right)}
            return Verdict(False, counterexample={"point": {}, **shown})
    if _cheaply_equal(before, after):
        return Verdict(True, SYMBOLIC)
    if slow:
        try:
            if run_bounded(symbolic.symbolically_equal, before, after, 2.0, seconds=3.0):
                return Verdict(True, SYMBOLIC)
        except BudgetExceeded:
            pass
    return Verdict(True, NUMERIC)


def _odd_roots(*exprs: Any) -> bool:
    return any(isinstance(p.exp, sp.Rational) and not p.exp.is_Integer and p.exp.q % 2 == 1
               for e in exprs for p in e.atoms(sp.Pow))


def real_roots(expr: Any) -> Any:
    """``expr`` with x^(p/q), q odd, read as the real root: sign(x)^p |x|^(p/q)."""
    def real(power: sp.Pow) -> Any:
        base, exponent = power.args
        return sp.sign(base) ** exponent.p * sp.Abs(base) ** exponent

    return expr.replace(lambda e: isinstance(e, sp.Pow) and isinstance(e.exp, sp.Rational)
                        and not e.exp.is_Integer and e.exp.q % 2 == 1, real)


def _cheaply_equal(before: sp.Basic, after: sp.Basic) -> bool:
    """symbolic.quickly_equal (expansion), only on trees where expanding cannot blow up."""
    if not (_tame(before) and _tame(after)):
        return False
    try:
        return symbolic.quickly_equal(before, after)
    except (TypeError, ValueError, RecursionError):
        return False


def _tame(expr: sp.Basic) -> bool:
    if expr.has(sp.Sum, sp.Product, sp.Derivative) or sp.count_ops(expr) > symbolic.SMALL_OPS:
        return False
    return all(not p.exp.is_Number or abs(p.exp) <= MAX_EXPANDED_POWER
               for p in expr.atoms(sp.Pow))


def with_inverse_sizes(assumptions: Assumptions, *exprs: Any) -> Assumptions:
    """The assumptions, with the sizes that make every inverse exist: X^T X (or X X^T) is
    invertible only when X has at least as many rows (columns) as columns (rows)."""
    pairs = set(assumptions.size_order)
    for expr in exprs:
        for inverse in getattr(expr, "atoms", lambda *_: ())(sp.Inverse, sp.Determinant):
            for product in sp.preorder_traversal(inverse.arg):
                if not isinstance(product, sp.MatMul):
                    continue
                for left, right in zip(product.args, product.args[1:], strict=False):
                    if isinstance(left, sp.Transpose) and left.arg == right:
                        pairs.add(_larger(right.shape))
                    elif isinstance(right, sp.Transpose) and right.arg == left:
                        pairs.add(_larger(left.shape[::-1]))
    pairs.discard(None)
    if pairs == set(assumptions.size_order):
        return assumptions
    return replace(assumptions, size_order=tuple(sorted(pairs)))


def _larger(shape: tuple[Any, Any]) -> tuple[str, str] | None:
    """(rows, cols) as names when both are symbols: rows must be the larger."""
    rows, cols = shape
    if isinstance(rows, sp.Symbol) and isinstance(cols, sp.Symbol) and rows != cols:
        return (rows.name, cols.name)
    return None


def _matrices(before: Any, after: Any, assumptions: Assumptions) -> Verdict:
    assumptions = with_inverse_sizes(assumptions, before, after)
    before, after = _as_scalar(before), _as_scalar(after)
    if not is_matrix(before) and not is_matrix(after):
        return _floats(verify.compare(before, after, assumptions, seconds=3.0,
                                      points=MATRIX_POINTS, prove=False))
    if not (is_matrix(before) and is_matrix(after)):
        return Verdict(False, counterexample={"point": {}, "left": _kind(before),
                                              "right": _kind(after)},
                       reason="a matrix on one side, a scalar on the other")
    if before.shape != after.shape:
        return Verdict(False, counterexample={"point": {}, "left": _shape(before),
                                              "right": _shape(after)},
                       reason=f"shapes differ: {_shape(before)} and {_shape(after)}")
    try:
        return _floats(verify.compare(before, after, assumptions, seconds=3.0,
                                      points=_matrix_points(before, after)))
    except (TypeError, ValueError, ArithmeticError) as exc:
        return Verdict(None, reason=f"cannot evaluate the matrices ({exc})")


def _matrix_points(*exprs: Any) -> int:
    """Fewer instances where a numeric gradient is evaluated: each costs two evaluations
    per entry, and each instance compares every entry."""
    from derive.engine.matrix.expressions import EntrywiseGradient

    return GRADIENT_POINTS if any(e.has(EntrywiseGradient) for e in exprs) else MATRIX_POINTS


def _floats(verdict: Verdict) -> Verdict:
    """The matrix test's 50-digit strings in a counterexample as numbers a report shows."""
    example = verdict.counterexample
    if not example:
        return verdict
    values = {k: shown_number(ctx.mpf(example[k])) for k in ("left", "right")
              if isinstance(example.get(k), str)}
    return Verdict(verdict.equal, verdict.how, {**example, **values}, verdict.reason)


def _as_scalar(expr: Any) -> Any:
    """A 1 x 1 matrix is the scalar it holds (its trace)."""
    if is_matrix(expr) and tuple(expr.shape) == (1, 1):
        return sp.Trace(expr)
    return expr


def _shape(expr: Any) -> str:
    return " x ".join(str(d) for d in expr.shape)


def _kind(expr: Any) -> str:
    return f"matrix {_shape(expr)}" if is_matrix(expr) else "scalar"
