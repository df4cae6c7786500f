r"""Does a new equation follow from the previous one, for the unknown being solved?

``\hat\mu = \bar x`` follows from ``\sum_i (x_i - \mu) = 0`` when the value
solves it (hats name the estimate of the variable). An equation in any other
form follows when it is the previous one times a factor free of the unknown (or
times a power of it), else when, at random points, every root of the new
equation in the unknown (found numerically) is a root of the previous one.
"""

from __future__ import annotations

import random
from typing import Any

import mpmath
import sympy as sp

from derive.grade.equivalence import is_matrix, judge, points, variables
from derive.model import Assumptions
from derive.numeric import Unevaluable, real_value
from derive.verify import NUMERIC, Verdict

ACCENTS = ("_hat", "_bar", "_tilde")
ROOT_POINTS = 4
ROOT_TRIES = 12


def follows(old: tuple[Any, Any], new: tuple[Any, Any], unknown: Any,
            assumptions: Assumptions) -> Verdict:
    """Equal (how), not equal (a counterexample), or undecided, as for two lines."""
    f_old, f_new = _difference(*old), _difference(*new)
    if f_old is None or f_new is None:
        from derive.grade.matrixequations import matrix_follows

        return matrix_follows(old, new, unknown, assumptions)
    power = _power_of_estimate(new)
    if power is not None:  # "\hat\sigma^2 = S": some root of S solves the previous equation
        return _any_root(old, new, power, unknown, assumptions)
    solved = _solved(new, f_old)
    if solved is not None:
        target, value = solved
        verdict = judge(f_old.xreplace({target: value}), sp.S.Zero, assumptions)
        if verdict.equal is False:
            verdict = Verdict(False, counterexample=verdict.counterexample,
                              reason=f"this value of {new[0]} does not solve the previous "
                                     "equation (its two sides differ there by the previous "
                                     "line's value)")
        return verdict
    u = unknown if isinstance(unknown, sp.Symbol) and f_old.has(unknown) else _only(f_old, f_new)
    if u is None:
        return judge(f_old, f_new, assumptions)
    if judge(f_new, sp.S.Zero, assumptions).equal:
        return Verdict(False, counterexample=None, reason="the new equation says nothing (0 = 0)")
    for power in (0, 1, -1, 2, -2):
        if _proportional(f_old * u**power, f_new, u, assumptions):
            return Verdict(True, NUMERIC)
    return _roots(f_old, f_new, u, assumptions)


def _power_of_estimate(new: tuple[Any, Any]) -> int | None:
    """k when the new equation reads ``u^k = value`` for a plain symbol u (k = 2, 3)."""
    lhs = new[0]
    if (isinstance(lhs, sp.Pow) and isinstance(lhs.base, sp.Symbol) and lhs.exp.is_Integer
            and 2 <= int(lhs.exp) <= 3 and not new[1].has(lhs.base)):
        return int(lhs.exp)
    return None


def _any_root(old: tuple[Any, Any], new: tuple[Any, Any], power: int, unknown: Any,
              assumptions: Assumptions) -> Verdict:
    """``u^k = value`` follows when u = value^(1/k) (or, for even k, its negative) does."""
    base, value = new[0].base, new[1]
    root = value ** sp.Rational(1, power)
    verdicts = [follows(old, (base, sign * root), unknown, assumptions)
                for sign in ((1, -1) if power % 2 == 0 else (1,))]
    for verdict in verdicts:
        if verdict.equal:
            return verdict
    if any(v.equal is None for v in verdicts):
        return next(v for v in verdicts if v.equal is None)
    return verdicts[0]


def _difference(lhs: Any, rhs: Any) -> Any:
    if is_matrix(lhs) or is_matrix(rhs):
        if getattr(lhs, "shape", None) == (1, 1) and getattr(rhs, "shape", (1, 1)) == (1, 1):
            return sp.Trace(lhs) - (sp.Trace(rhs) if is_matrix(rhs) else rhs)
        return None
    return lhs - rhs


