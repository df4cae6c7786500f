"""Which engine derives which kind of entry: a table, imported lazily."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from derive.catalogue.spec import Spec
    from derive.model import Derivation

#: kind -> "module:function" taking a Spec and returning an unverified Derivation.
DERIVERS: dict[str, str] = {
    "gradient": "derive.engine.gradient:derive_gradient",
    "backprop": "derive.engine.backprop:derive_backprop",
    "mle": "derive.engine.likelihood:derive_mle",
    "bayes": "derive.engine.bayes:derive_bayes",
    "integral": "derive.engine.integration:derive_integral",
    "kl-gaussian": "derive.engine.kl:derive_kl_gaussian",
    "descent": "derive.engine.optimization:derive_descent",
    "vanishing": "derive.engine.vanishing:derive_vanishing",
    "moments": "derive.engine.probability:derive_moments",
    "expectation": "derive.engine.probability:derive_identity",
    "sampling": "derive.engine.inference:derive_sampling",
    "inference": "derive.engine.inference:derive_inference",
    "linalg": "derive.engine.linalg:derive_linalg",
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
