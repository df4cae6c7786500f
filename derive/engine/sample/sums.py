"""Sum algebra over an i.i.d. sample, one named move at a time.

Each move rewrites every sum ``Sum(..., (i, 1, N))`` of the expression at
once: split a sum of terms, evaluate the sum of a constant as ``N c``, pull
factors that do not depend on the index out of the sum, and (for the score)
expand a summand that still holds a parameter. Steps are recorded, not
verified: ``derive.verify`` proves them at concrete N with random data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import sympy as sp

from derive.model import Step

Move = Callable[[sp.Sum], sp.Expr]


def _index(s: sp.Sum) -> sp.Symbol:
    return s.limits[0][0]


def _count(s: sp.Sum) -> sp.Expr:
    _, low, high = s.limits[0]
    return high - low + 1


def split(s: sp.Sum) -> sp.Expr:
    """Sum(a + b) = Sum(a) + Sum(b)."""
    terms = sp.Add.make_args(s.function)
    if len(terms) == 1:
        return s
    return sp.Add(*[sp.Sum(t, *s.limits) for t in terms])


def constant(s: sp.Sum) -> sp.Expr:
    """Sum of c over i = 1..N is N c when c does not depend on i."""
    if s.function.has(_index(s)):
        return s
    return _count(s) * s.function


def pull_out(s: sp.Sum) -> sp.Expr:
    """Sum(c g_i) = c Sum(g_i) for every factor c free of the index."""
    i = _index(s)
    if not s.function.has(i):
        return s
    outside, inside = s.function.as_independent(i, as_Add=False)
    if outside == 1:
        return s
    return outside * sp.Sum(inside, *s.limits)


def _separable(expr: sp.Expr, index: sp.Symbol, names: tuple) -> bool:
    """Every term is (parameters) x (data): the parameters can leave the sum."""
    return all(
        not t.as_independent(index, as_Add=False)[1].has(*names) for t in sp.Add.make_args(expr)
    )


def expander(params: Iterable[sp.Symbol]) -> Move:
    """Expand a summand that holds one of ``params``, when that lets them leave the sum."""
    names = tuple(params)

    def expand(s: sp.Sum) -> sp.Expr:
        if not s.function.has(*names):
            return s
        expanded = sp.expand(s.function)
        if expanded == s.function or not _separable(expanded, _index(s), names):
            return s
        return sp.Sum(expanded, *s.limits)

    return expand


def factorer(params: Iterable[sp.Symbol]) -> Move:
    """Factor a summand that keeps a parameter inside (x_i (y_i - sigma(w x_i)))."""
    names = tuple(params)

    def factor(s: sp.Sum) -> sp.Expr:
        if not s.function.has(*names) or _separable(sp.expand(s.function), _index(s), names):
            return s
        factored = sp.factor(sp.expand(s.function))
        if sp.count_ops(factored) >= sp.count_ops(s.function):
            return s
        return sp.Sum(factored, *s.limits)

    return factor


def apply_move(expr: sp.Expr, move: Move) -> sp.Expr:
    """Apply a move to every sum of the expression (outermost sums first)."""
    hidden = {s for node in sp.preorder_traversal(expr) if getattr(node, "transparent", False)
              for s in node.atoms(sp.Sum)}  # the sum a count n_k stands for stays as it is
    sums = sorted(expr.atoms(sp.Sum) - hidden, key=sp.default_sort_key)
    mapping = {}
    for s in sums:
        new = move(s)
        if new != s:
            mapping[s] = new
    return expr.xreplace(mapping) if mapping else expr


MOVES: tuple[tuple[str, Move], ...] = (
    ("split sums", split),
    ("sum of a constant", constant),
    ("pull out constants", pull_out),
)


def sum_steps(expr: sp.Expr, params: Iterable[sp.Symbol] = (), rounds: int = 6) -> tuple[Step, ...]:
    """Named moves until no sum can be split, evaluated or emptied of constants."""
    params = tuple(params)
    first = (("expand", expander(params)), ("factor", factorer(params))) if params else ()
    moves = first + MOVES
    steps: list[Step] = []
    for _ in range(rounds):
        changed = False
        for rule, move in moves:
            after = apply_move(expr, move)
            if after != expr:
                steps.append(Step(expr, after, rule))
                expr, changed = after, True
        if not changed:
            break
    return tuple(steps)


def sums_in(expr: sp.Expr) -> list[sp.Sum]:
    """The outermost sums of an expression, in a stable order."""
    found: list[sp.Sum] = []

    def walk(node: sp.Basic) -> None:
        if isinstance(node, sp.Sum):
            if node not in found:
                found.append(node)
            return
        if getattr(node, "transparent", False):  # a count n_k: a statistic with a name
            if node.has(sp.Sum) and node not in found:
                found.append(node)
            return
        for arg in node.args:
            walk(arg)

    walk(expr)
    return found


def combine_sums(expr: sp.Expr) -> sp.Expr:
    """A sum of sums over the same range as one sum; a constant summand gives N c."""
    scaled = []  # (coefficient, sum) for every term c * Sum(...)
    rest = []
    for term in sp.Add.make_args(expr):
        coeff, core = term.as_independent(sp.Sum, as_Add=False)
        (scaled if isinstance(core, sp.Sum) else rest).append(
            (coeff, core) if isinstance(core, sp.Sum) else term
        )
    if len(scaled) < 2 or len({s.limits for _, s in scaled}) != 1:
        return expr
    rest = sp.Add(*rest)
    inner = sp.expand(sp.Add(*[c * s.function for c, s in scaled]))
    ((index, low, high),) = scaled[0][1].limits
    combined = (
        (high - low + 1) * inner if not inner.has(index) else sp.Sum(inner, (index, low, high))
    )
    return rest + combined


def _flipped(summand: sp.Expr) -> tuple[int, sp.Expr]:
    """The summand with each factor f - 1 written 1 - f and a leading -1 moved into a sum
    factor (-(s - y) x as (y - s) x), with the sign left over: (s - 1) s x^2 is -s(1 - s) x^2."""
    sign, factors = 1, []
    factored = sp.factor(summand)  # a sum of terms as a product; (x_i - mu)^2 stays as it is
    shorter = sp.count_ops(factored) < sp.count_ops(summand)
    if not (shorter or (isinstance(summand, sp.Add) and isinstance(factored, sp.Mul))):
        factored = summand
    for f in sp.Mul.make_args(factored):
        if f == -1:
            sign = -sign
        elif isinstance(f, sp.Add) and (f + 1).is_Function:
            sign, f = -sign, sp.expand(-f)
        factors.append(f) if f != -1 else None
    sums = [k for k, f in enumerate(factors) if isinstance(f, sp.Add)]
    if sign < 0 and sums and not (1 - factors[sums[0]]).is_Function:  # keep 1 - f as it is
        factors[sums[0]], sign = sp.expand(-factors[sums[0]]), 1
    return sign, sp.Mul(*factors)


def one_sum_step(expr: sp.Expr) -> Step | None:
    """Sums over the same range as one sum with its summand factored, signs written as a
    lecturer does: sum (1 - s_i) x_i y_i + sum (y_i - 1) s_i x_i = sum (y_i - s_i) x_i, and
    sum (s_i - 1) s_i x_i^2 = -sum s_i (1 - s_i) x_i^2."""
    combined = combine_sums(expr)

    def tidy(e: sp.Sum) -> sp.Expr:
        sign, summand = _flipped(e.function)
        return sign * sp.Sum(summand, *e.limits)

    combined = combined.replace(lambda e: isinstance(e, sp.Sum), tidy)
    if combined == expr or sp.count_ops(combined) > sp.count_ops(expr) + 1:  # a sign out
        return None
    return Step(expr, combined, "linearity of the sum")
