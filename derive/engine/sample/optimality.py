"""Where the log-likelihood is largest: solve the scores, then prove it is a maximum.

Used by ``derive.kinds.mle``. Each parameter's score is solved with
the sample statistics masked as symbols; parameters are solved one after the
other, each solution substituted into the rest (the mean, then the variance).
The maximum is proved by the concavity of one observation's log-density, or
else by the signs of the Hessian's leading minors at the solution.
"""

from __future__ import annotations

import sympy as sp

from derive.engine.calculus.shape import counts_total
from derive.engine.sample.likelihood import ELL, Outcome, differentiate, masked_tidy
from derive.engine.sample.masking import mask_sums
from derive.engine.sample.statistics import (
    INDEX,
    SIZE,
    Estimate,
    SampleMax,
    SampleMedian,
    SampleMin,
)
from derive.engine.sample.sums import combine_sums, one_sum_step, sum_steps, sums_in
from derive.model import Section, Step
from derive.notation import Notated
from derive.printing import Label
from derive.prose import NO_PROSE, Prose, math, tex


def analyse(model, ell: sp.Expr, scores: dict[sp.Symbol, sp.Expr]):

    outcome = Outcome()
    if model.constraint is not None:
        _lagrange(model, ell, scores, outcome)
        return outcome
    solved, how = _solve_all(model, scores, outcome)
    unsolved = [t for t in model.params if t not in solved]
    if unsolved:
        _no_closed_form(model, ell, scores, unsolved, outcome)
        return outcome
    outcome.estimates = {t: solved[t] for t in model.params}
    for theta in model.params:
        outcome.sections.append(
            _solution_section(model, theta, ell, scores[theta], solved, outcome.profile, how[theta])
        )
    kinds = set(how.values())
    if "boundary" in kinds:
        outcome.maximum = "boundary"
    elif _second_order(model, ell, scores, solved, how, outcome):
        outcome.maximum = "verified"
    return outcome


# --- solving ----------------------------------------------------------------------------------


def _admissible(sol: sp.Expr, theta: sp.Symbol, model) -> bool:
    if sol.is_real is False or sol.has(sp.I):
        return False
    if theta.is_positive and sol.is_positive is False:
        return False
    return not (theta.name in model.assumptions.unit_interval and (1 - sol).is_positive is False)


def _solutions(expr: sp.Expr, theta: sp.Symbol) -> list[sp.Expr]:
    """sympy's solutions, none when sympy has no algorithm for the equation."""
    try:
        return list(sp.solve(expr, theta))
    except NotImplementedError:
        return []


def _solve_one(model, theta: sp.Symbol, score: sp.Expr) -> tuple[sp.Expr | None, str]:
    """theta as a function of statistics (and other parameters), with how it was found."""
    masked = mask_sums(score, model.summand_nonnegative, keep=(theta,))
    remaining = [s for s in sums_in(masked.expr) if s.has(theta)]
    if remaining:
        median = _subgradient(theta, remaining)
        return (median, "subgradient") if median is not None else (None, "")
    if sp.count_ops(masked.expr) > 400:
        return None, ""
    try:
        found = sp.solve(masked.expr, theta)
    except NotImplementedError:  # transcendental (a truncated normal's score): no closed form
        return None, ""
    roots = [r for r in found if _admissible(r, theta, model)]
    if len(roots) > 1:
        roots = [r for r in roots if r.is_positive] or roots
    if len(roots) == 1:
        return masked.unmask(roots[0]), "solve"
    if not roots:
        bound = _boundary(model, theta, masked.expr)
        if bound is not None:
            return bound, "boundary"
    return None, ""


