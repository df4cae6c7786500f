"""Prove that two expressions are equal: symbolically first, numerically second.

The policy of DESIGN.md: a bounded symbolic test under the stated
assumptions; failing that, a numeric identity test at >= 20 random points of
the domain, evaluated at 30+ digits. Sums over i = 1..N are expanded at
concrete N with random data, matrix symbols become random explicit matrices
of distinct, non-square sizes. A difference found at any point refutes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import mpmath
import sympy as sp

from derive import numeric
from derive.engine.matrix.expressions import is_matrix
from derive.engine.matrix.sizes import distinct_nodes, size_symbols
from derive.errors import VerificationError
from derive.model import SIZE_NAMES, Assumptions, Derivation, Section, Step
from derive.symbolic import (  # verify's public face includes the symbolic tests
    NO_ASSUMPTIONS,
    _doit,
    quickly_equal,
    symbolically_equal,
)

SYMBOLIC = "symbolic"
NUMERIC = "numeric"

POINTS = 24
#: the policy's floor for matrix steps: each point is a fresh random instance (sizes and
#: entries) at 50 digits, and an instance costs a hundred times a scalar point
MATRIX_POINTS = 20
#: matrices are drawn with sizes 2..4 (more when more sizes must differ): a product of
#: 6 x 5 matrices costs four times one of 4 x 3, and each of the points draws its own sizes
MATRIX_LARGEST = 4
CROSS_CHECK_POINTS = 6  # the second opinion on a result whose every step is already proved
DIGITS = 30
EVALUATION_DIGITS = DIGITS + 10  # working precision: cancellation may eat a few digits
TOLERANCE = numeric.ctx.mpf(10) ** -20  # relative gap of equal values


@dataclass(frozen=True)
class Verdict:
    """Outcome of comparing two expressions: equal (how), different (where), or undecided."""

    equal: bool | None
    how: str = ""
    counterexample: dict[str, Any] | None = None
    reason: str = ""



# --- numeric identity test ------------------------------------------------------------------


def _concrete_sizes(
    dims: Iterable[sp.Symbol], rng: random.Random, order: tuple[tuple[str, str], ...] = (),
    largest: int = 6,
) -> dict[sp.Symbol, int]:
    """Distinct sizes from 2 to ``largest``, so that a transposed operand cannot pass by
    accident.

    ``order`` holds stated pairs (larger, smaller), e.g. ('N', 'd') for 'N > d'
    (more rows than columns): sizes are swapped until every pair holds.
    """
    dims = list(dims)
    span = range(2, max(largest, len(dims) + 1) + 1)
    sizes = rng.sample(span, k=min(len(span), len(dims) or 1))
    chosen = {
        d: sizes[k % len(sizes)] + (k // len(sizes)) for k, d in enumerate(sorted(dims, key=str))
    }
    by_name = {d.name: d for d in chosen}
    pairs = [(by_name[a], by_name[b]) for a, b in order if a in by_name and b in by_name]
    for _ in range(len(pairs) * len(chosen) + 1):
        wrong = [(a, b) for a, b in pairs if chosen[a] <= chosen[b]]
        if not wrong:
            break
        a, b = wrong[0]
        chosen[a], chosen[b] = chosen[b], chosen[a]
    return chosen


def _sample(symbol: sp.Symbol, assumptions: Assumptions, rng: random.Random) -> sp.Expr:
    domain = assumptions.domain(symbol.name)
    if symbol.is_integer or domain.integer:
        low = max(1, int(domain.low)) if symbol.is_positive else int(domain.low)
        return sp.Integer(rng.randint(low, max(low + 1, int(domain.high))))
    low, high = assumptions.interval(symbol.name, bool(symbol.is_positive),
                                     bool(symbol.is_nonnegative))
    return sp.Float(rng.uniform(low, high), DIGITS + 10)


def _random_point(
    free: list[sp.Symbol], dims: set[sp.Symbol], assumptions: Assumptions, rng: random.Random
) -> dict:
    """Concrete values for the free symbols (sorted, dimensions excluded) and dimensions."""
    point: dict[Any, Any] = {}
    point.update(_concrete_sizes(dims, rng, assumptions.size_order) if dims else {})
    for s in free:
        if isinstance(s, sp.Symbol) and s.is_integer and s.name in SIZE_NAMES:
            point[s] = sp.Integer(rng.randint(3, 6))
        elif isinstance(s, sp.Symbol):
            point[s] = _sample(s, assumptions, rng)
    return point


def _numeric_point(point: dict, assumptions: Assumptions, seed: int) -> numeric.Point:
    """The random point for the table-driven evaluator; data entries x[i] drawn like symbols."""
    values = {s: numeric.ctx.mpf(_mp(v)) for s, v in point.items() if isinstance(s, sp.Symbol)}

    def draw(name: str, rng: random.Random) -> Any:
        return _mp(_sample(sp.Symbol(name, real=True), assumptions, rng))

    return numeric.Point(values, seed, assumptions, digits=EVALUATION_DIGITS, draw=draw,
                         fallback=True)


def _mp(value: sp.Expr) -> Any:
    """An Integer or Float of a random point as an exact mpmath value."""
    return int(value) if value.is_Integer else sp.Float(value, DIGITS + 10)._mpf_


def _evaluate(expr: Any, point: numeric.Point) -> list[Any]:
    """Values at the point (entry by entry for an explicit matrix): sums at the concrete N,
    data entries drawn once per point, integrals by quadrature; Unevaluable if undefined."""
    if getattr(expr, "is_Matrix", False):
        return [numeric.evaluate(entry, point) for entry in expr]
    return [numeric.evaluate(expr, point)]


def _shown(point: dict, at: numeric.Point) -> dict[str, float]:
    shown = {str(k): float(v) for k, v in point.items() if getattr(v, "is_number", False)}
    shown.update((f"{name}[{','.join(map(str, index))}]", float(value))
                 for (name, index), value in sorted(at.data.items()))
    return shown


class SharedPoints:
    """Random points drawn once, on demand, and shared by the steps of one derivation.

    A line (the 'after' of one step is the 'before' of the next), and every subexpression
    lines share, is then evaluated once per point: the evaluators remember values per point.
    Subclasses say what a point is (``_collect`` the symbols, ``_draw`` one point).
    """

    def __init__(self, exprs: Iterable[Any], assumptions: Assumptions, seed: int = 0) -> None:
        together = sp.Tuple(*exprs)
        self.dims = size_symbols(together)
        self.assumptions = assumptions
        self.rng = random.Random(seed)
        self.drawn: list[tuple[dict, Any]] = []
        self._collect(together)

    def __getitem__(self, k: int) -> tuple[dict, Any]:
        """The k-th point: the values drawn (for a counterexample) and the evaluator's point."""
        while len(self.drawn) <= k:
            self.drawn.append(self._draw())
        return self.drawn[k]

    def _collect(self, together: sp.Tuple) -> None:
        raise TypeError(f"{type(self).__name__} must define _collect")

    def _draw(self) -> tuple[dict, Any]:
        raise TypeError(f"{type(self).__name__} must define _draw")


