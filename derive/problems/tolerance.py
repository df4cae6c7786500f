"""How close a student's number must be: relative to the answer, absolute near zero.

One rule for every export (answer key, Moodle, QTI, grading): three significant
figures are a relative tolerance of 1 %; an answer so close to 0 that 1 % of it is
smaller than half a unit in the third decimal gets that absolute half-width instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RELATIVE = 0.01  # three significant figures
ABSOLUTE = 5e-4  # half a unit in the third decimal, for answers near 0
NEAR_ZERO = ABSOLUTE / RELATIVE  # below this size the relative margin would be narrower
SLACK = 1e-9  # relative slack for the rounding of the margin itself


@dataclass(frozen=True)
class Tolerance:
    """A tolerance rule: ``relative`` (a fraction of the answer) or ``absolute`` (a half-width)."""

    mode: str
    amount: float

    def margin(self, value: float) -> float:
        """The absolute half-width around ``value`` that is accepted."""
        return self.amount * abs(value) if self.mode == "relative" else self.amount

    def accepts(self, expected: float, given: float) -> bool:
        margin = self.margin(expected)
        return abs(given - expected) <= margin * (1 + SLACK) + SLACK * abs(expected)

    def record(self, value: float) -> dict[str, Any]:
        """The manifest's fields: the margin (what LMSs store) and the rule it came from."""
        return {"tolerance": self.margin(value), "tolerance_mode": self.mode,
                "tolerance_rule": self.amount}


def tolerance_for(value: float) -> Tolerance:
    """The rule for an answer of this size."""
    if abs(value) < NEAR_ZERO:
        return Tolerance("absolute", ABSOLUTE)
    return Tolerance("relative", RELATIVE)


def from_record(numeric: dict[str, Any]) -> Tolerance:
    """The rule a manifest's numeric answer was released with."""
    return Tolerance(str(numeric["tolerance_mode"]), float(numeric["tolerance_rule"]))
