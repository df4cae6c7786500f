"""Multivariate Gaussian MLE (mean; covariance through the precision) and d-feature regression."""

from __future__ import annotations

import random
from dataclasses import replace

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive import catalogue, mpmatrix, pipeline
from derive.assumptions import parse_assumptions
from derive.checkrun import run_check
from derive.errors import VerificationError
from derive.kinds import check_script, derive_unverified
from derive.kinds.mle import mvn
from derive.model import Step
from derive.textprint import prose_text
from derive.verify import _concrete_sizes, verify_step
from tests.conftest import pdf_text

IDS = ("mle-mvn-mean", "mle-mvn-covariance")


@pytest.fixture(scope="module")
def derived():
    return {i: pipeline.derive(catalogue.get(i)) for i in IDS}


def _section(derivation, start_of_title):
    return next(s for s in derivation.sections if prose_text(s.title).startswith(start_of_title))


def test_every_step_is_verified_and_the_estimators_are_the_textbook_ones(derived):
    for derivation in derived.values():
        assert all(s.verified in ("symbolic", "numeric") for s in derivation.steps)
        assert derivation.details.maximum == "verified"
        rules = {s.rule for s in derivation.steps}
        assert {"stack the sample", "symmetric", "identify the gradient", "solve",
                "identify the hessian"} <= rules
        assert derivation.result("mu").expr == sp.MatMul(1 / mvn.SIZE, mvn.X.T, mvn.ONE)
        assert derivation.details.hessian == sp.MatMul(-mvn.SIZE, sp.Inverse(mvn.SIGMA))
    cov = derived["mle-mvn-covariance"]
    assert {"precision", "differential of log det", "scatter matrix"} <= {s.rule for s in cov.steps}
    # at an explicit sample, the estimators are numpy's mean and biased covariance
    data = np.random.default_rng(3).normal(size=(7, 3))
    env = mpmatrix.Env({mvn.SIZE: 7, mvn.DIM: 3, mvn.X: mpmath.matrix(data.tolist())})
    expected = {"mu": data.mean(axis=0)[:, None], "Sigma": np.cov(data.T, bias=True)}
    for name in ("mu", "Sigma"):
        value = mpmatrix.evaluate(cov.details.estimators[name], env)
        assert np.allclose(np.array(value.tolist(), dtype=float), expected[name], atol=1e-12)
    # the precision's gradient, once Lambda and S are symmetric: N/2 Lambda^-1 - S/2
    tidy = _section(cov, "The gradient in Lambda").steps[-1].after
    assert sp.Inverse(mvn.LAMBDA) in tidy.atoms(sp.Inverse)
    transposed = {t.arg for t in tidy.atoms(sp.Transpose)}
    assert sp.Inverse(mvn.LAMBDA) not in transposed
    assert not any(isinstance(m, mvn.Named) for m in transposed)


@pytest.mark.parametrize("entry", IDS)
def test_simulation_check_scripts_pass(derived, entry, tmp_path):
    path = tmp_path / f"check_{entry}.py"
    path.write_text(check_script(derived[entry]))
    outcome = run_check(path)
    assert outcome.passed, outcome.line
    assert outcome.line.startswith(f"check_{entry}: ok")
    assert "largest Hessian eigenvalue -" in outcome.line


def test_dividing_by_n_minus_one_is_not_the_mle(derived):
    cov = derived["mle-mvn-covariance"]
    gradient = _section(cov, "The gradient in Lambda").steps[-1].after
    scatter = next(n for n in gradient.atoms(mvn.Named) if n.name == "S")
    unbiased = sp.MatMul(mvn.SIZE - 1, sp.Inverse(scatter))
    wrong = Step(gradient.xreplace({mvn.LAMBDA: unbiased}), sp.ZeroMatrix(mvn.DIM, mvn.DIM),
                 "solve")
    with pytest.raises(VerificationError, match="refuted"):
        verify_step(wrong, cov.assumptions)
    claimed = Step(sp.Inverse(sp.MatMul(mvn.SIZE, sp.Inverse(scatter))),
                   sp.MatMul(1 / (mvn.SIZE - 1), scatter), "inverse of a product")
    with pytest.raises(VerificationError, match="refuted"):
        verify_step(claimed, cov.assumptions)


@pytest.mark.parametrize("title", ["The gradient in mu", "The gradient in Lambda"])
def test_a_dropped_transpose_is_refuted_without_the_symmetry_assumption(derived, title):
    cov = derived["mle-mvn-covariance"]
    step = next(s for s in _section(cov, title).steps if s.rule == "symmetric")
    verify_step(step, cov.assumptions)  # holds for symmetric Sigma and Lambda
    general = replace(cov.assumptions, symmetric=frozenset(), definite=frozenset())
    with pytest.raises(VerificationError, match="refuted"):
        verify_step(step, general)


def test_covariance_worksheet_pdf_reads_back(derived, tmp_path):
    from derive.pipeline import compile_pdf

    tex, _ = pipeline.render(derived["mle-mvn-covariance"])
    pdf = tmp_path / "mle-mvn-covariance.pdf"
    compile_pdf(tex, pdf)
    text = pdf_text(pdf)
    for words in ("The log-likelihood of the sample, in matrix form", "In the precision",
                  "Setting the gradient to zero", "Back to the covariance", "stack the sample",
                  "symmetric", "scatter matrix", "check_mle-mvn-covariance.py"):
        assert words in text
    assert "could not be shown" not in text


def test_size_order_and_symmetry_are_stated_assumptions():
    stated = parse_assumptions(["N > d", "Sigma symmetric positive definite", "sigma > 0"])
    assert stated.size_order == (("N", "d"),)
    assert stated.symmetric == frozenset({"Sigma"})
    assert stated.positive == frozenset({"sigma"})
    n, d, k = (sp.Symbol(s, integer=True, positive=True) for s in "Ndk")
    for seed in range(40):
        sizes = _concrete_sizes({n, d, k}, random.Random(seed), (("N", "d"), ("d", "k")))
        assert sizes[n] > sizes[d] > sizes[k]
        assert len(set(sizes.values())) == 3


def test_regression_with_d_features_needs_more_rows_than_columns():
    derivation = derive_unverified(catalogue.get("mle-linear-regression"))
    shapes = derivation.details.shapes
    assert shapes["X"] == ["N", "d"] and shapes["w"] == ["d", "1"]
    solve = next(s for s in derivation.steps if s.rule == "solve")
    verify_step(solve, derivation.assumptions)  # N > d stated: X^T X invertible
    # unstated, the sizes are still drawn so that X^T X is invertible (never "refuted")
    unordered = replace(derivation.assumptions, size_order=())
    assert verify_step(solve, unordered).verified == "numeric"
