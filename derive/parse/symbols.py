"""The symbols the parser makes, cached so that the same name is always the same object."""

from __future__ import annotations

from functools import lru_cache

import sympy as sp


@lru_cache(maxsize=4096)
def real_symbol(name: str) -> sp.Symbol:
    """An ordinary variable: every plain name is real."""
    return sp.Symbol(name, real=True)


@lru_cache(maxsize=256)
def index_symbol(name: str) -> sp.Symbol:
    """A summation or subscript index, as in DESIGN's ``i = Symbol('i', integer=True)``."""
    return sp.Symbol(name, integer=True)


@lru_cache(maxsize=256)
def size_symbol(name: str) -> sp.Symbol:
    """A size: a sum's upper bound ``N`` or a matrix dimension ``n``."""
    return sp.Symbol(name, integer=True, positive=True)


@lru_cache(maxsize=256)
def indexed_base(name: str) -> sp.IndexedBase:
    """The base of ``x_i``, as in DESIGN's ``x = IndexedBase('x')``."""
    return sp.IndexedBase(name)


def dimension(value: int | str) -> sp.Basic:
    """A matrix dimension from ``shapes``: an int stays an int, a str is a size symbol."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"matrix dimension must be int or str, not {type(value).__name__}")
    return sp.Integer(value) if isinstance(value, int) else size_symbol(value)


@lru_cache(maxsize=1024)
def matrix_symbol(name: str, rows: int | str, cols: int | str) -> sp.MatrixSymbol:
    """A matrix declared in ``shapes``, its symbolic dimensions positive integers."""
    return sp.MatrixSymbol(name, dimension(rows), dimension(cols))


#: The bound variable of elementwise functions: fixed, so that equal input gives equal output.
ELEMENT = sp.Dummy("d")

#: The bound variables of an elementwise function of several matrices (max(A, B)).
ELEMENTS = tuple(sp.Dummy(f"d{k}") for k in range(1, 9))
