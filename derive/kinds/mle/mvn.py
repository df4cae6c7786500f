"""The 'mle' kind for the multivariate Gaussian: the MLE of the mean and of the covariance.

The lecture's route in matrix form. The sample x_1..x_N (columns of length d)
is stacked as the rows of X (N x d), so sums over i become products with the
all-ones column 1. The mean: the matrix engine takes d(ell) in mu, the symmetry
of Sigma merges Sigma^{-1} and Sigma^{-T}, 1^T 1 = N, and the zero of the gradient
is the sample mean; the Hessian -N Sigma^{-1} is negative definite. The
covariance: through the precision Lambda = Sigma^{-1}, where d log det Lambda =
tr(Lambda^{-1} dLambda) and d tr(S Lambda) = tr(S dLambda); the zero of the
gradient is Lambda^{-1} = S/N. Every step is verified at random symmetric
positive-definite Sigma (the stated assumption).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions
from derive.catalogue.spec import Spec
from derive.engine.matrix.expressions import Named, Scalar
from derive.engine.matrix.gradient import CONVENTION, as_scalar, gradient_section
from derive.engine.matrix.hessian import hessian_section
from derive.engine.matrix.identify import factor_common
from derive.engine.sample.rows import MatrixRowSum, RowSum
from derive.engine.sample.statistics import SIZE, Estimate
from derive.errors import InputError
from derive.kinds.base import derivation_of
from derive.kinds.mle.model import Estimation
from derive.model import Derivation, Result, Section, Step
from derive.notation import Notated
from derive.printing import Label
from derive.prose import NO_PROSE, Prose, Tex, math, tex

DIM = sp.Symbol("d", integer=True, positive=True)
X = sp.MatrixSymbol("X", SIZE, DIM)
MU = sp.MatrixSymbol("mu", DIM, 1)
SIGMA = sp.MatrixSymbol("Sigma", DIM, DIM)
LAMBDA = sp.MatrixSymbol("Lambda", DIM, DIM)
ROW = sp.MatrixSymbol("x_i", DIM, 1)
ONE = sp.OneMatrix(SIZE, 1)
ONES_N = tex(r"$\mathbf{1}^\top\mathbf{1} = N$", "1^T 1 = N")
PARAMS = ("mu", "Sigma")
SYMMETRIC = ("Sigma", "Lambda")
ELL = Label(r"\ell", "ell")


# --- named rewrites -------------------------------------------------------------------------


def _symmetric_by_construction(m: Any) -> bool:
    """A Gram matrix A^T A, possibly behind a name."""
    inner = m.definition if isinstance(m, Named) else m
    return (isinstance(inner, sp.MatMul) and len(inner.args) == 2
            and inner.args[0].doit() == sp.Transpose(inner.args[1]).doit())


def symmetric(expr: Any, names: frozenset[str]) -> Any:
    """Sigma^T = Sigma (stated) and (A^T A)^T = A^T A: transposes of symmetric matrices dropped."""
    def is_symmetric(m: Any) -> bool:
        if isinstance(m, sp.Inverse):
            return is_symmetric(m.arg)
        return (isinstance(m, sp.MatrixSymbol) and m.name in names) or _symmetric_by_construction(m)

    return expr.replace(lambda e: isinstance(e, sp.Transpose) and is_symmetric(e.arg),
                        lambda e: e.arg)


def ones_inner(expr: Any) -> Any:
    """1^T 1 = N inside every product."""
    def fits(e: Any) -> bool:
        return isinstance(e, sp.MatMul) and any(
            a == sp.Transpose(ONE) and b == ONE for a, b in zip(e.args, e.args[1:], strict=False))

    def reduce(e: sp.MatMul) -> Any:
        args, out, k = list(e.args), [], 0
        while k < len(args):
            if k + 1 < len(args) and args[k] == sp.Transpose(ONE) and args[k + 1] == ONE:
                out.append(SIZE)
                k += 2
            else:
                out.append(args[k])
                k += 1
        return sp.MatMul(*out).doit()

    return expr.replace(fits, reduce)


def _chain(start: Any, moves: list[tuple[str, Any, Prose]]) -> list[Step]:
    """Steps start -> ... along (rule, function, note), skipping moves that change nothing."""
    steps, current = [], start
    for rule, move, note in moves:
        after = move(current)
        if after != current:
            steps.append(Step(current, after, rule, note))
            current = after
    return steps


# --- the log-likelihood ---------------------------------------------------------------------


def quadratic_form(row: Any, mean: Any, sigma: Any) -> Any:
    residual = row - mean
    return Scalar(sp.MatMul(residual.T, sp.Inverse(sigma), residual))


def matrix_log_likelihood(mean: Any, sigma: Any) -> Any:
    centred = X - ONE * mean.T
    return (-SIZE / 2 * sp.log(sp.Determinant(2 * sp.pi * sigma))
            - sp.Trace(sp.MatMul(centred, sp.Inverse(sigma), centred.T)) / 2)


def log_likelihood_section() -> tuple[Section, Any]:
    per_row = -sp.log(sp.Determinant(2 * sp.pi * SIGMA)) / 2 - quadratic_form(ROW, MU, SIGMA) / 2
    start = RowSum(per_row, ROW, X)
    split = (-SIZE / 2 * sp.log(sp.Determinant(2 * sp.pi * SIGMA))
             - RowSum(quadratic_form(ROW, MU, SIGMA), ROW, X) / 2)
    stacked = matrix_log_likelihood(MU, SIGMA)
    steps = [
        Step(start, split, "sum of a constant", Prose.of(
            "the first term does not depend on ", tex("$i$", "i"), ": ", tex("$N$", "N"),
            " times it")),
        Step(split, stacked, "stack the sample", Prose.of(
            "row ", tex("$i$", "i"), " of ", tex(r"$X - \mathbf{1}\mu^\top$", "X - 1 mu^T"),
            " is ", tex(r"$(x_i - \mu)^\top$", "(x_i - mu)^T"), ", and ",
            tex(r"$\sum_i a_i^\top M a_i = \operatorname{tr}(A M A^\top)$",
                "sum_i a_i^T M a_i = tr(A M A^T)"),
            " for the rows ", tex(r"$a_i^\top$", "a_i^T"), " of ", tex("$A$", "A"))),
    ]
    lhs = Label(r"\ell(\mu, \Sigma)", "ell(mu, Sigma)")
    title = Prose.of("The log-likelihood of the sample, in matrix form")
    return Section(title, start, tuple(steps), lhs), stacked


# --- the mean -------------------------------------------------------------------------------


def mean_sections(ell: Any, names: frozenset[str]) -> tuple[list[Section], Any, Any, Any]:
    """d(ell) in mu, the tidied gradient, its zero, the Hessian: sections, mu_hat, G, H."""
    section, gradient = gradient_section(as_scalar(ell), MU, lhs_name=ELL)
    steps = _chain(gradient, [
        ("symmetric", lambda g: symmetric(g, names), Prose.of(
            tex(r"$\Sigma$", "Sigma"), " is symmetric, so ",
            tex(r"$\Sigma^{-\top} = \Sigma^{-1}$", "Sigma^-T = Sigma^-1"))),
        ("collect", factor_common, NO_PROSE),
        ("expand", lambda g: g.expand(), Prose.of("multiply out, with ", ONES_N)),
        ("sum of ones", ones_inner, ONES_N),
        ("collect", factor_common, NO_PROSE),
    ])
    tidy = steps[-1].after if steps else gradient
    label = Label(r"\nabla_{\mu}\ell", "grad_mu ell")
    tidy_section = Section(Prose.of("The gradient in ", Tex(r"$\mu$", "mu")), gradient,
                           tuple(steps), label)
    estimate = sp.MatMul(1 / SIZE, X.T, ONE)
    at = tidy.xreplace({MU: estimate})
    zero = sp.ZeroMatrix(DIM, 1)
    solve = Section(
        Prose.of("Setting the gradient to zero: ",
                 math(Estimate(MU), estimate)),
        at,
        (Step(at, zero, "solve", Prose.of(
            tex(r"$\Sigma^{-1}$", "Sigma^-1"), " is invertible, so the gradient vanishes "
            "exactly when ", tex(r"$N\mu = X^\top\mathbf{1}$", "N mu = X^T 1"))),),
        sp.Subs(label, MU, Estimate(MU)),
    )
    as_sum = sp.MatMul(1 / SIZE, MatrixRowSum(ROW, ROW, X))
    mean = Section(
        Prose.of("The sample mean"),
        estimate,
        (Step(estimate, as_sum, "stack the sample", Prose.of(
            tex(r"$X^\top\mathbf{1}$", "X^T 1"), " adds the rows of ", tex("$X$", "X"), ": ",
            tex(r"$\sum_i x_i$", "sum_i x_i"))),),
        Estimate(MU),
    )
    hessian_sec, hessian = hessian_section(tidy, MU)
    return [section, tidy_section, solve, mean, hessian_sec], estimate, tidy, hessian


def negative_definite(hessian: Any, names: frozenset[str]) -> bool:
    """-c Sigma^{-1} (or -c Sigma) with c > 0 and Sigma stated symmetric positive definite."""
    factors = hessian.args if isinstance(hessian, sp.MatMul) else (hessian,)
    coeff = sp.Mul(*[f for f in factors if not f.is_Matrix])
    matrices = [f for f in factors if f.is_Matrix]
    if len(matrices) != 1:
        return False
    core = matrices[0].arg if isinstance(matrices[0], sp.Inverse) else matrices[0]
    return bool(coeff.is_negative) and isinstance(core, sp.MatrixSymbol) and core.name in names


# --- the covariance -------------------------------------------------------------------------


def covariance_sections(ell: Any, mu_hat: Any, names: frozenset[str]) -> tuple[list[Section], Any,
                                                                                Any, Any]:
    """Through the precision: sections, Sigma_hat (shown, plain), and the gradient in Lambda."""
    centred = X - ONE * MU.T
    scatter = Named("S", sp.MatMul(centred.T, centred))
    precision = Named("Lambda", sp.Inverse(SIGMA))
    logdet = sp.log(sp.Determinant(SIGMA))
    constant = -SIZE * DIM * sp.log(2 * sp.pi) / 2
    quad = sp.Trace(sp.MatMul(centred, sp.Inverse(SIGMA), centred.T))
    split = constant - SIZE / 2 * logdet - quad / 2
    cyclic = constant - SIZE / 2 * logdet - sp.Trace(sp.MatMul(centred.T, centred,
                                                               sp.Inverse(SIGMA))) / 2
    named = constant - SIZE / 2 * logdet - sp.Trace(sp.MatMul(scatter, sp.Inverse(SIGMA))) / 2
    in_lambda = (constant + SIZE / 2 * sp.log(sp.Determinant(precision))
                 - sp.Trace(sp.MatMul(scatter, precision)) / 2)
    steps = (
        Step(ell, split, "log det of a multiple", Prose.of(
            tex(r"$\det(c\Sigma) = c^d \det\Sigma$", "det(c Sigma) = c^d det Sigma"),
            " for a ", tex(r"$d \times d$", "d x d"), " matrix")),
        Step(split, cyclic, "cyclic trace"),
        Step(cyclic, named, "scatter matrix",
             tex(r"$S = (X - \mathbf{1}\mu^\top)^\top(X - \mathbf{1}\mu^\top) = "
                 r"\sum_i (x_i - \mu)(x_i - \mu)^\top$",
                 "S = (X - 1 mu^T)^T (X - 1 mu^T) = sum_i (x_i - mu)(x_i - mu)^T")),
        Step(named, in_lambda, "precision", Prose.of(
            tex(r"$\Lambda = \Sigma^{-1}$", "Lambda = Sigma^-1"), " and ",
            tex(r"$\log\det\Sigma = -\log\det\Lambda$", "log det Sigma = -log det Lambda"))),
    )
    precision_title = Prose.of("In the precision ",
                               Tex(r"$\Lambda = \Sigma^{-1}$", "Lambda = Sigma^-1"))
    reparam = Section(precision_title, ell, steps,
                      Label(r"\ell(\mu, \Lambda)", "ell(mu, Lambda)"))
    ell_lambda = in_lambda.xreplace({precision: LAMBDA})
    section, gradient = gradient_section(ell_lambda, LAMBDA, lhs_name=ELL)
    sym = _chain(gradient, [("symmetric", lambda g: symmetric(g, names), Prose.of(
        tex(r"$\Lambda$", "Lambda"), " and ", tex("$S$", "S"), " are symmetric"))])
    tidy = sym[-1].after if sym else gradient
    label = Label(r"\nabla_{\Lambda}\ell", "grad_Lambda ell")
    tidy_section = Section(Prose.of("The gradient in ", Tex(r"$\Lambda$", "Lambda")), gradient,
                           tuple(sym), label)
    lambda_hat = sp.MatMul(SIZE, sp.Inverse(scatter))
    at = tidy.xreplace({LAMBDA: lambda_hat})
    solve = Section(
        Prose.of("Setting the gradient to zero: ",
                 math(Estimate(LAMBDA), lambda_hat)),
        at,
        (Step(at, sp.ZeroMatrix(DIM, DIM), "solve", Prose.of(
            tex(r"$\frac{N}{2}\Lambda^{-1} = \frac{1}{2}S$", "(N/2) Lambda^-1 = S/2"), ": ",
            tex(r"$\Lambda^{-1} = S/N$", "Lambda^-1 = S/N"))),),
        sp.Subs(label, LAMBDA, Estimate(LAMBDA)),
    )
    sigma_hat = sp.MatMul(1 / SIZE, scatter)
    hat_mu = Named(Notated("hat", MU), mu_hat)
    centred_hat = X - ONE * hat_mu.T
    plain = sp.MatMul(1 / SIZE, centred_hat.T, centred_hat)
    row_sum = sp.MatMul(1 / SIZE, MatrixRowSum(sp.MatMul(ROW - hat_mu, (ROW - hat_mu).T), ROW, X))
    back = Section(
        Prose.of("Back to the covariance: ",
                 Tex(r"$\hat\Sigma = \hat\Lambda^{-1}$", "Sigma_hat = Lambda_hat^-1")),
        sp.Inverse(lambda_hat),
        (Step(sp.Inverse(lambda_hat), sigma_hat, "inverse of a product",
              tex(r"$(cA)^{-1} = c^{-1}A^{-1}$", "(cA)^-1 = c^-1 A^-1")),),
        Estimate(SIGMA),
    )
    at_mean = sp.MatMul(1 / SIZE, Named(Notated("applied", "S", Notated("hat", MU)),
                                         scatter.definition.xreplace({MU: hat_mu})))
    profile = Section(
        Prose.of("With the mean at its estimate ", Tex(r"$\hat\mu$", "mu_hat")),
        at_mean,
        (Step(at_mean, plain, "definition", Prose.of(
            "the scatter matrix at ", tex(r"$\mu = \hat\mu$", "mu = mu_hat"))),
         Step(plain, row_sum, "stack the sample", Prose.of(
             tex(r"$A^\top A = \sum_i a_i a_i^\top$", "A^T A = sum_i a_i a_i^T"),
             " over the rows ", tex(r"$a_i^\top$", "a_i^T"), " of ", tex("$A$", "A")))),
        Estimate(SIGMA),
    )
    estimate = plain.xreplace({hat_mu: mu_hat})
    return [reparam, section, tidy_section, solve, back, profile], plain, estimate, tidy


# --- the derivation -------------------------------------------------------------------------


def derive_mvn_mle(spec: Spec) -> Derivation:
    """Spec fields: model = 'multivariate-normal', params ['mu'] or ['mu', 'Sigma']."""
    params = spec.names("params")
    unknown = [p for p in params if p not in PARAMS]
    if unknown or "mu" not in params:
        raise InputError(f"multivariate normal: params are 'mu' and optionally 'Sigma', "
                         f"not {', '.join(params)}")
    # the precision Lambda appears (and is stated) only where Sigma is estimated through it
    stated = [f"{s} positive definite" for s in SYMMETRIC if s == "Sigma" or "Sigma" in params]
    assumptions = parse_assumptions([*spec.assume, *stated])
    names = assumptions.symmetric
    section, ell = log_likelihood_section()
    sections = [section]
    mean, mu_hat, score, hessian = mean_sections(ell, names)
    sections += mean
    results = [Result("mu", Estimate(MU), mu_hat)]
    estimators: dict[str, Any] = {"mu": mu_hat}
    scores: dict[str, Any] = {"mu": score}
    definite = negative_definite(hessian, names)
    notes = [
        Prose.of("The Hessian ", math(hessian), " is a negative multiple of the inverse of a "
                 "symmetric positive-definite matrix: negative definite, so the sample mean is "
                 "the unique maximum.")
        if definite else Prose.of("The Hessian could not be shown to be negative definite.")]
    if "Sigma" in params:
        more, shown, sigma_hat, lambda_score = covariance_sections(ell, mu_hat, names)
        sections += more
        results.append(Result("Sigma", Estimate(SIGMA), shown))
        estimators["Sigma"] = sigma_hat
        scores["Lambda"] = lambda_score
        notes.append(Prose.of(
            "In ", math(LAMBDA), " the log-likelihood is ",
            tex(r"$\frac{N}{2} \log\det\Lambda - \frac{1}{2}\operatorname{tr}(S\Lambda)$",
                "(N/2) log det Lambda - tr(S Lambda)/2"),
            " plus a constant: log det is strictly concave on positive-definite matrices and "
            "the trace is linear, so the stationary point is the maximum."))
    return derivation_of(
        spec,
        input="multivariate normal N(mu, Sigma)",
        function=ell,
        sections=tuple(sections),
        results=tuple(results),
        symbols=(X, MU, SIGMA),
        assumptions=assumptions,
        notes=tuple(notes),
        conventions=(CONVENTION,),
        question=_question(params),
        details=Estimation(
            maximum="verified" if definite else "not-verified",
            estimators=estimators,
            scores=scores,
            log_likelihood=ell,
            form="mvn",
            shapes={"X": ["N", "d"], "mu": ["d", "1"], "Sigma": ["d", "d"]},
            hessian=hessian,
            sample_size_code="X.shape[0]",
        ),
    )


def _question(params: tuple[str, ...]) -> Prose:
    sigma = tex(r"$\Sigma$", "Sigma")
    wanted = Prose.of("the mean ", tex(r"$\mu$", "mu"),
                      Prose.of(" and the covariance ", sigma) if "Sigma" in params else NO_PROSE)
    known = Prose.of(" The covariance ", sigma, " is known.") if "Sigma" not in params else NO_PROSE
    return Prose.of(
        "An i.i.d. sample ", tex(r"$x_1, \dots, x_N \in \mathbb{R}^d$", "x_1, ..., x_N in R^d"),
        " is drawn from the multivariate normal density ",
        tex(r"\[ p(x \mid \mu, \Sigma) = \frac{1}{\sqrt{\det(2\pi\Sigma)}} "
            r"\exp\!\Big(-\tfrac{1}{2}(x - \mu)^\top \Sigma^{-1} (x - \mu)\Big), \]",
            "p(x | mu, Sigma) = exp(-(x - mu)^T Sigma^-1 (x - mu)/2)/sqrt(det(2 pi Sigma)),"),
        " with ", sigma, " symmetric positive definite. The rows of ", tex("$X$", "X"), " (",
        tex(r"$N \times d$", "N x d"), ") are the ", tex(r"$x_i^\top$", "x_i^T"), " and ",
        tex(r"$\mathbf{1}$", "1"), " is the column of ", tex("$N$", "N"), " ones.", known,
        " Find the maximum-likelihood estimator of ", wanted, ".",
    )
