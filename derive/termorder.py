"""The order in which printers write the terms of a sum and the factors of a product.

Sort keys only, no printing. A key is a pure function of the expression's structure,
so each is computed once per expression (cached): a derivation prints the same factors
at every step, and a product of 60 linear factors has thousands of them.
"""

from __future__ import annotations

import functools

import sympy as sp

from derive.names import GREEK

_CACHE = 1 << 14
_GREEK_WORDS = frozenset(w.lower() for w in GREEK.values())


def _parameter(factor: sp.Expr) -> bool:
    """A Greek-named symbol (or its power): a coefficient written first, lambda sign(w)."""
    base = factor.base if isinstance(factor, sp.Pow) and factor.exp.is_Integer else factor
    return isinstance(base, sp.Symbol) and base.name.split("_")[0].rstrip(
        "0123456789").lower() in _GREEK_WORDS


def _count(factor: sp.Expr) -> bool:
    """A positive integer symbol (a sample size N, a dimension d) or its power."""
    base = factor.base if isinstance(factor, sp.Pow) and factor.exp.is_Integer else factor
    return isinstance(base, sp.Symbol) and bool(base.is_integer) and bool(base.is_positive)


def _contraction(factor: sp.Expr) -> bool:
    """1 - eta a, 1 - beta or a whole power of one: a sum of 1 and terms each holding a Greek
    parameter, written with the coefficients in front ((1 - eta a) w_k, (1 - beta) g)."""
    base = factor.base if isinstance(factor, sp.Pow) and factor.exp.is_Integer else factor
    if not isinstance(base, sp.Add) or sp.S.One not in base.args:
        return False
    return all(any(_parameter(f) for f in sp.Mul.make_args(term.as_coeff_Mul()[1]))
               for term in base.args if term != sp.S.One)  # 1 - 2 eta a + eta^2 a^2 too


def _name(factor: sp.Expr) -> tuple[str, str] | None:
    """The symbol a factor is written with, as (its class's place, its name): a symbol, an
    observation x_i, a value named on the sheet (q_1, printed as its name), or a whole power
    of one; else None. A class may ask to come later (a random variable: a X, not X a)."""
    base = factor.base if isinstance(factor, sp.Pow) and factor.exp.is_Integer else factor
    if getattr(base, "named_value", False):
        base = base.args[-1]
    if isinstance(base, sp.Indexed):
        base = base.base.label
    if not isinstance(base, sp.Symbol):
        return None
    return str(type(base).class_key()[:2]), base.name


def _companion(factor: sp.Expr) -> sp.Expr | None:
    """The function a factor is about: f(u) itself, f(u)^n, or 1 - f(u)."""
    if isinstance(factor, sp.Pow):
        factor = factor.base
    if isinstance(factor, sp.Function) and not getattr(factor, "named_value", False):
        return factor
    if isinstance(factor, sp.Add) and len(factor.args) == 2 and sp.S.One in factor.args:
        other = factor - 1
        if other.could_extract_minus_sign() and isinstance(-other, sp.Function):
            return -other
    return None


def _lead(expr: sp.Expr, s: sp.Symbol) -> tuple[int, sp.Expr]:
    """Degree and leading coefficient of a polynomial in ``s`` (one free symbol), read from its
    tree: products and powers add and multiply them exactly, so nothing is expanded; only a sum
    whose leading terms cancel is handed to ``sp.Poly``."""
    if not expr.has(s):
        return 0, expr
    if expr == s:
        return 1, sp.S.One
    if isinstance(expr, sp.Mul):
        leads = [_lead(f, s) for f in expr.args]
        return sum(d for d, _ in leads), sp.Mul(*(c for _, c in leads))
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp >= 0:
        d, c = _lead(expr.base, s)
        return d * int(expr.exp), c ** expr.exp
    if isinstance(expr, sp.Add):
        leads = [_lead(t, s) for t in expr.args]
        top = max(d for d, _ in leads)
        coefficient = sp.Add(*(c for d, c in leads if d == top))
        if coefficient != 0:
            return top, coefficient
    poly = sp.Poly(expr, s)
    return poly.degree(), poly.LC()


def degree(expr: sp.Expr, s: sp.Symbol) -> int:
    """The degree of a polynomial in ``s`` (as ``sp.degree``, without expanding it)."""
    return _lead(expr, s)[0]