class ScalarPoints(SharedPoints):
    """Points of the domain for scalar expressions (``numeric.Point``, whose memo is shared)."""

    def _collect(self, together: sp.Tuple) -> None:
        self.free = sorted(together.free_symbols - self.dims, key=str)

    def _draw(self) -> tuple[dict, numeric.Point]:
        point = _random_point(self.free, self.dims, self.assumptions, self.rng)
        return point, _numeric_point(point, self.assumptions, len(self.drawn) + 1)


def numerically_equal(
    before: Any,
    after: Any,
    assumptions: Assumptions = NO_ASSUMPTIONS,
    seed: int = 0,
    points: int | None = None,
    shared: SharedPoints | None = None,
) -> Verdict:
    """Compare at ``points`` random points of the domain with 30-digit arithmetic (POINTS
    for scalars, MATRIX_POINTS for matrices unless given).

    ``shared`` points (ScalarPoints, or MatrixPoints for matrix expressions) are used
    when given, so that the steps of a derivation meet the same points.
    """
    if _needs_matrices(before, after):
        matrix_points = shared if isinstance(shared, MatrixPoints) else None
        return _matrices_equal(before, after, assumptions, seed, points or MATRIX_POINTS,
                               matrix_points)
    points = points or POINTS
    before, after = _doit(before), _doit(after)
    both = sp.Tuple(before, after) if not is_matrix(before) else before + after
    at_points = shared if isinstance(shared, ScalarPoints) else None
    if at_points is None or not both.free_symbols <= set(at_points.free) | at_points.dims:
        at_points = ScalarPoints([both], assumptions, seed)
    agreed = 0
    for k in range(points * 4):
        if agreed == points:
            break
        point, at = at_points[k]
        try:
            left, right = _evaluate(before, at), _evaluate(after, at)
        except numeric.Unevaluable:
            continue
        if len(left) != len(right) or not all(
                numeric.close(a, b, TOLERANCE) for a, b in zip(left, right, strict=True)):
            if len(left) == len(right) and not _apart_precisely(before, after, at):
                agreed += 1  # digits lost to cancellation (a polynomial multiplied out)
                continue
            mine = both.free_symbols
            shown = _shown({s: v for s, v in point.items() if s in mine}, at)
            return Verdict(False, counterexample={
                "point": shown, "left": numeric.ctx.nstr(left[0], DIGITS),
                "right": numeric.ctx.nstr(right[0], DIGITS)})
        agreed += 1
    return _enough(agreed, points)


