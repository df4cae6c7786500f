"""Sample statistics as opaque symbols, so that plain algebra can see through sums.

``sympy.solve`` returns [] on equations that hold unexpanded sums; with every
sum that holds no unknown replaced by a symbol (positive when its summand is
nonnegative on the support) the score equation is ordinary algebra.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sympy as sp

from derive.engine.sample.sums import sums_in


@dataclass(frozen=True)
class Masked:
    """An expression with its sums replaced by symbols, and the way back."""

    expr: sp.Expr
    symbols: dict[sp.Symbol, sp.Sum]

    def unmask(self, expr: sp.Expr) -> sp.Expr:
        return expr.xreplace(self.symbols)


def mask_sums(
    expr: sp.Expr, nonnegative: Callable[[sp.Sum], bool], keep: Iterable[sp.Symbol] = ()
) -> Masked:
    """Replace each outermost sum that holds none of ``keep`` by a symbol."""
    keep = tuple(keep)
    mapping: dict[sp.Sum, sp.Symbol] = {}
    for k, s in enumerate(sums_in(expr)):
        if keep and s.has(*keep):
            continue
        positive = nonnegative(s) if isinstance(s, sp.Sum) else bool(s.is_nonnegative)
        mapping[s] = (
            sp.Dummy(f"S{k}", positive=True) if positive else sp.Dummy(f"S{k}", real=True)
        )
    return Masked(expr.xreplace(mapping), {v: k for k, v in mapping.items()})


def mask_many(
    exprs: Iterable[sp.Expr], nonnegative: Callable[[sp.Sum], bool]
) -> tuple[list[sp.Expr], Masked]:
    """Mask several expressions with one shared table of statistics."""
    exprs = list(exprs)
    joint = mask_sums(sp.Tuple(*exprs), nonnegative)
    return list(joint.expr), joint
