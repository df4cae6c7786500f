"""The 'gradient' kind when the entry declares matrix shapes: read the spec, call the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions, symbols_for
from derive.catalogue.spec import Spec
from derive.engine.matrix.domain import check_defined
from derive.engine.matrix.expressions import (
    EntrywiseGradient,
    EntrywiseJacobian,
    HessianLabel,
    NumericDerivative,
    is_matrix,
)
from derive.engine.matrix.gradient import (
    CONVENTION,
    broadcast_conventions,
    matrix_gradient,
    matrix_symbols,
    parse_shapes,
)
from derive.errors import InputError
from derive.kinds.base import derivation_of, parse_field
from derive.model import Assumptions, Derivation, Result
from derive.printing import latex


@dataclass(frozen=True)
class MatrixGradient:
    """What a matrix gradient adds: Hessian result -> its variable, and the declared shapes."""

    hessians: Mapping[str, str]
    shapes: Mapping[str, tuple[str, ...]]


def _plain(shapes: Mapping[str, tuple]) -> dict[str, tuple]:
    """Sizes as the parser takes them: numbers, or the names of symbolic sizes."""
    return {k: tuple(int(d) if d.is_Integer else str(d) for d in v) for k, v in shapes.items()}


def _known_symbols(shapes: Mapping[str, tuple], assumptions: Assumptions) -> dict[str, Any]:
    """Scalars with stated facts (alpha > 0), and each size used as a number (/N is the size)."""
    stated = (assumptions.positive | assumptions.nonnegative | assumptions.integer
              | assumptions.unit_interval) - set(shapes)
    sizes = {str(d): d for shape in shapes.values() for d in shape if isinstance(d, sp.Symbol)}
    return {**symbols_for(stated, assumptions), **sizes}


def _simplex(assumptions: Assumptions, symbols: Mapping[str, Any]) -> list[sp.MatrixSymbol]:
    """The vectors stated to sum to one ('1^T t = 1'): columns with a shape."""
    found = []
    for t in sorted(assumptions.simplex):
        if t not in symbols or not is_matrix(symbols[t]) or symbols[t].shape[1] != 1:
            raise InputError(f"--assume: '{t}' sums to one, so it must be a column vector "
                             f"with --shape {t}=n,1")
        found.append(symbols[t])
    return found


def derive_matrix_gradient(spec: Spec) -> Derivation:
    """The 'gradient' kind when the spec declares matrix shapes; names without a shape are
    scalars (a coefficient, a variable inside functions, or a --wrt variable)."""
    shapes = parse_shapes(spec.require("shapes", dict))
    assumptions = parse_assumptions(spec.assume)
    function = parse_field(spec, "expr", shapes=_plain(shapes),
                           symbols=_known_symbols(shapes, assumptions))
    check_defined(function, assumptions.positive | assumptions.simplex, assumptions.symmetric)
    symbols = {**matrix_symbols(shapes), **{m.name: m for m in function.atoms(sp.MatrixSymbol)}}
    scalars = {s.name: s for s in function.free_symbols
               if isinstance(s, sp.Symbol) and s.name not in symbols}
    symbols = {**scalars, **symbols}
    name = spec.get("name", "L")
    upstream_name = spec.get("upstream")
    upstream = symbols.get(upstream_name) if upstream_name else None
    if upstream_name and not is_matrix(upstream):
        raise spec.error("upstream", f"'{upstream_name}' needs a shape")
    wrt = []
    sizes = {str(d) for shape in shapes.values() for d in shape}
    for w in spec.names("wrt"):
        if w in sizes and w not in shapes:
            raise InputError(f"--wrt {w}: '{w}' is a matrix size, not a variable")
        if w not in symbols:
            raise InputError(f"--wrt {w}: '{w}' does not occur in the expression")
        wrt.append(symbols[w])
    symmetric = [symbols[n] for n in sorted(assumptions.symmetric)
                 if is_matrix(symbols.get(n)) and symbols[n].shape[0] == symbols[n].shape[1]]
    sections, results, loss = matrix_gradient(function, wrt, name, upstream,
                                              _simplex(assumptions, symbols), symmetric)
    independent: dict[str, Any] = {
        r.name: (EntrywiseGradient if is_matrix(symbols[r.name]) else NumericDerivative)(
            loss, symbols[r.name])
        for r in results
    }
    hessians = {}
    if spec.get("hessian", False):
        from derive.engine.matrix.hessian import hessian_section

        for result in list(results):
            var = symbols[result.name]
            section, hessian = hessian_section(result.expr, var)
            key = f"hessian {var.name}"
            sections.append(section)
            results.append(Result(key, HessianLabel(name, var), hessian))
            independent[key] = EntrywiseJacobian(result.expr, var)
            hessians[key] = var.name
    conventions = [CONVENTION, *broadcast_conventions(function)]
    if upstream is not None:
        conventions.append(
            rf"${latex(upstream)} = \partial {name}/\partial z$ is the upstream gradient "
            rf"(the shape of the output $z$), so "
            rf"$d{name} = \operatorname{{tr}}({latex(upstream)}^\top dz)$."
        )
    return derivation_of(
        spec,
        input=spec.require("expr"),
        function=loss,
        sections=tuple(sections),
        results=tuple(results),
        symbols=tuple(sorted(loss.atoms(sp.MatrixSymbol), key=lambda s: s.name)),
        assumptions=assumptions,
        independent=independent,
        name=name,
        conventions=tuple(conventions),
        details=MatrixGradient(hessians, {k: tuple(str(x) for x in v) for k, v in shapes.items()}),
    )
