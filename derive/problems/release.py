"""One version from variants to files, and many versions in parallel processes.

A version is released only whole: every problem derived, verified and
checked, both sheets compiled. A version that fails is reported with its
reason; the other versions are kept.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from derive.errors import DeriveError
from derive.pdf import compile_pdf, write_text_atomically
from derive.problems.draw import Variant
from derive.problems.roster import Student


@dataclass(frozen=True)
class VersionJob:
    """Everything one worker needs to build one version."""

    version: int
    versions: int
    seed: int
    student: Student | None
    variants: tuple[Variant, ...]
    out: Path
    to: str = "pdf"
    templates: Path | None = None


@dataclass(frozen=True)
class VersionOutcome:
    """What building one version produced: its manifest record, or why it failed."""

    version: int
    record: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def sheet_names(version: int, to: str) -> dict[str, list[str]]:
    suffixes = [".tex", ".pdf"] if to == "pdf" else [".tex"]
    return {sheet: [f"{sheet}-{version}{s}" for s in suffixes] for sheet in ("problems", "answers")}


def release_problems(job: VersionJob) -> tuple:
    """Every problem of a version derived, verified and checked; a failing one is redrawn.

    Redraws are bounded (``MAX_REDRAWS`` per problem); past them the version fails.
    """
    from derive.problems.draw import MAX_REDRAWS, redraw
    from derive.problems.families import family
    from derive.problems.solve import ProblemError, derive_variant, run_checks

    variants = list(job.variants)
    solved: list[Any] = [None] * len(variants)
    attempts = [0] * len(variants)
    pending = list(range(len(variants)))
    while pending:
        failures: dict[int, str] = {}
        derived = {}
        for i in pending:
            try:
                derived[i] = derive_variant(variants[i])
            except DeriveError as exc:
                failures[i] = str(exc)
        if derived:
            checked = run_checks(list(derived.values()), job.templates)
            for i, item in zip(derived, checked, strict=True):
                if isinstance(item, ProblemError):
                    failures[i] = str(item)
                else:
                    solved[i] = item
        for i, reason in failures.items():
            attempts[i] += 1
            if attempts[i] > MAX_REDRAWS:
                raise ProblemError(f"{reason} (and {MAX_REDRAWS} redraws failed too)")
            taken = {v.key for j, v in enumerate(variants) if j != i}
            variants[i] = redraw(family(variants[i].family), variants[i], job.seed, job.version,
                                 i + 1, attempts[i], taken, reason)
        pending = sorted(failures)
    return tuple(solved)


def build_version(job: VersionJob) -> VersionOutcome:
    """Derive, verify and check every problem, then write and compile both sheets."""
    from derive.problems.manifest import version_record
    from derive.problems.sheets import answers_tex, problems_tex
    from derive.problems.solution import solution_prose

    try:
        solved = release_problems(job)
        name = job.student.name if job.student else None
        header = (job.version, job.versions, name, job.seed, job.templates)
        sheets = {"problems": problems_tex(solved, *header),
                  "answers": answers_tex(solved, *header)}
        for sheet, tex in sheets.items():
            if job.to == "pdf":
                compile_pdf(tex, job.out / f"{sheet}-{job.version}.pdf")
            write_text_atomically(job.out / f"{sheet}-{job.version}.tex", tex)
        record = version_record(job.version, job.student, solved,
                                [solution_prose(s.derivation, s.lines) for s in solved],
                                sheet_names(job.version, job.to))
        return VersionOutcome(job.version, record)
    except DeriveError as exc:
        return VersionOutcome(job.version, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - one broken version must not lose the others
        return VersionOutcome(job.version, error=f"internal error ({type(exc).__name__}: {exc})")


Report = Callable[[VersionOutcome], None]


def build_versions(jobs: Iterable[VersionJob], workers: int | None = None,
                   progress: Report | None = None) -> list[VersionOutcome]:
    """Build versions in parallel processes as they arrive (drawing overlaps building)."""
    from derive.pipeline import warm_up
    from derive.problems.solve import shared_derivations

    warm_up()
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        outcomes = []
        with shared_derivations():
            for job in jobs:
                outcomes.append(build_version(job))
                if progress:
                    progress(outcomes[-1])
        return outcomes
    from derive.workers import worker_pool

    with shared_derivations(), worker_pool(workers) as submit:
        futures = list(_submit_all(submit, jobs, progress))
        outcomes = [f.result() for f in futures]
    return sorted(outcomes, key=lambda o: o.version)


def _report(future: Future, progress: Report) -> None:
    # A worker stopped by an interrupt has no outcome to report (and no traceback to print).
    if not future.cancelled() and future.exception() is None:
        progress(future.result())


def _submit_all(submit: Callable[..., Future], jobs: Iterable[VersionJob],
                progress: Callable[[VersionOutcome], None] | None) -> Iterator[Future]:
    for job in jobs:
        future = submit(build_version, job)
        if progress:
            future.add_done_callback(lambda f: _report(f, progress))
        yield future
