r"""Does a matrix equation follow from the previous one, for the matrix (or vector) unknown?

``w = (X^\top X)^{-1} X^\top y`` follows when it solves the previous equation. An
equation in any other form (``X^\top X w = X^\top y`` from ``X^\top (X w - y) = 0``)
is solved numerically at random instances, where it is affine in the unknown:
its solution must solve the previous equation too.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from derive.grade.equivalence import is_matrix, judge, with_inverse_sizes
from derive.model import Assumptions
from derive.verify import NUMERIC, MatrixPoints, Verdict

INSTANCES = 3
#: instances drawn at most: at one where the new equation does not determine the unknown
#: (X^T X w = X^T y with fewer rows than columns: singular) another is drawn
ATTEMPTS = 30
ACCENTS = ("_hat", "_bar", "_tilde")


def _difference(lhs: Any, rhs: Any) -> Any:
    """lhs - rhs; a 0 on one side is the zero matrix of the other's shape."""
    lhs, rhs = (sp.ZeroMatrix(*other.shape) if side == 0 and is_matrix(other) else side
                for side, other in ((lhs, rhs), (rhs, lhs)))
    if getattr(lhs, "shape", None) != getattr(rhs, "shape", None):
        return None
    return lhs - rhs


def _target(lhs: Any, f_old: Any) -> Any:
    """The matrix the new equation solves for: its left side (``\\hat w`` names w)."""
    if not isinstance(lhs, sp.MatrixSymbol):
        return None
    names = {m.name: m for m in f_old.atoms(sp.MatrixSymbol)}
    if lhs.name in names:
        return lhs
    for accent in ACCENTS:
        if lhs.name.endswith(accent) and lhs.name[: -len(accent)] in names:
            return names[lhs.name[: -len(accent)]]
        if lhs.name + accent in names:  # "=> w = ..." after "=> \hat w = ..."
            return names[lhs.name + accent]
    return None


def matrix_follows(old: tuple[Any, Any], new: tuple[Any, Any], unknown: Any,
                   assumptions: Assumptions) -> Verdict:
    """Equal (how), not equal (a counterexample), or undecided."""
    f_old, f_new = _difference(*old), _difference(*new)
    if f_old is None or f_new is None:
        sides = [getattr(side, "shape", "scalar") for side in (*old, *new)]
        return Verdict(False, reason=f"the sides of an equation have different shapes: {sides}")
    assumptions = with_inverse_sizes(assumptions, f_old, f_new)
    target = _target(new[0], f_old)
    if target is not None and not new[1].has(target):
        verdict = judge(f_old.xreplace({target: new[1]}), sp.ZeroMatrix(*f_old.shape),
                        assumptions)
        if verdict.equal is False:
            return Verdict(False, counterexample=verdict.counterexample,
                           reason=f"this value of {new[0]} does not solve the previous "
                                  "equation")
        return verdict
    u = unknown if isinstance(unknown, sp.MatrixSymbol) and f_old.has(unknown) else None
    if u is None:
        return Verdict(None, reason="say which matrix is solved for (differentiate by it first)")
    return _solved_numerically(f_old, f_new, u, assumptions)


def _solved_numerically(f_old: Any, f_new: Any, u: sp.MatrixSymbol,
                        assumptions: Assumptions) -> Verdict:
    from derive import mpmatrix

    at = MatrixPoints([f_old, f_new], assumptions, seed=13)
    agreed = 0
    with mpmath.workdps(mpmatrix.DPS):
        for k in range(ATTEMPTS):
            if agreed >= INSTANCES:
                return Verdict(True, NUMERIC)
            sizes, env = at[k]
            try:
                solution = _affine_solution(f_new, u, env)
                if solution is None:
                    continue
                residual = mpmatrix.flat(mpmatrix.evaluate(f_old, env.but({u: solution})))
            except (ValueError, ZeroDivisionError, ArithmeticError, TypeError, KeyError):
                continue
            scale = 1 + max(abs(v) for v in mpmatrix.flat(solution))
            worst = max(abs(v) for v in residual)
            if worst > mpmath.mpf(10) ** -20 * scale:
                shown = {str(d): v for d, v in sizes.items()}
                return Verdict(False, counterexample={"point": shown, "left": float(worst),
                                                      "right": 0.0},
                               reason=f"the solution {u.name} of the new equation does not "
                                      "solve the previous one")
            agreed += 1
    return Verdict(None, reason=f"the new equation is not affine in {u.name} at the instances")


def _affine_solution(f: Any, u: sp.MatrixSymbol, env: Any) -> Any:
    """The u with f(u) = 0 when f is affine in u (least squares; None if it is not affine)."""
    from derive import mpmatrix

    shape = env[u].rows, env[u].cols
    zero = mpmatrix.flat(mpmatrix.evaluate(f, env.but({u: mpmath.zeros(*shape)})))
    columns = []
    for i in range(shape[0]):
        for j in range(shape[1]):
            unit = mpmath.zeros(*shape)
            unit[i, j] = 1
            value = mpmatrix.flat(mpmatrix.evaluate(f, env.but({u: unit})))
            columns.append([a - b for a, b in zip(value, zero, strict=True)])
    jacobian = mpmath.matrix([[columns[c][r] for c in range(len(columns))]
                              for r in range(len(zero))])
    flat, _ = mpmath.qr_solve(jacobian, mpmath.matrix([-z for z in zero]))
    solution = mpmath.matrix(*shape)
    for n in range(len(columns)):
        solution[n // shape[1], n % shape[1]] = flat[n]
    # affine: f at the solution (and at the original point) is what the linear model says
    check = mpmatrix.flat(mpmatrix.evaluate(f, env.but({u: solution})))
    if max(abs(v) for v in check) > mpmath.mpf(10) ** -20 * (1 + max(abs(v) for v in flat)):
        return None
    return solution
