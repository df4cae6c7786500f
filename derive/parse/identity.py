"""``I`` among matrices: the identity, its size taken from where it is written.

In an expression with declared matrices, an undeclared ``I`` (``\\mathbf{I}``) is the
identity matrix, as in every textbook's ridge line ``(X^T X + lambda I) w``: added to a
square matrix it is that matrix's identity, as a factor of a matrix product it is
dropped (I A = A). ``I_n`` names its size itself. Anywhere else it has no size, and the
parser says so rather than read it as a number broadcast to every entry.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.errors import ShapeError

#: How the error names the rule, with the example a user can copy.
_RULE = "I is the identity matrix beside a square matrix (as in X^T X + lambda I)"


class IdentityName(sp.Symbol):
    """The name I before its size is known (a scalar until a sum or product sizes it)."""


IDENTITY = IdentityName("I", real=True)

_WRITTEN = re.compile(r"(?<![A-Za-z\\])I(?![A-Za-z])")


def sized_identity(scalar: sp.Basic, shape: tuple[sp.Basic, sp.Basic],
                   beside: str) -> tuple[sp.Basic | None, sp.Basic]:
    """``c I`` inside the scalar part of a sum with a matrix of ``shape``: (c times the
    identity of that size, the rest of the scalar part); (None, scalar) without I."""
    if not scalar.has(IDENTITY):
        return None, scalar
    rows, cols = shape
    if rows != cols:
        raise ShapeError(f"I added to {beside}, which is not square: {_RULE}")
    expanded = sp.expand(scalar)
    coefficient = expanded.coeff(IDENTITY)
    rest = expanded.xreplace({IDENTITY: 0})
    if coefficient.has(IDENTITY) or sp.expand(expanded - coefficient * IDENTITY - rest) != 0:
        raise ShapeError(f"I inside a function or a power: {_RULE}")
    identity = sp.Identity(rows)
    sized = identity if coefficient == 1 else sp.MatMul(coefficient, identity)
    return sized, rest


def without_identity(coefficient: sp.Basic) -> sp.Basic:
    """The scalar coefficient of a matrix product with its factors I dropped (I A = A)."""
    if not coefficient.has(IDENTITY):
        return coefficient
    kept = []
    for factor in sp.Mul.make_args(coefficient):
        base, exponent = factor.as_base_exp()
        if base == IDENTITY and exponent.is_Integer:
            continue  # I^k = I^-1 = I
        if factor.has(IDENTITY):
            raise ShapeError(f"I inside a scalar factor of a matrix product: {_RULE}")
        kept.append(factor)
    return sp.Mul(*kept)


def check_sized(expr: sp.Basic, text: str) -> None:
    """A ShapeError if an I was left without a size (``tr(I)``, ``I x`` with x a scalar)."""
    if isinstance(expr, sp.Basic) and expr.has(IDENTITY):
        where = _WRITTEN.search(text)
        column = f" (column {where.start() + 1})" if where else ""
        raise ShapeError(f"I{column} has no size here: {_RULE}, or declare its shape")
