"""Where one observation lives, and whether a typed expression is a density there.

A spec may name the support; otherwise it is found by trying the usual ones
in order (``{0, 1}``, ``{0, 1, 2, ...}``, ``{1, 2, ...}``, ``[0, 1]``,
``[0, inf)``, the real line) and keeping the first on which the expression is
nonnegative and has total mass 1 at random parameter values.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from derive import numeric
from derive.errors import InputError
from derive.functions import as_expr, to_closed_form
from derive.model import Assumptions
from derive.names import is_digits

MASS_TOLERANCE = 1e-6
TERMS = 4000  # terms of an infinite discrete sum before its tail is negligible
NEGLIGIBLE = mpmath.mpf(10) ** -30  # a term this small relative to the sum so far ...
QUIET_TERMS = 25  # ... this many times in a row ends an infinite sum early


@dataclass(frozen=True)
class Support:
    """An interval ``[low, high]`` (bounds may hold parameters), discrete or continuous."""

    name: str
    low: sp.Expr
    high: sp.Expr
    discrete: bool = False

    @property
    def nonnegative(self) -> bool:
        return bool(self.low.is_nonnegative)

    def points(self) -> tuple[sp.Integer, ...] | None:
        """The support points when there are few of them."""
        if self.discrete and self.high.is_Integer and int(self.high) - int(self.low) <= 50:
            return tuple(sp.Integer(k) for k in range(int(self.low), int(self.high) + 1))
        return None

    def written_as(self, var: sp.Symbol) -> InSupport:
        """The statement that ``var`` lies here (x ∈ {0, 1}, x ≥ 0), printed late."""
        return InSupport(self, var)

    def written(self, var: sp.Symbol, show: Callable[[Any], str], words: Notation) -> str:
        """The support in one target's notation, its expressions printed by ``show``."""
        v, lo, hi = show(var), show(self.low), show(self.high)
        if self.discrete:
            if self.high == sp.oo:
                items = f"{lo}, {show(self.low + 1)}, {words.dots}"
            elif self.high - self.low > 1:
                items = f"{lo}, {words.dots}, {hi}"
            else:
                items = f"{lo}, {hi}"
            return f"{v}{words.member}{words.open}{items}{words.close}"
        if self.low == -sp.oo and self.high == sp.oo:
            return f"{v}{words.member}{words.reals}"
        if self.high == sp.oo:
            return f"{v}{words.ge}{lo}"
        return f"{lo}{words.le}{v}{words.le}{hi}"


@dataclass(frozen=True)
class Notation:
    """How one target writes sets and relations."""

    member: str
    open: str
    close: str
    dots: str
    reals: str
    ge: str
    le: str


_LATEX = Notation(r" \in ", r"\{", r"\}", r"\dots", r"\mathbb{R}", r" \ge ", r" \le ")
_TEXT = Notation(" in ", "{", "}", "...", "R", " >= ", " <= ")


class InSupport(sp.Symbol):
    """``x ∈ {0, 1}``: a variable in its support, one atom to sympy, printed by each printer."""

    def __new__(cls, support: Support, var: sp.Symbol) -> InSupport:
        stated = sp.Symbol.__xnew__(cls, f"{var} in {support.name}")
        stated.support, stated.var = support, var
        return stated

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict]:
        return (self.support, self.var), {}

    def _hashable_content(self) -> tuple:
        return (*super()._hashable_content(), self.support, self.var)

    def _latex(self, printer: Any) -> str:
        return self.support.written(self.var, printer._print, _LATEX)

    def _sympystr(self, printer: Any) -> str:
        return self.support.written(self.var, printer._print, _TEXT)


NAMED: dict[str, Support] = {
    "binary": Support("binary", sp.S.Zero, sp.S.One, discrete=True),
    "naturals": Support("naturals", sp.S.Zero, sp.oo, discrete=True),
    "positive-integers": Support("positive-integers", sp.S.One, sp.oo, discrete=True),
    "unit": Support("unit", sp.S.Zero, sp.S.One),
    "positive": Support("positive", sp.S.Zero, sp.oo),
    "real": Support("real", -sp.oo, sp.oo),
}
SEARCH_ORDER = ("binary", "naturals", "positive-integers", "unit", "positive", "real")


def named_support(text: str) -> Support:
    """A support written in a spec: a name above or 'counts:n' for {0, ..., n}."""
    if text in NAMED:
        return NAMED[text]
    if text.startswith("counts:") and is_digits(text[7:]):
        return Support(text, sp.S.Zero, sp.Integer(int(text[7:])), discrete=True)
    if text.startswith("categories:") and is_digits(text[11:]):
        return Support(text, sp.S.One, sp.Integer(int(text[11:])), discrete=True)
    raise InputError(
        f"unknown support '{text}' (use {', '.join(NAMED)}, counts:n, categories:k or [low, high])"
    )


