"""The data of a derivation: plain frozen records, no sympy logic.

Expressions are sympy objects, but nothing here computes with them: engines
build these records, ``verify`` fills in how each step was proved, and the
printers and templates only read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from derive.prose import NO_PROSE, Prose

Verified = str  # "symbolic" | "numeric" | "" (not yet verified)

#: Names that stand for a size (a positive integer) wherever they are free: N in sum_{i=1}^N.
SIZE_NAMES = frozenset({"N", "M", "n"})


@dataclass(frozen=True)
class Step:
    """One equality ``before = after`` justified by a named rule."""

    before: Any
    after: Any
    rule: str
    note: Prose = NO_PROSE  # a sentence for humans: the margin beside the step
    verified: Verified = ""

    def with_verified(self, how: Verified) -> Step:
        return replace(self, verified=how)


@dataclass(frozen=True)
class Section:
    """A run of steps that starts from ``start`` (e.g. the derivative with respect to w)."""

    title: Prose  # the heading, words and maths, printed by each target
    start: Any
    steps: tuple[Step, ...]
    lhs: Any = None  # what the chain equals, printed left of the first '=' (optional)


@dataclass(frozen=True)
class Result:
    """A named final answer, e.g. ``dL/dw = ...``."""

    name: str
    label: Any  # sympy object printed left of '=' (e.g. Derivative(L, w))
    expr: Any
    relation: str = "="  # or "<=": a bound, |dL/dx| <= ...


@dataclass(frozen=True)
class Domain:
    """Where a symbol lives: its interval for random points and check code."""

    low: float
    high: float
    integer: bool = False


#: the structures a matrix may be stated to have, the most specific first
STRUCTURES = ("diagonal", "orthogonal", "definite", "symmetric", "simplex")


@dataclass(frozen=True)
class Assumptions:
    """Stated assumptions: sign facts per symbol name and sentences for the reader."""

    positive: frozenset[str] = frozenset()
    nonnegative: frozenset[str] = frozenset()
    integer: frozenset[str] = frozenset()
    unit_interval: frozenset[str] = frozenset()
    sentences: tuple[str, ...] = ()
    symmetric: frozenset[str] = frozenset()  # square matrices with S^T = S (drawn so)
    size_order: tuple[tuple[str, str], ...] = ()  # (larger, smaller) matrix sizes, 'N > d'
    # vectors whose entries sum to one ('1^T t = 1'), matrices whose columns do
    # ('T column-stochastic'): positive entries
    simplex: frozenset[str] = frozenset()
    definite: frozenset[str] = frozenset()  # symmetric positive definite (also in symmetric)
    diagonal: frozenset[str] = frozenset()  # diagonal (also in symmetric)
    orthogonal: frozenset[str] = frozenset()  # Q^T Q = Q Q^T = I

    def structure(self, name: str) -> str | None:
        """The stated structure a matrix is drawn with, the most specific first."""
        for kind in STRUCTURES:
            if name in getattr(self, kind):
                return kind
        return None

    def domain(self, name: str) -> Domain:
        """The sampling interval used for a symbol by verification and check code."""
        if name in self.unit_interval:
            return Domain(0.05, 0.95)
        if name in self.integer:
            return Domain(1, 6, integer=True)
        if name in self.positive:
            return Domain(0.2, 3.0)
        if name in self.nonnegative:
            return Domain(0.0, 3.0)
        return Domain(-2.5, 2.5)

    def interval(self, name: str, positive: bool = False,
                 nonnegative: bool = False) -> tuple[float, float]:
        """The domain's interval, narrowed by a symbol's own sign facts (x > 0 starts at 0.2)."""
        domain = self.domain(name)
        low, high = float(domain.low), float(domain.high)
        if positive and low <= 0:
            low = 0.2
        if nonnegative and low < 0:
            low = 0.0
        return low, high


@dataclass(frozen=True)
class Derivation:
    """A complete, ordered derivation with its results and everything needed to check it."""

    kind: str  # "gradient", "mle", "bayes", ...
    title: Prose  # the entry's title as typed, its `formulas` parsed
    input: str
    function: Any  # the expression the derivation is about (f, or the density)
    sections: tuple[Section, ...]
    results: tuple[Result, ...]
    symbols: tuple[Any, ...] = ()  # free symbols of the problem, in display order
    assumptions: Assumptions = Assumptions()
    notes: tuple[Prose, ...] = ()  # the entry's notes (as typed, formulas parsed), then the kind's
    id: str = ""
    topic: str = ""
    name: str = "f"  # what the function is called in labels (f, L)
    question: Prose = NO_PROSE  # the worksheet's question (empty: "Find <the results>.")
    conventions: tuple[Prose, ...] = ()  # sentences on the notation used
    method: tuple[Prose, ...] = ()  # how this kind's steps are proved, for "How this was checked"
    independent: Mapping[str, Any] = field(default_factory=dict)  # result -> a second route
    independent_route: Prose = field(  # what that route is, for "How this was checked"
        default_factory=lambda: Prose.of("sympy's own differentiation"))
    details: Any = None  # the kind's own frozen record, defined beside the kind
    cross_check: Mapping[str, str] = field(default_factory=dict)  # how each result agreed
    plot: Mapping[str, Any] | None = None  # the entry's plot table
    statement: Any = None  # the function as the user typed it, for the question (or None)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(step for section in self.sections for step in section.steps)

    def result(self, name: str) -> Result:
        for res in self.results:
            if res.name == name:
                return res
        raise KeyError(name)

    def _repr_latex_(self) -> str:
        from derive.printing import derivation_latex

        return derivation_latex(self)
