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

from typing import Any

from derive.catalogue.spec import Spec
from derive.engine.sample import optimality
from derive.engine.sample.likelihood import SampleModel, log_likelihood, score_section
from derive.engine.sample.statistics import Estimate
from derive.jsonout import expression_fields, steps_json
from derive.kinds.base import SAMPLE_RANGE, Kind, derivation_of
from derive.kinds.mle import check as mle_check
from derive.kinds.mle import mvncheck
from derive.kinds.mle.fields import FIELDS
from derive.kinds.mle.model import Estimation, build_model
from derive.model import Derivation, Result
from derive.notation import Notated
from derive.numpyprint import numpy_code
from derive.prose import NO_PROSE, Prose, display, math


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
    return derivation_of(
        spec,
        input=spec.get("density", ""),
        function=model.density,
        sections=tuple(sections),
        results=results,
        symbols=(*model.params, *model.constants),
        assumptions=model.assumptions,
        notes=tuple(outcome.notes),
        question=_question(model),
        details=Estimation(
            maximum=outcome.maximum,
            estimators=estimators,
            scores={
                t.name: model.plain(s) for t, s in (outcome.lagrangian_scores or scores).items()
            },
            log_likelihood=model.plain(ell),
            model=model,
            newton=newton,
        ),
    )


def _question(model: SampleModel) -> Prose:
    x = model.var
    observed = Prose.joined(", ", [Prose.of(math(model.observation(d))) for d in model.data])
    given = Prose.of(" given ", math(model.covariates[0])) if model.covariates else NO_PROSE
    params = Prose.joined(", ", [Prose.of(math(p)) for p in model.params])
    density = display(math(Notated("density", x, model.params), model.density),
                      math(model.support.written_as(x)), end=".")
    return Prose.of("An i.i.d. sample ", observed, ", ", SAMPLE_RANGE,
                    ", is drawn from the density", given, " ", density,
                    " Find the maximum-likelihood estimator of ", params, ".")


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """A numeric maximiser of the log-likelihood on simulated data, against the estimator."""
    if derivation.details.form == "mvn":
        return "check_mle_mvn.py.j2", mvncheck.check_context(derivation)
    return "check_mle.py.j2", mle_check.check_context(derivation)


def mle_json(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    """The contract's ``mle --json``: estimators over the sample array, and the maximum."""
    details: Estimation = derivation.details
    model = details.model
    size = {"sample_size": f"{model.var.name}.size"} if model is not None else {}
    if details.sample_size_code:  # a sample stacked as the rows of a matrix
        size = {"sample_size": details.sample_size_code}
    estimator = {}
    for name, expr in details.estimators.items():
        fields = expression_fields(expr)
        fields["numpy"] = numpy_code(expr, **size)
        estimator[name] = fields
    return {
        "kind": "mle",
        "input": derivation.input,
        "steps": steps_json(derivation),
        "estimator": estimator,
        "maximum": details.maximum,
        "check": check,
    }


KIND = Kind("mle", FIELDS, derive_mle, check_recipe, mle_json)
