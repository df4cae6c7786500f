"""How long `derive check` takes as a command on a 10-line derivation, start-up included.

    python benchmarks/check_speed.py [--repeat R]

Prints a small table: the bare interpreter with sympy imported (the floor),
`derive check` on the right 10-line derivation of benchmarks/run.py, and on
the same file with a wrong line (so the hint search runs), and on a 10-line
matrix derivation (shapes declared, three numeric gradients, a wrong last line), and on a
categorical MLE through a Lagrange multiplier.
Medians of R runs; nothing is asserted (targets: scalar <= 1.5 s, matrix <= 2 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from run import TEN_LINES  # noqa: E402

#: Ten steps of a student's least-squares layer, the last one with a transpose too many.
MATRIX_TEN_LINES = r"""% shape W = m, n
% shape x = n, 1
% shape y = m, 1
% shape b = m, 1
L = \frac{1}{2}\|W x + b - y\|^2
= \frac{1}{2}(W x + b - y)^\top (W x + b - y)
= \frac{1}{2} x^\top W^\top W x + x^\top W^\top (b - y) + \frac{1}{2}\|b - y\|^2
\nabla_W L = (W x + b - y) x^\top
= W x x^\top + (b - y) x^\top
\nabla_b L = W x + b - y
\nabla_x L = W^\top (W x + b - y)
= W^\top W x + W^\top (b - y)
\frac{\partial L}{\partial b} = W x - y + b
= (W x + b - y)^\top
"""

#: A categorical MLE through a Lagrange multiplier: each step after the stationarity
#: condition is solved together with the constraint at random data.
LAGRANGE = r"""\mathcal{L} = \sum_{k=1}^{K} n_k \log p_k + \lambda (1 - \sum_{k=1}^{K} p_k)
\frac{\partial \mathcal{L}}{\partial p_k} = \frac{n_k}{p_k} - \lambda = 0
\Rightarrow p_k = \frac{n_k}{\lambda}
\Rightarrow \sum_{k=1}^{K} \frac{n_k}{\lambda} = 1
\Rightarrow \lambda = \sum_{k=1}^{K} n_k
\Rightarrow \hat p_k = \frac{n_k}{\sum_{j=1}^{K} n_j}
"""

WRONG = TEN_LINES.replace(r"= 2x\sigma(x^2)\left(\frac{1}{1+x^2} + \sigma(-x^2)",
                          r"= x\sigma(x^2)\left(\frac{1}{1+x^2} + \sigma(-x^2)")


def median_seconds(command: list[str], repeat: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall-clock and CPU (user + sys of the child) seconds; CPU is load-independent."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rows = [("python -c 'import sympy' (floor)",
             median_seconds([sys.executable, "-c", "import sympy"], args.repeat, env))]
    for name, text in (("derive check, 10 right lines", TEN_LINES),
                       ("derive check, 10 lines, one wrong", WRONG),
                       ("derive check, 10 matrix lines, one wrong", MATRIX_TEN_LINES),
                       ("derive check, categorical MLE with a multiplier", LAGRANGE)):
        with tempfile.NamedTemporaryFile("w", suffix=".tex", delete=False) as handle:
            handle.write(text)
        command = [sys.executable, "-m", "derive.cli", "check", handle.name]
        rows.append((name, median_seconds(command, args.repeat, env)))
        os.unlink(handle.name)
    width = max(len(r[0]) for r in rows)
    print(f"{'command':<{width}}  wall    cpu     (medians of {args.repeat}; "
          "targets: scalar <= 1.5 s, matrix <= 2 s)")
    for name, (wall, cpu) in rows:
        print(f"{name:<{width}}  {wall:.2f} s  {cpu:.2f} s")


if __name__ == "__main__":
    main()
