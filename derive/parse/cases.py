r"""Piecewise definitions: ``\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise}\end{cases}``.

Each row is a value and a condition (a chain of relations such as ``0 < x < 1``);
a row with no condition (``\text{otherwise}``, which the lexer drops) holds
wherever the rows before it do not. The result is a sympy Piecewise.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.errors import NotSupported
from derive.parse import algebra
from derive.parse.algebra import Operand

#: The relation a case's condition is written with -> sympy's relational class.
CASE_RELATIONS: dict[str, type[sp.core.relational.Relational]] = {
    ">": sp.StrictGreaterThan, r"\gt": sp.StrictGreaterThan,
    "<": sp.StrictLessThan, r"\lt": sp.StrictLessThan,
    ">=": sp.GreaterThan, r"\geq": sp.GreaterThan, r"\ge": sp.GreaterThan,
    r"\geqslant": sp.GreaterThan,
    "<=": sp.LessThan, r"\leq": sp.LessThan, r"\le": sp.LessThan, r"\leqslant": sp.LessThan,
    "=": sp.Eq, r"\neq": sp.Ne, r"\ne": sp.Ne,
}

#: ``\begin{cases}`` and ``\end{cases}`` (dcases too), as the lexer and the line splitter see them.
BEGIN = re.compile(r"\\begin\s*\{\s*d?cases\*?\s*\}")
END = re.compile(r"\\end\s*\{\s*d?cases\*?\s*\}")


def relation(written: str) -> type[sp.core.relational.Relational]:
    """The sympy relation of ``>``, ``\\leq``, ``=`` ... (the grammar only lets these through)."""
    return CASE_RELATIONS["".join(written.split())]


def condition(sides: list[Operand], relations: list[str]) -> sp.Basic:
    """``a < b < c`` as (a < b) and (b < c); every side a scalar."""
    for side in sides:
        if side.is_matrix:
            raise NotSupported(f"not supported: a case's condition compares scalars, not "
                               f"{algebra.describe(side)}")
    parts = [relation(r)(a.expr, b.expr) for r, a, b in zip(relations, sides, sides[1:],
                                                              strict=False)]
    return sp.And(*parts)


def piecewise(rows: list[tuple[Operand, sp.Basic | None]]) -> sp.Basic:
    """The Piecewise of the rows; a row without a condition holds everywhere else."""
    pieces = []
    for value, cond in rows:
        if value.is_matrix:
            raise NotSupported(f"not supported: a case's value is a scalar, not "
                               f"{algebra.describe(value)} (write the cases entrywise)")
        pieces.append((value.expr, sp.true if cond is None else cond))
        if cond is None:
            break
    return sp.Piecewise(*pieces)
