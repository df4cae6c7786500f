"""Drawing the variants of a problem set: one seeded generator per version, rejection of bad draws.

A draw is rejected when it is degenerate (the family's screen: a zero or
undefined answer), when it repeats another problem of the same version, or
when the whole version repeats an earlier one. Draws that repeat the same
problem of an earlier version are avoided while fresh ones can be found.
The number of draws is bounded; past it the error names the problem.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from derive.catalogue.spec import Spec
from derive.errors import InputError
from derive.problems.families import Family

MAX_DRAWS = 200  # per problem of a version, and per version
MAX_REDRAWS = 5  # per problem of a version, after its derivation or check script failed
FRESH_DRAWS = 40  # of those, how many may be spent avoiding another version's problem


@dataclass(frozen=True)
class Variant:
    """One drawn problem: its family, the random choices, the entry the engines derive."""

    family: str
    choices: dict[str, Any]
    spec: Spec
    key: str
    rejected: tuple[str, ...] = ()  # why earlier draws for this problem were thrown away


@dataclass
class Screen:
    """Screen verdicts by key, so a repeated draw is judged once."""

    verdicts: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def reason(self, family: Family, choices: dict[str, Any]) -> str | None:
        key = (family.name, repr(sorted(choices.items())))
        if key not in self.verdicts:
            self.verdicts[key] = family.screen(choices)
        return self.verdicts[key]


def version_rng(seed: int, version: int) -> random.Random:
    """The generator of one version: depends on the seed and the version number only."""
    return random.Random(f"derive-problems/{seed}/{version}")


def problem_id(version: int, number: int) -> str:
    return f"v{version}-p{number}"


def draw_problem(family: Family, rng: random.Random, ident: str, taken: set[str],
                  earlier: set[str], screen: Screen) -> Variant:
    rejected: list[str] = []
    for attempt in range(MAX_DRAWS):
        choices = family.draw(rng)
        key = family.key(choices)
        if key in taken:
            rejected.append("equal to another problem of this version")
            continue
        if key in earlier and attempt < FRESH_DRAWS:
            rejected.append("equal to the same problem of an earlier version")
            continue
        reason = screen.reason(family, choices)
        if reason:
            rejected.append(reason)
            continue
        return Variant(family.name, choices, family.spec(choices, ident), key, tuple(rejected))
    last = rejected[-1] if rejected else "none"
    raise InputError(f"problem {ident} ({family.name}): no acceptable variant in "
                     f"{MAX_DRAWS} draws (last rejection: {last})")


def draw_versions(plan: Sequence[Family], seed: int, versions: int) -> Iterator[list[Variant]]:
    """The variants of each version in turn; they depend on the seed and the plan only.

    A generator, so that the caller can start building version 1 while 2 is drawn.
    """
    screen = Screen()
    earlier: list[set[str]] = [set() for _ in plan]
    seen_versions: set[tuple[str, ...]] = set()
    for version in range(1, versions + 1):
        rng = version_rng(seed, version)
        for _ in range(MAX_DRAWS):
            taken: set[str] = set()
            variants = []
            for number, family in enumerate(plan, start=1):
                variant = draw_problem(family, rng, problem_id(version, number), taken,
                                        earlier[number - 1], screen)
                taken.add(variant.key)
                variants.append(variant)
            signature = tuple(v.key for v in variants)
            if signature not in seen_versions:
                break
        else:
            raise InputError(f"version {version}: every draw repeated an earlier version; "
                             "ask for fewer versions or more problems")
        seen_versions.add(signature)
        for slot, variant in zip(earlier, variants, strict=True):
            slot.add(variant.key)
        yield variants


def redraw(family: Family, variant: Variant, seed: int, version: int, number: int, attempt: int,
           taken: set[str], reason: str) -> Variant:
    """A fresh variant for a problem whose derivation or check failed (``reason``).

    Its generator depends on the seed, the version, the problem and the attempt only, so a
    rebuild redraws the same way whatever the order in which versions were built.
    """
    rng = random.Random(f"derive-problems/{seed}/{version}/{number}/redraw-{attempt}")
    fresh = draw_problem(family, rng, variant.spec.id, taken | {variant.key}, set(), Screen())
    return replace(fresh, rejected=(*variant.rejected, reason, *fresh.rejected))
