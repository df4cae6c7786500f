"""Probability and statistics kinds: the expectation model refutes wrong steps; entries build."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from derive import catalogue, pipeline
from derive.engine.probability.expectation import Cov, E, RandomVariable, SampleMean, Var, sample
from derive.kinds.expectation.kind import linearity
from derive.model import Assumptions
from derive.verify import compare

from .conftest import pdf_text

X, Y = RandomVariable("X"), RandomVariable("Y")
a, b = sp.symbols("a b", real=True)
KINDS = ("moments", "expectation", "sampling", "inference")
IDS = [s.id for s in catalogue.entries() if s.kind in KINDS]


@pytest.mark.parametrize("before,after,equal", [
    (E(a * X + b * Y), a * E(X) + b * E(Y), True),
    (Var(X), E(X**2) - E(X) ** 2, True),
    (Var(X + Y), Var(X) + Var(Y) + 2 * Cov(X, Y), True),
    (Var(X + Y), Var(X) + Var(Y), False),          # needs independence
    (E(X * Y), E(X) * E(Y), False),                 # needs independence
    (Var(a * X), a * Var(X), False),                # the square is missing
])
def test_expectation_model_proves_and_refutes(before, after, equal):
    assert compare(before, after, Assumptions()).equal is equal


def test_linearity_move_splits_and_pulls_constants():
    assert linearity(E(a * X + b * Y + 3)) == a * E(X) + b * E(Y) + 3


def test_sample_mean_square_is_not_the_mean_squared():
    item = sample("X")
    n, i = sp.Symbol("N", integer=True, positive=True), sp.Symbol("i", integer=True, positive=True)
    xbar = SampleMean(item(i), i, n)
    assert compare(E(xbar), E(X), Assumptions()).equal is True
    assert compare(E(xbar**2), E(X) ** 2, Assumptions()).equal is False


@pytest.mark.parametrize("entry_id", IDS)
def test_entry_derives_verifies_and_checks(entry_id, tmp_path: Path):
    outcome = pipeline.build(catalogue.get(entry_id), tmp_path, to="tex", use_cache=False)
    assert outcome.ok and outcome.passed, outcome


def test_standardisation_pdf_reads_back(tmp_path: Path):
    outcome = pipeline.build(catalogue.get("standardisation"), tmp_path, use_cache=False)
    assert outcome.ok, outcome
    text = pdf_text(tmp_path / "standardisation.pdf")
    assert "Why we normalise data" in text and "linearity of expectation" in text
