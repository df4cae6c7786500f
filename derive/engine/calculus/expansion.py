"""Bounds on the size of an expansion, computed before doing it.

``sp.expand`` of a product of k sums has up to 2^k terms, expands every
denominator in place (a nested fraction raised to a power compounds), and
``sp.cancel`` expands the numerator and denominator it puts over one fraction;
the tidy moves and the proofs ask these bounds first and skip an expansion that
cannot be small. A bound on ``e^p`` expanded: its terms (the multinomial count of
a sum, the product of a product's, capped for a polynomial by the monomials of
its degree in the expression's generators: ``(x + 1)^1000`` has 1001 terms), and
its work (those terms, plus the work of every power met inside, denominators
included). Polynomials are expanded through dense polynomial arithmetic.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import sympy as sp

#: past this many nodes an expansion is not attempted (none that large reads well)
NODES = 1000
_CAP = 10**12  # bounds are capped: only their comparison with a limit matters


def _capped(value: int) -> int:
    return min(_CAP, value)


def _multinomial(terms: int, power: int) -> int:
    """Monomials of a sum of ``terms`` terms raised to ``power``: C(terms + power - 1, power)."""
    if terms <= 1 or power <= 1:
        return max(1, terms) if power == 1 else 1
    small = min(power, terms - 1)
    if small > 64:
        return _CAP
    return _capped(math.comb(terms + power - 1, small))


class _Estimator:
    """Bounds for ``expr^power`` expanded, for the subexpressions of one expression
    (remembered per subexpression and power: shared subtrees cost once)."""

    def __init__(self, expr: sp.Basic) -> None:
        self.generators = max(1, len(expr.free_symbols))
        self.memo: dict[tuple[sp.Basic, int], tuple[int, int]] = {}
        self.degrees: dict[sp.Basic, int | None] = {}

    def monomials(self, degree: int | None) -> int:
        """How many monomials of at most ``degree`` the generators have."""
        if degree is None:
            return _CAP
        v = self.generators
        return _capped(math.comb(degree + v, v)) if min(degree, v) <= 64 else _CAP

    def degree(self, expr: sp.Basic) -> int | None:
        """The polynomial degree, None when ``expr`` is not a polynomial."""
        if expr not in self.degrees:
            self.degrees[expr] = self._degree(expr)
        return self.degrees[expr]

    def _degree(self, expr: sp.Basic) -> int | None:
        if expr.is_Number or not expr.free_symbols:
            return 0
        if expr.is_Symbol:
            return 1
        if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
            inner = self.degree(expr.base)
            return None if inner is None else inner * int(expr.exp)
        if expr.is_Add or expr.is_Mul:
            parts = [self.degree(a) for a in expr.args]
            if None in parts:
                return None
            return max(parts) if expr.is_Add else sum(parts)
        return None

    def size(self, expr: sp.Basic, power: int = 1) -> tuple[int, int]:
        """(terms, nodes) of ``expr**power`` expanded: its top-level terms and its size."""
        key = (expr, power)
        if key not in self.memo:
            self.memo[key] = self._size(expr, power)
        return self.memo[key]

    def _bounded(self, expr: sp.Basic, power: int, terms: int, nodes: int) -> tuple[int, int]:
        degree = self.degree(expr)
        if degree is not None:  # a polynomial: a monomial has at most v + 1 factors
            terms = min(terms, self.monomials(degree * power))
            nodes = min(nodes, terms * (self.generators + 2))
        return _capped(terms), _capped(max(terms, nodes))

    def _size(self, expr: sp.Basic, power: int) -> tuple[int, int]:
        if expr.is_Number or expr.is_Symbol or not expr.free_symbols:
            return 1, 1
        if expr.is_Add:
            parts = [self.size(a, power) for a in expr.args]
            if power == 1:
                return self._bounded(expr, 1, sum(t for t, _ in parts), sum(n for _, n in parts))
            # each of the multinomial's terms is a product of powers of the summands
            terms = _capped(_multinomial(len(expr.args), power) * math.prod(
                min(t, _CAP) for t, _ in parts))
            return self._bounded(expr, power, terms, terms * (1 + sum(n for _, n in parts)))
        if expr.is_Mul:
            return self._product(expr, power)
        if expr.is_Pow and expr.exp.is_Integer and expr.exp != 0:
            terms, nodes = self.size(expr.base, abs(int(expr.exp)) * power)
            return (terms, nodes) if expr.exp > 0 else (1, nodes + 1)  # a denominator
        # a function, or a symbolic power: one term, its arguments expanded inside
        inner = [self.size(a)[1] for a in expr.args if isinstance(a, sp.Basic)]
        return 1, _capped(1 + sum(inner))

    def _product(self, expr: sp.Mul, power: int) -> tuple[int, int]:
        """Numerator factors multiply out; the denominators become one product, expanded."""
        upper, upper_nodes, lower, lower_nodes = 1, 1, 1, 1
        for factor in expr.args:
            if factor.is_Pow and factor.exp.is_Integer and factor.exp < 0:
                terms, nodes = self.size(factor.base, -int(factor.exp) * power)
                lower, lower_nodes = _capped(lower * terms), _capped(lower_nodes + nodes)
            else:
                terms, nodes = self.size(factor, power)
                upper, upper_nodes = _capped(upper * terms), _capped(upper_nodes + nodes)
        nodes = upper * upper_nodes + (lower * lower_nodes if lower_nodes > 1 else 0)
        return self._bounded(expr, power, upper, nodes)


def expansion_size(expr: sp.Basic) -> int:
    """A bound on the size (nodes) of what ``sp.expand(expr)`` builds."""
    return _Estimator(expr).size(expr)[1]


def cancel_size(expr: sp.Basic) -> int:
    """A bound on the size of the numerator and denominator ``sp.cancel`` expands."""
    numer, denom = expr.as_numer_denom()
    estimator = _Estimator(expr)
    return max(estimator.size(numer)[1], estimator.size(denom)[1])


def _worst_factor(expr: sp.Basic, measure: Callable[[sp.Basic], int]) -> int:
    """``measure`` of the largest part ``sp.factor`` multiplies out: each factor of a product
    (each base of an integer power) on its own."""
    if expr.is_Mul:
        return max(_worst_factor(a, measure) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer:
        return _worst_factor(expr.base, measure)
    return measure(expr)


def factor_size(expr: sp.Basic) -> int:
    """The same bound for ``sp.factor``, which expands a product's factors one at a time."""
    return _worst_factor(expr, cancel_size)


