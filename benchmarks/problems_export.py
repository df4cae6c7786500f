"""LMS export at scale: ~1,000 variants to Moodle XML and a QTI 2.1 package, without PDFs.

    python benchmarks/problems_export.py [--variants 1000] [--count 6] [--jobs N] [--seed S]

(a) the whole command (`derive problems --to tex --moodle --qti`): draw, derive, verify
    and check every variant, write the .tex sources, the manifest, moodle.xml and qti.zip;
(b) the exports alone, from the manifest's records (what --moodle and --qti add).
Printed: seconds, seconds per variant, and the share of the 10-minute target; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from texbench import ROOT, measuring

TARGET = 600.0  # seconds for 1,000 variants on 2 cores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--count", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    versions = math.ceil(args.variants / args.count)
    with tempfile.TemporaryDirectory(prefix="derive-export-bench-") as folder:
        out = Path(folder) / "out"
        command = [sys.executable, "-m", "derive.cli", "problems", "--count", str(args.count),
                   "--seed", str(args.seed), "--versions", str(versions), "--jobs",
                   str(args.jobs), "--to", "tex", "--moodle", "--qti", "--out", str(out)]
        with measuring() as total:
            subprocess.run(command, check=True, capture_output=True, cwd=ROOT,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
        from derive.problems.moodle import moodle_xml
        from derive.problems.qti import package_files, zip_bytes

        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        began = time.perf_counter()
        moodle_xml(data["seed"], data["versions"])
        zip_bytes(package_files(data["seed"], data["versions"]))
        exports = time.perf_counter() - began
        sizes = {name: (out / name).stat().st_size for name in ("moodle.xml", "qti.zip",
                                                                 "manifest.json")}
    variants = versions * args.count
    print(f"derive problems --to tex --moodle --qti: {versions} versions x {args.count} problems"
          f" ({variants} variants), {args.jobs} jobs")
    print(f"{'':<34}{'wall s':>9}{'per variant':>13}{'CPU s':>9}")
    print(f"{'whole command':<34}{total.wall:>9.1f}{total.wall / variants:>13.3f}"
          f"{total.cpu:>9.1f}")
    print(f"{'Moodle + QTI from the manifest':<34}{exports:>9.1f}{exports / variants:>13.4f}")
    print(f"{'share of the 10-minute target':<34}{total.wall / TARGET * 1000 / variants:>9.2f}")
    print("sizes: " + ", ".join(f"{n} {s / 1e6:.1f} MB" for n, s in sizes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
