"""The DL functions of whole vectors and matrices, built from parsed operands.

``softmax(z)``, ``logsumexp(z)``, ``norm(x)``, ``diag(v)``, ``mean(X)`` and
``ones(n)``: each checks its operand's shape and builds the sympy object the
matrix engine differentiates (see :mod:`derive.matrixfunctions`).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derive.errors import ShapeError
from derive.matrixfunctions import LogSumExp, Norm, Softmax
from derive.parse import algebra
from derive.parse.algebra import Operand, describe
from derive.parse.symbols import size_symbol


def _vector_or_matrix(name: str, arg: Operand) -> sp.Basic:
    if not arg.is_matrix or arg.expr.shape == (1, 1):
        raise ShapeError(f"{name} needs a vector or a matrix, got {describe(arg)}")
    return arg.expr


def softmax(arg: Operand) -> sp.Basic:
    """softmax of a column (or of each column of a matrix); of a row vector, along the row."""
    value = _vector_or_matrix("softmax", arg)
    rows, cols = value.shape
    return Softmax(value, axis=1 if rows == 1 else 0)


def logsumexp(arg: Operand) -> sp.Basic:
    """log of the sum of the exponentials of all entries; of a scalar, the scalar."""
    if not arg.is_matrix:
        return arg.expr
    return LogSumExp(algebra.as_scalar(arg).expr if arg.expr.shape == (1, 1) else arg.expr)


def norm(arg: Operand) -> sp.Basic:
    """The two-norm of a vector, the Frobenius norm of a matrix, |x| of a scalar."""
    if not arg.is_matrix or arg.expr.shape == (1, 1):
        return algebra.apply_scalar("abs", sp.Abs, [arg])
    return Norm(arg.expr)


def diag(arg: Operand) -> sp.Basic:
    """diag(v): the diagonal matrix of a vector; diag(X): the diagonal of a square X, (I o X) 1."""
    value = _vector_or_matrix("diag", arg)
    rows, cols = value.shape
    if cols == 1:
        return sp.DiagMatrix(value)
    if rows == 1:
        return sp.DiagMatrix(value.T)
    if rows != cols:
        raise ShapeError(f"diag of a non-square matrix: {describe(arg)}")
    return sp.MatMul(sp.HadamardProduct(sp.Identity(rows), value), sp.OneMatrix(rows, 1))


def mean(arg: Operand) -> sp.Basic:
    """The mean of all entries: 1^T X 1 / (rows cols)."""
    if not arg.is_matrix:
        return arg.expr
    rows, cols = arg.expr.shape
    return sp.MatMul(1 / (rows * cols), algebra.total(arg))


def _size(arg: Operand) -> sp.Basic:
    value = arg.expr
    if isinstance(value, sp.Symbol):
        return size_symbol(value.name)
    if value.is_Integer and 0 < value <= 1000:
        return value
    raise ShapeError(f"ones() takes sizes (a positive integer or a name), got {describe(arg)}")


def ones(*args: Operand) -> sp.Basic:
    """ones(n): the all-ones column; ones(m, n): the all-ones m x n matrix."""
    if len(args) > 2:
        raise ShapeError(f"ones takes one or two sizes ({len(args)} given)")
    rows = _size(args[0])
    cols = _size(args[1]) if len(args) == 2 else sp.S.One
    return sp.OneMatrix(rows, cols)


#: Every matrix function by name, each taking operands.
MATRIX_OPERATIONS: dict[str, Callable[..., sp.Basic]] = {
    **algebra.MATRIX_OPERATIONS,
    "softmax": softmax,
    "logsumexp": logsumexp,
    "norm": norm,
    "diag": diag,
    "mean": mean,
    "ones": ones,
}
