"""TeX timings shared by the benchmarks: bare latexmk, and derive's own TeX path."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runs from a checkout, installed or not


def bare_latexmk(sources: Sequence[Path], jobs: int) -> float:
    """Seconds for latexmk alone on each .tex (its own folder), derive's options, ``jobs`` at once.

    Plain pdfLaTeX: no precompiled preamble, exactly what a user would run by hand.
    """
    from derive.pdf import LATEXMK, tex_environment

    work = Path(tempfile.mkdtemp(prefix="bare-latexmk-"))

    def one(tex: Path) -> None:
        sub = work / tex.stem
        sub.mkdir()
        shutil.copy(tex, sub / "main.tex")
        subprocess.run([*LATEXMK, "main.tex"], cwd=sub, env=tex_environment(), check=True,
                       capture_output=True, stdin=subprocess.DEVNULL)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, sources))
    elapsed = time.perf_counter() - start
    shutil.rmtree(work)
    return elapsed


def _compile(tex: Path) -> None:
    from derive.pdf import compile_pdf

    compile_pdf(tex.read_text(encoding="utf-8"), tex.with_name(f"tex-only-{tex.stem}.pdf"))


def derive_tex(sources: Sequence[Path], jobs: int) -> float:
    """Seconds for derive.pdf.compile_pdf (precompiled preamble, format already dumped)."""
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_compile, sources))
    return time.perf_counter() - start
