"""Problem families: a table of generators, each drawing random choices for one engine.

A family draws JSON-able choices from a ``random.Random``, turns them into an
ordinary entry (a ``Spec`` the engines derive and verify), says when a draw is
degenerate, and words the question. Families whose engine has not been
installed are simply not offered, so new engines plug in by adding a row.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from derive.catalogue.spec import Spec
from derive.errors import InputError
from derive.model import Derivation
from derive.problems.tolerance import SLACK, Tolerance, tolerance_for
from derive.prose import Prose

Choices = Mapping[str, Any]


@dataclass(frozen=True)
class Mistake:
    """The typical mistake of a part: the number it gives and a hint (plain text) about it."""

    value: float
    hint: str


@dataclass(frozen=True)
class Answer:
    """One answer of a problem: a derived expression, and a number where one is asked for."""

    name: str
    label: Any  # sympy object printed left of '='
    expr: Any  # the verified result
    value: float | None = None  # the requested number (numeric problems only)
    tolerance: Tolerance | None = None  # set when the number is graded (a part of the quiz)
    at: Mapping[str, str] | None = None  # a point where the answer is evaluated for grading
    where: str | None = None  # LaTeX of that point for the answer key (default: name = value)
    mistake: Mistake | None = None  # the typical mistake's number, for distractor feedback


def graded(name: str, label: Any, expr: Any, value: float, at: Mapping[str, str] | None,
           where: str | None = None, mistake: Mistake | None = None) -> Answer:
    """A graded numeric part; a mistake is dropped unless its number lies beyond the tolerance
    of the answer, and no number is within the tolerance of both (each its own margin)."""
    tolerance = tolerance_for(value)
    if mistake is not None and not distinct(value, mistake.value):
        mistake = None
    return Answer(name, label, expr, value, tolerance, at, where, mistake)


def distinct(value: float, mistake: float) -> bool:
    """A mistake's number that no answer within the tolerance could be taken for: the margins
    the exports give the answer and the mistake (the answer's rule applied to each) are apart."""
    if not math.isfinite(mistake):
        return False
    rule = tolerance_for(value)
    apart = rule.margin(value) + rule.margin(mistake)
    return abs(value - mistake) > apart * (1 + SLACK)


class Family(ABC):
    """One kind of problem; subclasses fill in the drawing and the wording."""

    name: ClassVar[str]
    title: ClassVar[str]
    topic: ClassVar[str]
    engine: ClassVar[str]  # the module the family needs (absent: family not offered)
    numeric: ClassVar[bool] = False  # asks for a number (goes into the Moodle quiz)

    @abstractmethod
    def draw(self, rng: random.Random) -> dict[str, Any]:
        """The random choices of one variant."""

    @abstractmethod
    def spec(self, choices: Choices, ident: str) -> Spec:
        """The entry the engines derive for these choices."""

    @abstractmethod
    def question(self, choices: Choices, derivation: Derivation) -> Prose:
        """The question as the student reads it."""

    def key(self, choices: Choices) -> str:
        """Two draws with the same key are the same problem."""
        return json.dumps(self.spec(choices, "key").fields, sort_keys=True)

    def screen(self, choices: Choices) -> str | None:
        """Why a draw is degenerate (a cheap test before the full derivation), or None."""
        return None

    def answers(self, choices: Choices, derivation: Derivation) -> tuple[Answer, ...]:
        return tuple(Answer(r.name, r.label, r.expr) for r in derivation.results)

    def group(self, choices: Choices) -> str | None:
        """The model a draw belongs to, for the stress report (answers compared within it)."""
        return None


def label_tex(derivation: Derivation, expr: Any) -> str:
    """LaTeX in the derivation's own notation (d for one variable, partial for several)."""
    from derive.printing import latex

    return latex(expr, partial=len(derivation.symbols) > 1)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


#: The table, in the order problems are laid out: "module:Class" rows, imported lazily.
FAMILY_TABLE: tuple[str, ...] = (
    "derive.problems.families.scalar:NeuronGradient",
    "derive.problems.families.scalar:GradientValue",
    "derive.problems.families.scalar:TwoNeuronChain",
    "derive.problems.families.layers:LayerBackprop",
    "derive.problems.families.likelihood:MaximumLikelihood",
    "derive.problems.families.bayes:ConjugatePosterior",
)


def _load(row: str) -> Family:
    module, cls = row.split(":")
    return getattr(importlib.import_module(module), cls)()


def available() -> tuple[Family, ...]:
    """Every family whose engine is installed, in table order."""
    families = []
    for row in FAMILY_TABLE:
        family = _load(row)
        if _installed(family.engine):
            families.append(family)
    return tuple(families)


def family(name: str) -> Family:
    for f in available():
        if f.name == name:
            return f
    raise InputError(f"unknown problem family '{name}'")


def topics() -> tuple[str, ...]:
    return tuple(sorted({f.topic for f in available()}))


def _mixed(families: tuple[Family, ...]) -> list[Family]:
    """One family of each topic in turn (table order), then the second of each, and so on."""
    by_topic: dict[str, list[Family]] = {}
    for f in families:
        by_topic.setdefault(f.topic, []).append(f)
    rounds = max(len(group) for group in by_topic.values())
    return [group[i] for i in range(rounds) for group in by_topic.values() if i < len(group)]


def plan(count: int, topic: str | None = None) -> tuple[Family, ...]:
    """The family of each of ``count`` problems: the topic's families in turn (no topic: a mix)."""
    families = available()
    offered = _mixed(families) if topic is None else [f for f in families if f.topic == topic]
    if not offered:
        raise InputError(f"--topic {topic}: no problem families (topics: {', '.join(topics())})")
    return tuple(offered[i % len(offered)] for i in range(count))

