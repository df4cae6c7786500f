"""Tidy a matrix gradient the way a lecturer does: multiply out, cancel, use what is given.

Moves, each a step: distribute a product over sums ('expand'); cancel
diag(v)(v^{-1} odot u) = u and v^T (v^{-1} odot u) = 1^T u ('cancel'); and
1^T y = 1 for a probability vector y ('sum to one'). Terms are kept as
(coefficient, list of matrix factors).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import sympy as sp

from derive.engine.matrix.expressions import Scalar, is_matrix
from derive.engine.matrix.identify import collect_terms
from derive.model import Step

Term = tuple[Any, list[Any]]


def expand_terms(expr: Any) -> list[Term]:
    """A product of sums multiplied out: sum of c_k F_k1 F_k2 ..."""
    if isinstance(expr, sp.MatAdd):
        return [t for a in expr.args for t in expand_terms(a)]
    if isinstance(expr, sp.MatMul):
        out: list[Term] = [(sp.S.One, [])]
        for factor in expr.args:
            if not is_matrix(factor):
                out = [(c * factor, f) for c, f in out]
                continue
            out = [(c * c2, f + f2) for c, f in out for c2, f2 in expand_terms(factor)]
        return out
    return [(sp.S.One, [expr])]


def build(terms: list[Term]) -> Any:
    parts = []
    for coeff, factors in terms:
        core = factors[0] if len(factors) == 1 else sp.MatMul(*factors)
        parts.append(core if coeff == 1 else sp.MatMul(coeff, *factors))
    return collect_terms(parts[0] if len(parts) == 1 else sp.MatAdd(*parts))


def _without_inverse(product: Any, v: Any) -> Any | None:
    """u when ``product`` is v^{-1} odot u (entrywise), else None."""
    if not isinstance(product, sp.HadamardProduct):
        return None
    inverse = sp.HadamardPower(v, -1)
    if inverse not in product.args:
        return None
    rest = [a for a in product.args if a != inverse]
    return rest[0] if len(rest) == 1 else sp.HadamardProduct(*rest)


def _cancel(factors: list[Any]) -> list[Any] | None:
    for k in range(len(factors) - 1):
        first, second = factors[k], factors[k + 1]
        if isinstance(first, sp.DiagMatrix):
            rest = _without_inverse(second, first.args[0])
            if rest is not None:
                return factors[:k] + [rest] + factors[k + 2 :]
        if isinstance(first, sp.Transpose):
            rest = _without_inverse(second, first.arg)
            if rest is not None:
                ones = sp.OneMatrix(1, first.arg.shape[0])
                return factors[:k] + [ones, rest] + factors[k + 2 :]
    return None


def _sum_to_one(simplex: Collection[Any]) -> Callable[[list[Any]], list[Any] | None]:
    """1^T y = 1 for a probability vector y; 1^T T = 1^T for a column-stochastic T."""
    def move(factors: list[Any]) -> list[Any] | None:
        for k in range(len(factors) - 1):
            first, second = factors[k], factors[k + 1]
            ones_t = isinstance(first, sp.OneMatrix) and second in simplex  # 1^T T
            t_ones = (isinstance(first, sp.Transpose) and first.arg in simplex
                      and isinstance(second, sp.OneMatrix))  # T^T 1 = 1 as well
            if not (ones_t or t_ones):
                continue
            ones = sp.OneMatrix(first.shape[0], second.shape[1])
            kept = factors[:k] + ([] if ones.shape == (1, 1) else [ones]) + factors[k + 2 :]
            return kept or [sp.Identity(1)]
        return None

    return move


def _orthogonal(orthogonal: Collection[Any]) -> Callable[[list[Any]], list[Any] | None]:
    """Q^T Q = Q Q^T = I for an orthogonal Q: the pair dropped from a product."""
    def move(factors: list[Any]) -> list[Any] | None:
        for k in range(len(factors) - 1):
            first, second = factors[k], factors[k + 1]
            if any(first == sp.Transpose(q) and second == q or first == q
                   and second == sp.Transpose(q) for q in orthogonal):
                kept = factors[:k] + factors[k + 2 :]
                return kept or [sp.Identity(first.shape[0])]
        return None

    return move


def _apply(terms: list[Term], move: Callable[[list[Any]], list[Any] | None]) -> list[Term]:
    out = []
    for coeff, factors in terms:
        while (moved := move(factors)) is not None:
            factors = moved
        coeff = coeff.replace(lambda e: isinstance(e, Scalar), lambda e: _moved_number(e, move))
        out.append((coeff, factors))
    return out


def _moved_number(number: Scalar, move: Callable[[list[Any]], list[Any] | None]) -> Any:
    """A coefficient t^T 1 read as a number, with the move applied inside (1 when it cancels)."""
    matrix = number.matrix
    factors = list(matrix.args) if isinstance(matrix, sp.MatMul) else [matrix]
    changed = False
    while (moved := move(factors)) is not None:
        factors, changed = moved, True
    if not changed:
        return number
    kept = [f for f in factors if not isinstance(f, sp.Identity)]
    if not kept:
        return sp.S.One
    return Scalar(kept[0] if len(kept) == 1 else sp.MatMul(*kept))


def tidy_steps(gradient: Any, simplex: Collection[Any] = (),
               orthogonal: Collection[Any] = ()) -> tuple[list[Step], Any]:
    """Steps from the identified gradient to its textbook form; returns the final form."""
    steps: list[Step] = []
    inverted = gradient.xreplace({**{sp.Inverse(q): sp.Transpose(q) for q in orthogonal},
                                  **{sp.Inverse(sp.Transpose(q)): q for q in orthogonal}})
    if inverted != gradient:  # Q^{-1} = Q^T
        steps.append(Step(gradient, inverted, "orthogonal"))
        gradient = inverted
    terms = expand_terms(gradient)
    current = gradient
    vectors = [t for t in simplex if t.shape[1] == 1]
    moves = [("cancel entrywise", _cancel), ("sum to one", _sum_to_one(vectors)),
             ("columns sum to one", _sum_to_one([t for t in simplex if t not in vectors])),
             ("orthogonal", _orthogonal(orthogonal))]
    expanded = build(terms)
    changed = [(name, _apply(terms, move)) for name, move in moves]
    if all(t == terms for _, t in changed):
        return steps, current
    if expanded != current:
        steps.append(Step(current, expanded, "expand"))
        current = expanded
    for name, move in moves:
        moved = _apply(terms, move)
        if moved != terms:
            after = build(moved)
            steps.append(Step(current, after, name))
            terms, current = moved, after
    return steps, current
