"""Run a generated check script: as ``__main__`` in a forked child, started warm.

A check script is a standalone program (``python check_<id>.py`` runs it the
same way). Starting an interpreter and importing numpy and scipy costs ten
times more than most checks themselves, so a build imports those modules once
(``warm_up``) and runs each script in a fork of its worker: a fresh process
with its own namespace, CPU and memory limits (``derive.bounded``), exit code
and output, that does not pay the start-up again.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import runpy
import warnings
from dataclasses import dataclass
from pathlib import Path

from derive.bounded import run_bounded
from derive.errors import BudgetExceeded

TIMEOUT = 120  # CPU seconds a check script may take

#: what the check templates import: numpy; scipy for a maximiser, a quadrature or a quantile
CHECK_MODULES = ("numpy", "scipy.optimize", "scipy.integrate", "scipy.stats")


#: a check script's exit code for "float64 cannot evaluate enough points": no verdict
CANNOT_EVALUATE = 3


@dataclass(frozen=True)
class CheckOutcome:
    """What running a check script gave: passed, failed, or None when it could not decide
    (float64 could not evaluate it, or it ran out of time), never a false failure."""

    passed: bool | None
    line: str


def warm_up() -> None:
    """Import the modules check scripts use, so that forked runs start warm.

    BLAS threads are pointless for the checks' tiny arrays and would compete with
    the build's own workers, so they are limited to one unless the caller chose.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for name in CHECK_MODULES:
        importlib.import_module(name)


def _fresh_warning_filters() -> None:
    """The warning filters of a fresh interpreter (a caller's, e.g. pytest's, do not apply)."""
    warnings.resetwarnings()
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                     ResourceWarning):
        warnings.filterwarnings("ignore", category=category)


def _run_as_main(path: str) -> tuple[int, str, str]:
    """The exit code, output and error output of the script run as ``__main__`` (in the child)."""
    _fresh_warning_filters()
    output, errors = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(errors):
            runpy.run_path(path, run_name="__main__")
        code = 0
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            code = stop.code or 0
        else:  # sys.exit("message"): Python prints the message and exits with 1
            code = 1
            print(stop.code, file=errors)
    except Exception as exc:  # noqa: BLE001 - a failing script is a failed check
        code = 1
        print(f"{type(exc).__name__}: {exc}", file=errors)
    return code, output.getvalue(), errors.getvalue()


def run_check(path: Path, seconds: float = TIMEOUT) -> CheckOutcome:
    """Run a check script in a child process; exit 0 means it agreed, 3 that it could not
    evaluate."""
    try:
        code, output, errors = run_bounded(_run_as_main, str(path), seconds=seconds)
    except BudgetExceeded as exc:
        return CheckOutcome(None, f"{Path(path).name}: {exc}")
    lines = (output.strip() or errors.strip() or "(no output)").splitlines()
    passed = None if code == CANNOT_EVALUATE else code == 0
    return CheckOutcome(passed, lines[-1])


__all__ = ["CANNOT_EVALUATE", "CHECK_MODULES", "TIMEOUT", "CheckOutcome", "run_check", "warm_up"]
