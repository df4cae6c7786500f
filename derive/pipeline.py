"""The data flow of DESIGN.md in one place: spec -> derivation -> verified -> files.

    derive   engine for the spec's kind, every step proved (derive.verify)
    render   worksheet .tex from the templates, check_<id>.py from the NumPy printer
    compile  latexmk -> .pdf; run the check script

sympy is imported only when something must be derived: a cached rebuild
reads specs and hashes files, nothing more.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from derive import __version__
from derive.catalogue.spec import Spec
from derive.errors import DeriveError
from derive.files import (
    describe,
    digest,
    output_folder,
    private_prefix,
    replace_together,
    staging,
    sweep,
    sweep_stale,
    write_text_atomically,
)
from derive.pdf import compile_pdf

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
    html: Path | None = None
    exit_code: int = 1  # of the error: 2 for bad input (a spec field, a budget), 1 otherwise

    @property
    def ok(self) -> bool:
        return self.error is None and self.passed is not False


def derive(spec: Spec) -> Derivation:
    """The verified derivation of one entry."""
    from derive.kinds import derive_unverified
    from derive.verify import verify_derivation

    derivation = verify_derivation(derive_unverified(spec))
    if spec.plot:
        from dataclasses import replace

        derivation = replace(derivation, plot=spec.plot)
    return derivation


def render(derivation: Derivation, templates: Path | None = None) -> tuple[str, str]:
    """The worksheet's LaTeX and the check script's Python source."""
    from derive.kinds import check_script
    from derive.render import Trusted, render_tex
    from derive.worksheet import worksheet_context

    code = check_script(derivation, templates)
    name = f"check_{derivation.id}.py"
    context = worksheet_context(derivation, Trusted(code), name)
    return render_tex([f"{derivation.kind}.tex.j2", "worksheet.tex.j2"], context, templates), code


def templates_digest(templates: Path | None) -> str:
    """Hash of every template file that can take part in a build."""
    from derive.render import builtin_templates, template_files

    digest = hashlib.sha256()
    for folder in [builtin_templates(), *([templates] if templates else [])]:
        for path, text in template_files(folder, "--templates" if folder == templates else ""):
            digest.update(path.name.encode())
            digest.update(text.encode("utf-8"))
    return digest.hexdigest()


@functools.cache
def code_digest() -> str:
    """Hash of derive's own source (its modules and grammars): a sheet built by other code
    is rebuilt, even where the version number stayed (a checkout between releases)."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".lark", ".toml") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_key(spec: Spec, to: str, templates_hash: str) -> str:
    """Content hash of everything an entry's files depend on."""
    payload = [__version__, code_digest(), to, templates_hash, spec.definition()]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def cached_outcome(spec: Spec, out: Path, to: str, key: str) -> BuildOutcome | None:
    """The previous outcome when nothing the entry depends on has changed."""
    tex_path, pdf_path, check_path = _outputs(spec, out, to)
    marker = out / CACHE_FOLDER / f"{spec.id}.json"
    try:
        saved = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    files = [p for p in (tex_path, pdf_path, check_path) if p]
    if saved.get("key") != key or not _unchanged(files, saved.get("files", {})):
        return None
    if to == "html":
        return BuildOutcome(spec.id, check=check_path, check_line=saved.get("check_line", ""),
                            passed=True, cached=True, html=tex_path)
    return BuildOutcome(
        spec.id, tex_path, pdf_path, check_path, saved.get("check_line", ""),
        saved.get("passed", True), cached=True
    )


def _unchanged(files: list[Path], digests: dict[str, str]) -> bool:
    """Each file is the one the marker recorded (not replaced since, nor left half-built)."""
    try:
        return all(digests.get(p.name) == digest(p) for p in files)
    except OSError:
        return False


def _outputs(spec: Spec, out: Path, to: str) -> tuple[Path, Path | None, Path]:
    """The sheet (.tex, or .html for ``to="html"``), the PDF if any, and the check script."""
    return (
        out / f"{spec.id}.{'html' if to == 'html' else 'tex'}",
        out / f"{spec.id}.pdf" if to == "pdf" else None,
        out / f"check_{spec.id}.py",
    )


def build(
    spec: Spec,
    out: Path,
    to: str = "pdf",
    templates: Path | None = None,
    use_cache: bool = True,
    key: str | None = None,
) -> BuildOutcome:
    """Build one entry's check script, .tex and .pdf (or .html); failures come back as an
    outcome."""
    try:
        key = key or cache_key(spec, to, templates_digest(templates))
        if use_cache and (hit := cached_outcome(spec, out, to, key)):
            return hit
        from derive.bounded import cpu_budget

        with cpu_budget(what=f"entry '{spec.id}'"):
            return publish(derive(spec), spec, out, to, templates, key)
    except DeriveError as exc:
        return BuildOutcome(spec.id, error=_placed(spec, str(exc)), exit_code=exc.exit_code)
    except OSError as exc:  # a full disk, a folder made read-only meanwhile
        return BuildOutcome(spec.id, error=f"cannot write the output: {describe(exc)}")
    except Exception as exc:  # a bug in one entry must not stop the others
        if os.environ.get("DERIVE_DEBUG"):
            raise
        return BuildOutcome(spec.id, error=f"internal error ({type(exc).__name__}: {exc})")


def _placed(spec: Spec, message: str) -> str:
    """An entry's error naming its file and entry (engines may name only the option)."""
    if spec.source == "<input>" or message.startswith(f"{spec.source}: "):
        return message
    return f"{spec.source}: entry '{spec.id}': {message}"