def polynomial_variable(expr: sp.Add) -> sp.Symbol | None:
    """The variable of a polynomial in one symbol whose leading coefficient is positive (its
    terms print by falling degree: lambda^2 - 7 lambda + 10), else None (1 - x stays)."""
    free = expr.free_symbols
    if len(free) != 1 or len(expr.args) < 3:
        return None
    (s,) = free
    if not isinstance(s, sp.Symbol) or not expr.is_polynomial(s):
        return None
    return s if _lead(expr, s)[1].is_positive else None


def _bracketed(factor: sp.Expr) -> bool:
    """A factor printed inside brackets: a sum, or a power of one ((x - mu)^2, not sqrt(a + b))."""
    if isinstance(factor, sp.Pow):
        return isinstance(factor.base, sp.Add) and factor.exp != sp.S.Half
    return isinstance(factor, sp.Add)


@functools.lru_cache(maxsize=_CACHE)
def factor_key(factor: sp.Expr) -> tuple[int, str, str]:
    """As a textbook writes a product: numbers (and binomial coefficients), then symbols by
    name, then functions with their companions (sigma(u)(1 - sigma(u))), then bracketed sums
    (a(a + b), x(p - y)), then logs and exponentials ((a - 1) log p, lambda e^{-lambda x}),
    sums, products and integrals, pending derivatives last (sigma'(u) d/dw[u])."""
    if factor.is_Number:
        return (0, "0", "")
    if factor.is_number and not factor.atoms(sp.Function):  # 2 pi v, sqrt(2) x, N log 2
        return (0, "1", str(sp.default_sort_key(factor)))
    if _count(factor):
        return (0, "15", str(sp.default_sort_key(factor)))  # N mu, 3 N theta: the count first
    if _parameter(factor):
        return (0, "2", str(sp.default_sort_key(factor)))
    if isinstance(factor, sp.binomial):
        return (0, "3", str(sp.default_sort_key(factor)))  # binom(n, x) p^x (1 - p)^(n - x)
    if (name := _name(factor)) is not None:
        return (1, *name)  # N d, p_2 q_1, w x_i: by the name printed
    if isinstance(factor, sp.Sum | sp.Product | sp.Integral):
        return (5, "", str(sp.default_sort_key(factor)))  # log(lambda) sum_i x_i: the sum last
    if isinstance(factor, sp.Derivative):
        return (6, "", str(sp.default_sort_key(factor)))
    core = _companion(factor)
    if isinstance(core, sp.log | sp.exp) and core == (factor.base if factor.is_Pow else factor):
        return (4, str(sp.default_sort_key(core)), "")  # N log(sigma), lambda e^{-lambda x}
    if core is not None:
        plain = factor == core or (factor.is_Pow and factor.base == core)
        return (2, str(sp.default_sort_key(core)), "0" if plain else "1")
    if _bracketed(factor):
        return (3, str(sp.default_sort_key(factor)), "")
    return (1, "1", str(sp.default_sort_key(factor)))


def ordered_factors(factors: tuple[sp.Expr, ...] | list[sp.Expr]) -> list[sp.Expr]:
    """Factors in ``factor_key`` order, with a contraction (1 - eta a) moved in front of the
    first factor not made of its own symbols: eta a (1 - eta a)^2 (w_0 - c), (1 - beta) g."""
    ordered = sorted(factors, key=factor_key)
    for contraction in [f for f in ordered if _contraction(f)]:
        ordered.remove(contraction)
        own = contraction.free_symbols
        place = next((i for i, f in enumerate(ordered)
                      if not (f.is_number or f.free_symbols <= own)), len(ordered))
        ordered.insert(place, contraction)
    return ordered


def ordered_product(expr: sp.Mul) -> sp.Mul:
    """The product with its factors in ``ordered_factors`` order, unevaluated (for printing)."""
    return sp.Mul(*ordered_factors(expr.args), evaluate=False)


@functools.lru_cache(maxsize=_CACHE)
def term_key(term: sp.Expr) -> tuple[bool, int, str]:
    """Positive terms first, then by falling degree (wx + b - y, 1 - sigma)."""
    coeff, rest = term.as_coeff_Mul()
    total = 0
    for factor in sp.Mul.make_args(rest):
        _, power = factor.as_base_exp()
        total += int(power) if power.is_Integer and power > 0 else (0 if factor.is_number else 1)
    return (bool(term.could_extract_minus_sign()), -total, sp.default_sort_key(term).__str__())