def _enough(agreed: int, points: int) -> Verdict:
    if agreed < points:
        return Verdict(None, reason=f"only {agreed} of {points} random points could be evaluated")
    return Verdict(True, NUMERIC)


class MatrixPoints(SharedPoints):
    """Random explicit matrices of concrete, distinct shapes, and values of the scalars
    (an ``mpmatrix.Env``, whose memo is shared)."""

    def _collect(self, together: sp.Tuple) -> None:
        from derive.engine.matrix.sizes import requirements

        self.matrices = sorted({m for m in distinct_nodes(together)
                                if isinstance(m, sp.MatrixSymbol)}, key=str)
        self.scalars = sorted((s for s in together.free_symbols
                               if isinstance(s, sp.Symbol) and s not in self.dims), key=str)
        self.needs = requirements(together)

    def _sizes(self) -> dict[sp.Symbol, int]:
        """Random distinct sizes at which every inverse and log det is defined."""
        from derive.engine.matrix.sizes import fitting_sizes, holds

        if not self.dims:
            return {}
        for _ in range(40):
            sizes = _concrete_sizes(self.dims, self.rng, self.assumptions.size_order,
                                    MATRIX_LARGEST)
            if holds(self.needs, sizes):
                return sizes
        return fitting_sizes(self.dims, self.needs, self.rng)

    def _draw(self) -> tuple[dict, Any]:
        from derive import mpmatrix

        rng, assumptions = self.rng, self.assumptions

        def sample(symbol: sp.Symbol) -> sp.Expr:
            return _sample(symbol, assumptions, rng)

        sizes = self._sizes()
        with mpmath.workdps(mpmatrix.DPS):
            env = mpmatrix.random_env(self.matrices, self.scalars, sizes, sample, rng,
                                      assumptions)
        return sizes, env


