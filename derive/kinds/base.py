"""The Kind record: how one catalogue kind is derived, checked and written as JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from derive.errors import DeriveError
from derive.jsonout import result_json
from derive.prose import NO_PROSE, Prose, tex

if TYPE_CHECKING:
    from derive.catalogue.fields import KindFields
    from derive.catalogue.spec import Spec
    from derive.model import Derivation

#: The observations' index range, as questions about a sample say it.
SAMPLE_RANGE = tex(r"$i = 1, \dots, N$", "i = 1, ..., N")

#: A check script's recipe: its template's name and the values the template needs.
CheckRecipe = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    """One kind of catalogue entry: its spec fields; derive a Spec, write its check script and
    its JSON."""

    name: str
    fields: KindFields  # its own spec fields (from its sympy-free fields.py)
    derive: Callable[[Spec], Derivation]  # the unverified derivation of an entry
    check: Callable[[Derivation], CheckRecipe]  # the check script's template and context
    json: Callable[[Derivation, dict[str, Any]], dict[str, Any]] = result_json


def parse_field(spec: Spec, name: str, **options: Any) -> Any:
    """Parse an entry's expression field (``spec.require(name)``) with the one safe parser.

    In a file the error names the file, the entry and the field; for a typed
    expression (source ``<input>``) it stays the parser's own line and column.
    """
    from derive.parse import parse_expression

    try:
        return parse_expression(spec.require(name), **options)
    except DeriveError as exc:
        if spec.source == "<input>":
            raise
        raise spec.error(name, str(exc)) from None


def derivation_of(spec: Spec, notes: tuple[Prose, ...] = (), **fields: Any) -> Derivation:
    """An entry's Derivation: kind, id and topic from the spec, its title and notes as prose
    (their `formulas` parsed over the derivation's matrix shapes), then ``notes``."""
    from derive.model import Derivation
    from derive.richtext import matrix_shapes, rich_prose

    derivation = Derivation(kind=spec.kind, title=NO_PROSE, id=spec.id, topic=spec.topic,
                            **fields)
    shapes = matrix_shapes(derivation) if "`" in spec.title + "".join(spec.notes) else None
    return replace(derivation, title=rich_prose(spec.title, shapes),
                   notes=(*(rich_prose(n, shapes) for n in spec.notes), *notes))
