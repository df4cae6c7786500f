"""Prose: words and mathematics in reading order, printed late by each target.

An engine writes a section heading once, as words and sympy expressions; the
worksheet prints it as LaTeX (words escaped, maths by the project's printer),
the terminal and the JSON as plain text. Notation that no sympy object prints
(``\\bar x \\pm h``) is a ``Tex`` segment carrying its own plain-text form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Words:
    """Plain words; every target escapes them for itself."""

    text: str


@dataclass(frozen=True)
class Math:
    """Inline mathematics: sympy objects printed by the target's printer, joined by ' = '."""

    exprs: tuple[Any, ...]


def math(*exprs: Any) -> Math:
    """Inline mathematics ``a`` (one object) or the equality ``a = b = ...``."""
    return Math(tuple(exprs))


@dataclass(frozen=True)
class Tex:
    """Inline LaTeX written by hand (delimiters included), and the same for a terminal."""

    latex: str
    text: str


Segment = Words | Math | Tex


@dataclass(frozen=True)
class Printers:
    """How one target prints each kind of segment."""

    words: Callable[[str], str]
    math: Callable[[Math], str]
    tex: Callable[[Tex], str]


@dataclass(frozen=True)
class Prose:
    """Words and mathematics in reading order."""

    parts: tuple[Segment, ...] = ()

    @classmethod
    def of(cls, *parts: str | Segment) -> Prose:
        """Prose from segments; a plain string is words."""
        return cls(tuple(Words(p) if isinstance(p, str) else p for p in parts))

    def render(self, printers: Printers) -> str:
        """The prose printed segment by segment with one target's printers."""
        table = {Words: lambda w: printers.words(w.text), Math: printers.math, Tex: printers.tex}
        return "".join(table[type(p)](p) for p in self.parts)
