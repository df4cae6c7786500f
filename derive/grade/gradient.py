"""Carry out the derivatives a student's line starts from: symbolically for scalars, numerically
(the engine's EntrywiseGradient, central differences at each instance) when matrices are involved.

sympy's ``MatrixSymbol.diff`` silently returns 0 for several losses (DESIGN), so a
derivative by a matrix, or of an expression holding matrices, is never handed to it.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from derive.bounded import run_bounded
from derive.engine.matrix.expressions import EntrywiseGradient, moved
from derive.errors import BudgetExceeded

SMALL_TREE = 400  # nodes: evaluated in process; larger trees in a bounded child
MAX_ORDER_IN_PROCESS = 3  # total order of derivatives carried out in process


class ScalarDerivative(sp.Expr):
    """d body / d t for a scalar t of an expression holding matrices (central differences)."""

    def __new__(cls, body: Any, variable: Any) -> ScalarDerivative:
        return sp.Basic.__new__(cls, body, variable)

    def _mp_eval(self, evaluate: Any, env: Any) -> Any:
        body, variable = self.args
        at = evaluate(variable, env)
        step = mpmath.mpf(10) ** -(mpmath.mp.dps // 3)
        up = evaluate(body, moved(env, {variable: at + step}))
        down = evaluate(body, moved(env, {variable: at - step}))
        return (up - down) / (2 * step)  # an mpf, or a matrix entry by entry


def _holds_matrices(expr: Any) -> bool:
    return bool(getattr(expr, "has", lambda *_: False)(sp.MatrixExpr)) or isinstance(
        expr, sp.MatrixExpr)


def _numeric_derivative(derivative: sp.Derivative) -> Any:
    body = derivative.expr
    for variable, count in derivative.variable_count:
        for _ in range(int(count)):
            if isinstance(variable, sp.MatrixSymbol):
                body = EntrywiseGradient(body, variable)
            else:
                body = ScalarDerivative(body, variable)
    return body


def evaluated(expr: Any, slow: bool = True) -> Any:
    """``expr`` with its derivatives carried out, within a time budget for large trees."""
    if not getattr(expr, "has", lambda *_: False)(sp.Derivative):
        return expr
    if _holds_matrices(expr):
        return expr.replace(lambda e: isinstance(e, sp.Derivative), _numeric_derivative)
    if _size(expr) <= SMALL_TREE and _order(expr) <= MAX_ORDER_IN_PROCESS:
        return _carry_out(expr)
    if not slow:
        return expr
    try:
        return run_bounded(_carry_out, expr, seconds=2.0)
    except BudgetExceeded:
        return expr  # evaluated numerically, point by point


def _carry_out(expr: Any) -> Any:
    return expr.replace(lambda e: isinstance(e, sp.Derivative), _done)


def _done(derivative: sp.Derivative) -> Any:
    r"""The derivative carried out; by an entry p_k whose index k a sum in the body also
    runs over (``\partial / \partial p_k \sum_k n_k \log p_k``), k is the one entry meant:
    a fresh index, inside the sum's range, then named k again."""
    (variable, count), = derivative.variable_count if len(
        derivative.variable_count) == 1 else ((None, 0),)
    if not isinstance(variable, sp.Indexed):
        return derivative.doit(deep=False)
    bound = {limit[0] for node in derivative.expr.atoms(sp.Sum, sp.Product)
             for limit in node.limits}
    fresh = {i: sp.Dummy(i.name, **i.assumptions0) for i in variable.indices
             if isinstance(i, sp.Symbol) and i in bound}
    moved_variable = variable.xreplace(fresh)
    value = sp.diff(derivative.expr, moved_variable, count).doit()
    indices = {fresh.get(i, i) for i in variable.indices if isinstance(i, sp.Symbol)}
    value = value.replace(lambda e: isinstance(e, sp.Piecewise) and _in_range(e, indices),
                          lambda e: e.args[0][0])
    return value.xreplace({v: k for k, v in fresh.items()})


def _in_range(piecewise: sp.Piecewise, indices: set[Any]) -> bool:
    """The Piecewise a sum of Kronecker deltas leaves: its first piece holds when the index
    differentiated by lies in the sum's range (a condition on the index), the others give 0;
    the entry p_k differentiated by is one that exists."""
    condition = piecewise.args[0][1]
    relations = condition.args if isinstance(condition, sp.And) else (condition,)
    return all(isinstance(r, sp.core.relational.Relational) and r.free_symbols & indices
               for r in relations) and all(v == 0 for v, _ in piecewise.args[1:])


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
