"""Carry out the derivatives a student's line starts from: symbolically for scalars, numerically
(a gradient node, central differences at each random instance) when matrices are involved.

sympy's ``MatrixSymbol.diff`` silently returns 0 for several losses (DESIGN), so a
derivative by a matrix, or of an expression holding matrices, is never handed to it.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

from derive.bounded import run_bounded
from derive.errors import BudgetExceeded

SMALL_TREE = 400  # nodes: evaluated in process; larger trees in a bounded child
MAX_ORDER_IN_PROCESS = 3  # total order of derivatives carried out in process


class Gradient(sp.MatrixExpr):
    """d body / d variable with the variable's shape (the layout: the gradient of a scalar
    with respect to X has the shape of X), evaluated numerically at an instance."""

    def __new__(cls, body: Any, variable: Any) -> Gradient:
        return sp.Basic.__new__(cls, body, variable)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape

    def _mp_eval(self, evaluate: Any, env: Any) -> Any:
        body, variable = self.args
        at = evaluate(variable, env)
        step = mpmath.mpf(10) ** -(mpmath.mp.dps // 3)
        out = mpmath.matrix(at.rows, at.cols)
        for i in range(at.rows):
            for j in range(at.cols):
                values = []
                for sign in (1, -1):
                    moved = at.copy()
                    moved[i, j] += sign * step
                    values.append(_scalar(evaluate(body, env.but({variable: moved}))))
                out[i, j] = (values[0] - values[1]) / (2 * step)
        return out


class ScalarDerivative(sp.Expr):
    """d body / d t for a scalar t of an expression holding matrices (central differences)."""

    def __new__(cls, body: Any, variable: Any) -> ScalarDerivative:
        return sp.Basic.__new__(cls, body, variable)

    def _mp_eval(self, evaluate: Any, env: Any) -> Any:
        body, variable = self.args
        at = evaluate(variable, env)
        step = mpmath.mpf(10) ** -(mpmath.mp.dps // 3)
        up = evaluate(body, env.but({variable: at + step}))
        down = evaluate(body, env.but({variable: at - step}))
        if isinstance(up, mpmath.matrix):
            return (up - down) / (2 * step)
        return (up - down) / (2 * step)


def _scalar(value: Any) -> Any:
    if isinstance(value, mpmath.matrix):
        if value.rows * value.cols != 1:
            raise ValueError("the derivative of a matrix by a matrix is not a gradient")
        return value[0, 0]
    return value


def _holds_matrices(expr: Any) -> bool:
    return bool(getattr(expr, "has", lambda *_: False)(sp.MatrixExpr)) or isinstance(
        expr, sp.MatrixExpr)


def _numeric_derivative(derivative: sp.Derivative) -> Any:
    body = derivative.expr
    for variable, count in derivative.variable_count:
        for _ in range(int(count)):
            if isinstance(variable, sp.MatrixSymbol):
                body = Gradient(body, variable)
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
