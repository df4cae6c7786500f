"""A precompiled preamble: the worksheets' packages dumped once into a pdfTeX format.

Loading pgfplots, tcolorbox, hyperref and friends is most of what pdfTeX does for
a one-page worksheet. Every template shares one preamble that ends at the
marker line ``\\csname endofdump\\endcsname`` (a no-op for plain pdfLaTeX), so
mylatexformat dumps it once into a format and each compile starts from there:
about half the TeX time. What follows the marker (page headers, the PDF ID) is
read on every run.

Formats live in a per-user cache, keyed by the preamble and by the TeX
installation (the base format's path, size and time: Debian rebuilds it
whenever TeX Live changes); one unused for a month is removed when another is
dumped. A preamble without the marker (a user's own template) or a machine
without mylatexformat compiles as plain pdfLaTeX.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from derive.files import cache_root, private_prefix

MARKER = r"\csname endofdump\endcsname"
SCHEME = "1"  # bump when the way formats are made changes
DUMP_TIMEOUT = 120
STALE_DAYS = 30  # a format unused this long is removed when another is dumped (~7 MB each)


def cache_folder() -> Path:
    """Where formats are kept: ``tex-formats`` in the user's cache (derive.files.cache_root)."""
    return cache_root() / "tex-formats"


def dumpable_preamble(tex: str) -> str | None:
    """The part of a document up to and including the marker line, or None without one."""
    at = tex.find(MARKER)
    if at < 0 or "\\begin{document}" in tex[:at]:
        return None
    return tex[: tex.index("\n", at) + 1] if "\n" in tex[at:] else tex + "\n"


@functools.lru_cache(maxsize=1)
def _installation() -> str | None:
    """A fingerprint of the TeX installation, or None when formats cannot be made here."""
    try:
        found = subprocess.run(
            ["kpsewhich", "-engine=pdftex", "pdflatex.fmt", "mylatexformat.ltx"],
            capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    if len(found) != 2:
        return None
    stats = {path: os.stat(path) for path in found}
    return "|".join(f"{path}:{s.st_size}:{s.st_mtime_ns}" for path, s in stats.items())


def format_for(tex: str, environment: dict[str, str]) -> Path | None:
    """The format file for this document's preamble (dumped on first use), or None."""
    preamble = dumpable_preamble(tex)
    installation = _installation()
    if preamble is None or installation is None:
        return None
    key = hashlib.sha256(f"{SCHEME}\n{installation}\n{preamble}".encode()).hexdigest()[:24]
    folder = cache_folder()
    target = folder / f"derive-{key}.fmt"
    try:
        os.utime(target)  # in use: kept by _prune
        return target
    except OSError:
        pass
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"derive-{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be dumping the same one
            if not target.exists():
                _dump(preamble, target, environment)
                _prune(folder, keep=target)
    except (OSError, subprocess.SubprocessError):
        return None
    return target if target.exists() else None


def _prune(folder: Path, keep: Path) -> None:
    """Remove formats unused for STALE_DAYS (old TeX installations, old templates)."""
    cutoff = time.time() - STALE_DAYS * 86400
    for old in folder.glob("derive-*.fmt"):
        with contextlib.suppress(OSError):
            if old != keep and old.stat().st_mtime < cutoff:
                old.unlink()
                old.with_suffix(".lock").unlink(missing_ok=True)


def _dump(preamble: str, target: Path, environment: dict[str, str]) -> None:
    """Run ``pdftex -ini`` with mylatexformat on the preamble; move the format into place."""
    with tempfile.TemporaryDirectory(prefix=private_prefix("fmt")) as folder:
        work = Path(folder)
        (work / "preamble.tex").write_text(preamble, encoding="utf-8")
        subprocess.run(
            ["pdftex", "-ini", "-interaction=batchmode", "-halt-on-error", "-no-shell-escape",
             "-jobname=preamble", "&pdflatex", "mylatexformat.ltx", "preamble.tex"],
            cwd=work, env=environment, capture_output=True, timeout=DUMP_TIMEOUT,
            stdin=subprocess.DEVNULL, check=False,
        )
        dumped = work / "preamble.fmt"
        if dumped.exists():
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".fmt-")
            os.close(handle)
            try:
                shutil.move(dumped, temporary)
                os.replace(temporary, target)
            except BaseException:  # interrupted: no half-moved format left in the cache
                Path(temporary).unlink(missing_ok=True)
                raise


def use_format(work: Path, fmt: Path | None) -> list[str]:
    """latexmk options that make pdfLaTeX start from ``fmt`` (linked into ``work``)."""
    if fmt is None:
        return []
    (work / "preamble.fmt").symlink_to(fmt)
    return ["-pdflatex=pdflatex -fmt=preamble %O %S"]
