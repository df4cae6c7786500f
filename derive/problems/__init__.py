"""Randomized problem sets: one version per student, answer keys, every variant checked first.

    plan      the families of the N problems (derive.problems.families, a table)
    draw      one seeded generator per version; degenerate and repeated draws rejected
    release   per version, in parallel: derive + verify + check each problem, write and
              compile problems-<k> and answers-<k>
    record    manifest.json (and moodle.xml, qti.zip) from what was released

Around it: roster (students from an LMS export, read through table), tolerance (one
rule for every export), quiz (the records as LMS items), moodle and qti (the exports),
grading and gradesheet (derive grade), stress (derive problems --stress).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from derive.errors import InputError
from derive.files import sweep_stale
from derive.problems.roster import Student

MAX_VERSIONS = 5000
MAX_COUNT = 40


@dataclass(frozen=True)
class ProblemSetOutcome:
    """What a problem-set build produced."""

    out: Path
    versions: int
    count: int
    manifest: Path
    moodle: Path | None
    qti: Path | None
    failed: tuple[tuple[int, str], ...]

    @property
    def ok(self) -> bool:
        return not self.failed


def _students(versions: int | None, roster: Path | None) -> tuple[int, Sequence[Student | None]]:
    from derive.problems.roster import read_students

    if roster is None:
        count = 1 if versions is None else versions
        return count, [None] * count
    students = read_students(roster)
    if versions is not None and versions != len(students):
        raise InputError(f"--versions {versions}: the roster names {len(students)} students")
    return len(students), students


def build_problem_set(count: int, seed: int, versions: int | None = None, topic: str | None = None,
                      out: Path = Path("output"), jobs: int | None = None,
                      roster: Path | None = None, moodle: bool = False, qti: bool = False,
                      templates: Path | None = None, to: str = "pdf",
                      progress: Callable[[object], None] | None = None) -> ProblemSetOutcome:
    """Draw, check and write ``versions`` versions of a ``count``-problem set into ``out``."""
    from derive.problems.draw import draw_versions
    from derive.problems.families import plan as family_plan
    from derive.problems.manifest import manifest, write_manifest
    from derive.problems.release import VersionJob, build_versions

    if not 1 <= count <= MAX_COUNT:
        raise InputError(f"--count {count}: expected 1 to {MAX_COUNT} problems")
    total, students = _students(versions, roster)
    if templates is not None:
        from derive.render import template_files

        template_files(templates)  # every file a template's, before any work
    if not 1 <= total <= MAX_VERSIONS:
        raise InputError(f"--versions {total}: expected 1 to {MAX_VERSIONS} versions")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sweep_stale(out)  # what a killed run (SIGKILL, power cut) left
    plan = family_plan(count, topic)

    def jobs_in_order() -> Iterator[VersionJob]:
        for k, variants in enumerate(draw_versions(plan, seed, total), start=1):
            yield VersionJob(k, total, seed, students[k - 1], tuple(variants), out, to, templates)

    outcomes = build_versions(jobs_in_order(), jobs, progress)
    records = [o.record for o in outcomes if o.ok]
    failed = tuple((o.version, o.error or "") for o in outcomes if not o.ok)
    options = {"count": count, "versions": total, "topic": topic,
               "roster": [s.name for s in students if s] if roster is not None else None,
               "to": to}
    data = manifest(seed, options, [f.name for f in plan], records,
                    [{"version": v, "error": e} for v, e in failed])
    manifest_path = write_manifest(out / "manifest.json", data)
    moodle_path = None
    if moodle:
        from derive.problems.moodle import write_moodle

        moodle_path = write_moodle(out / "moodle.xml", seed, records, templates)
    qti_path = None
    if qti:
        from derive.problems.qti import write_qti

        qti_path = write_qti(out / "qti.zip", seed, records, templates)
    return ProblemSetOutcome(out, total, count, manifest_path, moodle_path, qti_path, failed)


__all__ = ["ProblemSetOutcome", "build_problem_set"]
