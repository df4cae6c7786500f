"""The numeric context: mpmath at 30 digits, the bound on magnitudes, and its errors.

Every value the evaluator computes passes ``_check``: a number whose binary
exponent grows past ``MAX_MAGNITUDE`` (``exp(exp(exp(x)))``) stops the
evaluation instead of eating the memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import mpmath

DIGITS = 30
MAX_MAGNITUDE = 4096  # bits of binary exponent: |value| < 2^4096
WIDE_MAGNITUDE = 65536  # for a density summed over many terms: lam^k / k! at k = 4000
MAX_TERMS = 200  # terms of a concrete sum or product
OWN_EXTRA = 20  # guard digits for a class that evaluates itself
QUADRATURE_TOLERANCE = mpmath.mpf(10) ** -24  # error estimate a quadrature must reach
QUADRATURE_DEGREE = 8  # mpmath.quad's maxdegree (nodes double per degree); then refused

ctx = mpmath.MPContext()
ctx.dps = DIGITS


class _Bounds:
    """The magnitude bound in force (``function_of`` widens it while it evaluates)."""

    magnitude = MAX_MAGNITUDE


_bounds = _Bounds()


class Unevaluable(Exception):
    """The expression has no finite value at this point (or no rule to compute it)."""


class NoRule(Unevaluable):
    """A node type the table has no rule for (and the point allows no ``evalf`` fallback)."""


def _check(value: Any) -> Any:
    parts = getattr(value, "_mpf_", None)
    if parts is not None:  # a real number: read its exponent directly (the hot path)
        _, mantissa, exponent, bits = parts
        if mantissa:
            if exponent + bits > _bounds.magnitude:
                raise Unevaluable("too large")
            return value
        if not exponent:  # zero; inf and nan have an empty mantissa and a special exponent
            return value
        raise Unevaluable("not finite")
    if ctx.isnan(value) or ctx.isinf(value):
        raise Unevaluable("not finite")
    if value and ctx.mag(value) > _bounds.magnitude:
        raise Unevaluable("too large")
    return value


@contextmanager
def _widened(magnitude: int) -> Iterator[None]:
    saved, _bounds.magnitude = _bounds.magnitude, magnitude
    try:
        yield
    finally:
        _bounds.magnitude = saved

