"""One variant, checked before release: derived and verified by the engines, check script run."""

from __future__ import annotations

import hashlib
import json
import pickle
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import sympy as sp

from derive import pipeline
from derive.catalogue.spec import Spec
from derive.checkrun import run_check
from derive.errors import DeriveError
from derive.files import private_prefix
from derive.kinds import check_script
from derive.model import Derivation
from derive.pdf import write_atomically
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
_SHARED: list[Path] = []  # a folder where the worker processes of one run pool derivations


@contextmanager
def shared_derivations() -> Iterator[None]:
    """Within the block, processes forked from this one reuse each other's derivations.

    Each verified derivation is pickled into a private temporary folder under a hash of
    its entry; another worker drawing the same entry loads it instead of deriving it
    again. The folder lives as long as the block.
    """
    with tempfile.TemporaryDirectory(prefix=private_prefix("derived")) as folder:
        _SHARED.append(Path(folder))
        try:
            yield
        finally:
            _SHARED.remove(Path(folder))


def _derived(spec: Spec) -> Derivation:
    """The verified derivation of a drawn entry; the same entry under another id is reused."""
    key = json.dumps({"kind": spec.kind, "fields": spec.fields, "assume": spec.assume,
                      "notes": spec.notes}, sort_keys=True, default=str)
    if key not in _DERIVED:
        _DERIVED[key] = _pooled(key, spec)
    return replace(_DERIVED[key], id=spec.id)


def _pooled(key: str, spec: Spec) -> Derivation:
    """Derived by another worker of this run already, or derived here and left for them.

    Either way the derivation is the one its pickle gives back: unpickling rebuilds sympy
    expressions through their constructors, which may order a product's factors another
    way, and a sheet must not depend on which worker derived its entry (or on --jobs).
    """
    path = _SHARED[-1] / f"{hashlib.sha256(key.encode()).hexdigest()}.pickle" if _SHARED \
        else None
    if path is not None:
        try:
            return pickle.loads(path.read_bytes())  # our own folder (mode 0700), our pickles
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
    data = pickle.dumps(pipeline.derive(spec))
    if path is not None:
        write_atomically(path, data)
    return pickle.loads(data)


def derive_variant(variant: Variant, templates: Path | None = None) -> Solved:
    """Derive and verify one variant; refuse a degenerate answer. The check runs later."""
    fam = family(variant.family)
    derivation = _derived(variant.spec)
    answers = fam.answers(variant.choices, derivation)
    for answer in answers:
        reason = _degenerate(answer)
        if reason:
            raise ProblemError(f"problem {variant.spec.id}: {reason}")
    code = check_script(derivation, templates, layout=False)  # run, never printed: no black
    return Solved(variant, derivation, fam.question(variant.choices, derivation), answers, code)


def run_checks(solved: Sequence[Solved]) -> tuple[Solved | ProblemError, ...]:
    """Run the check scripts of several problems: each checked problem, or why its check failed."""
    checked: list[Solved | ProblemError] = []
    with tempfile.TemporaryDirectory(prefix=private_prefix("problems")) as folder:
        for item in solved:
            path = Path(folder) / f"check_{item.variant.spec.id}.py"
            path.write_text(item.check_code, encoding="utf-8")
            outcome = run_check(path)
            if outcome.passed:
                checked.append(replace(item, check_line=outcome.line))
            else:
                checked.append(ProblemError(
                    f"problem {item.variant.spec.id}: check failed: {outcome.line}"))
    return tuple(checked)
