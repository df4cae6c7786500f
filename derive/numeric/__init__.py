"""Numbers at 30 digits: points of a domain, evaluation by a table of node types, quadrature.

``points`` draws values for symbols (readable ones first) and compares values;
``evaluate`` computes an expression at a point with mpmath, bounded in magnitude;
``quadrature`` adds definite integrals and fast closures for integrands
(``function_of``). Used by ``derive.verify`` and the hand-derivation checker;
the names below are the package's public face.
"""

from derive.numeric.context import DIGITS, MAX_MAGNITUDE, NoRule, Unevaluable, ctx
from derive.numeric.evaluate import MPMATH_NAMES, evaluate, real_value, value_at
from derive.numeric.points import Point, close, make_point, sample_real
from derive.numeric.quadrature import function_of  # also registers the rule for integrals

__all__ = ["DIGITS", "MAX_MAGNITUDE", "MPMATH_NAMES", "NoRule", "Point", "Unevaluable", "close",
           "ctx", "evaluate", "function_of", "make_point", "real_value", "sample_real",
           "value_at"]
