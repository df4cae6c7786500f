"""The 'mle' kind in matrix form: linear regression with Gaussian noise, the normal equations.

The log-likelihood is given as a matrix expression (``shapes`` declares the
matrices); the matrix engine (``derive.engine.matrix.gradient``) takes its differential
step by step and identifies the gradient; the gradient is linear in the
parameter, ``A - B w``, so the zero of the score is ``w = B^{-1} A`` (the
normal equations), and the Hessian ``-B`` is minus a Gram matrix: negative
definite when the design has full column rank.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.engine.matrix.gradient import as_scalar, gradient_section, typed_start
from derive.engine.matrix.hessian import hessian_section
from derive.engine.sample.likelihood import ELL
from derive.engine.sample.statistics import Estimate
from derive.errors import InputError
from derive.kinds.matrixform import read_matrix_form
from derive.kinds.mle.model import Estimation
from derive.model import Derivation, Result, Section, Step
from derive.notation import Notated
from derive.prose import Prose, display, math


def _linear_parts(gradient: Any, w: sp.MatrixSymbol) -> tuple[Any, Any] | None:
    """(A, B) with gradient = A - B w, or None when the gradient is not linear in w."""
    a_terms, b_terms = [], []
    for term in sp.Add.make_args(gradient.expand()):
        if not term.has(w):
            a_terms.append(term)
            continue
        coeff, matrices = term.as_coeff_mmul()
        factors = list(matrices.args) if isinstance(matrices, sp.MatMul) else [matrices]
        if factors[-1] != w or any(f.has(w) for f in factors[:-1]):
            return None
        # c w alone is c I w: a ridge term alpha*w beside X^T X w
        b_terms.append(-coeff * (sp.MatMul(*factors[:-1]) if len(factors) > 1
                                 else sp.Identity(w.shape[0])))
    if not b_terms or not a_terms:
        return None
    return (sp.MatAdd(*a_terms).doit(),
            sp.MatAdd(*b_terms).doit() if len(b_terms) > 1 else b_terms[0])


def _without_common_scalar(a: Any, b: Any) -> tuple[Any, Any]:
    ca, ma = a.as_coeff_mmul()
    cb, mb = b.as_coeff_mmul()
    ratio = sp.simplify(ca / cb)
    return (ratio * ma if ratio != 1 else ma), mb


def derive_matrix_mle(spec: Spec) -> Derivation:
    form = read_matrix_form(spec, "log_likelihood")
    ell, shapes = form.expr, form.shapes
    matrices = {m.name: m for m in ell.atoms(sp.MatrixSymbol)}
    sections, results, estimators, scores = [], [], {}, {}
    maximum = "verified"
    notes: list[Prose] = []
    for name in spec.names("params"):
        if name not in matrices:
            raise InputError(f"--param {name}: '{name}' does not occur in the log-likelihood")
        w = matrices[name]
        section, gradient = gradient_section(as_scalar(ell), w, lhs_name=ELL)
        section = typed_start(section, form.typed)
        sections.append(section)
        scores[name] = gradient
        parts = _linear_parts(gradient, w)
        if parts is None:
            raise InputError(f"the gradient in {name} is not linear: no normal equations")
        a, b = _without_common_scalar(*parts)
        estimate = sp.MatMul(sp.Inverse(b), a)
        lhs = sp.Subs(Notated("gradient of", w, ELL), w, Estimate(w))
        start = gradient.xreplace({w: estimate})
        zero = sp.ZeroMatrix(*w.shape)
        bw = Notated("juxtaposed", b, w)
        note = Prose.of("the gradient is ", math(Notated("difference", a, bw)),
                        ": setting it to zero gives the normal equations ", math(bw, a))
        sections.append(
            Section(
                Prose.of("Setting the gradient to zero: ",
                         math(Estimate(w), estimate)),
                start,
                (Step(start, zero, "solve", note),),
                lhs,
            )
        )
        hessian_sec, hessian = hessian_section(gradient, w)
        sections.append(hessian_sec)
        kinds = _minus_definite_terms(hessian)
        notes.append(_hessian_note(kinds, hessian))
        if kinds is None:
            maximum = "not-verified"
        estimators[name] = estimate
        results.append(Result(name, Estimate(w), estimate))
    return form.derivation(
        spec, sections, results,
        function=ell,
        symbols=tuple(sorted(ell.free_symbols, key=str)),
        notes=tuple(notes),
        question=_question(form.typed if form.typed is not None else ell, spec.names("params")),
        details=Estimation(
            maximum=maximum,
            estimators=estimators,
            scores=scores,
            log_likelihood=ell,
            form="matrix",
            shapes={k: [str(d) for d in v] for k, v in shapes.items()},
        ),
    )


_HESSIAN_NOTES = {
    "gram": " is minus a positive multiple of a Gram matrix (a matrix times its own "
            "transpose): negative definite when the design has full column rank, so the "
            "stationary point is the unique maximum.",
    "identity": " is minus a positive multiple of the identity, minus Gram matrices (a "
                "matrix times its own transpose) if any: negative definite, so the "
                "stationary point is the unique maximum.",
}


def _hessian_note(kinds: str | None, hessian: Any) -> Prose:
    """What the Hessian's terms show about the stationary point."""
    if kinds is None:
        return Prose.of("The Hessian could not be shown to be negative definite.")
    return Prose.of("The Hessian ", math(hessian), _HESSIAN_NOTES[kinds])


def _minus_definite_term(term: Any) -> str | None:
    """'identity' for -c I, 'gram' for -c M^T M (c > 0), else None."""
    factors = term.args if isinstance(term, sp.MatMul) else (term,)
    scalar = sp.Mul(*[f for f in factors if not isinstance(f, sp.MatrixExpr)])
    matrices = [f for f in factors if isinstance(f, sp.MatrixExpr)]
    if not scalar.is_negative:
        return None
    if len(matrices) == 1 and isinstance(matrices[0], sp.Identity):
        return "identity"
    if len(matrices) == 2 and isinstance(matrices[0], sp.Transpose):
        return "gram" if matrices[0].arg == matrices[1] else None
    return None


def _minus_definite_terms(hessian: Any) -> str | None:
    """'gram' for -c M^T M, 'identity' when a -c I term makes a sum of such terms
    negative definite whatever the rank (ridge), None when neither is shown."""
    kinds = {_minus_definite_term(t) for t in
             (hessian.args if isinstance(hessian, sp.MatAdd) else (hessian,))}
    if None in kinds:
        return None
    return "identity" if "identity" in kinds else "gram"


def _question(ell: Any, params: tuple[str, ...]) -> Prose:
    """The question, with the log-likelihood as typed (the parse tree, unevaluated)."""
    names = Prose.joined(", ", [Prose.of(math(sp.Symbol(p))) for p in params])
    return Prose.of("The log-likelihood, up to a constant, is ",
                    display(math(ELL, ell), end="."),
                    " Find the maximum-likelihood estimator of ", names, ".")
