"""Speed benchmarks of DESIGN.md / issue 8, printed as one table.

    python benchmarks/run.py [--jobs N] [--skip-build]

(a) `derive build --all` to PDF against bare latexmk on the same .tex files
    with the same parallelism (a ratio); (b) an unchanged rebuild;
(c) `derive --help`; (d) `derive check` on a 10-line derivation;
(e) the matrix engine on a depth-k MLP (benchmarks/mlp_depth.py).
Times are wall-clock medians; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from texbench import ROOT, bare_latexmk, measuring

DERIVE = [sys.executable, "-m", "derive.cli"]
TEN_LINES = r"""\frac{d}{dx} \sigma(x^2) \log(1 + x^2)
= \sigma(x^2)(1-\sigma(x^2)) \cdot 2x \cdot \log(1+x^2) + \sigma(x^2) \frac{2x}{1+x^2}
= \sigma(x^2)(1-\sigma(x^2)) 2x \log(1+x^2) + \sigma(x^2) \frac{2x}{1+x^2}
= 2x \sigma(x^2) \left( (1-\sigma(x^2)) \log(1+x^2) + \frac{1}{1+x^2} \right)
= 2x \sigma(x^2) (1-\sigma(x^2)) \log(1+x^2) + \frac{2x \sigma(x^2)}{1+x^2}
= 2 x \sigma(x^2) \log(1+x^2) - 2x \sigma(x^2)^2 \log(1+x^2) + \frac{2x\sigma(x^2)}{1+x^2}
= 2x\sigma(x^2)\log(1+x^2) (1 - \sigma(x^2)) + \frac{2x\sigma(x^2)}{1+x^2}
= \frac{2x\sigma(x^2)}{1+x^2} + 2x\sigma(x^2)(1-\sigma(x^2))\log(1+x^2)
= 2x\sigma(x^2)\left(\frac{1}{1+x^2} + (1-\sigma(x^2))\log(1+x^2)\right)
= 2x\sigma(x^2)\left(\frac{1}{1+x^2} + \sigma(-x^2)\log(1+x^2)\right)
"""


def timed(command: list[str], repeat: int = 1, **kwargs) -> float:
    """Median wall-clock seconds of a command (its failure stops the benchmark)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-build", action="store_true", help="skip (a) and (b)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    # a cold start: the precompiled TeX preamble (derive.texformat) is dumped inside (a)
    cache = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    env = dict(os.environ, PYTHONPATH=str(ROOT), DERIVE_CACHE=str(cache))

    if not args.skip_build:
        out = Path(tempfile.mkdtemp(prefix="bench-out-"))
        build = [*DERIVE, "build", "--all", "--out", str(out), "--jobs", str(args.jobs)]
        with measuring() as ours:
            subprocess.run(build, check=True, capture_output=True, env=env)
        count = len(list(out.glob("*.pdf")))
        bare = bare_latexmk(sorted(out.glob("*.tex")), args.jobs)
        rows.append(
            (
                f"(a) build --all, {count} PDFs, --jobs {args.jobs}",
                f"{ours.wall:.1f} s vs {bare.wall:.1f} s bare latexmk "
                f"(CPU {ours.cpu:.0f} s vs {bare.cpu:.0f} s)",
                f"ratio {ours.wall / bare.wall:.2f} (CPU {ours.cpu / bare.cpu:.2f}), "
                "cold format cache",
            )
        )
        again = timed(build, repeat=3, env=env)
        rows.append(("(b) unchanged rebuild", f"{again:.2f} s", "target <= 1.0 s"))
        shutil.rmtree(out)

    helptime = timed([*DERIVE, "--help"], repeat=5, env=env)
    rows.append(("(c) derive --help", f"{helptime:.2f} s", "target <= 0.3 s"))

    with tempfile.NamedTemporaryFile("w", suffix=".tex", delete=False) as handle:
        handle.write(TEN_LINES)
    start = time.perf_counter()
    subprocess.run([*DERIVE, "check", handle.name], capture_output=True, env=env)
    check = time.perf_counter() - start
    os.unlink(handle.name)
    rows.append(("(d) derive check, 10 lines", f"{check:.2f} s", "target <= 1.5 s"))

    mlp = ROOT / "benchmarks" / "mlp_depth.py"
    if mlp.exists():
        done = subprocess.run(
            [sys.executable, str(mlp), "--summary"], capture_output=True, text=True, env=env
        )
        summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
        rows.append(("(e) depth-k MLP gradient (matrix engine)", summary, "linear in k"))

    shutil.rmtree(cache)
    width = max(len(r[0]) for r in rows)
    mid = max(len(r[1]) for r in rows)
    print(f"{'benchmark':<{width}}  {'measured':<{mid}}  note")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<{mid}}  {note}")


if __name__ == "__main__":
    main()
