"""The likelihood of an i.i.d. sample: one observation's model, the log-likelihood, the scores.

The log of the product of densities becomes parameters times sample statistics
by log rules and sum algebra (``sums``); each score is the derivative with the
sums differentiated inside; tidying holds the statistics as opaque symbols
(``masking``). ``optimality`` solves the scores and proves the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from derive.engine.calculus.scalar import tidy_steps
from derive.engine.calculus.shape import counted, factored_fraction, grouped_logs
from derive.engine.sample.masking import mask_sums
from derive.engine.sample.statistics import INDEX, SIZE
from derive.engine.sample.sums import (
    names_a_value,
    one_fraction_step,
    one_sum_step,
    sum_steps,
    sums_in,
)
from derive.engine.sample.support import Support
from derive.model import Assumptions, Section, Step
from derive.notation import Notated
from derive.prose import Prose, math


@dataclass(frozen=True)
class SampleModel:
    """One observation's density and everything needed to write the sample's likelihood."""

    density: sp.Expr
    var: sp.Symbol
    params: tuple[sp.Symbol, ...]
    support: Support
    assumptions: Assumptions
    covariates: tuple[sp.Symbol, ...] = ()
    constants: tuple[sp.Symbol, ...] = ()
    bases: dict[sp.Symbol, sp.IndexedBase] = field(default_factory=dict)
    constraint: sp.Expr | None = None  # g(theta) = 0, e.g. p1 + p2 + p3 - 1

    @property
    def data(self) -> tuple[sp.Symbol, ...]:
        return (self.var, *self.covariates)

    def observation(self, expr: sp.Expr) -> sp.Expr:
        """The expression at observation i: x -> x_i (and each covariate likewise)."""
        return expr.xreplace({s: b[INDEX] for s, b in self.bases.items()})

    def plain(self, expr: sp.Expr) -> sp.Expr:
        """The contract's form: the sample as a plain ``IndexedBase(name)``."""
        return expr.xreplace({b: sp.IndexedBase(b.label.name) for b in self.bases.values()})

    def summand_nonnegative(self, s: sp.Sum) -> bool:
        """True when the summand of a statistic is >= 0 everywhere on the support."""
        g = s.function
        points = self.support.points()
        if points is not None and not self.covariates and s.limits[0][0] == INDEX:
            item = self.bases[self.var][INDEX]
            values = [g.xreplace({item: p}) for p in points]
            return all(v.is_number and v.is_nonnegative for v in values)
        return bool(g.is_nonnegative)


ELL = sp.Symbol("ell")  # prints as \ell


def log_likelihood(model: SampleModel) -> tuple[sp.Expr, Section]:
    """From log of the product of densities to parameters times sample statistics."""
    f_i = model.observation(model.density)
    start = sp.log(sp.Product(f_i, (INDEX, 1, SIZE)))
    steps: list[Step] = []
    current = sp.Sum(sp.log(f_i), (INDEX, 1, SIZE))
    steps.append(Step(start, current, "log of a product"))
    expanded = sp.Sum(
        model.observation(sp.expand_log(sp.log(model.density), force=True)), (INDEX, 1, SIZE)
    )
    if expanded != current:
        steps.append(Step(current, expanded, "log rules"))
        current = expanded
    steps.extend(sum_steps(current))
    steps.extend(_presented(model, steps[-1].after))
    ell = steps[-1].after
    lhs = Notated("log-likelihood", model.params)
    return ell, Section(Prose.of("The log-likelihood"), start, tuple(steps), lhs)


def _presented(model: SampleModel, ell: sp.Expr) -> list[Step]:
    """The log-likelihood as a lecturer writes it: constants grouped (N/2 log(2 pi v)), sums of
    indicators over a finite support as counts n_k."""
    steps = []
    grouped = grouped_logs(ell)
    if grouped != ell:
        steps.append(Step(ell, grouped, "group the constants"))
        ell = grouped
    points = model.support.points()
    if points is not None and len(points) > 2 and not model.covariates:
        counts, note = counted(ell, model.bases[model.var][INDEX], points)
        if counts != ell:
            steps.append(Step(ell, counts, "count the outcomes", note))
    return steps


def differentiate(expr: sp.Expr, theta: sp.Symbol) -> sp.Expr:
    """d/dtheta of an expression with sums; each sum that holds theta is differentiated inside."""
    holders = [s for s in sums_in(expr) if s.has(theta)]
    stand_in = {s: sp.Function(f"_F{k}")(theta) for k, s in enumerate(holders)}
    d = sp.diff(expr.xreplace(stand_in), theta)
    back = {}
    for s, fn in stand_in.items():
        back[sp.Derivative(fn, theta)] = sp.Sum(sp.diff(s.function, theta), *s.limits)
        back[fn] = s
    return d.xreplace(back)


def masked_tidy(model: SampleModel, expr: sp.Expr) -> tuple[Step, ...]:
    """Textbook tidying (combine, cancel, factor) with the statistics held as symbols."""
    masked = mask_sums(expr, model.summand_nonnegative)
    return tuple(
        Step(masked.unmask(s.before), masked.unmask(s.after), s.rule)
        for s in tidy_steps(masked.expr)
    )


def chain(
    model: SampleModel, start: sp.Expr, first: Step | None, expand_in: tuple = ()
) -> tuple[Step, ...]:
    """A first step, then sum algebra, then tidying: the usual run of a section."""
    steps = [first] if first else []
    current = first.after if first else start
    steps.extend(sum_steps(current, expand_in))
    current = steps[-1].after if steps else current
    steps.extend(masked_tidy(model, current))
    return tuple(steps)


def score_section(model: SampleModel, ell: sp.Expr, theta: sp.Symbol) -> tuple[sp.Expr, Section]:
    start = sp.Derivative(ell, theta, evaluate=False)
    first = Step(start, differentiate(ell, theta), "score")
    steps = chain(model, start, first, (theta,))
    for move in (one_sum_step, one_fraction_step):
        if (moved := move(steps[-1].after)) is not None:
            steps = (*steps, moved)
    # (sum x_i - N p)/(p (1 - p)), not (N p - sum x_i)/(p^2 - p): each factor positive
    unit = frozenset(p for p in model.params if p.name in model.assumptions.unit_interval)
    factored = factored_fraction(steps[-1].after, unit).doit()  # evaluated: the form stays
    if factored != steps[-1].after and not names_a_value(steps[-1].after):
        steps = (*steps, Step(steps[-1].after, factored, "factor"))
    title = Prose.of("The score for ", math(theta))
    return steps[-1].after, Section(title, start, steps, sp.Derivative(ELL, theta))


@dataclass
class Outcome:
    """What the optimality analysis found: estimators, their sections, the kind of maximum."""

    estimates: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    maximum: str = "not-verified"
    notes: list[Prose] = field(default_factory=list)
    newton: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    profile: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    estimates_shown: dict[sp.Symbol, tuple] = field(default_factory=dict)
    lagrangian_scores: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