def expands_small(expr: sp.Basic, limit: int = NODES) -> bool:
    """Whether ``sp.expand(expr)`` stays within ``limit`` nodes."""
    return expansion_size(expr) <= limit


def cancels_small(expr: sp.Basic, limit: int = NODES) -> bool:
    """Whether ``sp.cancel(expr)`` stays within ``limit`` nodes."""
    return cancel_size(expr) <= limit


#: The highest degree a tidy move multiplies out or factors. Factoring a dense polynomial
#: of degree 59 (the derivative of a product of 60 linear factors) takes minutes
#: (Zassenhaus); a product of 20 linear factors multiplied out is a degree-19 polynomial of
#: 20-digit coefficients, no textbook form, whose terms cancel in floating point.
TIDY_DEGREE = 12


def degree_bound(expr: sp.Basic) -> int:
    """A bound on the total degree of ``expr`` multiplied out, without multiplying it out
    (a function or a symbolic power counts as one more variable)."""
    if expr.is_Add:
        return max(degree_bound(a) for a in expr.args)
    if expr.is_Mul:
        return sum(degree_bound(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer:
        return abs(int(expr.exp)) * degree_bound(expr.base)
    return 0 if expr.is_Number else 1


def factors_small(expr: sp.Basic, limit: int = NODES) -> bool:
    """Whether ``sp.factor(expr)`` stays within ``limit`` nodes and a degree it factors fast."""
    return (_worst_factor(expr, degree_bound) <= TIDY_DEGREE
            and factor_size(expr) <= limit)


def _is_polynomial(expr: sp.Basic) -> bool:
    """Sums and products of symbols and rationals, to positive integer powers."""
    for node in sp.preorder_traversal(expr):
        if node.is_Pow:
            if not (node.exp.is_Integer and node.exp > 0):
                return False
        elif not (node.is_Add or node.is_Mul or node.is_Symbol or node.is_Rational):
            return False
    return True


def expand(expr: sp.Expr) -> sp.Expr:
    """``sp.expand``; a polynomial through dense polynomial arithmetic, which gives the same
    expression in a fraction of the time (a product of 30 linear factors: 0.05 s, not 1.4 s)."""
    if expr.free_symbols and _is_polynomial(expr):
        return sp.poly(expr).as_expr()
    return sp.expand(expr)


def _dense(expr: sp.Expr) -> sp.Expr:
    """A rational function of symbols as expanded numerator over expanded denominator,
    multiplied out by dense polynomial arithmetic (``sp.cancel`` and ``sp.factor`` would
    expand them symbolically, which is slow for a power of a sum); anything else as it is."""
    if not expr.free_symbols or not cancels_small(expr):
        return expr
    numer, denom = expr.as_numer_denom()
    if not (_is_polynomial(numer) and _is_polynomial(denom)):
        return expr
    gens = sorted(expr.free_symbols, key=sp.default_sort_key)
    return sp.poly(numer, *gens).as_expr() / sp.poly(denom, *gens).as_expr()


def cancel(expr: sp.Expr) -> sp.Expr:
    """``sp.cancel``, a rational function multiplied out densely first."""
    return sp.cancel(_dense(expr))


def _dense_factors(expr: sp.Expr) -> sp.Expr:
    """Each factor of a product (each base of a power) multiplied out densely, not the
    product: factoring 1000 (x + 1)^999 must not meet a polynomial of degree 999."""
    if expr.is_Mul:
        return sp.Mul(*[_dense_factors(a) for a in expr.args])
    if expr.is_Pow and expr.exp.is_Integer:
        return sp.Pow(_dense_factors(expr.base), expr.exp)
    return _dense(expr)


def factor(expr: sp.Expr) -> sp.Expr:
    """``sp.factor``, each factor multiplied out densely first when that is small."""
    return sp.factor(_dense_factors(expr))
