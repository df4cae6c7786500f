"""Cost of `derive grad` on nests of depth k: tanh, sigmoid, gelu, softplus, a continued
fraction and a product of k linear factors.

    python benchmarks/nesting.py [--max-k 30] [--families tanh,cf] [--cap 60]

Each (family, k) runs in a fresh interpreter (no cache carries over from k - 1) and
reports the CPU seconds, its own and its children's (the bounded proofs and the check
script run in forked children), of what `derive grad EXPR --wrt x` does after the
imports: derive, prove every step, render, run the check script. A family stops at
the first k past ``--cap`` CPU seconds (or a refusal). The table gives the growth
exponent (least-squares slope of log time against log k, fitted from k = 4 on, where
fixed costs no longer dominate: 1 is linear, 2 quadratic) and the per-level ratio
(exp of the least-squares slope of log time against k, over the same ks: 2.0 is
doubling per level, a polynomial tends to 1). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from mlp_depth import growth_exponent  # noqa: E402

FIT_FROM = 4


def _nest(function: str, k: int) -> str:
    text = "x"
    for _ in range(k):
        text = f"{function}({text})"
    return text


def _continued_fraction(k: int) -> str:
    text = "x"
    for _ in range(k):
        text = f"1/(1 + {text})"
    return text


def _product(k: int) -> str:
    return "*".join(f"({j}*x + {k + 1 - j})" for j in range(1, k + 1))


FAMILIES = {
    "tanh": lambda k: _nest("tanh", k),
    "sigmoid": lambda k: _nest("sigmoid", k),
    "gelu": lambda k: _nest("gelu", k),
    "softplus": lambda k: _nest("softplus", k),
    "cf": _continued_fraction,
    "product": _product,
}


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_one(family: str, k: int) -> dict:
    """CPU seconds of one `derive grad` (after the imports), in this process and its children."""
    from derive import api, pipeline
    from derive.checkrun import run_check, warm_up
    from derive.errors import DeriveError

    warm_up()
    start = _cpu()
    try:
        derivation = pipeline.derive(api.grad_spec(FAMILIES[family](k), ["x"]))
        _, code = pipeline.render(derivation)
        with tempfile.TemporaryDirectory(prefix="bench-nest-") as folder:
            script = Path(folder) / "check_expr.py"
            script.write_text(code)
            passed = run_check(script).passed
    except DeriveError as exc:
        return {"seconds": _cpu() - start, "refused": str(exc)}
    steps = sum(len(s.steps) for s in derivation.sections)
    numeric = sum(s.verified == "numeric" for sec in derivation.sections for s in sec.steps)
    return {"seconds": _cpu() - start, "steps": steps, "numeric": numeric, "passed": passed}


def run_one(family: str, k: int, cap: float) -> dict:
    """``measure_one`` in a fresh interpreter, stopped past ``cap`` CPU seconds."""

    def limit() -> None:  # a soft limit only: the children lower their own
        resource.setrlimit(resource.RLIMIT_CPU, (int(cap) + 5, resource.RLIM_INFINITY))

    command = [sys.executable, __file__, "--one", family, str(k)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, preexec_fn=limit,
                              timeout=cap * 8 + 30, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    except subprocess.TimeoutExpired:
        return {"seconds": math.inf, "refused": "wall-clock safety net"}
    if done.returncode != 0:
        return {"seconds": math.inf, "refused": f"exit {done.returncode}"}
    return json.loads(done.stdout.splitlines()[-1])


def per_level_ratio(times: dict[int, float]) -> float:
    """exp of the least-squares slope of log(time) against k: the factor one more level costs."""
    ks = list(times)
    ys = [math.log(t) for t in times.values()]
    mk, my = statistics.fmean(ks), statistics.fmean(ys)
    slope = sum((k - mk) * (y - my) for k, y in zip(ks, ys, strict=True)) / sum(
        (k - mk) ** 2 for k in ks)
    return math.exp(slope)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-k", type=int, default=30)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--cap", type=float, default=60.0, help="CPU seconds past which a "
                        "family stops")
    parser.add_argument("--one", nargs=2, metavar=("FAMILY", "K"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]))))
        return 0
    shown = (1, 5, 10, 15, 20, 25, 30)
    print(f"{'family':<9} {'k':>7} " + " ".join(f"{'t(' + str(k) + ')':>7}" for k in shown)
          + f" {'exponent':>8} {'ratio/level':>11}  notes")
    for family in args.families.split(","):
        times: dict[int, float] = {}
        notes = []
        for k in range(1, args.max_k + 1):
            outcome = run_one(family, k, args.cap)
            if "refused" in outcome or outcome["seconds"] > args.cap:
                notes.append(f"k={k}: {outcome.get('refused', 'past the cap')}"
                             f" ({outcome['seconds']:.0f} s)")
                break
            times[k] = max(outcome["seconds"], 1e-3)
            if not outcome["passed"]:
                notes.append(f"k={k}: check failed")
            if outcome["numeric"]:
                notes.append(f"k={k}: {outcome['numeric']} numeric")
            print(f"  {family} k={k}: {outcome['seconds']:.2f} s, {outcome['steps']} steps",
                  file=sys.stderr, flush=True)
        fit = {k: t for k, t in times.items() if k >= FIT_FROM}
        exponent = growth_exponent(fit) if len(fit) > 1 else math.nan
        ratio = per_level_ratio(fit) if len(fit) > 1 else math.nan
        cells = " ".join(f"{times[k]:>7.2f}" if k in times else f"{'-':>7}" for k in shown)
        print(f"{family:<9} {'1..' + str(max(times, default=0)):>7} {cells} {exponent:>8.2f} "
              f"{ratio:>11.2f}  {'; '.join(notes[:3])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
