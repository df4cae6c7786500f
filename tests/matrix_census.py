"""A census of generated matrix losses, outside the test run: how many are verified, refused
(NotSupported), wrong or an internal error. ``python -m tests.matrix_census DRAWS SEED``."""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import hypothesis

from tests.matrixgen import Loss
from tests.test_matrix_generated import _one, _run


def _counted(loss: Loss, folder: Path, seed: int, tally: Counter) -> None:
    """One draw's outcome counted; a failed assertion is a wrong result, any other
    exception an internal error (the loss is printed for both)."""
    try:
        _one(loss, folder, seed, tally)
    except AssertionError as exc:
        tally["wrong"] += 1
        print(f"wrong: {loss} {str(exc)[:300]}", flush=True)
    except hypothesis.errors.UnsatisfiedAssumption:
        raise
    except Exception as exc:  # noqa: BLE001 - the census counts every outcome
        tally["internal error"] += 1
        print(f"internal error: {loss} {type(exc).__name__}: {str(exc)[:300]}", flush=True)
    tally["drawn"] += 1
    if tally["drawn"] % 25 == 0:  # progress, so that a cut run still tells its counts
        print(_summary(tally, seed), flush=True)


def _summary(tally: Counter, seed: int) -> str:
    total = sum(tally[k] for k in ("verified", "NotSupported", "wrong", "internal error"))
    return (f"{total} draws (seed {seed}): {tally['verified']} verified, "
            f"{tally['NotSupported']} NotSupported, {tally['wrong']} wrong, "
            f"{tally['internal error']} internal error; "
            f"{time.process_time():.0f} s CPU in this process")


def main() -> None:
    draws, seed = int(sys.argv[1]), int(sys.argv[2])
    tally = _run(draws, Path(tempfile.mkdtemp()), seed, _counted)
    print(_summary(tally, seed))
    for reason, count in sorted(tally.items()):
        if reason.startswith("not supported"):
            print(f"  {count} x {reason}")


if __name__ == "__main__":
    main()
