"""Samples for the likelihood and Bayes families: drawn data, and results evaluated on them."""

from __future__ import annotations

import random
from collections.abc import Sequence

import sympy as sp

from derive.plots import on_sample
from derive.printing import latex


def draw_sample(rng: random.Random, values: Sequence[str], sizes: Sequence[int]) -> list[str]:
    """A small sample: its size from ``sizes``, each observation from ``values``."""
    return [rng.choice(values) for _ in range(rng.choice(sizes))]


def numbers(sample: Sequence[str]) -> list[sp.Rational]:
    return [sp.Rational(v) for v in sample]


def at_sample(expr: sp.Expr, sample: Sequence[str]) -> sp.Expr:
    """The result on a sample: N is its size, x_i its i-th value (sums written out)."""
    return on_sample(expr, numbers(sample))


def sample_tex(sample: Sequence[str]) -> str:
    """x_1, ..., x_N = 1, 0, 2 for the question and the answer key."""
    return ", ".join(latex(v) for v in numbers(sample))


def sample_point(sample: Sequence[str]) -> dict[str, str]:
    """The point of a numeric answer as the manifest records it."""
    return {"N": str(len(sample)), "x": ", ".join(sample)}
