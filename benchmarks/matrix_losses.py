"""How long `derive grad` takes as a command on typical DL losses in matrix form.

    python benchmarks/matrix_losses.py [--repeat R]

Each command parses the loss, derives every gradient step by step, verifies
every step and the results (50-digit numeric tests), writes the check script
and runs it: ridge regression, softmax cross-entropy through a linear layer,
a two-layer MLP. Prints medians of R runs, wall and CPU (this machine's load
moves the wall time; CPU time is what the command costs); nothing is asserted
(target: <= 2 s each).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from check_speed import median_seconds  # noqa: E402

LOSSES = {
    "ridge regression": (
        "norm(X*w - y)^2 + alpha*norm(w)^2",
        ["--wrt", "w", "--shape", "X=m,n", "--shape", "w=n,1", "--shape", "y=m,1",
         "--assume", "alpha > 0"],
    ),
    "softmax cross-entropy, linear layer": (
        "-y.T*log(softmax(W*x + b))",
        ["--wrt", "W", "--wrt", "b", "--shape", "W=k,n", "--shape", "x=n,1",
         "--shape", "b=k,1", "--shape", "y=k,1", "--assume", "1^T y = 1"],
    ),
    "two-layer MLP, squared error": (
        "norm(W2*tanh(W1*x + b1) + b2 - y)^2/2",
        ["--wrt", "W1", "--wrt", "b1", "--wrt", "W2", "--wrt", "b2", "--shape", "W1=h,n",
         "--shape", "b1=h,1", "--shape", "W2=k,h", "--shape", "b2=k,1", "--shape", "x=n,1",
         "--shape", "y=k,1"],
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rows = [("python -c 'import sympy' (floor)",
             median_seconds([sys.executable, "-c", "import sympy"], args.repeat, env))]
    for name, (expr, options) in LOSSES.items():
        command = [sys.executable, "-m", "derive.cli", "grad", *options, "--", expr]
        rows.append((name, median_seconds(command, args.repeat, env)))
    width = max(len(r[0]) for r in rows)
    print(f"{'derive grad ...':<{width}}  wall    cpu     (medians of {args.repeat}; "
          "target <= 2 s)")
    for name, (wall, cpu) in rows:
        print(f"{name:<{width}}  {wall:.2f} s  {cpu:.2f} s")


if __name__ == "__main__":
    main()
