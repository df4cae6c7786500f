"""The catalogue's kinds: one module (or small package) each, ending in ``KIND = Kind(...)``.

``KINDS`` is the only table of kinds. A kind's module is imported when the kind
is first needed, so ``derive --help`` and a cached rebuild never import sympy.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derive.catalogue.spec import Spec
    from derive.kinds.base import Kind
    from derive.model import Derivation

#: kind name -> the module that defines its KIND.
KINDS: dict[str, str] = {
    "gradient": "derive.kinds.gradient",
    "backprop": "derive.kinds.backprop",
    "mle": "derive.kinds.mle",
    "bayes": "derive.kinds.bayes",
    "integral": "derive.kinds.integral",
    "kl-gaussian": "derive.kinds.kl",
    "kl-categorical": "derive.kinds.klcategorical",
    "descent": "derive.kinds.descent",
    "vanishing": "derive.kinds.vanishing",
    "moments": "derive.kinds.moments",
    "expectation": "derive.kinds.expectation",
    "sampling": "derive.kinds.sampling",
    "inference": "derive.kinds.inference",
    "linalg": "derive.kinds.linalg",
}


def kind(name: str) -> Kind:
    """The record of a kind (its module is imported now)."""
    return import_module(KINDS[name]).KIND


def import_all() -> None:
    """Import every kind now (before a pool of workers forks, say)."""
    for name in KINDS:
        kind(name)


def derive_unverified(spec: Spec) -> Derivation:
    """The derivation of an entry by its kind, not yet verified."""
    if spec.kind not in KINDS:
        raise spec.error("kind", f"unknown kind (known: {', '.join(sorted(KINDS))})")
    return kind(spec.kind).derive(spec)


def check_script(derivation: Derivation, templates: Path | None = None,
                 layout: bool = True) -> str:
    """The source of ``check_<id>.py`` for a derivation (``layout``: as black lays it out)."""
    from derive.checkcode import render_check

    return render_check(derivation, kind(derivation.kind).check(derivation), templates, layout)


def derivation_json(derivation: Derivation, check: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contract's JSON for a derivation of any kind."""
    return kind(derivation.kind).json(derivation, check or {"script": None, "passed": None})
