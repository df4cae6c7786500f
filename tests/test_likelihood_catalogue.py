"""Every likelihood and Bayes entry derives, every step verified, and its check script passes."""

from __future__ import annotations

import pytest

from derive import catalogue, pipeline
from tests.conftest import pdf_text

ENTRIES = [e for e in catalogue.entries() if e.kind in ("mle", "bayes")]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.id for e in ENTRIES])
def test_entry_builds_and_its_check_passes(entry, tmp_path):
    outcome = pipeline.build(entry, tmp_path, to="tex", use_cache=False)
    assert outcome.error is None, outcome.error
    assert outcome.passed, outcome.check_line
    assert outcome.check_line.startswith(f"check_{entry.id}: ok")
    tex = outcome.tex.read_text()
    assert r"\rulenote" in tex
    if not entry.get("shapes"):  # a sample written with sums, except in the matrix form
        assert r"\sum_{i=1}^{N}" in tex


def test_catalogue_covers_the_classic_models():
    ids = {e.id for e in ENTRIES}
    for wanted in (
        "mle-gaussian-mean",
        "mle-gaussian-variance",
        "mle-gaussian",
        "mle-bernoulli",
        "mle-binomial",
        "mle-poisson",
        "mle-exponential",
        "mle-geometric",
        "mle-uniform",
        "mle-laplace-location",
        "mle-gamma-known-shape",
        "mle-logistic-regression",
        "bayes-beta-bernoulli",
        "bayes-gamma-poisson",
        "bayes-normal-normal",
        "bayes-map-ridge",
    ):
        assert wanted in ids


def test_uniform_worksheet_pdf_reads_back(tmp_path):
    outcome = pipeline.build(catalogue.get("mle-uniform"), tmp_path, use_cache=False)
    assert outcome.ok, outcome.error or outcome.check_line
    text = pdf_text(outcome.pdf)
    assert "The log-likelihood" in text
    assert "The score for" in text
    assert "maximum on the boundary" in text
    assert "max" in text and "check_mle-uniform.py" in text
