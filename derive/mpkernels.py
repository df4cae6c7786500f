"""The hot loops of mpmatrix on mpmath matrices, without mpmath's per-entry indexing.

``mpmath.matrix`` keeps its entries in a dict and checks every ``m[i, j]`` read and write
(a fifth of a generated loss's verification went to ``__getitem__``/``__setitem__``).
These kernels read and fill that dict directly: the same values, fewer calls. Zeros are
not stored (as mpmath itself does); a value that is no mpf (an mpc) is converted as
``m[i, j] = v`` would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath

_ZERO = mpmath.mpf(0)
_MPF = type(_ZERO)


def _cells(m: mpmath.matrix) -> dict[tuple[int, int], Any]:
    return m._matrix__data  # noqa: SLF001 - mpmath's own store, read in one place


def _filled(rows: int, cols: int, cells: dict[tuple[int, int], Any]) -> mpmath.matrix:
    out = mpmath.matrix(rows, cols)
    store = _cells(out)
    convert = mpmath.mp.convert
    for key, value in cells.items():
        if value:
            store[key] = value if type(value) is _MPF else convert(value)
    return out


def rows_of(m: mpmath.matrix) -> list[list[Any]]:
    """The entries as a list of rows."""
    get = _cells(m).get
    return [[get((i, j), _ZERO) for j in range(m.cols)] for i in range(m.rows)]


def product(a: mpmath.matrix, b: mpmath.matrix) -> mpmath.matrix:
    """a b, each entry one ``fdot`` (as mpmath's own product)."""
    if a.cols != b.rows:
        raise ValueError("dimensions not compatible for multiplication")
    left = rows_of(a)
    get = _cells(b).get
    columns = [[get((k, j), _ZERO) for k in range(b.rows)] for j in range(b.cols)]
    fdot = mpmath.fdot
    return _filled(a.rows, b.cols, {(i, j): fdot(row, column) for i, row in enumerate(left)
                                    for j, column in enumerate(columns)})


def entrywise(a: mpmath.matrix, b: mpmath.matrix,
              op: Callable[[Any, Any], Any]) -> mpmath.matrix:
    """op(a_ij, b_ij) entry by entry."""
    if (a.rows, a.cols) != (b.rows, b.cols):
        raise ValueError("incompatible dimensions for an entrywise operation")
    first, second = _cells(a).get, _cells(b).get
    return _filled(a.rows, a.cols, {(i, j): op(first((i, j), _ZERO), second((i, j), _ZERO))
                                    for i in range(a.rows) for j in range(a.cols)})


def mapped(a: mpmath.matrix, op: Callable[[Any], Any]) -> mpmath.matrix:
    """op(a_ij) entry by entry."""
    get = _cells(a).get
    return _filled(a.rows, a.cols, {(i, j): op(get((i, j), _ZERO))
                                    for i in range(a.rows) for j in range(a.cols)})


def transposed(a: mpmath.matrix) -> mpmath.matrix:
    return _filled(a.cols, a.rows, {(j, i): v for (i, j), v in _cells(a).items()})


def trace(a: mpmath.matrix) -> Any:
    get = _cells(a).get
    return mpmath.fsum(get((i, i), _ZERO) for i in range(min(a.rows, a.cols)))


def combined(a: Any, b: Any, op: Callable[[Any, Any], Any]) -> Any:
    """op(a, b) for two numbers or, entry by entry, two matrices of one shape."""
    if isinstance(a, mpmath.matrix) and isinstance(b, mpmath.matrix):
        return entrywise(a, b, op)
    return op(a, b)


def scaled(a: Any, factor: Any) -> Any:
    """a times a number, entry by entry for a matrix."""
    if isinstance(a, mpmath.matrix):
        return mapped(a, lambda x: x * factor)
    return a * factor


def divided(a: Any, divisor: Any) -> Any:
    """a over a number, entry by entry for a matrix."""
    if isinstance(a, mpmath.matrix):
        return mapped(a, lambda x: x / divisor)
    return a / divisor
