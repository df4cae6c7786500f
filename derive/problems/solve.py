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
from typing import Any

import sympy as sp

from derive import pipeline
from derive.catalogue.spec import Spec
from derive.checkrun import run_check
from derive.errors import DeriveError
from derive.files import private_prefix
from derive.kinds import check_script
from derive.model import Derivation
from derive.pdf import write_atomically, write_text_atomically
from derive.problems.draw import Variant
from derive.problems.families import Answer, family
from derive.prose import Prose
from derive.worksheet import derivation_lines


class ProblemError(DeriveError):
    """A variant that must not be released: degenerate, or its check script failed."""

    exit_code = 1


@dataclass(frozen=True)
class Derived:
    """A drawn entry's verified derivation and its steps and results printed (answer key, LMS)."""

    derivation: Derivation
    lines: dict[str, Any]


@dataclass(frozen=True)
class Solved:
    """A released problem: the variant, its verified derivation, the question and answers."""

    variant: Variant
    derivation: Derivation
    question: Prose
    answers: tuple[Answer, ...]
    lines: dict[str, Any]  # the derivation printed (derive.worksheet.derivation_lines)
    key: str = ""  # the drawn entry: variants with one key have one derivation and one check
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


_DERIVED: dict[str, Derived] = {}  # per process: a spec drawn again is derived once
_CHECKED: dict[str, _Checked] = {}  # within a run: an entry drawn again is checked once
_SHARED: list[Path] = []  # a folder where the worker processes of one run pool their work


@contextmanager
def shared_derivations() -> Iterator[None]:
    """One run: within the block, processes forked from this one reuse each other's work.

    Each verified derivation (printed) and each check's outcome is left in a private
    temporary folder under a hash of its entry; another worker drawing the same entry
    loads them instead of deriving and checking it again. The folder, and the outcomes
    of checks, live as long as the block.
    """
    _CHECKED.clear()
    with tempfile.TemporaryDirectory(prefix=private_prefix("derived")) as folder:
        _SHARED.append(Path(folder))
        try:
            yield
        finally:
            _SHARED.remove(Path(folder))
            _CHECKED.clear()


def entry_key(spec: Spec) -> str:
    """What a drawn entry's derivation depends on (not its id): equal keys, equal derivations."""
    return json.dumps({"kind": spec.kind, "fields": spec.fields, "assume": spec.assume,
                       "notes": spec.notes}, sort_keys=True, default=str)


def _shared_path(key: str, suffix: str) -> Path | None:
    if not _SHARED:
        return None
    return _SHARED[-1] / f"{hashlib.sha256(key.encode()).hexdigest()}{suffix}"


def _derived(spec: Spec) -> Derived:
    """The verified derivation of a drawn entry; the same entry under another id is reused."""
    key = entry_key(spec)
    if key not in _DERIVED:
        _DERIVED[key] = _pooled(key, spec)
    found = _DERIVED[key]
    return replace(found, derivation=replace(found.derivation, id=spec.id))


def _pooled(key: str, spec: Spec) -> Derived:
    """Derived by another worker of this run already, or derived here and left for them.

    Either way the derivation is the one its pickle gives back, and is printed from that:
    unpickling rebuilds sympy expressions through their constructors, which may order a
    product's factors another way, and a sheet must not depend on which worker derived its
    entry (or on --jobs).
    """
    path = _shared_path(key, ".pickle")
    if path is not None:
        try:
            return pickle.loads(path.read_bytes())  # our own folder (mode 0700), our pickles
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
    derivation = pickle.loads(pickle.dumps(pipeline.derive(spec)))
    found = Derived(derivation, derivation_lines(derivation))
    if path is not None:
        write_atomically(path, pickle.dumps(found))
    return found


def derive_variant(variant: Variant) -> Solved:
    """Derive and verify one variant; refuse a degenerate answer. The check runs later."""
    fam = family(variant.family)
    derived = _derived(variant.spec)
    answers = fam.answers(variant.choices, derived.derivation)
    for answer in answers:
        reason = _degenerate(answer)
        if reason:
            raise ProblemError(f"problem {variant.spec.id}: {reason}")
    return Solved(variant, derived.derivation, fam.question(variant.choices, derived.derivation),
                  answers, derived.lines, entry_key(variant.spec))


def _script_name(item: Solved) -> str:
    return f"check_{item.variant.spec.id}"


@dataclass(frozen=True)
class _Checked:
    """A check's outcome for any variant of its entry: its line is ``name + rest`` when
    ``named`` (a variant's line starts with its own script's name), else ``rest``."""

    passed: bool
    rest: str
    named: bool

    def line(self, name: str) -> str:
        return name + self.rest if self.named else self.rest


def _load_checked(path: Path | None) -> _Checked | None:
    if path is None:
        return None
    try:
        passed, rest, named = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None
    return _Checked(passed is True, str(rest), named is True)


def _checked(item: Solved, folder: Path, templates: Path | None) -> _Checked:
    """The outcome of the check of the item's entry, run once per entry in a run.

    The script is a function of the derivation alone (its random points are seeded), so an
    entry drawn again gives the same outcome; only the name on its line differs.
    """
    key = json.dumps([item.key, str(templates)])
    if key not in _CHECKED:
        path = _shared_path(key, ".check")
        found = _load_checked(path)
        if found is None:
            name = _script_name(item)
            script = folder / f"{name}.py"
            script.write_text(check_script(item.derivation, templates, layout=False),
                              encoding="utf-8")  # run, never printed: no black
            outcome = run_check(script)
            named = outcome.line.startswith(name)
            found = _Checked(outcome.passed is True,
                             outcome.line[len(name):] if named else outcome.line, named)
            if path is not None:
                write_text_atomically(path, json.dumps([found.passed, found.rest, found.named]))
        _CHECKED[key] = found
    return _CHECKED[key]


def run_checks(solved: Sequence[Solved], templates: Path | None = None
               ) -> tuple[Solved | ProblemError, ...]:
    """Run the check scripts of several problems: each checked problem, or why its check failed."""
    checked: list[Solved | ProblemError] = []
    with tempfile.TemporaryDirectory(prefix=private_prefix("problems")) as folder:
        for item in solved:
            outcome = _checked(item, Path(folder), templates)
            line = outcome.line(_script_name(item))
            if outcome.passed:
                checked.append(replace(item, check_line=line))
            else:
                checked.append(ProblemError(
                    f"problem {item.variant.spec.id}: check failed: {line}"))
    return tuple(checked)