def _matrices_equal(
    before: Any, after: Any, assumptions: Assumptions, seed: int, points: int,
    shared: MatrixPoints | None = None,
) -> Verdict:
    """The numeric test for expressions holding matrices: mpmath at concrete random shapes."""
    from derive import mpmatrix

    at = shared or MatrixPoints([before, after], assumptions, seed)
    agreed = 0
    with mpmath.workdps(mpmatrix.DPS):
        for k in range(points * 4):
            if agreed == points:
                break
            sizes, env = at[k]
            try:
                left = mpmatrix.flat(mpmatrix.evaluate(before, env))
                right = mpmatrix.flat(mpmatrix.evaluate(after, env))
            except (ValueError, ZeroDivisionError, ArithmeticError):
                continue
            except TypeError as exc:
                return Verdict(None, reason=str(exc))
            verdicts = [mpmatrix.close(a, b) for a, b in zip(left, right, strict=False)]
            if len(left) != len(right) or False in verdicts:
                if len(left) == len(right) and not _differ_precisely(before, after, env):
                    continue  # 50 digits could not resolve this instance (a huge range)
                shown = {str(k): v for k, v in sizes.items()}
                at = verdicts.index(False) if False in verdicts else 0  # an entry that differs
                return Verdict(False, counterexample={"point": shown, "left": str(left[at]),
                                                      "right": str(right[at])})
            if None not in verdicts:
                agreed += 1
    verdict = _enough(agreed, points)
    if verdict.equal is None:
        return Verdict(None, reason=f"{verdict.reason}: the expression is undefined (complex "
                       "or singular) at most random inputs; is an assumption such as "
                       "'x > 0' missing?")
    return verdict


def _apart_precisely(before: Any, after: Any, at: numeric.Point) -> bool:
    """A scalar mismatch confirmed at more than twice the digits, from a fresh memo: the
    derivative of a product of 20 linear factors, multiplied out, cancels some 25 digits."""
    precise = replace(at, memo={}, digits=2 * at.digits + 10)
    try:
        left, right = _evaluate(before, precise), _evaluate(after, precise)
    except numeric.Unevaluable:
        return True
    with numeric.ctx.workdps(precise.digits):
        return not all(numeric.close(a, b, TOLERANCE) for a, b in zip(left, right, strict=True))


def _differ_precisely(before: Any, after: Any, env: Any) -> bool:
    """A mismatch confirmed at twice the digits: only then is a matrix step refuted."""
    from derive import mpmatrix

    with mpmath.workdps(2 * mpmatrix.DPS):
        fresh = mpmatrix.Env(env)
        try:
            left = mpmatrix.flat(mpmatrix.evaluate(before, fresh))
            right = mpmatrix.flat(mpmatrix.evaluate(after, fresh))
        except (ValueError, ZeroDivisionError, ArithmeticError):
            return False
        return any(mpmatrix.close(a, b, 1e-30) is False for a, b in zip(left, right, strict=True))


def _needs_matrices(*exprs: Any) -> bool:
    """Matrices, or the matrix engine's own objects (d(s), dL/ds by differences): these are
    evaluated at explicit matrices by ``mpmatrix``."""
    together = sp.Tuple(*exprs)
    return any(isinstance(node, sp.MatrixExpr) or getattr(node, "with_matrices", False)
               for node in distinct_nodes(together))


def _holds_integral(before: Any, after: Any) -> bool:
    return any(getattr(_doit(e), "has", lambda *_: False)(sp.Integral) for e in (before, after))


def compare(
    before: Any,
    after: Any,
    assumptions: Assumptions = NO_ASSUMPTIONS,
    seconds: float = 4.0,
    points: int | None = None,
    shared: SharedPoints | None = None,
    refute_first: bool = True,
    prove: bool = True,
) -> Verdict:
    """Equal symbolically, else numerically; or a counterexample; or undecided.

    ``refute_first`` runs the numeric test before the bounded symbolic proof: random
    points refute a wrong line (a student's) in milliseconds. An engine's steps are
    expected to hold, so ``verify_step`` proves first and tests numerically only
    what the proof could not settle. ``prove=False`` settles for the numeric test.
    """
    if quickly_equal(before, after):
        return Verdict(True, SYMBOLIC)
    # simplify() knows no matrix calculus, and proves nothing about an integral that sympy
    # could not do: such steps rest on the numeric test (quadrature).
    provable = prove and not (is_matrix(before) or _needs_matrices(before, after)
                              or _holds_integral(before, after))
    if provable and not refute_first and symbolically_equal(before, after, seconds, assumptions):
        return Verdict(True, SYMBOLIC)
    numeric = numerically_equal(before, after, assumptions, points=points, shared=shared)
    if numeric.equal is False:
        return numeric
    if provable and refute_first and symbolically_equal(before, after, seconds, assumptions):
        return Verdict(True, SYMBOLIC)
    return numeric