def _solve_all(model, scores, outcome) -> tuple[dict, dict]:
    solved: dict[sp.Symbol, sp.Expr] = {}
    how: dict[sp.Symbol, str] = {}
    pending = list(model.params)
    progress = True
    while pending and progress:
        progress = False
        for theta in list(pending):
            score = scores[theta].xreplace(solved)
            sol, kind = _solve_one(model, theta, score)
            if sol is None or sol.has(*[p for p in pending if p != theta]):
                continue
            solved[theta], how[theta] = sol, kind
            profile = _solve_one(model, theta, scores[theta])[0] if score != scores[theta] else sol
            outcome.profile[theta] = profile if profile is not None else sol
            pending.remove(theta)
            progress = True
            solved = {t: e.xreplace({theta: sol}) for t, e in solved.items()}
    return solved, how


def _subgradient(theta: sp.Symbol, remaining: list[sp.Sum]) -> sp.Expr | None:
    """sum_i sign(a_i - theta) = 0 at the median of a_i: the subgradient contains 0."""
    targets = set()
    for s in remaining:
        signs = [f for f in sp.preorder_traversal(s.function) if isinstance(f, sp.sign)]
        if not signs or s.function.subs({f: 0 for f in signs}).has(theta):
            return None
        for f in signs:
            arg = f.args[0]
            root = sp.solve(arg, theta)
            if len(root) != 1 or sp.diff(arg, theta).is_constant() is not True:
                return None
            targets.add(root[0])
    if len(targets) != 1:
        return None
    (target,) = targets
    return SampleMedian(target, (INDEX, 1, SIZE))


def _boundary(model, theta: sp.Symbol, masked_score: sp.Expr) -> sp.Expr | None:
    """No zero of the score: the likelihood is monotone, the data bound theta."""
    sign = 1 if masked_score.is_positive else -1 if masked_score.is_negative else 0
    item = model.bases[model.var][INDEX]
    if sign < 0 and model.support.high.has(theta):  # smallest theta with every x_i <= high
        roots = sp.solve(model.support.high - SampleMax(item, (INDEX, 1, SIZE)), theta)
    elif sign > 0 and model.support.low.has(theta):  # largest theta with every x_i >= low
        roots = sp.solve(model.support.low - SampleMin(item, (INDEX, 1, SIZE)), theta)
    else:
        return None
    return roots[0] if len(roots) == 1 else None


# --- sections ---------------------------------------------------------------------------------

ELL_TEX = math(ELL)


def _solution_title(kind: str, hat: sp.Expr, value: sp.Expr, theta: sp.Symbol) -> Prose:
    """The heading of the section that solves a score, in the words of its rule."""
    if kind == "subgradient":
        condition = math(Notated("subgradient condition", theta))
        return Prose.of("The subgradient condition: ", condition, " at ", math(hat, value))
    if kind == "boundary":
        return Prose.of("The score has no zero: ", ELL_TEX, " is monotone in ", math(theta),
                        ", and the data bound ", math(theta), ", so ", math(hat, value))
    return Prose.of("Setting the score to zero gives ", math(hat, value))


SOLUTION_RULES = {"solve": "solve", "subgradient": "subgradient", "boundary": "boundary maximum"}


def _solution_section(model, theta, ell, score, solved, profile, kind) -> Section:

    hat = Estimate(theta)
    value = model.plain(hatted(profile, theta))
    title = _solution_title(kind, hat, value, theta)
    if kind == "boundary":
        item = model.bases[model.var][INDEX]
        direction = "decreases" if value.has(SampleMax) else "increases"
        start = sp.Derivative(ell, theta, evaluate=False)
        note = Prose.of("the score has one sign for every ", math(theta), ": ", ELL_TEX,
                        f" {direction} in ", math(theta), " as far as every ", math(item),
                        " stays in the support")
        return Section(title, start, (Step(start, score, "boundary maximum", note),), None)
    at = {theta: profile[theta]}
    masked = mask_sums(score.xreplace(at), model.summand_nonnegative)
    if sp.simplify(masked.expr) != 0:
        at = {t: solved[t] for t in solved if score.has(t)}
    start = sp.Subs(score, tuple(at), tuple(at.values()))
    note = Prose.of(
        tex(r"with $\operatorname{sign}(0) = 0$", "with sign(0) = 0"),
        ", the signs above and below the median cancel",
    ) if kind == "subgradient" else NO_PROSE
    lhs = sp.Subs(sp.Derivative(ELL, theta), tuple(at), tuple(Estimate(t) for t in at))
    return Section(title, start, (Step(start, sp.S.Zero, SOLUTION_RULES[kind], note),), lhs)


