"""How long `derive check` takes as a command on a 10-line derivation, start-up included.

    python benchmarks/check_speed.py [--repeat R]

Prints a small table: the bare interpreter with sympy imported (the floor),
`derive check` on the right 10-line derivation of benchmarks/run.py, and on
the same file with a wrong line (so the hint search runs). Medians of R runs;
nothing is asserted (target: <= 1.5 s).
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


def timed_commands(commands: list[tuple[str, list[str]]], repeat: int) -> list[tuple]:
    """(name, (wall, cpu)) for the bare interpreter (the floor) and each command."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    floor = [("python -c 'import sympy' (floor)", [sys.executable, "-c", "import sympy"])]
    return [(name, median_seconds(command, repeat, env)) for name, command in floor + commands]


def print_table(title: str, rows: list[tuple], repeat: int, target: str) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{title:<{width}}  wall    cpu     (medians of {repeat}; target {target})")
    for name, (wall, cpu) in rows:
        print(f"{name:<{width}}  {wall:.2f} s  {cpu:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    commands, files = [], []
    for name, text in (("derive check, 10 right lines", TEN_LINES),
                       ("derive check, 10 lines, one wrong", WRONG)):
        with tempfile.NamedTemporaryFile("w", suffix=".tex", delete=False) as handle:
            handle.write(text)
        files.append(handle.name)
        commands.append((name, [sys.executable, "-m", "derive.cli", "check", handle.name]))
    rows = timed_commands(commands, args.repeat)
    for name in files:
        os.unlink(name)
    print_table("command", rows, args.repeat, "<= 1.5 s")


if __name__ == "__main__":
    main()
