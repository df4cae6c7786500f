"""Scale of `derive problems`: V versions of an N-problem set against TeX alone.

    python benchmarks/problems_scale.py [--versions 200] [--count 6] [--jobs N] [--seed S]

(a) the whole command: draw, derive and verify every variant, run every check
    script, write and compile problems-<k> and answers-<k>, manifest and Moodle quiz;
(b) TeX alone: the same .tex files compiled again by derive.pdf.compile_pdf with the
    same number of parallel jobs. The ratio (a)/(b) is printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derive.pdf import compile_pdf  # noqa: E402


def _compile(tex: Path) -> None:
    compile_pdf(tex.read_text(encoding="utf-8"), tex.with_name(f"tex-only-{tex.stem}.pdf"))


def tex_alone(folder: Path, jobs: int) -> float:
    sources = sorted(folder.glob("*-*.tex"))
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_compile, sources))
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=200)
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="derive-problems-bench-") as folder:
        out = Path(folder) / "out"
        command = [sys.executable, "-m", "derive.cli", "problems", "--count", str(args.count),
                   "--seed", str(args.seed), "--versions", str(args.versions), "--jobs",
                   str(args.jobs), "--moodle", "--out", str(out)]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
        total = time.perf_counter() - start
        pdfs = len(list(out.glob("*.pdf")))
        tex = tex_alone(out, args.jobs)
    problems = args.versions * args.count
    print(f"derive problems: {args.versions} versions x {args.count} problems "
          f"({problems} variants, {pdfs} PDFs), {args.jobs} jobs")
    print(f"{'':<34}{'seconds':>10}{'per version':>14}")
    print(f"{'whole command':<34}{total:>10.1f}{total / args.versions:>14.2f}")
    print(f"{'TeX alone (same .tex, same jobs)':<34}{tex:>10.1f}{tex / args.versions:>14.2f}")
    print(f"{'ratio whole / TeX alone':<34}{total / tex:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
