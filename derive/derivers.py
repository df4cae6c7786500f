"""Which engine derives which kind of entry: a table, imported lazily."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from derive.catalogue.spec import Spec
    from derive.model import Derivation

#: kind -> "module:function" taking a Spec and returning an unverified Derivation.
DERIVERS: dict[str, str] = {
    "gradient": "derive.kinds.gradient:derive_gradient",
    "backprop": "derive.kinds.backprop:derive_backprop",
    "mle": "derive.kinds.mle:derive_mle",
    "bayes": "derive.kinds.bayes:derive_bayes",
    "integral": "derive.kinds.integral:derive_integral",
    "kl-gaussian": "derive.kinds.kl:derive_kl_gaussian",
    "descent": "derive.kinds.descent:derive_descent",
    "vanishing": "derive.kinds.vanishing:derive_vanishing",
    "moments": "derive.kinds.expectation:derive_moments",
    "expectation": "derive.kinds.expectation:derive_identity",
    "sampling": "derive.kinds.inference:derive_sampling",
    "inference": "derive.kinds.inference:derive_inference",
    "linalg": "derive.kinds.linalg:derive_linalg",
}


def import_engines() -> None:
    """Import every engine now (before a pool of workers forks, say)."""
    for target in sorted(set(DERIVERS.values())):
        import_module(target.split(":")[0])


def derive_unverified(spec: Spec) -> Derivation:
    """Run the engine for the spec's kind."""
    target = DERIVERS.get(spec.kind)
    if target is None:
        raise spec.error("kind", f"unknown kind (known: {', '.join(sorted(DERIVERS))})")
    module, function = target.split(":")
    return getattr(import_module(module), function)(spec)
