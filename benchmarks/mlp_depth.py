"""The matrix engine on a depth-k MLP: time to derive every dL/dW_l, dL/db_l in matrix form.

    python benchmarks/mlp_depth.py [--all] [--summary]

Layer l is z_l = W_l a_{l-1} + b_l, a_l = sigma(z_l), with a_0 = x and the loss
(a_k - y)^T (a_k - y) / 2; sizes n_0, ..., n_k stay symbolic. The time covers
parsing the forward pass and the backward walk with every step written out
(the delta recursion), not verification or TeX. Prints a table of times and
time per layer for k = 1..64 (every k with --all), then the same depth at
symbolic and at concrete widths 4 and 512 (the engine never touches entries,
so the width should not matter); the last line is a one-line summary.
Nothing is asserted: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from derive.engine.matrix.gradient import matrix_symbols, parse_shapes  # noqa: E402
from derive.kinds.backprop.kind import backward, default_deltas, parse_forward  # noqa: E402

DEPTHS = (1, 2, 4, 8, 16, 24, 32, 48, 64)
FIT_FROM = 4  # below, fixed costs (parsing the shapes) dominate the time


def forward_lines(k: int) -> list[str]:
    lines, previous = [], "x"
    for layer in range(1, k + 1):
        lines += [f"z{layer} = W{layer}*{previous} + b{layer}", f"a{layer} = sigmoid(z{layer})"]
        previous = f"a{layer}"
    return [*lines, f"L = (a{k} - y)^T*(a{k} - y)/2"]


def shapes(k: int, width: int | None = None) -> dict[str, str]:
    def size(layer: int) -> str:
        return f"n{layer}" if width is None else str(width + layer)

    table = {"x": f"{size(0)},1", "y": f"{size(k)},1"}
    for layer in range(1, k + 1):
        table[f"W{layer}"] = f"{size(layer)},{size(layer - 1)}"
        table[f"b{layer}"] = f"{size(layer)},1"
    return table


def derive_once(k: int, width: int | None = None) -> tuple[float, int]:
    """Seconds to parse and walk a depth-k MLP, and the number of steps written."""
    start = time.perf_counter()
    sizes = parse_shapes(shapes(k, width))
    forward = parse_forward(forward_lines(k), sizes)
    symbols = matrix_symbols(sizes)
    wanted = [symbols[f"{p}{layer}"] for layer in range(1, k + 1) for p in "Wb"]
    walk = backward(forward, wanted, default_deltas(forward))
    elapsed = time.perf_counter() - start
    assert len(walk.gradients) == 2 * k and len(walk.deltas) == k
    return elapsed, sum(len(s.steps) for s in walk.sections)


def growth_exponent(times: dict[int, float]) -> float:
    """The least-squares slope of log(time) against log(k): 1 for linear growth.

    A fit over every measured depth, so one noisy timing moves it little (a slope
    between two points at these 10 ms scales is mostly noise).
    """
    xs = [math.log(k) for k in times]
    ys = [math.log(t) for t in times.values()]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)


def median_time(k: int, width: int | None = None, repeat: int = 3) -> tuple[float, int]:
    runs = [derive_once(k, width) for _ in range(repeat)]
    return statistics.median(t for t, _ in runs), runs[0][1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every depth 1..64, not a sample")
    parser.add_argument("--summary", action="store_true", help="end with a one-line summary")
    args = parser.parse_args()
    depths = range(1, 65) if args.all else DEPTHS
    derive_once(2)  # warm the parser and sympy's caches
    times: dict[int, float] = {}
    print(f"{'k':>3}  {'steps':>6}  {'seconds':>8}  {'s/layer':>8}")
    for k in depths:
        seconds, steps = median_time(k, repeat=3)
        times[k] = seconds
        print(f"{k:>3}  {steps:>6}  {seconds:>8.3f}  {seconds / k:>8.4f}")
    print()
    print("width (depth 8):  symbolic n_l   concrete 4+l   concrete 512+l")
    width_times = [median_time(8, w, repeat=5)[0] for w in (None, 4, 512)]
    print("seconds:          " + "   ".join(f"{t:>10.3f}" for t in width_times))
    ks = sorted(times)
    high = ks[-1]
    exponent = growth_exponent({k: t for k, t in times.items() if k >= FIT_FROM})
    verdict = "linear" if exponent < 1.2 else "super-linear"
    width_ratio = width_times[2] / width_times[1]
    if args.summary:
        print(f"k={ks[0]}..{high}: {times[ks[0]]:.2f} s .. {times[high]:.2f} s, "
              f"{times[high] / high:.3f} s/layer, time ~ k^{exponent:.2f} ({verdict}), "
              f"width 512 vs 4: x{width_ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
