"""The catalogue's kinds: one package each, ``derive/kinds/<kind>/``.

``KINDS`` is the only table of kinds (name -> package). A kind's package holds
``fields.py`` (its spec fields, ``FIELDS = KindFields(...)``, no sympy) and
``kind.py`` (how it is derived, checked and written as JSON, ending in ``KIND =
Kind(...)``), besides any helpers of its own and its templates under
``templates/``. Both are imported when first needed, so reading a spec,
``derive --help`` and a cached rebuild never import sympy.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from derive.catalogue.fields import KindFields
    from derive.catalogue.spec import Spec
    from derive.kinds.base import Kind
    from derive.model import Derivation

#: kind name -> the package that holds its fields.py and kind.py.
KINDS: dict[str, str] = {
    "gradient": "derive.kinds.gradient",
    "backprop": "derive.kinds.backprop",
    "mle": "derive.kinds.mle",
    "bayes": "derive.kinds.bayes",
    "integral": "derive.kinds.integral",
    "kl-gaussian": "derive.kinds.kl",
    "descent": "derive.kinds.descent",
    "vanishing": "derive.kinds.vanishing",
    "moments": "derive.kinds.moments",
    "expectation": "derive.kinds.expectation",
    "sampling": "derive.kinds.sampling",
    "inference": "derive.kinds.inference",
    "linalg": "derive.kinds.linalg",
}


def kind(name: str) -> Kind:
    """The record of a kind (its kind.py is imported now, and sympy with it)."""
    return import_module(KINDS[name] + ".kind").KIND


def fields(name: str) -> KindFields:
    """A kind's own spec fields (its fields.py, which imports no sympy)."""
    return import_module(KINDS[name] + ".fields").FIELDS


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
