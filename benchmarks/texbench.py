"""TeX timings shared by the benchmarks: bare latexmk, and derive's own TeX path."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runs from a checkout, installed or not


@dataclass
class Measured:
    """Wall-clock seconds, and CPU seconds of the child processes (less sensitive to a
    machine whose speed drifts: every process's work, not how long it waited)."""

    wall: float = 0.0
    cpu: float = 0.0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@contextmanager
def measuring() -> Iterator[Measured]:
    """Measure the block: its wall time and the CPU time of the processes it waited for."""
    result = Measured()
    wall, cpu = time.perf_counter(), _children_cpu()
    yield result
    result.wall, result.cpu = time.perf_counter() - wall, _children_cpu() - cpu


def bare_latexmk(sources: Sequence[Path], jobs: int) -> Measured:
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

    with measuring() as measured, ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, sources))
    shutil.rmtree(work)
    return measured


def _compile(tex: Path) -> None:
    from derive.pdf import compile_pdf

    compile_pdf(tex.read_text(encoding="utf-8"), tex.with_name(f"tex-only-{tex.stem}.pdf"))


def derive_tex(sources: Sequence[Path], jobs: int) -> Measured:
    """derive.pdf.compile_pdf on each .tex (precompiled preamble, format already dumped)."""
    with measuring() as measured, ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_compile, sources))
    return measured