def hatted(profile: dict, theta: sp.Symbol) -> sp.Expr:
    """theta's solution with the other parameters written as their estimators (mu hat)."""
    value = profile[theta]
    return value.xreplace({t: Estimate(t) for t in profile if t != theta})


def _second_derivative(
    model, expr: sp.Expr, a: sp.Symbol, b: sp.Symbol
) -> tuple[sp.Expr, tuple[Step, ...]]:

    start = sp.Derivative(expr, b, evaluate=False)
    first = Step(start, differentiate(expr, b), "hessian")
    steps = [first, *sum_steps(first.after, (b,))]
    steps.extend(masked_tidy(model, steps[-1].after))
    if (merged := one_sum_step(steps[-1].after)) is not None:
        steps.append(merged)
    return steps[-1].after, tuple(steps)


def _sign_is(model, expr: sp.Expr, sign: str) -> bool:
    """Prove ``expr`` is positive/nonnegative; a probability p is written u/(1+u), u > 0."""
    u = {
        p: sp.Dummy("u", positive=True)
        for p in expr.free_symbols
        if getattr(p, "name", "") in model.assumptions.unit_interval
    }
    expr = expr.xreplace({p: d / (1 + d) for p, d in u.items()})
    for form in (expr, sp.factor(sp.cancel(expr)), sp.simplify(expr)):
        if getattr(form, f"is_{sign}") is True:
            return True
    return False


def _observation_concave(model, hessian_obs: sp.Matrix) -> bool:
    """Every leading... every principal minor of -H has the right sign for all x in the support."""
    n = hessian_obs.shape[0]
    points = model.support.points() if not model.covariates else None
    low = model.support.low
    if points is not None:
        evaluations = [hessian_obs.xreplace({model.var: p}) for p in points]
    elif low.is_finite and low.free_symbols <= set(model.constants):
        # x = low + t with t >= 0 carries the support's lower bound into the sign test
        evaluations = [hessian_obs.xreplace({model.var: low + sp.Dummy("t", nonnegative=True)})]
    else:
        evaluations = [hessian_obs]
    from itertools import combinations

    for h in evaluations:
        for k in range(1, n + 1):
            for rows in combinations(range(n), k):
                minor = (-h).extract(list(rows), list(rows)).det()
                if not _sign_is(model, minor, "nonnegative"):
                    return False
    return True


def _second_order(model, ell, scores, solved, how, outcome) -> bool:
    """Concave log-density (a global maximum) or a negative definite Hessian at the solution."""

    params = model.params
    if any(k == "subgradient" for k in how.values()):
        if len(params) > 1:
            outcome.notes.append(
                Prose.of("The second-order condition is not proved for the joint problem."))
            return False
        outcome.notes.append(Prose.of(
            "The log-likelihood is concave in the location (minus a sum of absolute "
            "values), so the median is its global maximum."
        ))
        return True
    log_density = sp.expand_log(sp.log(model.density), force=True)
    h_obs = sp.Matrix(
        len(params), len(params), lambda r, c: sp.diff(log_density, params[r], params[c])
    )
    entries = {}
    for r, a in enumerate(params):
        for c, b in enumerate(params):
            if c < r:
                continue
            value, steps = _second_derivative(model, scores[a], a, b)
            entries[(r, c)] = (value, steps)
    if _observation_concave(model, h_obs):
        for (r, c), (_, steps) in entries.items():
            a, b = params[r], params[c]
            label = sp.Derivative(ELL, a, b) if a != b else sp.Derivative(ELL, (a, 2))
            outcome.sections.append(
                Section(
                    Prose.of("Second-order condition: ", ELL_TEX, " is concave in ",
                             math(Notated("as written", tuple(params)))),
                    steps[0].before,
                    steps,
                    label,
                )
            )
        what = (
            "each observation's log-density"
            if len(params) == 1
            else "the Hessian of each observation's log-density (all principal minors of "
            "its negative are >= 0)"
        )
        outcome.notes.append(Prose.of(
            f"The second derivative is never positive: {what} is concave on the "
            "whole parameter domain, so the stationary point is the global maximum."
        ))
        return True
    return _hessian_at_solution(model, scores, solved, outcome, entries=entries)


