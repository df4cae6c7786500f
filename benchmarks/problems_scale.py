"""Scale of `derive problems`: V versions of an N-problem set against TeX alone.

    python benchmarks/problems_scale.py [--versions 200] [--count 6] [--jobs N] [--seed S]

(a) the whole command: draw, derive and verify every variant, run every check
    script, write and compile problems-<k> and answers-<k>, manifest, Moodle quiz and QTI package;
(b) TeX alone: the same .tex files compiled by bare latexmk (plain pdfLaTeX, as a
    user would by hand) with the same number of parallel jobs; and by derive's own TeX
    path (derive.pdf.compile_pdf, the precompiled preamble), for the share of TeX in (a).
The ratios are printed; nothing is asserted. The format cache starts cold.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from texbench import ROOT, bare_latexmk, derive_tex, measuring


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
                   str(args.jobs), "--moodle", "--qti", "--out", str(out)]
        os.environ["DERIVE_CACHE"] = str(Path(folder) / "cache")  # cold: (a) dumps the format
        with measuring() as total:
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
        pdfs = len(list(out.glob("*.pdf")))
        sources = sorted(out.glob("*-*.tex"))
        tex = bare_latexmk(sources, args.jobs)
        ours = derive_tex(sources, args.jobs)
    problems = args.versions * args.count
    print(f"derive problems: {args.versions} versions x {args.count} problems "
          f"({problems} variants, {pdfs} PDFs), {args.jobs} jobs")
    print(f"{'':<36}{'wall s':>9}{'per version':>13}{'CPU s':>9}")
    rows = [("whole command", total), ("TeX alone: bare latexmk", tex),
            ("derive's TeX (precompiled preamble)", ours)]
    for name, m in rows:
        print(f"{name:<36}{m.wall:>9.1f}{m.wall / args.versions:>13.2f}{m.cpu:>9.1f}")
    print(f"{'ratio whole / TeX alone':<36}{total.wall / tex.wall:>9.2f}{'':>13}"
          f"{total.cpu / tex.cpu:>9.2f}")
    print(f"{'not TeX (whole - derive TeX)':<36}{total.wall - ours.wall:>9.1f}"
          f"{(total.wall - ours.wall) / args.versions:>13.2f}{total.cpu - ours.cpu:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