def _random_values(
    symbols: Sequence[sp.Symbol], assumptions: Assumptions, rng: random.Random
) -> dict[sp.Symbol, float]:
    values = {}
    for s in symbols:
        d = assumptions.domain(s.name)
        low = max(d.low, 0.3) if s.is_positive else d.low
        values[s] = rng.uniform(low, min(d.high, 2.0) if d.high > low else low + 1)
    return values


def _series(f, low: int, high: int | None) -> Any:
    """f(low) + ... + f(high); an infinite series is summed until its terms stay negligible
    (``NEGLIGIBLE`` relative to the total for ``QUIET_TERMS`` terms in a row), at most TERMS."""
    total, quiet = mpmath.mpf(0), 0
    top = high if high is not None else low + TERMS
    for k in range(low, top + 1):
        term = f(k)
        total += term
        if high is None:
            quiet = quiet + 1 if abs(term) <= NEGLIGIBLE * abs(total) else 0
            if quiet >= QUIET_TERMS:
                break
    return total


def _mass(
    f, support: Support, bounds: tuple[float, float], kinks: tuple[float, ...] = ()
) -> float | None:
    """Total mass of f on the support (None when it cannot be evaluated)."""
    low, high = bounds
    try:
        if support.discrete:
            total = _series(f, int(low), int(high) if math.isfinite(high) else None)
        else:
            # Breaks at 0 and at the parameter values: kinks such as |x - mu| sit there.
            inner = sorted({0.0, *kinks, *(-k for k in kinks)})
            inner = [k for k in inner if low < k < high]
            ends = [
                mpmath.mpf(low) if math.isfinite(low) else -mpmath.inf,
                mpmath.mpf(high) if math.isfinite(high) else mpmath.inf,
            ]
            total = mpmath.quad(f, [ends[0], *inner, ends[1]])
    except (ValueError, ZeroDivisionError, OverflowError, TypeError, numeric.Unevaluable):
        return None
    if not isinstance(total, mpmath.mpf | float | int):
        return None
    return float(total)


def _nonnegative(f, support: Support, bounds: tuple[float, float], rng: random.Random) -> bool:
    low, high = bounds
    for _ in range(40):
        if support.discrete:
            point = rng.randint(int(low), int(high) if math.isfinite(high) else int(low) + 20)
        else:
            a = low if math.isfinite(low) else -10.0
            b = high if math.isfinite(high) else a + 20.0 if math.isfinite(low) else 10.0
            point = rng.uniform(a, b)
        try:
            value = f(point)
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, numeric.Unevaluable):
            return False
        if not isinstance(value, mpmath.mpf | float | int) or value < 0:
            return False
    return True


def is_density(
    density: sp.Expr,
    var: sp.Symbol,
    support: Support,
    others: Sequence[sp.Symbol],
    assumptions: Assumptions,
    seed: int = 7,
) -> tuple[bool, str]:
    """Nonnegative with total mass 1 on the support at two random parameter points."""
    rng = random.Random(seed)
    closed = to_closed_form(density)
    for _ in range(2):
        values = _random_values(others, assumptions, rng)
        bounds = tuple(float(b.xreplace(values)) for b in (support.low, support.high))
        try:
            f = numeric.function_of(closed, var, values)
        except numeric.Unevaluable:
            return False, "it is negative or undefined at some points"
        if not _nonnegative(f, support, bounds, rng):
            return False, "it is negative or undefined at some points"
        mass = _mass(f, support, bounds, tuple(values.values()))
        if mass is None or not abs(mass - 1) < MASS_TOLERANCE:
            shown = "cannot be evaluated" if mass is None else f"is {mass:.4g}"
            return False, f"its total mass {shown}, not 1"
    return True, ""


def find_support(
    density: sp.Expr, var: sp.Symbol, others: Sequence[sp.Symbol], assumptions: Assumptions
) -> Support:
    """The first usual support on which the expression is a density, else an error."""
    for name in SEARCH_ORDER:
        ok, _ = is_density(density, var, NAMED[name], others, assumptions)
        if ok:
            return NAMED[name]
    raise InputError(
        f"not a density of {var}: it is not nonnegative with total mass 1 on {{0, 1}}, "
        "{0, 1, 2, ...}, {1, 2, ...}, [0, 1], [0, inf) or the real line "
        "(for another support, use a spec file with a 'support' field)"
    )


def interval_support(bounds: Sequence[sp.Expr]) -> Support:
    low, high = bounds
    return Support("interval", as_expr(low), as_expr(high))


def free(support: Support) -> set[sp.Symbol]:
    return set(support.low.free_symbols) | set(support.high.free_symbols)


def as_mapping(values: Mapping[sp.Symbol, float]) -> dict[str, float]:
    return {s.name: v for s, v in values.items()}
