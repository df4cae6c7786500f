"""A derivation as LaTeX for Jupyter (``Derivation._repr_latex_``): sections, steps, results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive.printing import latex

if TYPE_CHECKING:
    from derive.model import Derivation


def derivation_latex(derivation: Derivation) -> str:
    """The derivation for Jupyter: its title, each section's title and aligned chain (a line
    printing the same as the one before is not repeated), then the results."""
    settings = {"partial": len(derivation.symbols) > 1}
    parts = [derivation.title] if derivation.title else []  # text: outside maths, MathJax shows it
    for section in derivation.sections:
        shown = latex(section.start, **settings)
        head = f"{latex(section.lhs, **settings)} &= " if section.lhs is not None else "&"
        lines, rules = [head + shown], [[]]
        for step in section.steps:
            tex = latex(step.after, **settings)
            if tex != shown:
                lines.append(f"&= {tex}")
                rules.append([])
            rules[-1].append(step.rule)
            shown = tex
        rows = [line + (rf" && \text{{{_text('; '.join(dict.fromkeys(r)))}}}" if r else "")
                for line, r in zip(lines, rules, strict=True)]
        parts.append(section.title)
        parts.append(r"$$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$$")
    if derivation.results:
        rows = [f"{latex(r.label, **settings)} &= {latex(r.expr, **settings)}"
                for r in derivation.results]
        parts.append("Result")
        parts.append(r"$$\boxed{\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}}$$")
    return "\n\n".join(parts)


def _text(words: str) -> str:
    """Plain words for \\text{...} (a rule name, a title): TeX's specials escaped."""
    return "".join("\\" + c if c in "&%$#_{}" else c for c in words)
