"""The 'mle' kind: likelihood -> log-likelihood -> score -> solve -> second-order check.

The lecture's route, one named step at a time: the likelihood of an i.i.d.
sample is a product; its log is a sum of logs; log rules and sum algebra turn
it into parameters times sample statistics; each score is set to zero and
solved with the statistics held as opaque symbols (``derive.engine.sample.masking``);
the second derivative (Hessian) at the solution, or the concavity of each
observation's log-density, shows it is a maximum. A score with no zero in the
domain puts the maximum on the boundary of the support; absolute values call
for the subgradient (the median); a score that keeps the parameter inside a
sum has no closed form, and the Newton step is shown instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.engine.calculus.scalar import tidy_steps
from derive.engine.calculus.shape import counted, grouped_logs
from derive.engine.sample import optimality
from derive.engine.sample.masking import mask_sums
from derive.engine.sample.statistics import INDEX, SIZE, Estimate
from derive.engine.sample.sums import sum_steps, sums_in
from derive.jsonout import expression_fields, steps_json
from derive.kinds.base import Kind
from derive.kinds.mle import check as mle_check
from derive.kinds.mle import mvncheck
from derive.kinds.mle.model import Model, build_model
from derive.model import Derivation, Result, Section, Step
from derive.printing import latex, numpy_code

ELL = sp.Symbol("ell")  # prints as \ell


def log_likelihood(model: Model) -> tuple[sp.Expr, Section]:
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
    grouped = grouped_logs(steps[-1].after)
    if grouped != steps[-1].after:
        steps.append(Step(steps[-1].after, grouped, "group the constants"))
    points = model.support.points()
    if points is not None and len(points) > 2 and not model.covariates:
        counts, note = counted(steps[-1].after, model.bases[model.var][INDEX], points)
        if counts != steps[-1].after:
            steps.append(Step(steps[-1].after, counts, "count the outcomes", note))
    ell = steps[-1].after
    args = ", ".join(latex(p) for p in model.params)
    lhs = sp.Symbol(rf"\ell({args})")
    return ell, Section("The log-likelihood", start, tuple(steps), lhs)


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


def masked_tidy(model: Model, expr: sp.Expr) -> tuple[Step, ...]:
    """Textbook tidying (combine, cancel, factor) with the statistics held as symbols."""
    masked = mask_sums(expr, model.summand_nonnegative)
    return tuple(
        Step(masked.unmask(s.before), masked.unmask(s.after), s.rule)
        for s in tidy_steps(masked.expr)
    )


def chain(
    model: Model, start: sp.Expr, first: Step | None, expand_in: tuple = ()
) -> tuple[Step, ...]:
    """A first step, then sum algebra, then tidying: the usual run of a section."""
    steps = [first] if first else []
    current = first.after if first else start
    steps.extend(sum_steps(current, expand_in))
    current = steps[-1].after if steps else current
    steps.extend(masked_tidy(model, current))
    return tuple(steps)


def score_section(model: Model, ell: sp.Expr, theta: sp.Symbol) -> tuple[sp.Expr, Section]:
    start = sp.Derivative(ell, theta, evaluate=False)
    first = Step(start, differentiate(ell, theta), "score")
    steps = chain(model, start, first, (theta,))
    title = rf"The score for ${latex(theta)}$"
    return steps[-1].after, Section(title, start, steps, sp.Derivative(ELL, theta))


@dataclass
class Outcome:
    """What the optimality analysis found: estimators, their sections, the kind of maximum."""

    estimates: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    maximum: str = "not-verified"
    notes: list[str] = field(default_factory=list)
    newton: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    profile: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    estimates_shown: dict[sp.Symbol, tuple] = field(default_factory=dict)
    lagrangian_scores: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)


def derive_mle(spec: Spec) -> Derivation:
    """The maximum-likelihood estimator of each parameter, every step verifiable."""
    if spec.get("model") == "multivariate-normal":
        from derive.kinds.mle.mvn import derive_mvn_mle

        return derive_mvn_mle(spec)
    if spec.get("shapes"):
        from derive.kinds.mle.matrix import derive_matrix_mle

        return derive_matrix_mle(spec)
    model = build_model(spec)
    ell, ell_section = log_likelihood(model)
    scores, sections = {}, [ell_section]
    for theta in model.params:
        score, section = score_section(model, ell, theta)
        scores[theta] = score
        sections.append(section)
    outcome = optimality.analyse(model, ell, scores)
    sections.extend(outcome.sections)
    results = tuple(
        Result(t.name, Estimate(t), model.plain(optimality.hatted(outcome.profile, t)))
        for t in outcome.estimates
    )
    results += tuple(
        Result(t.name, label, model.plain(e)) for t, (label, e) in outcome.estimates_shown.items()
    )
    estimators = {t.name: model.plain(e) for t, e in outcome.estimates.items()}
    newton = {t.name: model.plain(e) for t, e in outcome.newton.items()}
    return Derivation(
        kind="mle",
        title=spec.title,
        input=spec.get("density", ""),
        function=model.density,
        sections=tuple(sections),
        results=results,
        symbols=(*model.params, *model.constants),
        assumptions=model.assumptions,
        notes=(*spec.notes, *outcome.notes),
        id=spec.id,
        topic=spec.topic,
        extras={
            "model": model,
            "maximum": outcome.maximum,
            "estimators": estimators,
            "scores": {
                t.name: model.plain(s) for t, s in (outcome.lagrangian_scores or scores).items()
            },
            "constraint": model.constraint,
            "log_likelihood": model.plain(ell),
            "newton": newton,
            "question_tex": _question(model),
        },
    )


def _question(model: Model) -> str:
    params = ", ".join(f"${latex(p)}$" for p in model.params)
    x = model.var
    density = latex(model.density)
    observed = ", ".join(latex(model.observation(d)).replace("{", "{", 1) for d in model.data)
    given = f" given ${latex(model.covariates[0])}$" if model.covariates else ""
    return (
        f"An i.i.d. sample ${observed}$, $i = 1, \\dots, N$, is drawn from the density{given} "
        f"\\[ p({latex(x)} \\mid {', '.join(latex(p) for p in model.params)}) = {density}, "
        f"\\qquad {model.support.tex(x)}. \\] "
        f"Find the maximum-likelihood estimator of {params}."
    )


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """A numeric maximiser of the log-likelihood on simulated data, against the estimator."""
    if derivation.extras.get("check") == "mle mvn":
        return "check_mle_mvn.py.j2", mvncheck.check_context(derivation)
    return "check_mle.py.j2", mle_check.check_context(derivation)


def mle_json(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    """The contract's ``mle --json``: estimators over the sample array, and the maximum."""
    model = derivation.extras.get("model")
    size = {"sample_size": f"{model.var.name}.size"} if model is not None else {}
    if "sample_size_code" in derivation.extras:  # a sample stacked as the rows of a matrix
        size = {"sample_size": derivation.extras["sample_size_code"]}
    estimator = {}
    for name, expr in derivation.extras["estimators"].items():
        fields = expression_fields(expr)
        fields["numpy"] = numpy_code(expr, **size)
        estimator[name] = fields
    return {
        "kind": "mle",
        "input": derivation.input,
        "steps": steps_json(derivation),
        "estimator": estimator,
        "maximum": derivation.extras["maximum"],
        "check": check,
    }


KIND = Kind("mle", derive_mle, check_recipe, mle_json)
