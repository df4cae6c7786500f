"""Every matrix catalogue entry derives, verifies, renders, and its check script passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from derive import catalogue, pipeline
from tests.conftest import pdf_text
from tests.derived import derived

IDS = [s.id for s in catalogue.entries() if s.get("shapes")]
PDF_IDS = {"layer-linear", "mc-trace-xtbx", "mlp-two-layer", "logistic-nll", "softmax-ce-matrix"}
#: words each PDF must show when read back
PDF_WORDS = {
    "mlp-two-layer": ("Forward pass", "Through", "delta recursion"),
    "logistic-nll": ("Hessian", "diag"),
    "softmax-ce-matrix": ("probability vector", "Simplify", "softmax"),
}


@pytest.mark.parametrize("entry_id", IDS, ids=IDS)
def test_entry_builds_and_checks(entry_id: str, tmp_path: Path) -> None:
    to = "pdf" if entry_id in PDF_IDS else "tex"
    outcome = pipeline.build(catalogue.get(entry_id), tmp_path, to=to, use_cache=False)
    assert outcome.error is None, outcome.error
    assert outcome.passed is True, outcome.check_line
    assert "ok" in outcome.check_line
    if to == "pdf":
        text = pdf_text(outcome.pdf)
        for word in PDF_WORDS.get(entry_id, ("Differential with respect to",)):
            assert word in text, word


def test_linear_layer_reads_like_a_textbook() -> None:
    from derive.printing import latex

    derivation = derived("layer-linear")
    shown = {r.name: latex(r.expr) for r in derivation.results}
    assert shown == {"W": r"\delta x^{\top}", "x": r"W^{\top} \delta", "b": r"\delta"}


def test_new_layer_entries_read_like_a_textbook() -> None:
    from derive.printing import latex

    def shown(entry_id: str) -> dict[str, str]:
        return {r.name: latex(r.expr) for r in derived(entry_id).results}

    assert shown("least-squares-hessian") == {
        "w": r"2 X^{\top} \left(X w - y\right)", "hessian w": r"2 X^{\top} X"}
    assert shown("logsumexp") == {"z": r"\operatorname{softmax}\left(z\right)"}
    assert shown("layer-relu") == {"Z": r"\Delta \odot \mathbb{I}\left[Z > 0\right]"}
    residual = shown("layer-residual")
    assert residual["x"].endswith(r"+ \delta")  # the identity path adds the upstream gradient
    assert residual["W2"] == r"\delta \tanh{\left(W_{1} x \right)}^{\top}"


def test_softmax_attention_and_normalisation_read_like_a_textbook() -> None:
    from derive.printing import latex

    def shown(entry_id: str) -> dict[str, str]:
        return {r.name: latex(r.expr) for r in derived(entry_id).results}

    assert shown("softmax-ce-matrix") == {"z": "p - y"}
    assert shown("softmax-jacobian") == {
        "z": r"\left(\operatorname{diag}\left(p\right) - p p^{\top}\right) g"}
    attention = shown("attention")
    assert attention["V"] == r"P^{\top} \Delta"
    assert attention["Q"] == r"\frac{\Delta_{S} K}{\sqrt{k}}"
    assert attention["K"] == r"\frac{\Delta_{S}^{\top} Q}{\sqrt{k}}"
    assert attention["Delta_P"] == r"\Delta V^{\top}"
    norm = shown("layer-norm")
    assert norm["beta"] == "g" and norm["gamma"] == r"g \odot s"
