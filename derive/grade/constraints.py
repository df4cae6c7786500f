r"""Equations under a constraint: the Lagrangian of a constrained MLE and the steps after it.

A definition ``\mathcal{L} = \sum_k n_k \log p_k + \lambda (1 - \sum_k p_k)`` is
affine in a fresh symbol (the multiplier) whose coefficient holds a sum: the
constraint. Once the stationarity condition of an entry p_k is set to zero, an
equation that the previous one alone does not give is checked against the whole
system instead: at random positive data and small sizes, the stationarity
conditions for every entry and the constraint are solved numerically for the
entries and the multiplier, and the new equation must hold at that solution
(for every entry, when it speaks of p_k).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from derive.model import Assumptions
from derive.numeric import Point, Unevaluable, real_value
from derive.verify import NUMERIC, Verdict

ACCENTS = ("_hat", "_bar", "_tilde")
SIZES = (2, 3, 4)
INSTANCES = 3
TOLERANCE = mpmath.mpf(10) ** -12


@dataclass(frozen=True)
class Constraint:
    """The multiplier and the constraint ``condition = 0`` it enforces."""

    multiplier: sp.Symbol
    condition: Any


@dataclass(frozen=True)
class System:
    """Stationarity ``stationary = 0`` for the entry ``entry`` (p[k]) under ``constraint``."""

    constraint: Constraint
    stationary: Any
    entry: sp.Indexed


def find_constraint(expr: Any) -> Constraint | None:
    """The multiplier term of a Lagrangian, or None: ``expr`` affine in a symbol whose
    coefficient holds a sum and is free of it."""
    if not isinstance(expr, sp.Expr) or expr.has(sp.MatrixExpr, sp.Derivative):
        return None
    labels = {b.label for b in expr.atoms(sp.IndexedBase)}
    for symbol in sorted(expr.free_symbols - labels, key=str):
        if not isinstance(symbol, sp.Symbol) or symbol.is_integer:
            continue
        coefficient = sp.diff(expr, symbol)
        if coefficient.has(symbol) or not coefficient.has(sp.Sum) or coefficient.is_number:
            continue
        # only the terms that hold the symbol are expanded: the rest may be a long likelihood
        holding = [t for t in sp.Add.make_args(expr - symbol * coefficient) if t.has(symbol)]
        if not holding or not sp.expand(sp.Add(*holding)).has(symbol):
            return Constraint(symbol, coefficient)
    return None


def constrained_follows(system: System, new: tuple[Any, Any],
                        assumptions: Assumptions) -> Verdict:
    """Does ``lhs = rhs`` hold at the solution of the system? Undecided when it cannot say."""
    entry = system.entry
    family, index = entry.base, entry.indices[0]
    lhs, rhs = (_unaccented(side, family) for side in new)
    difference = lhs - rhs
    known = _names(system.stationary) | _names(system.constraint.condition) | {index.name}
    strangers = sorted(_names(difference) - known)
    if strangers:
        return Verdict(None, reason=f"{', '.join(strangers)} appears here for the first time: "
                                    "write what it stands for (e.g. a sum of the data) to have "
                                    "this step checked against the constraint")
    bounds = _bounds(system, difference)
    if len(bounds) != 1:
        return Verdict(None, reason="the constraint's sums need one common size to be solved")
    size = bounds[0]
    agreed = 0
    for seed in range(INSTANCES * 3):
        if agreed >= INSTANCES:
            break
        outcome = _at_instance(system, (lhs, rhs), family, index, size, seed, assumptions)
        if outcome is None:
            continue
        if outcome is not True:
            return outcome
        agreed += 1
    if agreed >= 2:
        return Verdict(True, NUMERIC)
    return Verdict(None, reason="could not solve the stationarity conditions together with the "
                                "constraint at random data")


def _names(expr: Any) -> set[str]:
    """The names an expression uses: free symbols, data and entries (sum indices excluded)."""
    labels = {b.label for b in expr.atoms(sp.IndexedBase)}
    names = {s.name for s in expr.free_symbols if isinstance(s, sp.Symbol) and s not in labels}
    return names | {str(b.label) for b in expr.atoms(sp.IndexedBase)}


def _unaccented(expr: Any, family: sp.IndexedBase) -> Any:
    r"""``\hat p_k`` read as p_k, the entry the system solves for."""
    hats = {b: family for b in expr.atoms(sp.IndexedBase)
            if any(str(b.label) == str(family.label) + a for a in ACCENTS)}
    return expr.xreplace(hats) if hats else expr


def _bounds(system: System, difference: Any) -> list[Any]:
    found = []
    for expr in (system.stationary, system.constraint.condition, difference):
        for node in expr.atoms(sp.Sum):
            for _, _, high in node.limits:
                if isinstance(high, sp.Symbol) and high not in found:
                    found.append(high)
    return found


def _at_instance(system: System, new: tuple[Any, Any], family: sp.IndexedBase,
                 index: sp.Symbol, size: sp.Symbol, seed: int,
                 assumptions: Assumptions) -> Verdict | bool | None:
    """True when the new equation holds at this instance's solution, a Verdict (its two
    sides there) when it does not, None when the system could not be solved here."""
    difference = new[0] - new[1]
    rng = random.Random(1000 + seed)
    count = SIZES[seed % len(SIZES)]
    multiplier = system.constraint.multiplier
    data: dict[tuple[str, tuple[int, ...]], Any] = {}
    others = {s: mpmath.mpf(rng.uniform(0.5, 2.0)) for s in
              (system.stationary.free_symbols | difference.free_symbols)
              if isinstance(s, sp.Symbol) and s not in (index, size, multiplier)
              and s not in {b.label for b in system.stationary.atoms(sp.IndexedBase)}}

    def draw(name: str, generator: random.Random) -> Any:
        return generator.uniform(0.5, 3.0)  # data the constrained maximum is interior for

    def value(expr: Any, entries: list[Any], lam: Any, at: int) -> Any:
        known = dict(data)
        known.update({(str(family.label), (i + 1,)): v for i, v in enumerate(entries)})
        values = {**others, size: mpmath.mpf(count), index: mpmath.mpf(at), multiplier: lam}
        point = Point(values, seed, assumptions, data=known, draw=draw)
        result = real_value(expr, point)
        data.update({k: v for k, v in point.data.items() if k[0] != str(family.label)})
        return result

    def equations(*unknowns: Any) -> list[Any]:
        entries, lam = list(unknowns[:-1]), unknowns[-1]
        rows = [value(system.stationary, entries, lam, k) for k in range(1, count + 1)]
        return rows + [value(system.constraint.condition, entries, lam, 1)]

    try:
        with mpmath.workdps(30):
            start = [mpmath.mpf(1) / count] * count + [mpmath.mpf(1)]
            solution = mpmath.findroot(equations, start, tol=mpmath.mpf(10) ** -25, maxsteps=80)
            unknowns = [solution[i] for i in range(count + 1)]
            if max(abs(r) for r in equations(*unknowns)) > TOLERANCE:
                return None
            entries, lam = unknowns[:-1], unknowns[-1]
            residuals = [value(difference, entries, lam, k) for k in range(1, count + 1)]
    except (Unevaluable, ValueError, ZeroDivisionError, TypeError, ArithmeticError):
        return None
    worst = max(abs(r) for r in residuals)
    if worst <= TOLERANCE * (1 + max(abs(v) for v in unknowns)):
        return True
    at = max(range(count), key=lambda k: abs(residuals[k])) + 1
    try:
        sides = [float(value(side, entries, lam, at)) for side in new]
    except (Unevaluable, ValueError, ZeroDivisionError, TypeError, ArithmeticError):
        sides = [float(worst), 0.0]
    shown = {str(size): count, index.name: at, multiplier.name: float(lam),
             **{f"{family.label}[{i + 1}]": float(v) for i, v in enumerate(entries)},
             **{f"{name}[{','.join(map(str, ix))}]": float(v) for (name, ix), v in data.items()}}
    return Verdict(False, counterexample={"point": shown, "left": sides[0], "right": sides[1]},
                   reason="the two sides of the new equation differ where the stationarity "
                          "conditions and the constraint both hold (the first two numbers are "
                          "its left and right side there)")
