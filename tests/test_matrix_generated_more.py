"""The second half of the slow tier of generated matrix losses (see test_matrix_generated)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_matrix_generated import run_many


@pytest.mark.slow
@pytest.mark.parametrize("seed", [4, 5])
def test_more_generated_losses(tmp_path: Path, seed: int) -> None:
    run_many(tmp_path, seed)
