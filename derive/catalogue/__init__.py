"""The built-in catalogue: one TOML file per family in this folder, in the user spec format."""

from __future__ import annotations

import difflib
from functools import cache
from pathlib import Path

from derive.catalogue.read import load_specs
from derive.catalogue.spec import Spec
from derive.errors import InputError
from derive.names import plain_text

FOLDER = Path(__file__).parent


@cache
def entries() -> tuple[Spec, ...]:
    """Every built-in entry, families in file-name order."""
    specs: list[Spec] = []
    for path in sorted(FOLDER.glob("*.toml")):
        specs.extend(load_specs(path))
    ids = [s.id for s in specs]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"catalogue: duplicate ids {', '.join(duplicates)}")
    return tuple(specs)


def get(entry_id: str) -> Spec:
    """The built-in entry with this id."""
    for spec in entries():
        if spec.id == entry_id:
            return spec
    close = difflib.get_close_matches(entry_id, [s.id for s in entries()], n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    raise InputError(f"unknown entry {entry_id!r} ({hint}see 'derive list')")


def topics() -> tuple[str, ...]:
    return tuple(sorted({s.topic for s in entries()}))


def listing(specs: tuple[Spec, ...] | list[Spec]) -> dict[str, list[dict[str, str]]]:
    """The body of ``list --json``: each entry's id, title (its maths in the plain input
    syntax, without the backticks) and topic."""
    return {"entries": [{"id": s.id, "title": plain_text(s.title), "topic": s.topic}
                        for s in specs]}
