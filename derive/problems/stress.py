"""Stress test of the problem families (after R/exams' stress tester): many draws, no TeX.

Each family draws K variants from generators of their own (one per draw), and each
is derived, verified and checked as a release would. Per family the report counts
failures (by reason), redraws (draws the screen threw away), duplicate variants,
the range of each answer with its number of distinct values and the share of the
most common one (answers that repeat or cluster show), and the time per variant.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from derive.errors import DeriveError

MAX_STRESS = 100_000
CHUNK = 25  # variants per task handed to a worker


@dataclass
class FamilyStress:
    """What K draws of one family gave."""

    family: str
    draws: int = 0
    failures: Counter = field(default_factory=Counter)
    redraws: int = 0
    keys: list[str] = field(default_factory=list)
    answers: dict[str, list[float]] = field(default_factory=dict)
    graded: Counter = field(default_factory=Counter)  # graded draws of each answer
    distractors: Counter = field(default_factory=Counter)  # ... that carry a typical mistake
    seconds: float = 0.0

    def merge(self, other: FamilyStress) -> None:
        self.draws += other.draws
        self.failures.update(other.failures)
        self.redraws += other.redraws
        self.keys.extend(other.keys)
        for name, values in other.answers.items():
            self.answers.setdefault(name, []).extend(values)
        self.graded.update(other.graded)
        self.distractors.update(other.distractors)
        self.seconds += other.seconds

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def duplicates(self) -> int:
        return len(self.keys) - len(set(self.keys))

    def json(self) -> dict:
        return {
            "family": self.family, "draws": self.draws, "failed": self.failed,
            "failures": dict(sorted(self.failures.items())), "redraws": self.redraws,
            "distinct": len(set(self.keys)), "duplicates": self.duplicates,
            "seconds_per_variant": self.seconds / max(self.draws, 1),
            "answers": {name: self.answer(name, values)
                        for name, values in sorted(self.answers.items())},
        }

    def answer(self, name: str, values: Sequence[float]) -> dict:
        """An answer's spread and, when graded, the share of draws with a distractor."""
        found = _spread(values)
        if self.graded[name]:
            found["with_distractor"] = self.distractors[name] / self.graded[name]
        return found


def _spread(values: Sequence[float]) -> dict:
    rounded = Counter(float(f"{v:.3g}") for v in values)
    common = rounded.most_common(1)[0][1] if rounded else 0
    return {"min": min(values), "max": max(values), "distinct": len(rounded),
            "most_common_share": common / len(values)}


def _reason(error: str) -> str:
    """A failure's reason without the problem's id, so equal reasons count together."""
    head = error.split(": ", 1)[1] if error.startswith("problem ") and ": " in error else error
    return head[:120]


def stress_chunk(name: str, start: int, stop: int) -> FamilyStress:
    """Draws ``start`` to ``stop`` of one family: drawn, derived, verified and checked."""
    from derive.problems.draw import Screen, draw_problem
    from derive.problems.families import family
    from derive.problems.manifest import numeric_value
    from derive.problems.solve import derive_variant, run_checks

    fam, screen, stats = family(name), Screen(), FamilyStress(name)
    began = time.perf_counter()
    derived = []
    for i in range(start, stop):
        rng = random.Random(f"derive-stress/{name}/{i}")
        stats.draws += 1
        try:
            variant = draw_problem(fam, rng, f"s{i}", set(), set(), screen)
            stats.redraws += len(variant.rejected)
            stats.keys.append(variant.key)
            derived.append(derive_variant(variant))
        except DeriveError as exc:
            stats.failures[_reason(str(exc))] += 1
    for item in run_checks(derived):
        if isinstance(item, DeriveError):
            stats.failures[_reason(str(item))] += 1
            continue
        group = fam.group(item.variant.choices)
        for answer in item.answers:
            value = numeric_value(answer)
            if value is not None:
                name = answer.name if group is None else f"{answer.name} ({group})"
                stats.answers.setdefault(name, []).append(value)
                if answer.tolerance is not None:
                    stats.graded[name] += 1
                    stats.distractors[name] += answer.mistake is not None
    stats.seconds = time.perf_counter() - began
    return stats


def stress(count: int, topic: str | None = None, jobs: int | None = None) -> list[FamilyStress]:
    """``count`` draws of every family (of the topic), in parallel worker processes."""
    from derive.errors import InputError
    from derive.problems.families import available, plan

    if not 1 <= count <= MAX_STRESS:
        raise InputError(f"--stress {count}: expected 1 to {MAX_STRESS} draws per family")
    names = [f.name for f in (available() if topic is None else plan(len(available()), topic))]
    names = list(dict.fromkeys(names))
    tasks = [(n, s, min(s + CHUNK, count)) for n in names for s in range(0, count, CHUNK)]
    results = {n: FamilyStress(n) for n in names}
    for part in _run(tasks, jobs or os.cpu_count() or 1):
        results[part.family].merge(part)
    return [results[n] for n in names]


def _run(tasks: list[tuple[str, int, int]], workers: int) -> list[FamilyStress]:
    from derive.pipeline import warm_up
    from derive.problems.solve import shared_derivations

    warm_up()
    if workers == 1:
        with shared_derivations():
            return [stress_chunk(*t) for t in tasks]
    from derive.workers import worker_pool

    # Ctrl-C stops every worker, as in a build
    with shared_derivations(), worker_pool(workers) as submit:
        futures = [submit(stress_chunk, *t) for t in tasks]
        return [f.result() for f in futures]


def report(results: Sequence[FamilyStress]) -> str:
    """The per-family table, then each family's answers and failures."""
    lines = [f"{'family':<22}{'draws':>7}{'failed':>8}{'redraws':>9}{'distinct':>10}"
             f"{'dupl.':>7}{'ms/variant':>12}"]
    for r in results:
        lines.append(f"{r.family:<22}{r.draws:>7}{r.failed:>8}{r.redraws:>9}"
                     f"{len(set(r.keys)):>10}{r.duplicates:>7}"
                     f"{1000 * r.seconds / max(r.draws, 1):>12.0f}")
    for r in results:
        lines.append(f"{r.family}:")
        for name, values in sorted(r.answers.items()):
            s = r.answer(name, values)
            share = s.get("with_distractor")
            lines.append(f"  {name}: {s['min']:.4g} .. {s['max']:.4g}; distinct to 3 s.f.: "
                         f"{s['distinct']}; the most common: {100 * s['most_common_share']:.0f}%"
                         + ("" if share is None else
                            f"; with a distractor: {100 * share:.0f}%"))
        for reason, n in r.failures.most_common():
            lines.append(f"  failed {n}x: {reason}")
    return "\n".join(lines)
