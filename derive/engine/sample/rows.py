"""Sums over the rows of a data matrix: sum_i f(x_i), where x_i^T is row i of X.

The lecture writes a sample of vectors with sums; the matrix engine works
with the stacked data matrix X (N x d). ``RowSum`` keeps the sum form printable
and evaluable, so that the step from sums to X (e.g. sum_i x_i = X^T 1) is
verified at explicit random matrices like any other step.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr

from derive.engine.matrix.expressions import moved


class _RowSumBase:
    """args: (body, x_i, X): the body holds the column x_i (d x 1); X is N x d."""

    args: tuple[Any, ...]

    @property
    def body(self) -> Any:
        return self.args[0]

    @property
    def row(self) -> Any:
        return self.args[1]

    @property
    def data(self) -> Any:
        return self.args[2]

    def doit(self, **hints: Any) -> Any:
        return self

    def _latex(self, printer: Any) -> str:
        body = printer._print(self.body)
        if isinstance(self.body, sp.Add | sp.MatAdd):
            body = rf"\left({body}\right)"
        return rf"\sum_{{i=1}}^{{{printer._print(self.data.shape[0])}}} {body}"

    def _sympystr(self, printer: Any) -> str:
        if hasattr(printer, "sample_sum"):  # the terminal's ∑ᵢ
            return printer.sample_sum(self.body)
        return f"Sum_i({printer._print(self.body)})"

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        data = env[self.data]
        total: Any = None
        for r in range(data.rows):
            column = mpmath.matrix([[data[r, c]] for c in range(data.cols)])
            value = evaluate(self.body, moved(env, {self.row: column}))
            total = value if total is None else total + value
        return total


class RowSum(_RowSumBase, sp.Expr):
    """sum_i s(x_i) for a scalar body."""

    is_commutative = True

    def __new__(cls, body: Any, row: Any, data: Any) -> RowSum:
        return sp.Expr.__new__(cls, body, row, data)


class MatrixRowSum(_RowSumBase, MatrixExpr):
    """sum_i M(x_i) for a matrix body."""

    def __new__(cls, body: Any, row: Any, data: Any) -> MatrixRowSum:
        return MatrixExpr.__new__(cls, body, row, data)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape
