"""Concrete sizes at which every inverse and log det of a matrix expression is defined.

A product of an r x k and a k x r matrix has rank at most k: X^T X with X m x n
is invertible only when m >= n. ``requirements`` reads such bounds off the
expression (rank of a product <= every inner size); ``fitting_sizes`` draws
distinct sizes that meet them, so no instance is singular by construction.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sympy as sp

from derive.functions import as_expr

#: (at least, at most): the size ``at most`` must be no smaller than ``at least``
Requirement = tuple[sp.Expr, sp.Expr]


def _rank_bounds(expr: Any) -> list[sp.Expr]:
    """Sizes the rank of ``expr`` cannot exceed (beyond its own rows and columns)."""
    for cls in type(expr).__mro__:
        rule = _RANK.get(cls)
        if rule is not None:
            return rule(expr)
    return []


def _product_bounds(expr: sp.MatMul) -> list[sp.Expr]:
    mats = [a for a in expr.args if getattr(a, "is_Matrix", False)]
    bounds = [a.shape[1] for a in mats[:-1]]
    for a in mats:
        bounds += _rank_bounds(a)
    return bounds


def _sum_bounds(expr: sp.MatAdd) -> list[sp.Expr]:
    parts = [_rank_bounds(a) for a in expr.args]
    if any(not p for p in parts):
        return []  # one full-rank term: the sum is generic
    return [sp.Add(*[sp.Min(*p) if len(p) > 1 else p[0] for p in parts])]


_RANK: dict[type, Callable[[Any], list[sp.Expr]]] = {
    sp.MatrixSymbol: lambda e: [],
    sp.MatMul: _product_bounds,
    sp.MatAdd: _sum_bounds,
    sp.Transpose: lambda e: _rank_bounds(e.arg),
    sp.OneMatrix: lambda e: [sp.S.One],
    sp.ZeroMatrix: lambda e: [sp.S.Zero],
}


def distinct_nodes(expr: Any) -> Iterator[Any]:
    """The nodes of ``expr`` in preorder, each distinct subtree once: the lines of a
    derivation (one Tuple) share most of their subtrees, which preorder_traversal walks
    again in every line."""
    seen: set[Any] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        yield node
        stack.extend(reversed(node.args))


_CONSTANT_MATRICES = (sp.MatrixSymbol, sp.ZeroMatrix, sp.OneMatrix, sp.Identity)


def size_symbols(expr: Any) -> set[sp.Symbol]:
    """The size symbols of every matrix in ``expr``, constant ones (0, 1, I) included."""
    dims: set[sp.Symbol] = set()
    for m in distinct_nodes(expr):
        if isinstance(m, _CONSTANT_MATRICES):
            for d in m.shape:
                dims |= as_expr(d).free_symbols
    return dims


def requirements(expr: Any) -> list[Requirement]:
    """For each inverse and determinant: its size is at most each rank bound of its argument."""
    found: list[Requirement] = []
    for node in distinct_nodes(expr):
        if isinstance(node, sp.Inverse | sp.Determinant):
            size = node.arg.shape[0]
            found += [(size, bound) for bound in _rank_bounds(node.arg) if bound != size]
    return list(dict.fromkeys(found))


def holds(needs: Iterable[Requirement], sizes: dict[sp.Symbol, int]) -> bool:
    """Every requirement at these concrete sizes."""
    values = {k: sp.Integer(v) for k, v in sizes.items()}
    return all(as_expr(low).xreplace(values) <= as_expr(high).xreplace(values)
               for low, high in needs)


def fitting_sizes(dims: Iterable[sp.Symbol], needs: list[Requirement],
                  rng: random.Random | None = None, first: int = 3) -> dict[sp.Symbol, int]:
    """Distinct sizes meeting ``needs``: the smallest ``first, first+1, ...`` in some order
    (or random ones from ``rng``); the plain order when nothing fits."""
    dims = sorted(dims, key=str)
    if not dims:
        return {}
    if rng is None:
        pools = [list(range(first, first + len(dims)))]
    else:
        pools = [rng.sample(range(2, 8), k=min(6, len(dims))) for _ in range(8)]
        pools = [[p[k % len(p)] + k // len(p) for k in range(len(dims))] for p in pools]
    for pool in pools:
        for order in itertools.islice(itertools.permutations(pool), 720):
            chosen = dict(zip(dims, order, strict=True))
            if holds(needs, chosen):
                return chosen
    return dict(zip(dims, pools[0], strict=True))
