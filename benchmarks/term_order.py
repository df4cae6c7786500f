"""The LaTeX printer on the steps of d/dx prod_k (x + k): the term order before and after.

    python benchmarks/term_order.py [--factors 20,30,40]

"before" is the printer as it was: the sort keys recomputed for every sum and product at
every step, and the polynomial order read through ``sp.Poly`` (which expands each term);
"after" is derive.termorder: cached keys, degrees read from the tree. Both print the same
LaTeX (checked); the table gives CPU seconds and the ratio. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from unittest import mock

import sympy as sp

from derive import printing, termorder
from derive.engine.calculus.scalar import differentiate_steps


def _poly_lead(expr: sp.Expr, s: sp.Symbol) -> tuple[int, sp.Expr]:
    poly = sp.Poly(expr, s)  # expands the whole polynomial
    return poly.degree(), poly.LC()


@contextmanager
def before():
    """The printer with the old keys: uncached, and the degree through sp.Poly."""
    with mock.patch.object(printing, "term_key", termorder.term_key.__wrapped__), \
            mock.patch.object(printing, "factor_key", termorder.factor_key.__wrapped__), \
            mock.patch.object(printing, "degree", sp.degree), \
            mock.patch.object(termorder, "_lead", _poly_lead):
        yield


def print_steps(expressions: list[sp.Expr]) -> tuple[float, list[str]]:
    termorder.term_key.cache_clear()
    termorder.factor_key.cache_clear()
    start = time.process_time()
    texts = [printing.latex(e) for e in expressions]
    return time.process_time() - start, texts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", default="20,30,40")
    sizes = [int(n) for n in parser.parse_args().factors.split(",")]
    x = sp.Symbol("x")
    print(f"{'factors':>8} {'expressions':>11} {'before s':>9} {'after s':>8} {'ratio':>6}")
    for n in sizes:
        product = sp.Mul(*(x + k for k in range(1, n + 1)), evaluate=False)
        steps = differentiate_steps(product, x)
        expressions = [e for step in steps for e in (step.before, step.after)]
        with before():
            old, old_texts = print_steps(expressions)
        new, new_texts = print_steps(expressions)
        assert old_texts == new_texts, "the printed LaTeX differs"
        print(f"{n:>8} {len(expressions):>11} {old:>9.2f} {new:>8.2f} {old / new:>6.1f}")


if __name__ == "__main__":
    main()
