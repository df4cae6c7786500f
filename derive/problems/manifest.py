"""manifest.json: seed, options, each version's choices and answers, to rebuild and grade."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sympy as sp

from derive import __version__
from derive.numpyprint import numpy_code
from derive.pdf import write_text_atomically
from derive.printing import latex
from derive.problems.families import Answer
from derive.problems.printers import prose_html, prose_latex, prose_record
from derive.problems.roster import Student
from derive.problems.solve import Solved
from derive.prose import Prose


def canonical_srepr(expr: Any) -> str:
    """``srepr`` with each Dummy renamed by its place (no process-dependent dummy_index).

    Dummies are bound variables (a Lambda's argument, a stand-in); each becomes a Symbol
    named ``_<name><k>`` with its assumptions, k counting Dummies in traversal order.
    """
    if not isinstance(expr, sp.Basic):
        return sp.srepr(expr)
    dummies: dict[sp.Dummy, sp.Symbol] = {}
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Dummy) and node not in dummies:
            dummies[node] = sp.Symbol(f"_{node.name}{len(dummies)}", **node.assumptions0)
    return sp.srepr(expr.xreplace(dummies) if dummies else expr)


def numeric_value(answer: Answer) -> float | None:
    """The answer's number: the one asked for, else the expression at its grading point."""
    if answer.value is not None or answer.at is None:
        return answer.value
    from derive.functions import to_closed_form

    point = {s: sp.Rational(v) for s, v in answer.at.items()}
    subs = {s: point[s.name] for s in answer.expr.free_symbols if s.name in point}
    return float(to_closed_form(answer.expr.subs(subs)).evalf(30))


def _answer(answer: Answer) -> dict[str, Any]:
    record: dict[str, Any] = {
        "name": answer.name,
        "label": latex(answer.label),
        "latex": latex(answer.expr),
        "sympy": canonical_srepr(answer.expr),
        "text": sp.sstr(answer.expr),
        "numpy": numpy_code(answer.expr),
    }
    if answer.at is not None:
        record["numeric"] = {"at": dict(answer.at), "value": numeric_value(answer)}
    if answer.tolerance is not None:
        record["numeric"].update(answer.tolerance.record(record["numeric"]["value"]))
        if answer.mistake is not None:
            record["numeric"]["mistake"] = {"value": answer.mistake.value,
                                            "hint": answer.mistake.hint}
    return record


def problem_record(number: int, item: Solved, solution: Prose) -> dict[str, Any]:
    """A released problem; ``solution`` is its worked solution (LMS feedback)."""
    variant = item.variant
    return {
        "number": number,
        "id": variant.spec.id,
        "family": variant.family,
        "choices": dict(variant.choices),
        "redraws": list(variant.rejected),
        "entry": variant.spec.definition(),
        "question": {"latex": prose_latex(item.question), "html": prose_html(item.question),
                     "prose": prose_record(item.question)},
        "answers": [_answer(a) for a in item.answers],
        "solution": {"html": prose_html(solution), "prose": prose_record(solution)},
        "verified": sorted({s.verified for s in item.derivation.steps}),
        "check": item.check_line,
    }


def version_record(version: int, student: Student | None, solved: Sequence[Solved],
                   solutions: Sequence[Prose], files: Mapping[str, list[str]]) -> dict[str, Any]:
    return {
        "version": version,
        "name": student.name if student else None,
        "student_id": student.id if student else None,
        "email": student.email if student else None,
        "files": dict(files),
        "problems": [problem_record(n, s, h) for n, (s, h) in
                     enumerate(zip(solved, solutions, strict=True), start=1)],
    }


def manifest(seed: int, options: Mapping[str, Any], plan: Sequence[str],
             records: Sequence[dict[str, Any]], failed: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "derive": __version__,
        "seed": seed,
        "options": dict(options),
        "plan": list(plan),
        "versions": list(records),
        "failed": list(failed),
    }


def write_manifest(path: Path, data: Mapping[str, Any]) -> Path:
    write_text_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path
