"""The 'bayes' kind: a conjugate posterior, step by step.

Bayes' rule on the log scale: the log posterior is the log-likelihood of the
sample plus the log prior, up to a constant (the evidence). Log rules and sum
algebra collect it into a combination of the family's basis functions of the
parameter; the terms free of it are dropped into a constant; matching the
kernel of the conjugate family reads off the posterior's parameters. Every
step is an equality (the constant is written as ``Const(...)``, which prints
as 'const' and evaluates to what it stands for), so every step is verified.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assumptions import symbol_for
from derive.catalogue.spec import Spec
from derive.engine.probability.conjugate import CONJUGATE_FAMILIES, ConjugateFamily, read_off
from derive.engine.sample.likelihood import SampleModel, masked_tidy
from derive.engine.sample.masking import mask_sums
from derive.engine.sample.statistics import INDEX, SIZE
from derive.engine.sample.sums import sum_steps
from derive.errors import InputError
from derive.kinds.base import SAMPLE_RANGE, Kind, derivation_of, parse_field
from derive.kinds.bayes.check import check_context
from derive.kinds.bayes.fields import FIELDS
from derive.kinds.mle.model import build_model
from derive.model import Derivation, Result, Section, Step
from derive.notation import Notated
from derive.prose import Prose, display, math, tex


class Const(sp.Function):
    """Terms that do not involve the parameter, shown as 'const'; evaluates to its argument."""

    nargs = 1
    transparent = True  # verification looks through it (derive.symbolic._doit)
    printed_last = True  # a sum ends with it: ... - mu^2/(2 tau^2) + const

    def doit(self, **hints):
        return self.args[0].doit(**hints) if hints.get("deep", True) else self.args[0]

    def _eval_evalf(self, prec):
        return self.args[0].evalf(prec)

    def _latex(self, printer, exp=None):
        return r"\text{const}"

    def _sympystr(self, printer):
        return "const"

    def _numpycode(self, printer):
        return printer._print(self.args[0])


@dataclass(frozen=True)
class Posterior:
    """What a conjugate update adds: the model, the prior, the family and its parameters."""

    model: SampleModel
    prior: sp.Expr
    family: str  # "beta" | "gamma" | "normal"
    params: Mapping[str, sp.Expr]  # the posterior's parameters over the sample


def _parse_prior(spec: Spec, model: SampleModel) -> sp.Expr:
    prior = parse_field(spec, "prior")
    names = {s.name: s for s in (*model.params, *model.constants)}
    mapping = {}
    for s in prior.free_symbols:
        mapping[s] = names.get(s.name) or symbol_for(s.name, model.assumptions)
    prior = prior.xreplace(mapping)
    (theta,) = model.params
    if not prior.has(theta):
        raise spec.error("prior", f"does not involve the parameter {theta}")
    return prior


def _split(expr: sp.Expr, theta: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """(terms with theta, terms without) of an expanded expression with masked statistics."""
    terms = sp.Add.make_args(expr)
    return (
        sp.Add(*[t for t in terms if t.has(theta)]),
        sp.Add(*[t for t in terms if not t.has(theta)]),
    )


def derive_bayes(spec: Spec) -> Derivation:
    """Posterior of one parameter under a conjugate prior (and its mean: the MAP for a normal)."""
    model = build_model(spec)
    if len(model.params) != 1:
        raise spec.error("params", "the 'bayes' kind takes exactly one parameter")
    (theta,) = model.params
    family_name = spec.require("posterior")
    family: ConjugateFamily | None = CONJUGATE_FAMILIES.get(family_name)
    if family is None:
        raise spec.error("posterior", f"unknown family (known: {', '.join(CONJUGATE_FAMILIES)})")
    prior = _parse_prior(spec, model)
    f_i = model.observation(model.density)
    # log p(theta | x) = log(prior * likelihood) - log p(x): the evidence is a constant from
    # the first line on (a symbol of its own, carried through every step and proved with them)
    evidence = -sp.log(sp.Symbol("p_x", positive=True))
    start = sp.log(sp.Product(f_i, (INDEX, 1, SIZE)) * prior)
    steps = [Step(start, sp.Sum(sp.log(f_i), (INDEX, 1, SIZE)) + sp.log(prior), "log of a product")]
    expanded = sp.Sum(
        model.observation(sp.expand_log(sp.log(model.density), force=True)), (INDEX, 1, SIZE)
    ) + sp.expand_log(sp.log(prior), force=True)
    steps.append(Step(steps[-1].after, expanded, "log rules"))
    steps.extend(sum_steps(expanded, (theta,)))
    current = steps[-1].after
    masked = mask_sums(current, model.summand_nonnegative)
    collected = sp.expand(masked.expr)
    basis = family.basis(theta)
    coefficients = _coefficients(collected, basis, theta)
    if coefficients is None:
        raise InputError(f"the log posterior is not a {family_name} log-kernel in {theta}")
    kernel = sp.Add(*[masked.unmask(c) * b for c, b in zip(coefficients, basis, strict=True)])
    steps = [Step(s.before + Const(evidence), s.after + Const(evidence), s.rule, s.note)
             for s in steps]
    start, current = steps[0].before, current + Const(evidence)
    dropped = kernel + Const(current - kernel)
    steps.append(
        Step(
            current,
            dropped,
            "drop constants",
            Prose.of("every term without ", math(theta), " joins the constant"),
        )
    )
    values = read_off(family, tuple(coefficients))
    if values is None:
        raise InputError(f"cannot read off the {family_name} parameters")
    values = tuple(masked.unmask(sp.factor(v)) for v in values)
    family_kernel = family.log_kernel(theta, values)
    recognised = family_kernel + Const(current - family_kernel)  # (current holds the evidence)
    updated = family.updated
    ident = Prose.joined(", ", [Prose.of(math(p, v)) for p, v in zip(updated, values, strict=True)])
    steps.append(
        Step(
            dropped,
            recognised,
            "recognise the kernel",
            Prose.of("the log-kernel of ",
                     math(Notated(family.form, updated)), " with ", ident),
        )
    )
    lhs = Notated("log posterior", theta)
    sections = [Section(Prose.of("Bayes' rule on the log scale"), start, tuple(steps), lhs)]
    results, independent = [], {}
    for name, written, value in zip(family.params, updated, values, strict=True):
        results.append(Result(name, written, model.plain(value)))
    named = updated
    for key, label, moment in (
        ("mean", Notated("posterior mean", theta), family.mean),
        ("variance", Notated("posterior variance", theta), family.variance),
    ):
        start_r = sp.Subs(moment(*named), named, values)
        plugged = moment(*values)
        tidy = masked_tidy(model, plugged)
        final = tidy[-1].after if tidy else plugged
        sections.append(
            Section(
                Prose.of(f"The posterior {key}"),
                start_r,
                (Step(start_r, final, "read off"),),
                label,
            )
        )
        results.append(Result(f"posterior_{key}", label, model.plain(final)))
    if family.name == "normal" and model.covariates:
        sections.append(_ridge_section(model, theta, values[0]))
    return derivation_of(
        spec,
        input=spec.get("density", ""),
        function=model.density,
        sections=tuple(sections),
        results=tuple(results),
        symbols=(theta, *model.constants),
        assumptions=model.assumptions,
        question=_question(model, prior, family, ident),
        independent=independent,
        details=Posterior(
            model=model,
            prior=prior,
            family=family.name,
            params={n: model.plain(v) for n, v in zip(family.params, values, strict=True)},
        ),
    )


def _coefficients(collected: sp.Expr, basis: tuple[sp.Expr, ...], theta: sp.Symbol) -> list | None:
    """Coefficients c_k with collected = sum c_k basis_k + (terms free of theta)."""
    stand_ins = [sp.Dummy(f"b{k}") for k in range(len(basis))]
    # replace the basis functions by symbols, largest powers first
    replaced = collected
    for b, d in sorted(zip(basis, stand_ins, strict=True), key=lambda p: -sp.count_ops(p[0])):
        replaced = replaced.subs(b, d)
    replaced = sp.expand(replaced)
    if replaced.has(theta):
        return None
    poly_terms = sp.Add.make_args(replaced)
    coefficients = []
    for d in stand_ins:
        coefficients.append(sp.Add(*[t / d for t in poly_terms if t.has(d)]))
    for c in coefficients:
        if c.has(*stand_ins):
            return None
    return coefficients


def _question(model: SampleModel, prior: sp.Expr, family: ConjugateFamily, ident: str) -> Prose:
    (theta,) = model.params
    x = model.var
    density = display(math(Notated("density", x, theta), model.density),
                      math(model.support.written_as(x)), end=",")
    prior_is = display(math(Notated("proportional", Notated("prior", theta), prior)), end=".")
    posterior = math(Notated("posterior", theta))
    return Prose.of("Observations ", tex("$x_i$", "x_i"), ", ", SAMPLE_RANGE,
                    ", are i.i.d. given ", math(theta), " with density ", density,
                    " and the prior is ", prior_is, " Find the posterior ", posterior, ".")


def _ridge_section(model: SampleModel, theta: sp.Symbol, mean: sp.Expr) -> Section:
    """A normal posterior's mode is its mean: for regression, L2-regularised least squares."""
    masked = mask_sums(mean, model.summand_nonnegative)
    numerator, denominator = sp.fraction(sp.factor(masked.expr))
    statistics = [t for t in sp.Add.make_args(sp.expand(denominator)) if t.has(*masked.symbols)]
    scale = statistics[0].as_independent(*masked.symbols)[0] if len(statistics) == 1 else sp.S.One
    ridge = masked.unmask(sp.expand(numerator / scale)) / masked.unmask(
        sp.expand(denominator / scale)
    )
    penalty = masked.unmask(sp.expand(denominator / scale)) - masked.unmask(
        sp.Add(*[t / scale for t in statistics])
    )
    y, x = (model.observation(v) for v in (model.var, model.covariates[0]))
    lam = sp.Symbol("lambda")
    note = Prose.of(
        "the posterior is normal, so its mode (the MAP) is its mean: it minimises ",
        math(Notated("ridge objective", y, theta, x)),
        " with ", math(lam, penalty))
    label = Notated("map", theta)
    return Section(
        Prose.of("MAP: L2-regularised least squares"), mean,
        (Step(mean, ridge, "read off", note),), label
    )


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """Posterior mean and variance against a grid of prior times likelihood on simulated data."""
    return "check_bayes.py.j2", check_context(derivation)


KIND = Kind("bayes", FIELDS, derive_bayes, check_recipe)
