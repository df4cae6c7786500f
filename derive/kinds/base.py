"""The Kind record: how one catalogue kind is derived, checked and written as JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from derive.jsonout import result_json

if TYPE_CHECKING:
    from derive.catalogue.spec import Spec
    from derive.model import Derivation

#: A check script's recipe: its template's name and the values the template needs.
CheckRecipe = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    """One kind of catalogue entry: derive a Spec, write its check script, write its JSON."""

    name: str
    derive: Callable[[Spec], Derivation]  # the unverified derivation of an entry
    check: Callable[[Derivation], CheckRecipe]  # the check script's template and context
    json: Callable[[Derivation, dict[str, Any]], dict[str, Any]] = result_json
