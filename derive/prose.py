"""Prose: words and mathematics in reading order, printed late by each target.

An engine or a kind writes a section heading, a step's note, a question or a
convention once, as words and sympy expressions; the worksheet prints it as
LaTeX (words escaped, maths by the project's printer), the terminal and the JSON
as plain text, a web page with MathML. Notation that no sympy object prints
(``\\bar x \\pm h``) is a ``Tex`` segment carrying its own plain-text form. Text a
lecturer typed (titles, notes) becomes prose once, its `backticked` formulas parsed
(``derive.richtext.rich_prose``): ``Formula`` segments, and ``Code`` for one that
does not parse. A problem set's questions keep their maths ``Printed`` (LaTeX), which
is what its manifest stores and every LMS export prints from
(``derive.problems.printers``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
class Display:
    """Displayed mathematics: formulas on one line, a wide gap between each two, or (``aligned``)
    one equation a row aligned at '='; then ``end``, the sentence's punctuation."""

    items: tuple[Math, ...]
    end: str = ""
    aligned: bool = False

    def joined(self, show: Callable[[Math], str], gap: str | None = None) -> str:
        """The formulas through ``show``, ``gap`` between each two (plain text: a comma, or a
        semicolon between aligned rows), then the punctuation."""
        between = gap if gap is not None else "; " if self.aligned else ", "
        return between.join(show(m) for m in self.items) + self.end


def display(*items: Math, end: str = "", aligned: bool = False) -> Prose:
    """A displayed line of formulas (``p(x | θ) = ...,  x ∈ {0, 1},``) or aligned equations."""
    return Prose((Display(items, end, aligned),))


@dataclass(frozen=True)
class Printed:
    """Mathematics printed already by the project's LaTeX printer, without delimiters, inline or
    displayed: what a problem set's manifest keeps, so that every export prints from it."""

    tex: str
    display: bool = False


def displayed(tex: str) -> Printed:
    """Printed mathematics on a line of its own."""
    return Printed(tex, display=True)


@dataclass(frozen=True)
class Tex:
    """Inline LaTeX written by hand (delimiters included), and the same for a terminal."""

    latex: str
    text: str


@dataclass(frozen=True)
class Formula:
    """A formula a person typed in backticks: its expressions as parsed (printed in the order
    typed), the relations between them ('=', '<=', ...), and the text as typed."""

    exprs: tuple[Any, ...]
    relations: tuple[str, ...] = ()
    source: str = ""

    def render(self, show: Callable[[Any], str], relation: Mapping[str, str]) -> str:
        """The expressions through ``show``, the relations through the table ``relation``."""
        out = [show(self.exprs[0])]
        for rel, expr in zip(self.relations, self.exprs[1:], strict=True):
            out += [relation[rel], show(expr)]
        return " ".join(out)


@dataclass(frozen=True)
class Code:
    """Backticked text that is no formula of the grammar: shown as typed (typewriter type)."""

    text: str


Segment = Words | Math | Display | Printed | Tex | Formula | Code


def tex(latex: str, text: str) -> Prose:
    """Notation written by hand, as LaTeX (delimiters included) and as plain text."""
    return Prose((Tex(latex, text),))


@dataclass(frozen=True)
class Printers:
    """How one target prints each kind of segment."""

    words: Callable[[str], str]
    math: Callable[[Math], str]
    display: Callable[[Display], str]
    printed: Callable[[Printed], str]
    tex: Callable[[Tex], str]
    formula: Callable[[Formula], str]
    code: Callable[[str], str]


@dataclass(frozen=True)
class Prose:
    """Words and mathematics in reading order."""

    parts: tuple[Segment, ...] = ()

    @classmethod
    def of(cls, *parts: str | Segment | Prose) -> Prose:
        """Prose from segments in reading order; a plain string is words, a Prose its parts."""
        out: list[Segment] = []
        for part in parts:
            if isinstance(part, Prose):
                out.extend(part.parts)
            elif part:
                out.append(Words(part) if isinstance(part, str) else part)
        return cls(tuple(out))

    @classmethod
    def joined(cls, separator: str, items: Iterable[Prose]) -> Prose:
        """The items in order, ``separator`` (words) between each two."""
        parts: list[str | Prose] = []
        for item in items:
            parts += [separator, item] if parts else [item]
        return cls.of(*parts)

    def __bool__(self) -> bool:
        return bool(self.parts)

    def render(self, printers: Printers) -> str:
        """The prose printed segment by segment with one target's printers."""
        table = {Words: lambda w: printers.words(w.text), Math: printers.math,
                 Display: printers.display, Printed: printers.printed, Tex: printers.tex,
                 Formula: printers.formula,
                 Code: lambda c: printers.code(c.text)}
        return "".join(table[type(p)](p) for p in self.parts)


#: No words at all (a step without a note); Prose is frozen, so one value serves everywhere.
NO_PROSE = Prose()
