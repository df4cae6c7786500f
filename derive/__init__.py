"""derive: step-by-step, machine-verified derivations of deep-learning mathematics.

The layout is the data flow: ``parse`` reads what users type, ``kinds`` (one package per
catalogue kind) derives with the rules of ``engine`` (calculus, matrix, sample,
probability), ``verify`` proves every step, and the printers write each target
(``worksheet``/``render`` -> .tex, ``checkcode`` -> check scripts, ``textout``, ``jsonout``,
``html``); ``pipeline`` runs it, ``api`` and ``cli`` call it. The public API is imported
lazily so that ``derive --help`` never loads sympy.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "grad": "derive.api",
    "mle": "derive.api",
    "show": "derive.api",
    "build": "derive.api",
    "check": "derive.api",
    "Derivation": "derive.model",
    "Step": "derive.model",
    "DeriveError": "derive.errors",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
