"""Assumptions typed by users ('x > 0', '0 < p < 1', 'n integer'), read without eval."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from derive.errors import InputError
from derive.model import Assumptions

if TYPE_CHECKING:  # sympy only when a symbol is made: the spec reader checks assumptions too
    import sympy as sp

_NAME = r"([A-Za-z][A-Za-z0-9_]*)"
_FORMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^{_NAME}\s*>\s*0$"), "positive"),
    (re.compile(rf"^0\s*<\s*{_NAME}$"), "positive"),
    (re.compile(rf"^{_NAME}\s*>=\s*0$"), "nonnegative"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?(?:nonnegative|non-negative)$"), "nonnegative"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?positive$"), "positive"),
    (re.compile(rf"^0\s*<\s*{_NAME}\s*<\s*1$"), "unit_interval"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?(?:an\s+)?integer$"), "integer"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?real$"), "real"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?symmetric$"), "symmetric"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?(?:symmetric\s+)?positive[- ]definite$"), "definite"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?(?:spd|SPD)$"), "definite"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?(?:a\s+)?diagonal$"), "diagonal"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?(?:an\s+)?orthogonal$"), "orthogonal"),
    (re.compile(rf"^{_NAME}\s+(?:is\s+)?(?:column[- ])?stochastic$"), "simplex"),
    (re.compile(rf"^1\s*(?:\^\s*T|\.T|\^\\top)\s*[*@]?\s*{_NAME}\s*=\s*"
                rf"1\s*(?:\^\s*T|\.T|\^\\top)$"), "simplex"),  # 1^T T = 1^T
    (re.compile(rf"^{_NAME}\s*>\s*{_NAME}$"), "larger"),  # matrix sizes: 'N > d'
    # a probability vector (one-hot targets): '1^T t = 1', 'sum(t) = 1', 't sums to one'
    (re.compile(rf"^1\s*(?:\^\s*T|\.T|\^\\top)\s*[*@]?\s*{_NAME}\s*=\s*1$"), "simplex"),
    (re.compile(rf"^sum\(\s*{_NAME}\s*\)\s*=\s*1$"), "simplex"),
    (re.compile(rf"^{_NAME}\s+sums\s+to\s+(?:one|1)$"), "simplex"),
)


_LATEX_RELATIONS = ((re.compile(r"\\(?:geq?|geqslant)(?![A-Za-z])"), ">="),
                    (re.compile(r"\\(?:leq?|leqslant)(?![A-Za-z])"), "<="),
                    (re.compile(r"\\gt(?![A-Za-z])"), ">"), (re.compile(r"\\lt(?![A-Za-z])"), "<"))
_LATEX_NAME = re.compile(r"\\(?!top(?![A-Za-z]))([A-Za-z]+)")


def _plain(part: str) -> str:
    r"""An assumption as a LaTeX file writes it, in the plain form: ``$\lambda \geq 0$`` is
    ``lambda >= 0`` (a Greek letter's command is its name)."""
    part = part.strip().strip("$").strip()
    for pattern, relation in _LATEX_RELATIONS:
        part = pattern.sub(relation, part)
    return _LATEX_NAME.sub(r"\1", part)


def parse_assumptions(texts: Iterable[str], default_positive: Iterable[str] = ()) -> Assumptions:
    """Read assumption phrases; ``default_positive`` names are positive unless said 'real'."""
    found: dict[str, set[str]] = {
        "positive": set(),
        "nonnegative": set(),
        "unit_interval": set(),
        "integer": set(),
        "real": set(),
        "symmetric": set(),
        "simplex": set(),
        "definite": set(),
        "diagonal": set(),
        "orthogonal": set(),
    }
    order: list[tuple[str, str]] = []
    sentences: list[str] = []
    for text in texts:
        for part in (_plain(p) for p in re.split(r"[,;]", text)):
            if not part:
                continue
            for pattern, kind in _FORMS:
                match = pattern.match(part)
                if match:
                    if kind == "larger":
                        order.append((match.group(1), match.group(2)))
                    else:
                        found[kind].add(match.group(1))
                    sentences.append(part)
                    break
            else:
                raise InputError(
                    f"cannot read the assumption {part!r} "
                    "(use forms like 'x > 0', 'x >= 0', '0 < p < 1', 'n integer', 'mu real', "
                    "'S symmetric', 'S positive definite', 'D diagonal', 'Q orthogonal', "
                    "'T column-stochastic', 'N > d', '1^T t = 1')"
                )
    positive = (found["positive"] | set(default_positive)) - found["real"] - found["unit_interval"]
    return Assumptions(
        positive=frozenset(positive),
        nonnegative=frozenset(found["nonnegative"]),
        integer=frozenset(found["integer"]),
        unit_interval=frozenset(found["unit_interval"]),
        sentences=tuple(sentences),
        # a positive-definite or a diagonal matrix is symmetric: S^T = S is used for both
        symmetric=frozenset(found["symmetric"] | found["definite"] | found["diagonal"]),
        size_order=tuple(order),
        simplex=frozenset(found["simplex"]),
        definite=frozenset(found["definite"]),
        diagonal=frozenset(found["diagonal"]),
        orthogonal=frozenset(found["orthogonal"]),
    )


def stated_facts(name: str, assumptions: Assumptions) -> dict[str, bool]:
    """The sympy assumptions stated for a name: positive, nonnegative, integer."""
    facts: dict[str, bool] = {}
    if name in assumptions.positive or name in assumptions.unit_interval:
        facts["positive"] = True
    if name in assumptions.nonnegative:
        facts["nonnegative"] = True
    if name in assumptions.integer:
        facts["integer"] = True
    return facts


def symbol_for(name: str, assumptions: Assumptions) -> sp.Symbol:
    """The sympy Symbol for a name, real and carrying the stated sign and integer facts."""
    import sympy as sp

    return sp.Symbol(name, real=True, **stated_facts(name, assumptions))


def symbols_for(names: Iterable[str], assumptions: Assumptions) -> dict[str, sp.Symbol]:
    return {name: symbol_for(name, assumptions) for name in names}