def _simplest_substitution(model, value: sp.Expr, profile: dict) -> tuple[dict, sp.Expr, sp.Expr]:
    """Substitute profile solutions (none inside another) so that the result reads simplest."""
    from itertools import combinations

    present = [t for t in profile if value.has(t)]
    best = ({}, value, value)
    best_cost = None
    for k in range(len(present), 0, -1):
        for chosen in combinations(present, k):
            used = {t: profile[t] for t in chosen}
            if any(e.has(t) for e in used.values() for t in used):
                continue
            at = sp.Subs(value, tuple(used), tuple(used.values()))
            shown = mask_sums(at.doit(deep=False), model.summand_nonnegative)
            result = shown.unmask(sp.factor(sp.simplify(shown.expr)))
            cost = sp.count_ops(result)
            if best_cost is None or cost < best_cost:
                best, best_cost = (used, at, result), cost
    return best


def _hessian_at_solution(model, scores, solved, outcome, entries) -> bool:

    params = model.params
    n = len(params)
    matrix = sp.zeros(n, n)
    for (r, c), (value, steps) in entries.items():
        a, b = params[r], params[c]
        masked = mask_sums(value.xreplace(solved), model.summand_nonnegative)
        simple = sp.factor(sp.simplify(masked.expr))
        matrix[r, c] = matrix[c, r] = simple
        # shown with each parameter at its profile solution (the others left as symbols)
        used, at, shown_value = _simplest_substitution(model, value, outcome.profile)
        label = sp.Derivative(ELL, a, b) if a != b else sp.Derivative(ELL, (a, 2))
        outcome.sections.append(
            Section(Prose.of("Second derivative ", math(label)), steps[0].before, steps, label)
        )
        lhs = sp.Subs(label, tuple(used), tuple(Estimate(t) for t in used)) if used else label
        outcome.sections.append(
            Section(Prose.of("At the solution"), at,
                    (Step(at, shown_value, "second-order condition"),), lhs)
        )
    for k in range(1, n + 1):
        minor = ((-1) ** k) * matrix.extract(list(range(k)), list(range(k))).det()
        if not _sign_is(model, minor, "positive"):
            outcome.notes.append(
                Prose.of("The second-order condition could not be proved in general."))
            return False
    outcome.notes.append(Prose.of(
        "At the solution the Hessian is negative definite (its leading principal "
        "minors alternate in sign, the first negative): a local maximum."
    ))
    return True


def _no_closed_form(model, ell, scores, unsolved, outcome) -> None:

    names = Prose.joined(", ", (Prose.of(math(t)) for t in unsolved))
    outcome.notes.append(Prose.of(
        "The score equation for ", names, " keeps the parameter inside the sum over "
        "the sample: it has no closed-form solution and is solved numerically "
        "(Newton's method)."
    ))
    for theta in unsolved:
        value, steps = _second_derivative(model, scores[theta], theta, theta)
        outcome.sections.append(
            Section(
                Prose.of("Second derivative in ", math(theta)),
                steps[0].before,
                steps,
                sp.Derivative(ELL, (theta, 2)),
            )
        )
        if len(model.params) == 1:
            start = theta - scores[theta] / sp.Derivative(scores[theta], theta, evaluate=False)
            update = theta - scores[theta] / value
            new = Notated("updated", theta)
            outcome.sections.append(
                Section(
                    Prose.of("No closed form: one Newton step"),
                    start,
                    (Step(start, update, "newton step"),),
                    new,
                )
            )
            outcome.newton[theta] = update
            outcome.estimates_shown[theta] = (new, update)


