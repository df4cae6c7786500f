"""Points of a domain: random (and readable) values for symbols, drawn data, comparison.

A ``Point`` holds the values of the free symbols and draws the entries ``x[i]``
of indexed data lazily, the same for both sides of an equality; ``close``
compares two values with a relative gap.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy as sp

from derive.model import SIZE_NAMES, Assumptions
from derive.numeric.context import DIGITS, ctx

Draw = Callable[[str, random.Random], Any]


@dataclass
class Point:
    """Values of the free symbols, plus lazily drawn entries ``x[i]`` of indexed data."""

    values: dict[sp.Symbol, Any]
    seed: int
    assumptions: Assumptions = Assumptions()
    data: dict[tuple[str, tuple[int, ...]], Any] = field(default_factory=dict)
    memo: dict[sp.Basic, Any] = field(default_factory=dict)  # values of subexpressions
    digits: int = DIGITS
    draw: Draw | None = None  # how a data entry x[i] is drawn (default: ``sample_real``)
    fallback: bool = False  # nodes without a rule: sympy's evalf instead of NoRule

    def entry(self, name: str, index: tuple[int, ...]) -> Any:
        """The value of ``name[index]``: drawn once per point, the same for both sides."""
        key = (name, index)
        if key not in self.data:
            rng = random.Random(zlib.crc32(repr((self.seed, name, index)).encode()))
            value = (self.draw(name, rng) if self.draw is not None
                     else sample_real(name, False, False, self.assumptions, rng))
            self.data[key] = ctx.mpf(value)
        return self.data[key]

    def shown(self) -> dict[str, float | int]:
        """The point as plain numbers for a report."""
        shown: dict[str, float | int] = {}
        for symbol, value in sorted(self.values.items(), key=lambda kv: kv[0].name):
            shown[symbol.name] = int(value) if symbol.is_integer else float(value)
        for (name, index), value in sorted(self.data.items()):
            shown[f"{name}[{','.join(map(str, index))}]"] = float(value)
        return shown



#: Values a human reads at a glance, tried before random ones so counterexamples are readable.
NICE = (1.5, -0.5, 2.0, 0.75, -1.5, 1.25, -2.0, 0.5)  # not 1 or 0.5: 2x = 1 hides a factor
NICE_POSITIVE = (1.5, 2.0, 0.75, 2.5, 1.25, 0.25, 3.0, 0.5)
NICE_UNIT = (0.25, 0.75, 0.6, 0.2, 0.4, 0.8, 0.3, 0.5)


def sample_real(name: str, positive: bool, nonnegative: bool, assumptions: Assumptions,
                rng: random.Random, nice: int | None = None) -> float:
    """A real value from the symbol's domain (negatives too unless assumed otherwise)."""
    low, high = assumptions.interval(name, positive, nonnegative)
    if nice is not None:
        table = NICE_UNIT if name in assumptions.unit_interval else (
            NICE if low < 0 else NICE_POSITIVE)
        for offset in range(len(table)):
            value = table[(nice + offset) % len(table)]
            if low <= value <= high:
                return value
    return round(rng.uniform(low, high), 4)


def _sample_integer(symbol: sp.Symbol, assumptions: Assumptions, rng: random.Random) -> int:
    if symbol.name in SIZE_NAMES or symbol.is_positive:
        return rng.randint(3, 6)
    return rng.randint(1, 3)  # a free index such as j in x_j: inside every sum's range 1..N


@lru_cache(maxsize=1024)
def make_point(symbols: tuple[sp.Symbol, ...], assumptions: Assumptions, seed: int,
               nice: int | None = None) -> Point:
    """A point for ``symbols``; ``nice`` picks readable values (the k-th nice point).

    Cached: the next transition meets the same points, and the values of the
    line they share are remembered in ``Point.memo``.
    """
    rng = random.Random(seed)
    values: dict[sp.Symbol, Any] = {}
    for k, symbol in enumerate(symbols):
        if symbol.is_integer or symbol.name in assumptions.integer:
            values[symbol] = ctx.mpf(_sample_integer(symbol, assumptions, rng))
        else:
            pick = None if nice is None else nice + 3 * k
            values[symbol] = ctx.mpf(sample_real(symbol.name, bool(symbol.is_positive),
                                                 bool(symbol.is_nonnegative), assumptions,
                                                 rng, pick))
    return Point(values, seed, assumptions)


def close(a: Any, b: Any, equal: Any, apart: Any = None) -> bool | None:
    """True when a and b agree to the relative gap ``equal``, False when they are further apart
    than ``apart`` (by default the same gap), None in between."""
    scale = 1 + max(abs(a), abs(b))
    gap = abs(a - b)
    if gap <= equal * scale:
        return True
    return False if gap > (equal if apart is None else apart) * scale else None
