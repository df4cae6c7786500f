r"""The corpus in the formats students hand in: the same derivations (clean and with one mistake)
written with a random layout, so the checker is tested on the space of ways to write them.

A seeded draw picks, per file, how the chain starts (``\frac{d}{dx}[f]`` or a named
first line ``f(x) = ...`` and then ``f'(x) = ...``, ``\frac{\partial f}{\partial x}``,
``df/dx``, ``\nabla_x f``), the loss and score names, the connector before an
estimate, the wrapper (``align*`` with ``&=`` and trailing ``\\``, ``$$``, ``\[ \]``,
``$ $``), justifications and spacing. Each file keeps track of the line its mistake
is on.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sympy as sp

from tests.corpus import (
    MISTAKES,
    NEXT_LINE_MISTAKES,
    Line,
    _inserted,
    _mutated,
    derivations,
    directives,
    latex_of,
    plain,
    student_lines,
)

WRAPPERS = ("none", "align", "dollars", "brackets", "inline")
NAMINGS = ("explicit", "frac", "slash", "nabla", "prime")
FUNCTION_NAMES = ("f", "g", "h", "J", "F")
LOSS_NAMES = {"latex": ("L", "J", r"\mathcal{L}"), "plain": ("L", "J", "E")}
CONNECTORS = (r"\Rightarrow", r"\implies", r"\Longrightarrow", r"\text{so}")
JUSTIFICATIONS = {"latex": (r"\quad \text{chain rule}", r"&& \text{simplify}",
                            r"\qquad \text{(algebra)}"),
                  "plain": ("# chain rule", "# simplify")}


@dataclass(frozen=True)
class Style:
    """How one file is written."""

    wrapper: str
    naming: str
    function: str
    loss: str
    score: str  # "frac", "nabla" or "prime"
    connector: str
    justify: float  # the share of lines with a justification
    spacing: int


@dataclass(frozen=True)
class Formatted:
    """A student file, where its mistake is (None when clean), and the style it was drawn in."""

    id: str
    syntax: str
    mistake: str
    text: str
    line: int | None
    style: Style


def draw_style(rng: random.Random, syntax: str) -> Style:
    latex = syntax == "latex"
    return Style(
        wrapper=rng.choice(WRAPPERS) if latex else "none",
        naming=rng.choice(NAMINGS if latex else ("explicit", "slash", "prime")),
        function=rng.choice(FUNCTION_NAMES),
        loss=rng.choice(LOSS_NAMES[syntax]),
        score=rng.choice(("frac", "nabla", "prime")),
        connector=rng.choice(CONNECTORS),
        justify=rng.choice((0.0, 0.0, 0.3)),
        spacing=rng.randint(0, 2),
    )


# --- rows: (text of the line, index of the Line it writes, or None) ---------------------------


class Writer:
    """Writes the Lines of a derivation as rows in one style."""

    def __init__(self, style: Style, syntax: str, derivation: Any) -> None:
        self.style, self.syntax, self.derivation = style, syntax, derivation
        self.write = latex_of if syntax == "latex" else plain
        self.symbols = {s.name: s for s in derivation.function.atoms(sp.Symbol, sp.MatrixSymbol)}
        self.defined: Any = None  # the function the named first line defines

    def rows(self, lines: list[Line]) -> list[tuple[str, int | None]]:
        rows: list[tuple[str, int | None]] = []
        pending = ""  # a head waiting for the first "=" line of its section
        for k, line in enumerate(lines):
            kind, _, name = line.head.partition(":")
            if kind == "start" and self._named(line.expr):
                first = self.defined is None
                head = self._derivative_head(line.expr)
                if first:
                    self.defined = line.expr.expr
                    rows.append((self._definition(line.expr), k))
                if k + 1 < len(lines) and lines[k + 1].head == "=":
                    pending = head
                else:
                    rows.append((self.write(line.expr), None))
                continue
            if kind == "=" and pending:
                rows.append((pending + self.write(line.expr), k))
                pending = ""
                continue
            rows.append((self._line(line), k))
        return rows

    def _named(self, expr: Any) -> bool:
        """A scalar derivative start the style names: the first one, or one of the same body."""
        if self.style.naming == "explicit" or not isinstance(expr, sp.Derivative):
            return False
        if len(expr.variable_count) != 1 or expr.variable_count[0][1] != 1:
            return False
        if expr.has(sp.MatrixExpr) or self._taken(expr.expr):
            return False
        return self.defined is None or expr.expr == self.defined

    def _taken(self, body: Any) -> bool:
        names = {s.name for s in body.free_symbols}
        return self.style.function in names or bool(body.atoms(sp.Function) and any(
            type(f).__name__ == self.style.function for f in body.atoms(sp.Function)))

    def _params(self, body: Any) -> list[Any]:
        return sorted((s for s in body.free_symbols if isinstance(s, sp.Symbol)),
                      key=lambda s: s.name)

    def _definition(self, derivative: sp.Derivative) -> str:
        name, body = self.style.function, derivative.expr
        params = ", ".join(self.write(p) for p in self._params(body))
        return f"{name}({params}) = {self.write(body)}"

    def _derivative_head(self, derivative: sp.Derivative) -> str:
        f, x = self.style.function, self.write(derivative.variable_count[0][0])
        naming = self.style.naming
        if naming == "prime" and len(self._params(derivative.expr)) == 1:
            return f"{f}'({x}) = "
        if naming == "nabla" and self.syntax == "latex":
            return rf"\nabla_{{{x}}} {f} = "
        if naming == "frac" and self.syntax == "latex":
            d = r"\partial " if len(self._params(derivative.expr)) > 1 else "d"
            return rf"\frac{{{d}{f}}}{{{d}{x}}} = "
        return f"d{f}/d{x} = "

    def _line(self, line: Line) -> str:
        from tests.corpus import _head

        kind, _, name = line.head.partition(":")
        loss, tex = self.style.loss, self.syntax == "latex"
        variable = self.symbols.get(name, sp.Symbol(name)) if name else None
        x = self.write(variable) if variable is not None else ""
        if kind == "L":
            return f"{loss} = {self.write(line.expr)}"
        if kind == "nabla":
            if tex and self.style.score == "frac":
                head = rf"\frac{{\partial {loss}}}{{\partial {x}}} = "
            else:
                head = rf"\nabla_{{{x}}} {loss} = " if tex else f"d{loss}/d{name} = "
            return head + self.write(line.expr)
        if kind == "score" and tex:
            params = [r.name for r in self.derivation.results]
            if self.style.score == "nabla":
                head = rf"\nabla_{{{x}}} \ell = "
            elif self.style.score == "prime" and len(params) == 1:
                head = rf"\ell'({x}) = "
            else:
                head = rf"\frac{{\partial \ell}}{{\partial {x}}} = "
            return head + self.write(line.expr)
        if kind == "hat" and tex:
            return rf"{self.style.connector} \hat{{{x}}} = {self.write(line.expr)}"
        return _head(line, self.syntax, self.derivation) + self.write(line.expr)


# --- the file -----------------------------------------------------------------------------------


def layout(rows: list[str], style: Style, syntax: str, rng: random.Random) -> list[str]:
    """The rows with justifications, spacing and the wrapper; as many rows, plus the wrapper's."""
    out = []
    for k, row in enumerate(rows):
        if style.spacing and row.startswith("= "):
            row = "=" + " " * style.spacing + row[2:]
        if style.justify and rng.random() < style.justify and k:
            row += " " + rng.choice(JUSTIFICATIONS[syntax])
        out.append(row)
    if style.wrapper == "align":
        body = [_aligned(row) for row in out]
        body = [row + r" \\" for row in body[:-1]] + body[-1:]
        return [r"\begin{align*}", *body, r"\end{align*}"]
    if style.wrapper == "dollars":
        return ["$$", *out, "$$"]
    if style.wrapper == "brackets":
        return [rf"\[ {row} \]" for row in out]
    if style.wrapper == "inline":
        return [f"${row}$" for row in out]
    return out


