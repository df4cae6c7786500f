"""Every matrix catalogue entry derives, verifies, renders, and its check script passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive import catalogue, pipeline
from tests.conftest import pdf_text

IDS = [s.id for s in catalogue.entries() if s.get("shapes")]
PDF_IDS = {"layer-linear", "mc-trace-xtbx"}


@pytest.mark.parametrize("entry_id", IDS, ids=IDS)
def test_entry_builds_and_checks(entry_id: str, tmp_path: Path) -> None:
    to = "pdf" if entry_id in PDF_IDS else "tex"
    outcome = pipeline.build(catalogue.get(entry_id), tmp_path, to=to, use_cache=False)
    assert outcome.error is None, outcome.error
    assert outcome.passed is True, outcome.check_line
    assert "ok" in outcome.check_line
    if to == "pdf":
        text = pdf_text(outcome.pdf)
        assert "Differential with respect to" in text


def test_linear_layer_reads_like_a_textbook() -> None:
    from derive.printing import latex

    derivation = pipeline.derive(catalogue.get("layer-linear"))
    shown = {r.name: latex(r.expr) for r in derivation.results}
    assert shown == {"W": r"\delta x^{\top}", "x": r"W^{\top} \delta", "b": r"\delta"}
