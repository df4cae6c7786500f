"""The data flow of DESIGN.md in one place: spec -> derivation -> verified -> files.

    derive   engine for the spec's kind, every step proved (derive.verify)
    render   worksheet .tex from the templates, check_<id>.py from the NumPy printer
    compile  latexmk -> .pdf; run the check script

sympy is imported only when something must be derived: a cached rebuild
reads specs and hashes files, nothing more.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from derive import __version__
from derive.catalogue.spec import Spec
from derive.errors import DeriveError
from derive.pdf import compile_pdf, write_text_atomically

if TYPE_CHECKING:
    from derive.model import Derivation

CACHE_FOLDER = ".derive-cache"


@dataclass(frozen=True)
class BuildOutcome:
    """What building one entry produced."""

    id: str
    tex: Path | None = None
    pdf: Path | None = None
    check: Path | None = None
    check_line: str = ""
    passed: bool | None = None
    cached: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.passed is not False


def derive(spec: Spec) -> Derivation:
    """The verified derivation of one entry."""
    from derive.derivers import derive_unverified
    from derive.verify import verify_derivation

    return verify_derivation(derive_unverified(spec))


def render(derivation: Derivation, templates: Path | None = None) -> tuple[str, str]:
    """The worksheet's LaTeX and the check script's Python source."""
    from derive.checkcode import check_script
    from derive.render import Trusted, render_tex
    from derive.worksheet import worksheet_context

    code = check_script(derivation, templates)
    name = f"check_{derivation.id}.py"
    context = worksheet_context(derivation, Trusted(code), name)
    return render_tex([f"{derivation.kind}.tex.j2", "worksheet.tex.j2"], context, templates), code


def cache_key(spec: Spec, to: str, templates: Path | None) -> str:
    """Content hash of everything an entry's files depend on."""
    from derive.render import builtin_templates

    digest = hashlib.sha256()
    digest.update(json.dumps([__version__, to, spec.definition()], sort_keys=True).encode())
    for folder in [builtin_templates(), *([templates] if templates else [])]:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _outputs(spec: Spec, out: Path, to: str) -> tuple[Path, Path | None, Path]:
    return (
        out / f"{spec.id}.tex",
        out / f"{spec.id}.pdf" if to == "pdf" else None,
        out / f"check_{spec.id}.py",
    )


def build(spec: Spec, out: Path, to: str = "pdf", templates: Path | None = None,
          use_cache: bool = True) -> BuildOutcome:
    """Build one entry's .tex, .pdf and check script; failures come back as an outcome."""
    tex_path, pdf_path, check_path = _outputs(spec, out, to)
    marker = out / CACHE_FOLDER / f"{spec.id}.json"
    try:
        key = cache_key(spec, to, templates)
        if use_cache and marker.exists():
            saved = json.loads(marker.read_text())
            present = all(p.exists() for p in (tex_path, pdf_path, check_path) if p)
            if saved.get("key") == key and present:
                return BuildOutcome(spec.id, tex_path, pdf_path, check_path,
                                    saved.get("check_line", ""), True, cached=True)
        derivation = derive(spec)
        tex, code = render(derivation, templates)
        write_text_atomically(check_path, code)
        from derive.checkcode import run_check

        outcome = run_check(check_path)
        write_text_atomically(tex_path, tex)
        if pdf_path is not None:
            compile_pdf(tex, pdf_path)
        if outcome.passed:
            write_text_atomically(marker, json.dumps({"key": key, "check_line": outcome.line}))
        return BuildOutcome(spec.id, tex_path, pdf_path, check_path, outcome.line, outcome.passed)
    except DeriveError as exc:
        return BuildOutcome(spec.id, error=str(exc))


def _build_packed(args: tuple[Spec, Path, str, Path | None, bool]) -> BuildOutcome:
    return build(*args)


def build_all(specs: Sequence[Spec], out: Path, to: str = "pdf", jobs: int | None = None,
              templates: Path | None = None, use_cache: bool = True,
              progress: Callable[[BuildOutcome], None] | None = None) -> list[BuildOutcome]:
    """Build many entries, in parallel processes; one failure does not stop the others."""
    out.mkdir(parents=True, exist_ok=True)
    jobs = jobs or os.cpu_count() or 1
    work = [(spec, out, to, templates, use_cache) for spec in specs]
    outcomes: list[BuildOutcome] = []
    if jobs == 1 or len(work) == 1:
        results: Iterable[BuildOutcome] = map(_build_packed, work)
        for outcome in results:
            outcomes.append(outcome)
            if progress:
                progress(outcome)
        return outcomes
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=context) as pool:
        for outcome in pool.map(_build_packed, work):
            outcomes.append(outcome)
            if progress:
                progress(outcome)
    return outcomes