def verify_step(
    step: Step,
    assumptions: Assumptions,
    entry: str = "",
    index: int = 0,
    shared: SharedPoints | None = None,
) -> Step:
    """Return the step marked with how it was proved, or raise VerificationError."""
    verdict = compare(step.before, step.after, assumptions, shared=shared, refute_first=False)
    if verdict.equal:
        return step.with_verified(verdict.how)
    why = (
        f"refuted at {verdict.counterexample['point']}"
        if verdict.equal is False
        else f"neither proved nor refuted ({verdict.reason})"
    )
    raise VerificationError(f"'{step.rule}' step {why}", entry=entry, step=index)


def verify_derivation(derivation: Derivation) -> Derivation:
    """Prove every step of every section; unverifiable steps stop with entry and step named."""
    shared = _shared_points(derivation)
    sections, index = [], 0
    for section in derivation.sections:
        steps = []
        for step in section.steps:
            index += 1
            steps.append(verify_step(step, derivation.assumptions, derivation.id, index, shared))
        sections.append(Section(section.title, section.start, tuple(steps), section.lhs))
    return replace(
        derivation,
        sections=tuple(sections),
        cross_check=cross_check(derivation, shared),
    )


def _shared_points(derivation: Derivation) -> SharedPoints:
    """One set of random points for all the steps and results of a derivation."""
    lines = [e for section in derivation.sections for step in section.steps
             for e in (step.before, step.after)]
    lines += [r.expr for r in derivation.results]
    lines += list(derivation.independent.values())
    lines += [e for pair in _routes(derivation).values() for e in pair]
    lines = [e for e in lines if isinstance(e, sp.Basic)]
    if any(e.has(sp.MatrixExpr) for e in lines):
        return MatrixPoints(lines, derivation.assumptions)
    return ScalarPoints([_doit(e) for e in lines], derivation.assumptions)


def cross_check(
    derivation: Derivation, shared: SharedPoints | None = None
) -> dict[str, str]:
    """Compare each result with the engine's independent route (e.g. sympy's own diff)."""
    outcome = {}
    for name, (derived, second) in _routes(derivation).items():
        # a second opinion on a result whose steps are proved: the numeric test suffices
        verdict = compare(derived, second, derivation.assumptions,
                          points=CROSS_CHECK_POINTS, shared=shared, prove=False)
        if verdict.equal is None:  # no point could be evaluated: try to prove it instead
            verdict = compare(derived, second, derivation.assumptions,
                              points=CROSS_CHECK_POINTS, shared=shared, refute_first=False)
        if verdict.equal is False:
            raise VerificationError(
                f"the result for {name} disagrees with the independent route",
                entry=derivation.id,
            )
        if not verdict.equal:
            raise VerificationError(
                f"the result for {name} could be neither proved nor refuted equal to "
                f"the independent route ({verdict.reason})", entry=derivation.id)
        outcome[name] = verdict.how
    return outcome


def _routes(derivation: Derivation) -> dict[str, tuple[Any, Any]]:
    """Each result beside its independent route; a matrix gradient by entries is compared
    along a random direction of its own (``projected``), two evaluations instead of two
    per entry."""
    routes = {}
    for result in derivation.results:
        second = derivation.independent.get(result.name)
        if second is None:
            continue
        projected = getattr(second, "projected", None)
        routes[result.name] = projected(result.expr) if projected else (result.expr, second)
    return routes
