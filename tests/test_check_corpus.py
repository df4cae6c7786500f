"""The generated corpus: every catalogue derivation as a student file, clean and with one mistake.

Every clean copy passes (no false alarm) and every injected mistake is caught at
its line. The default run takes a spread of entries (scalar, matrix,
likelihood); the slow tier runs the rest of the catalogue (so that CI, running both,
derives each entry once). ``python -m tests.corpus`` prints the counts.
"""

from __future__ import annotations

import pytest

from derive import catalogue
from tests.corpus import KINDS, NOT_WRITABLE, Copy, copies, verdict

DEFAULT = (
    "sigmoid", "tanh", "softplus", "relu", "gelu", "silu", "mse-batch", "bce-logits",
    "sigmoid-squared-error", "squared-error-w", "mc-quadratic-form", "mc-trace-xtbx",
    "partial-derivatives", "gradient-2d", "least-squares", "layer-linear", "layer-sigmoid",
    "layer-tanh", "layer-relu", "layer-residual", "logsumexp", "mc-det", "mc-logdet",
    "mc-inverse-form", "mle-gaussian-mean", "mle-gaussian", "mle-bernoulli", "mle-poisson",
    "mle-exponential", "mle-geometric", "mle-gamma-known-shape",
    "softmax-cross-entropy", "softmax-ce-matrix", "softmax-jacobian", "huber",
)


def _entries() -> list[str]:
    return [s.id for s in catalogue.entries() if s.kind in KINDS and s.id not in NOT_WRITABLE]


def test_the_default_entries_are_catalogue_entries_the_corpus_can_write():
    assert set(DEFAULT) <= set(_entries())


def _failures(entry: str) -> list[str]:
    found: list[Copy] = list(copies((entry,)))
    return [f"{c.syntax} {c.mistake}: {outcome}" for c in found
            if (outcome := verdict(c)) not in ("clean passed", "caught")]


@pytest.mark.parametrize("entry", DEFAULT)
def test_corpus_default(entry):
    assert _failures(entry) == []


@pytest.mark.slow
@pytest.mark.parametrize("entry", [e for e in _entries() if e not in DEFAULT])
def test_corpus_rest_of_the_catalogue(entry):
    assert _failures(entry) == []
