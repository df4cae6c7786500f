"""What a generated matrix loss costs in the slow tier, and the cross-check's share of it.

    python benchmarks/matrix_draws.py [--draws D] [--seed S]

Draws D losses as tests/test_matrix_generated.py does (derive, verify, compare entry by
entry, run the check script) and prints draws per CPU second (this process and its check
scripts). Then, for the matrix gradients among them, the cost of the result's second
opinion two ways: entry by entry (two evaluations of the loss per entry) and along one
random direction (two per point), as a ratio. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu() -> float:
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                     resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from derive import api
    from derive.errors import DeriveError
    from derive.verify import CROSS_CHECK_POINTS, MatrixPoints, compare
    from tests.test_matrix_generated import _one, _run

    kept = []

    def counted(loss: object, folder: Path, seed: int, tally: Counter) -> None:
        kept.append(loss)
        _one(loss, folder, seed, tally)

    start = _cpu()
    tally = _run(args.draws, Path(tempfile.mkdtemp()), args.seed, counted)
    spent = _cpu() - start
    done = tally["verified"] + tally["NotSupported"]
    print(f"{done} draws in {spent:.1f} s CPU: {done / spent:.2f} draws per CPU second")
    print(f"verified {tally['verified']}, NotSupported {tally['NotSupported']} "
          f"({100 * tally['NotSupported'] / max(done, 1):.1f} %)")
    for reason, count in tally.most_common():
        if reason.startswith("not supported: "):
            print(f"  {count} x {reason}")

    entrywise = projected = 0.0
    for loss in kept:
        try:
            derivation = api.grad(loss.text, wrt=list(loss.wrt), shapes=loss.shapes(),
                                  assume=list(loss.assume))
        except DeriveError:
            continue
        for result in derivation.results:
            second = derivation.independent.get(result.name)
            if not hasattr(second, "projected"):
                continue
            for pair, add in (((result.expr, second), "entrywise"),
                              (second.projected(result.expr), "projected")):
                points = MatrixPoints(list(pair), derivation.assumptions, 1)
                begin = time.process_time()
                compare(*pair, derivation.assumptions, points=CROSS_CHECK_POINTS,
                        shared=points, prove=False)
                took = time.process_time() - begin
                if add == "entrywise":
                    entrywise += took
                else:
                    projected += took
    if projected:
        print(f"cross-check of the matrix gradients: entry by entry {entrywise:.1f} s, "
              f"along one direction {projected:.1f} s CPU: x{entrywise / projected:.1f}")


if __name__ == "__main__":
    main()