def _aligned(row: str) -> str:
    r"""``= x`` as ``&= x``, ``\Rightarrow`` as ``&\Rightarrow``, ``f = x`` as ``f &= x``."""
    if row.startswith("="):
        return "&" + row
    if row.startswith("\\") and any(row.startswith(c) for c in CONNECTORS):
        return "&" + row
    depth = 0
    for k, char in enumerate(row):
        depth += char in "({[" and 1 or 0
        depth -= char in ")}]" and 1 or 0
        if char == "=" and depth == 0:
            return row[:k] + "&" + row[k:]
    return row


def render(lines: list[Line], syntax: str, derivation: Any, style: Style,
           rng: random.Random, wrong: int | None) -> tuple[str, int | None] | None:
    """The file's text and the number of the line the mistake (Line ``wrong``) is on."""
    try:
        rows = Writer(style, syntax, derivation).rows(lines)
    except (ValueError, TypeError, AttributeError, NotImplementedError):
        return None
    head = directives(derivation)
    laid = layout([text for text, _ in rows], style, syntax, rng)
    before = 1 if style.wrapper in ("align", "dollars") else 0
    line = None
    if wrong is not None:
        where = next((n for n, (_, k) in enumerate(rows) if k == wrong), None)
        if where is None:
            return None
        line = len(head) + before + where + 1
    return "\n".join(head + laid) + "\n", line


def formatted(ids: tuple[str, ...], seed: int = 0) -> Iterator[Formatted]:
    """Every clean copy and every one-mistake copy of the entries, each in a drawn style."""
    for entry, derivation in derivations(ids):
        lines = student_lines(derivation)
        if not lines:
            continue
        for syntax in ("latex", "plain"):
            rng = random.Random(f"{seed}:{entry}:{syntax}")
            variants: list[tuple[str, int | None, list[Line]]] = [("clean", None, lines)]
            for name, mistake in MISTAKES.items():
                variants += [(name, k, wrong) for k, wrong in _mutated(lines, mistake)]
            for name, mistake in NEXT_LINE_MISTAKES.items():
                variants += [(name, k, wrong) for k, wrong in _inserted(lines, mistake)]
            for name, k, variant in variants:
                style = draw_style(rng, syntax)
                written = render(variant, syntax, derivation, style, rng, k)
                if written is not None:
                    yield Formatted(entry, syntax, name, written[0], written[1], style)


def verdict(copy: Formatted) -> str:
    """'clean passed', 'caught', or what went wrong (a false alarm, a miss, an error)."""
    from derive.errors import DeriveError
    from derive.grade import check_text

    try:
        report = check_text(copy.text)
    except DeriveError as exc:
        return f"error: {exc}"
    if copy.line is None:
        bad = [v.line.number for v in report.steps if v.status != "ok"]
        return "clean passed" if report.steps and not bad else f"false alarm at {bad}"
    if report.first_error == copy.line:
        return "caught"
    return f"missed: first error {report.first_error}, mistake at line {copy.line}"
