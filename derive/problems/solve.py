"""One variant, checked before release: derived and verified by the engines, check script run."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import sympy as sp

from derive import pipeline
from derive.catalogue.spec import Spec
from derive.checkcode import TIMEOUT, check_script
from derive.errors import DeriveError
from derive.model import Derivation
from derive.problems.draw import Variant
from derive.problems.families import Answer, family
from derive.problems.prose import Prose


class ProblemError(DeriveError):
    """A variant that must not be released: degenerate, or its check script failed."""

    exit_code = 1


@dataclass(frozen=True)
class Solved:
    """A released problem: the variant, its verified derivation, the question and answers."""

    variant: Variant
    derivation: Derivation
    question: Prose
    answers: tuple[Answer, ...]
    check_code: str
    check_line: str = ""


def _degenerate(answer: Answer) -> str | None:
    expr = answer.expr
    if getattr(expr, "is_zero", False) is True or expr == 0:
        return "its answer is zero"
    if isinstance(expr, sp.Basic) and expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return "its answer is undefined"
    if answer.value is not None and not (abs(answer.value) > 0 and answer.value == answer.value):
        return "its numeric answer is zero or undefined"
    return None


_DERIVED: dict[str, Derivation] = {}  # per process: a spec drawn again is derived once


def _derived(spec: Spec) -> Derivation:
    """The verified derivation of a drawn entry; the same entry under another id is reused."""
    key = json.dumps({"kind": spec.kind, "fields": spec.fields, "assume": spec.assume,
                      "notes": spec.notes}, sort_keys=True, default=str)
    if key not in _DERIVED:
        _DERIVED[key] = pipeline.derive(spec)
    return replace(_DERIVED[key], id=spec.id)


def derive_variant(variant: Variant, templates: Path | None = None) -> Solved:
    """Derive and verify one variant; refuse a degenerate answer. The check runs later."""
    fam = family(variant.family)
    derivation = _derived(variant.spec)
    answers = fam.answers(variant.choices, derivation)
    for answer in answers:
        reason = _degenerate(answer)
        if reason:
            raise ProblemError(f"problem {variant.spec.id}: {reason}")
    code = check_script(derivation, templates)
    return Solved(variant, derivation, fam.question(variant.choices, derivation), answers, code)


# Runs every check script of a version in one interpreter (numpy is imported once), each as
# __main__ in a fresh namespace; prints "<exit code> <last line>" per script.
_RUNNER = """
import io, runpy, sys, contextlib
for path in sys.argv[1:]:
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except Exception as exc:
        code, out = 1, io.StringIO(f"{type(exc).__name__}: {exc}")
    lines = out.getvalue().strip().splitlines() or ["(no output)"]
    print(code, lines[-1].replace(chr(10), " "), flush=True)
"""


def run_checks(solved: Sequence[Solved]) -> tuple[Solved | ProblemError, ...]:
    """Run the check scripts of several problems: each checked problem, or why its check failed."""
    with tempfile.TemporaryDirectory(prefix="derive-problems-") as folder:
        paths = []
        for item in solved:
            path = Path(folder) / f"check_{item.variant.spec.id}.py"
            path.write_text(item.check_code, encoding="utf-8")
            paths.append(str(path))
        try:
            done = subprocess.run([sys.executable, "-c", _RUNNER, *paths], capture_output=True,
                                  text=True, timeout=TIMEOUT * max(1, len(paths)))
        except subprocess.TimeoutExpired:
            raise ProblemError("the check scripts timed out") from None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) != len(solved):
        raise ProblemError(f"the check scripts did not run: {done.stderr.strip()[-300:]}")
    checked: list[Solved | ProblemError] = []
    for item, line in zip(solved, lines, strict=True):
        code, _, message = line.partition(" ")
        if code != "0":
            checked.append(ProblemError(f"problem {item.variant.spec.id}: check failed: {message}"))
        else:
            checked.append(replace(item, check_line=message))
    return tuple(checked)