def publish(derivation: Derivation, spec: Spec, out: Path, to: str, templates: Path | None,
            key: str) -> BuildOutcome:
    """Write a verified derivation's files: its check script runs first, and only if it
    passes are the sheet, PDF and script replaced together, the cache marker last."""
    sheet_path, pdf_path, check_path = _outputs(spec, out, to)
    files = [p for p in (check_path, pdf_path, sheet_path) if p]
    marker = out / CACHE_FOLDER / f"{spec.id}.json"
    if to == "html":
        from derive.html.worksheet import html_sheet
        from derive.kinds import check_script

        code = check_script(derivation, templates)
        sheet = html_sheet(derivation, code, check_path.name, templates)
    else:
        sheet, code = render(derivation, templates)
    from derive.checkrun import run_check

    output_folder(out)
    with staging(out) as staged:
        (staged / check_path.name).write_text(code, encoding="utf-8")
        check = run_check(staged / check_path.name)
        if check.passed is False:
            # The worksheet would claim a check that fails: keep the previous files.
            failed = out / CACHE_FOLDER / "failed" / check_path.name
            write_text_atomically(failed, code)
            return BuildOutcome(spec.id, check=failed, check_line=check.line, passed=False)
        if pdf_path is not None:
            compile_pdf(sheet, staged / pdf_path.name)
        (staged / sheet_path.name).write_text(sheet, encoding="utf-8")
        marker.unlink(missing_ok=True)
        replace_together(staged, files)
    saved = {"key": key, "check_line": check.line, "passed": check.passed,
             "files": {p.name: digest(p) for p in files}}
    write_text_atomically(marker, json.dumps(saved))
    if to == "html":
        return BuildOutcome(spec.id, check=check_path, check_line=check.line,
                            passed=check.passed, html=sheet_path)
    return BuildOutcome(spec.id, sheet_path, pdf_path, check_path, check.line, check.passed)


def deliver(spec: Spec, out: Path | None = None, to: str = "pdf"
            ) -> tuple[Derivation, BuildOutcome]:
    """An ad hoc entry, derived and verified once: built into ``out`` as ``build`` does, or
    else with its check script run in a temporary folder."""
    derivation = derive(spec)
    if out is not None:
        try:
            key = cache_key(spec, to, templates_digest(None))
            return derivation, publish(derivation, spec, out, to, None, key)
        except DeriveError as exc:
            return derivation, BuildOutcome(spec.id, error=str(exc), exit_code=exc.exit_code)
        except OSError as exc:
            return derivation, BuildOutcome(spec.id, error=f"cannot write the output: "
                                                          f"{describe(exc)}")
    from derive.checkrun import run_check
    from derive.kinds import check_script

    with tempfile.TemporaryDirectory(prefix=private_prefix("check")) as folder:
        script = Path(folder) / f"check_{spec.id}.py"
        script.write_text(check_script(derivation), encoding="utf-8")
        check = run_check(script)
    return derivation, BuildOutcome(spec.id, check_line=check.line, passed=check.passed)


def _build_packed(args: tuple[Spec, Path, str, Path | None, bool, str]) -> BuildOutcome:
    return build(*args)


def build_all(
    specs: Sequence[Spec],
    out: Path,
    to: str = "pdf",
    jobs: int | None = None,
    templates: Path | None = None,
    use_cache: bool = True,
    progress: Callable[[BuildOutcome], None] | None = None,
) -> list[BuildOutcome]:
    """Build many entries in parallel processes; unchanged ones are not touched at all.

    Cache hits are settled here, in the parent, so that an unchanged rebuild
    starts no worker and never imports sympy. One failure does not stop the others.
    """
    output_folder(out)
    sweep_stale(out)  # what a killed build (SIGKILL, power cut) left
    templates_hash = templates_digest(templates)
    outcomes: dict[str, BuildOutcome] = {}
    work = []
    for spec in specs:
        key = cache_key(spec, to, templates_hash)
        hit = cached_outcome(spec, out, to, key) if use_cache else None
        if hit:
            outcomes[spec.id] = hit
            if progress:
                progress(hit)
        else:
            work.append((spec, out, to, templates, False, key))
    try:
        for outcome in _run(work, jobs or os.cpu_count() or 1):
            outcomes[outcome.id] = outcome
            if progress:
                progress(outcome)
    except BaseException:  # interrupted: the workers have ended; remove what they could not
        sweep(out)
        raise
    if to == "html":
        from derive.html.index import write_index

        write_index([s for s in specs if outcomes[s.id].ok], out, templates)
    return [outcomes[spec.id] for spec in specs]


def warm_up() -> None:
    """Import sympy, the engines and the check scripts' modules once, before workers fork.

    Every worker then starts with them loaded (copy-on-write), and each check script
    runs in a fork that does not import numpy and scipy again (derive.checkrun).
    """
    import derive.verify  # noqa: F401
    import derive.worksheet  # noqa: F401
    from derive.checkrun import warm_up as warm_up_checks
    from derive.kinds import import_all

    import_all()
    warm_up_checks()


def _run(work: list, jobs: int) -> Iterable[BuildOutcome]:
    if work:
        warm_up()
    if jobs == 1 or len(work) <= 1:
        yield from map(_build_packed, work)
        return
    from derive.workers import run_parallel

    yield from run_parallel(_build_packed, work, min(jobs, len(work)))