def _application(expr: sp.Expr) -> bool:
    """f(u, v): an operator applied to arguments (a function, a moment such as Cov(X, Y)), not
    arithmetic, a big operator or a value named on the sheet."""
    return not (expr.is_Atom or expr.is_Add or expr.is_Mul or expr.is_Pow
                or isinstance(expr, sp.MatrixExpr | sp.Sum | sp.Product | sp.Integral
                              | sp.Derivative)
                or getattr(expr, "named_value", False)
                or not all(isinstance(a, sp.Expr) for a in expr.args))


def _applications(terms: tuple[sp.Expr, ...]) -> list[sp.Expr] | None:
    """Terms that are each a number times one function's application, of more than one arity
    (Var X + Var Y + 2 Cov(X, Y)): positive first, fewer arguments before more (the cross
    terms last), then by their arguments; None for any other sum."""
    heads = [t.as_coeff_Mul()[1] for t in terms]
    if not all(_application(h) for h in heads) or len({len(h.args) for h in heads}) < 2:
        return None
    keys = {t: (bool(t.could_extract_minus_sign()), len(h.args),
                tuple(term_key(a) for a in h.args)) for t, h in zip(terms, heads, strict=True)}
    return sorted(terms, key=keys.__getitem__)


def _polynomial_monomial(term: sp.Expr) -> bool:
    """A product of symbols with whole positive powers (and a number): 3 x y, alpha'."""
    _, rest = term.as_coeff_Mul()
    return all(isinstance(b, sp.Symbol) and e.is_Integer and e > 0
               for b, e in (f.as_base_exp() for f in sp.Mul.make_args(rest)))


def _symbolic_fraction(term: sp.Expr) -> bool:
    return not sp.fraction(term)[1].is_number


def ordered_terms(terms: tuple[sp.Expr, ...]) -> list[sp.Expr]:
    """The terms of a sum as a lecturer writes them: ``term_key`` order, then a bare variable
    before the fractions added to it (w + g/h), and a positive constant after polynomial
    terms, by falling degree (x + 2, N + a + b + 1, a^2 + ab + b^2; 1 - p and 1 + e^{-x} keep
    their 1 first)."""
    kinds = {type(t) for t in terms}  # E[...] + E[...], f(u) + f(v): one operator
    if len(kinds) == 1 and all(len(t.args) == 1 for t in terms) and len(
            {t.args[0] for t in terms}) == len(terms):
        # E[aX] + E[bY] + E[c]: the applications of one function in the order of their arguments
        by_argument = {t.args[0]: t for t in terms}
        return [by_argument[a] for a in ordered_terms(tuple(by_argument))]
    if (applications := _applications(terms)) is not None:
        return applications
    ordered = sorted(terms, key=term_key)
    positive = [t for t in ordered if not t.could_extract_minus_sign()]
    if any(isinstance(t, sp.Symbol) for t in positive) and any(
            _symbolic_fraction(t) for t in positive):
        bare = [t for t in ordered if isinstance(t, sp.Symbol)]
        ordered = bare + [t for t in ordered if not isinstance(t, sp.Symbol)]
    if all(t.is_number or _polynomial_monomial(t) for t in terms):
        names = sorted({v for t in terms for v in t.free_symbols}, key=lambda v: v.name)

        def lex(t: sp.Expr) -> tuple:
            return (t.is_number, bool(t.could_extract_minus_sign()), -_total(t),
                    tuple(-degree(t, v) for v in names))

        polynomial = sorted(terms, key=lex)  # a^2 + ab + b^2, x - y + 2
        if not polynomial[0].could_extract_minus_sign():  # 1 - p keeps its 1 first
            ordered = polynomial
    return ([t for t in ordered if not getattr(t, "printed_last", False)]
            + [t for t in ordered if getattr(t, "printed_last", False)])  # ... + const


def _total(term: sp.Expr) -> int:
    _, rest = term.as_coeff_Mul()
    return sum(int(e) for _, e in (f.as_base_exp() for f in sp.Mul.make_args(rest))
               if e.is_Integer and rest != 1)