# --- a constraint: Lagrange multiplier -----------------------------------------------------------

LAMBDA = sp.Symbol("lambda", real=True)


def _lagrange(model, ell, scores, outcome) -> None:
    """Maximise the log-likelihood subject to g(theta) = 0 with a Lagrange multiplier."""

    g = model.constraint
    params = model.params
    lagrangian = Label(r"\mathcal{L}", "L")
    in_lambda = {}
    for theta in params:
        start = sp.Derivative(ell - LAMBDA * g, theta, evaluate=False)
        stationary = scores[theta] - LAMBDA * sp.diff(g, theta)
        steps = [
            Step(
                start,
                stationary,
                "lagrange multiplier",
                Prose.of(math(lagrangian, Notated("lagrangian", g))),
            )
        ]
        steps.extend(masked_tidy(model, stationary))
        outcome.sections.append(
            Section(
                Prose.of("Stationarity of the Lagrangian in ", math(theta)),
                start,
                tuple(steps),
                sp.Derivative(lagrangian, theta),
            )
        )
        masked = mask_sums(stationary, model.summand_nonnegative)
        roots = _solutions(masked.expr, theta)
        if len(roots) != 1:
            outcome.notes.append(Prose.of(
                "The stationarity condition for ", math(theta), " could not be solved."
            ))
            return
        in_lambda[theta] = masked.unmask(roots[0])
    masked_g = mask_sums(g.xreplace(in_lambda), model.summand_nonnegative)
    lam_roots = [r for r in _solutions(masked_g.expr, LAMBDA) if r.is_real is not False]
    if len(lam_roots) != 1:
        outcome.notes.append(Prose.of("The multiplier could not be found from the constraint."))
        return
    lam = counts_total(combine_sums(masked_g.unmask(lam_roots[0])))
    estimates = {t: e.xreplace({LAMBDA: lam}) for t, e in in_lambda.items()}
    constraint_check = g.xreplace(estimates)
    lam_note = Prose.of("each parameter solved in terms of ", math(LAMBDA),
                        ", put into the constraint")
    outcome.sections.append(
        Section(
            Prose.of("The constraint fixes the multiplier: ",
                     math(LAMBDA, lam)),
            constraint_check,
            (Step(constraint_check, sp.S.Zero, "solve", lam_note),),
            Notated("as written", g),
        )
    )
    for theta in params:
        stationary = scores[theta] - LAMBDA * sp.diff(g, theta)
        at = sp.Subs(stationary, (theta, LAMBDA), (estimates[theta], lam))
        outcome.sections.append(
            Section(
                Prose.of("Setting the gradient to zero gives ",
                         math(Estimate(theta), model.plain(estimates[theta]))),
                at,
                (Step(at, sp.S.Zero, "solve"),),
                sp.Subs(sp.Derivative(lagrangian, theta), theta, Estimate(theta)),
            )
        )
    outcome.estimates = estimates
    outcome.profile = dict(estimates)
    outcome.lagrangian_scores = {t: scores[t] - lam * sp.diff(g, t) for t in params}
    log_density = sp.expand_log(sp.log(model.density), force=True)
    h_obs = sp.Matrix(
        len(params), len(params), lambda r, c: sp.diff(log_density, params[r], params[c])
    )
    if _observation_concave(model, h_obs) and all(
        sp.diff(g, a, b) == 0 for a in params for b in params
    ):
        outcome.maximum = "verified"
        outcome.notes.append(Prose.of(
            "Each observation's log-density is concave in the probabilities and "
            "the constraint is linear, so the stationary point of the Lagrangian "
            "is the constrained global maximum."
        ))
    else:
        outcome.notes.append(Prose.of("The second-order condition was not proved."))