def _solved(new: tuple[Any, Any], f_old: Any) -> tuple[Any, Any] | None:
    """(the variable, its value) when the new equation reads ``u = value`` (``\\hat u`` too)."""
    lhs, rhs = new
    if not isinstance(lhs, sp.Symbol):
        return None
    names = {s.name: s for s in f_old.free_symbols if isinstance(s, sp.Symbol)}
    target = lhs if lhs in f_old.free_symbols else None
    for accent in ACCENTS:
        if target is None and lhs.name.endswith(accent):
            target = names.get(lhs.name[: -len(accent)])
        if target is None:  # "=> mu = ..." after "=> \hat\mu = ..."
            target = names.get(lhs.name + accent)
    if target is None or rhs.has(target) or rhs.has(lhs):
        return None
    # another estimate in the value (mu_hat in the variance's) stands for its variable there
    estimates = {s: names[s.name[: -len(a)]] for s in rhs.free_symbols
                 if isinstance(s, sp.Symbol) for a in ACCENTS
                 if s.name.endswith(a) and s.name[: -len(a)] in names}
    return target, rhs.xreplace(estimates)


def _only(f_old: Any, f_new: Any) -> Any:
    """The one plain variable both equations share (sizes and data excluded), else None."""
    shared = [s for s in set(variables(f_old)) & set(variables(f_new))
              if not s.is_integer]
    return shared[0] if len(shared) == 1 else None


def _proportional(f_old: Any, f_new: Any, u: sp.Symbol, assumptions: Assumptions) -> bool:
    """f_new / f_old free of u: f_new(u) f_old(v) = f_old(u) f_new(v) for a second value v."""
    v = sp.Symbol(f"{u.name}_2", **u.assumptions0)
    cross = f_new * f_old.xreplace({u: v}) - f_old * f_new.xreplace({u: v})
    return bool(judge(cross, sp.S.Zero, assumptions, slow=False).equal)


def _roots(f_old: Any, f_new: Any, u: sp.Symbol, assumptions: Assumptions) -> Verdict:
    """Roots of the new equation in u, at random points, checked in the previous one."""
    agreed = 0
    rng = random.Random(11)
    for point in points(variables(f_old, f_new), assumptions, seed=5):
        if agreed >= ROOT_POINTS:
            return Verdict(True, NUMERIC)
        root = _root(f_new, u, point, rng)
        if root is None:
            continue
        at = type(point)({**point.values, u: root}, point.seed, point.assumptions,
                         data=point.data)
        try:
            old_value = real_value(f_old, at)
        except Unevaluable:
            continue
        if abs(old_value) > mpmath.mpf(10) ** -9 * (1 + abs(root)):
            shown = {**at.shown(), u.name: float(root)}
            return Verdict(False, counterexample={"point": shown, "left": float(old_value),
                                                  "right": 0.0},
                           reason=f"{u.name} = {mpmath.nstr(root, 6)} solves the new equation "
                                  "but not the previous one")
        agreed += 1
    reason = f"could not find where the new equation holds in {u.name}"
    return Verdict(True, NUMERIC) if agreed >= 2 else Verdict(None, reason=reason)


def _root(f: Any, u: sp.Symbol, point: Any, rng: random.Random) -> Any:
    def value(t: Any) -> Any:
        at = type(point)({**point.values, u: mpmath.mpf(t)}, point.seed, point.assumptions,
                         data=point.data)
        return real_value(f, at)

    starts = [point.values.get(u, mpmath.mpf(1))] + [mpmath.mpf(rng.uniform(0.1, 4))
                                                       for _ in range(ROOT_TRIES)]
    for start in starts:
        try:
            with mpmath.workdps(30):
                root = mpmath.findroot(value, start, tol=mpmath.mpf(10) ** -24, maxsteps=60)
            if abs(value(root)) < mpmath.mpf(10) ** -15:
                return root
        except (Unevaluable, ValueError, ZeroDivisionError, TypeError, ArithmeticError):
            continue
    return None
