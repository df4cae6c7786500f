"""Derivations as plain text for a terminal."""

from __future__ import annotations

from typing import Any

from derive.model import Derivation
from derive.printing import prose_text, text

MARK = {"symbolic": "proved symbolically", "numeric": "proved numerically"}


def derivation_text(derivation: Derivation, check: dict[str, Any] | None = None) -> str:
    """Each section's chain of equalities with the rule and how it was verified."""
    lines = [derivation.title, ""]
    for section in derivation.sections:
        lines.append(prose_text(section.title) + ":")
        lines.append(f"    {text(section.start)}")
        for step in section.steps:
            how = MARK.get(step.verified, "not verified")
            lines.append(f"  = {text(step.after)}")
            lines.append(f"        [{step.rule}; {how}]")
        lines.append("")
    for result in derivation.results:
        lines.append(f"{text(result.label)} = {text(result.expr)}")
    if check and check.get("passed") is not None:
        verdict = "passed" if check["passed"] else "FAILED"
        lines.append(
            f"numeric check: {verdict}" + (f" ({check['script']})" if check.get("script") else "")
        )
    return "\n".join(lines)
