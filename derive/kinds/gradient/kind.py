"""The 'gradient' kind: d f / d x for each requested variable, scalar or matrix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions, symbols_for
from derive.catalogue.spec import Spec
from derive.engine.calculus.scalar import gradient_section
from derive.engine.calculus.shape import AsTyped, as_typed_start, shaped
from derive.errors import InputError
from derive.jsonout import expression_fields, steps_json
from derive.kinds.base import Kind, derivation_of, parse_field
from derive.kinds.gradient.check import check_recipe
from derive.kinds.gradient.fields import FIELDS
from derive.kinds.matrixform import check_structures
from derive.model import Derivation, Result

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"


def derive_gradient(spec: Spec) -> Derivation:
    """Parse the expression, then derive each gradient step by step."""
    if spec.get("shapes"):
        from derive.kinds.gradient.matrix import derive_matrix_gradient

        return derive_matrix_gradient(spec)
    assumptions = parse_assumptions(spec.assume)
    check_structures(assumptions, {})  # 'S symmetric' of a scalar: it needs a --shape
    wrt_names = spec.names("wrt")
    symbols = symbols_for(
        set(wrt_names)
        | assumptions.positive
        | assumptions.nonnegative
        | assumptions.integer
        | assumptions.unit_interval,
        assumptions,
    )
    if spec.get("pieces") is not None:
        from derive.kinds.gradient.pieces import parse_pieces, pieces_text

        f, text = parse_pieces(spec, symbols), pieces_text(spec)
        typed = None
    else:
        f, text = parse_field(spec, "expr", symbols=symbols), spec.require("expr")
        typed = parse_field(spec, "expr", symbols=symbols, as_typed=True)
    if not isinstance(f, sp.Expr) or isinstance(f, sp.MatrixExpr):
        raise spec.error("expr", "expected a scalar expression")
    present = {s.name: s for s in f.free_symbols if isinstance(s, sp.Symbol)}
    name = spec.get("name", "f")
    unit = frozenset(s for s in f.free_symbols if s.name in assumptions.unit_interval)
    sections, results, independent = [], [], {}
    for wrt in wrt_names:
        if wrt not in present:
            raise InputError(f"--wrt {wrt}: '{wrt}' does not occur in the expression")
        x = present[wrt]
        section = shaped(as_typed_start(gradient_section(f, x, name), typed, x), unit)
        result = section.steps[-1].after if section.steps else sp.S.Zero
        sections.append(section)
        results.append(Result(wrt, sp.Derivative(sp.Symbol(name), x), result))
        independent[wrt] = sp.diff(f, x)
    ordered = tuple(sorted(f.free_symbols, key=lambda s: s.name))
    return derivation_of(
        spec,
        input=text,
        function=f,
        sections=tuple(sections),
        results=tuple(results),
        symbols=ordered,
        assumptions=assumptions,
        independent=independent,
        name=name,
        statement=AsTyped(typed) if typed is not None else None,
    )


def gradient_json(derivation: Derivation, check: dict[str, Any],
                  hessians: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The contract's ``grad --json``: gradients by name (and Hessians, when asked for)."""
    hessians = hessians or {}
    return {
        "kind": "gradient",
        "input": derivation.input,
        "steps": steps_json(derivation),
        "gradient": {
            r.name: expression_fields(r.expr, derivation.function)
            for r in derivation.results if r.name not in hessians
        },
        **({"hessian": {hessians[r.name]: expression_fields(r.expr, derivation.function)
                        for r in derivation.results if r.name in hessians}} if hessians else {}),
        "check": check,
    }


def json_fields(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    """The gradient kind's JSON, with the Hessians of a matrix gradient."""
    details = derivation.details  # a MatrixGradient, or None for a scalar gradient
    return gradient_json(derivation, check, details.hessians if details else None)


KIND = Kind("gradient", FIELDS, derive_gradient, check_recipe, json_fields)
