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

from derive.assumptions import parse_assumptions, symbol_for
from derive.catalogue.spec import Spec
from derive.engine.matrix.gradient import as_scalar, gradient_section
from derive.engine.matrix.hessian import hessian_section
from derive.engine.sample.statistics import Estimate
from derive.errors import InputError
from derive.kinds.base import derivation_of, parse_field
from derive.kinds.mle.model import Estimation
from derive.model import Derivation, Result, Section, Step
from derive.printing import Label, latex
from derive.prose import Prose, Tex
from derive.textprint import text


def _shapes(spec: Spec) -> dict[str, tuple[Any, Any]]:
    table = spec.require("shapes", dict)
    shapes = {}
    for name, written in table.items():
        dims = [d.strip() for d in str(written).split(",")]
        if len(dims) != 2:
            raise spec.error("shapes", f"{name}: expected 'ROWS,COLS'")
        shapes[name] = tuple(int(d) if d.isdigit() else d for d in dims)
    return shapes


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
        b_terms.append(-coeff * sp.MatMul(*factors[:-1]) if len(factors) > 1 else -coeff)
    if not b_terms:
        return None
    return sp.MatAdd(*a_terms).doit(), sp.MatAdd(*b_terms).doit() if len(b_terms) > 1 else b_terms[
        0
    ]


def _without_common_scalar(a: Any, b: Any) -> tuple[Any, Any]:
    ca, ma = a.as_coeff_mmul()
    cb, mb = b.as_coeff_mmul()
    ratio = sp.simplify(ca / cb)
    return (ratio * ma if ratio != 1 else ma), mb


def derive_matrix_mle(spec: Spec) -> Derivation:
    shapes = _shapes(spec)
    ell = parse_field(spec, "log_likelihood", shapes=shapes)
    assumptions = parse_assumptions(spec.assume)
    ell = ell.xreplace(
        {
            s: symbol_for(s.name, assumptions)
            for s in ell.free_symbols
            if isinstance(s, sp.Symbol) and s.name in assumptions.positive
        }
    )
    matrices = {m.name: m for m in ell.atoms(sp.MatrixSymbol)}
    sections, results, estimators, scores = [], [], {}, {}
    maximum = "verified"
    notes: list[str] = []
    for name in spec.names("params"):
        if name not in matrices:
            raise InputError(f"--param {name}: '{name}' does not occur in the log-likelihood")
        w = matrices[name]
        section, gradient = gradient_section(as_scalar(ell), w, lhs_name=r"\ell", lhs_text="ell")
        sections.append(section)
        scores[name] = gradient
        parts = _linear_parts(gradient, w)
        if parts is None:
            raise InputError(f"the gradient in {name} is not linear: no normal equations")
        a, b = _without_common_scalar(*parts)
        estimate = sp.MatMul(sp.Inverse(b), a)
        lhs = sp.Subs(Label(rf"\nabla_{{{latex(w)}}}\ell", f"grad_{w} ell"), w, Estimate(w))
        start = gradient.xreplace({w: estimate})
        zero = sp.ZeroMatrix(*w.shape)
        note = (
            f"the gradient is ${latex(a)} - {latex(b)}\\,{latex(w)}$: setting it to zero gives "
            f"the normal equations ${latex(b)}\\,{latex(w)} = {latex(a)}$"
        )
        sections.append(
            Section(
                Prose.of("Setting the gradient to zero: ",
                         Tex(rf"$\hat{{{latex(w)}}} = {latex(estimate)}$",
                             f"{w}_hat = {text(estimate)}")),
                start,
                (Step(start, zero, "solve", note),),
                lhs,
            )
        )
        hessian_sec, hessian = hessian_section(gradient, w)
        sections.append(hessian_sec)
        gram = _is_minus_gram(hessian)
        notes.append(
            f"The Hessian `{text(hessian)}` is minus a positive multiple of a Gram matrix "
            "(a matrix times its own transpose): negative definite when the design has full "
            "column rank, so the stationary point is the unique maximum."
            if gram
            else "The Hessian could not be shown to be negative definite."
        )
        if not gram:
            maximum = "not-verified"
        estimators[name] = estimate
        results.append(Result(name, Estimate(w), estimate))
    return derivation_of(
        spec,
        input=spec.require("log_likelihood"),
        function=ell,
        sections=tuple(sections),
        results=tuple(results),
        symbols=tuple(sorted(ell.free_symbols, key=str)),
        assumptions=assumptions,
        notes=tuple(notes),
        question=_question(ell, spec.names("params")),
        details=Estimation(
            maximum=maximum,
            estimators=estimators,
            scores=scores,
            log_likelihood=ell,
            form="matrix",
            shapes={k: [str(d) for d in v] for k, v in shapes.items()},
        ),
    )


def _is_minus_gram(hessian: Any) -> bool:
    """-c M^T M with c > 0."""
    coeff, rest = hessian.as_coeff_mmul()
    if not (coeff.is_negative and isinstance(rest, sp.MatMul) and len(rest.args) == 2):
        return False
    left, right = rest.args
    return isinstance(left, sp.Transpose) and left.arg == right


def _question(ell: Any, params: tuple[str, ...]) -> str:
    names = ", ".join(f"${p}$" for p in params)
    return (
        f"The log-likelihood, up to a constant, is \\[ \\ell = {latex(ell)}. \\] "
        f"Find the maximum-likelihood estimator of {names}."
    )
