"""Linear algebra kinds: engine steps table-driven, every catalogue entry built and checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp

from derive import catalogue, pipeline
from derive.errors import VerificationError
from derive.kinds.linalg.kind import determinant_steps
from derive.model import Assumptions, Step
from derive.verify import verify_step

from .conftest import pdf_text

IDS = [s.id for s in catalogue.entries() if s.kind == "linalg"]


@pytest.mark.parametrize("rows,det", [
    ([[3, 8], [4, 6]], -14),
    ([[2, -1, 0], [1, 3, 2], [0, 1, 4]], 24),
    ([[1, 2, 3], [4, 5, 6], [7, 8, 9]], 0),
])
def test_determinant_steps_end_at_the_determinant(rows, det):
    steps = determinant_steps(sp.ImmutableMatrix(rows))
    assert steps[-1].after == det
    for k, step in enumerate(steps, 1):
        assert verify_step(step, Assumptions(), "t", k).verified


def test_the_cofactor_expansion_shows_its_alternating_signs():
    from derive.printing import latex

    expansion, values, _ = determinant_steps(sp.ImmutableMatrix([[2, -1, 5], [1, 3, 2],
                                                                 [0, 1, 4]]))
    # plus, minus, plus: the sign apart from the entry, - (-1) det(..), not + 1 det(..)
    assert r"- \left(-1\right) \det" in latex(expansion.after)
    assert latex(values.after) == r"2 \cdot 10 - \left(-1\right) \cdot 4 + 5 \cdot 1"


def test_a_wrong_cofactor_sign_is_refuted():
    m = sp.ImmutableMatrix([[2, -1, 0], [1, 3, 2], [0, 1, 4]])
    wrong = sp.Add(*(sp.Mul(m[0, j], sp.Determinant(m.minor_submatrix(0, j)), evaluate=False)
                     for j in range(3)), evaluate=False)
    with pytest.raises(VerificationError):
        verify_step(Step(sp.Determinant(m), wrong, "cofactor expansion"), Assumptions(), "t", 1)


@pytest.mark.parametrize("entry_id", IDS)
def test_entry_derives_verifies_and_checks(entry_id, tmp_path: Path):
    outcome = pipeline.build(catalogue.get(entry_id), tmp_path, to="tex", use_cache=False)
    assert outcome.ok and outcome.passed, outcome


def test_eigen_pdf_reads_back(tmp_path: Path):
    outcome = pipeline.build(catalogue.get("eigen-2x2"), tmp_path, use_cache=False)
    assert outcome.ok, outcome
    text = pdf_text(tmp_path / "eigen-2x2.pdf")
    assert "Characteristic polynomial" in text and "null space" in text
