"""Each catalogue entry derived and verified once per test process, for the tests that read
its sheet, listing, text or plot: a Derivation is immutable, so they may share it."""

from __future__ import annotations

from functools import cache

from derive import catalogue, pipeline
from derive.model import Derivation


@cache
def derived(entry: str) -> Derivation:
    """The verified derivation of the catalogue entry ``entry``."""
    return pipeline.derive(catalogue.get(entry))
