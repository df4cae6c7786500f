r"""Name the transpose behind a line whose matrices do not fit (``\delta W`` for ``W^\top \delta``).

The two operands that clash are rewritten with one side transposed, both, or
their order swapped; the rewrites that fit (and, when the line must have a known
shape, the ones of that shape) are named in the hint, fewest changes first.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.grade.hints import Hint
from derive.parse.algebra import OperandMismatch

MAX_SHOWN = 2
_SUMS = ("+", "-")


def _shape(expr: Any) -> tuple[Any, Any]:
    return tuple(expr.shape)  # type: ignore[return-value]


def _words(shape: tuple[Any, Any]) -> str:
    return f" ({shape[0]} x {shape[1]})"


def _products(left: Any, right: Any) -> list[tuple[int, bool, Any]]:
    """(changes, swapped, product) for each rewrite of ``left right`` whose shapes fit."""
    found = []
    for swapped, (a, b) in ((False, (left, right)), (True, (right, left))):
        for ta in (False, True):
            for tb in (False, True):
                x, y = (a.T if ta else a), (b.T if tb else b)
                if x.shape[1] == y.shape[0] and (ta or tb or swapped):
                    found.append((ta + tb + swapped, swapped, sp.MatMul(x, y)))
    return found


def _sums(left: Any, right: Any, op: str) -> list[tuple[int, bool, Any]]:
    combine = {"+": lambda x, y: sp.MatAdd(x, y), "-": lambda x, y: sp.MatAdd(x, -y)}.get(
        op, lambda x, y: sp.HadamardProduct(x, y))
    return [(1, False, combine(x, y)) for x, y in ((left.T, right), (left, right.T))
            if x.shape == y.shape]


def _transposes(expr: Any) -> int:
    return sum(1 for n in sp.preorder_traversal(expr) if isinstance(n, sp.Transpose))


def expected_shape(expr: Any) -> tuple[Any, Any] | None:
    """The shape a line continuing from ``expr`` must have: a gradient by a matrix has the
    matrix's shape, a scalar is 1 x 1; None when unknown."""
    if isinstance(expr, sp.Derivative):
        variable = expr.variable_count[0][0]
        body = expr.expr
        scalar = not getattr(body, "is_Matrix", False) or tuple(body.shape) == (1, 1)
        if isinstance(variable, sp.MatrixSymbol) and scalar:
            return _shape(variable)
        return None
    if getattr(expr, "is_Matrix", False):
        return _shape(expr)
    return None if expr is None else (sp.S.One, sp.S.One)


def shape_hint(error: Exception, expected: tuple[Any, Any] | None) -> Hint | None:
    """The hint for a line whose parse ended in ``error``, or None if no transpose helps."""
    if not isinstance(error, OperandMismatch) or not (error.left.is_matrix
                                                      and error.right.is_matrix):
        return None
    left, right = error.left.expr, error.right.expr
    found = _products(left, right) if error.op == "@" else _sums(left, right, error.op)
    if expected is not None and any(_shape(f) == expected for _, _, f in found):
        found = [c for c in found if _shape(c[2]) == expected]
    if not found:
        return None
    found.sort(key=lambda c: c[0])
    shown = found[:MAX_SHOWN]
    written = _transposes(left) + _transposes(right)
    if all(_transposes(f) == written for _, swapped, f in shown if swapped) and all(
            swapped for _, swapped, _ in shown):
        name = "product order"
    elif all(_transposes(f) < written for _, _, f in shown):
        name = "extra transpose"
    else:
        name = "missing transpose"
    parts: list[Any] = [left, _words(_shape(left)), " and ", right, _words(_shape(right)),
                        " do not fit together; "]
    for k, (_, _, candidate) in enumerate(shown):
        parts += (["or "] if k else []) + [candidate, _words(_shape(candidate))]
        parts.append(" would" if k == len(shown) - 1 else " ")
    return Hint(name, tuple(parts))
