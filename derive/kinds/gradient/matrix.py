"""The 'gradient' kind when the entry declares matrix shapes: read the spec, call the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.engine.matrix.expressions import (
    EntrywiseGradient,
    EntrywiseJacobian,
    HessianLabel,
    MatrixDifferential,
    NumericDerivative,
    ScalarDifferential,
    direction,
    is_matrix,
)
from derive.engine.matrix.gradient import (
    CONVENTION,
    Stated,
    broadcast_conventions,
    matrix_gradient,
    typed_start,
)
from derive.errors import InputError
from derive.kinds.matrixform import read_matrix_form
from derive.model import Derivation, Result
from derive.notation import Notated
from derive.prose import Prose, math


@dataclass(frozen=True)
class MatrixGradient:
    """What a matrix gradient adds: Hessian result -> its variable, and the declared shapes."""

    hessians: Mapping[str, str]
    shapes: Mapping[str, tuple[str, ...]]


def _stated(names: frozenset[str], symbols: Mapping[str, Any]) -> list[sp.MatrixSymbol]:
    """The declared matrices among ``names`` (read_matrix_form checked their shapes)."""
    return [symbols[n] for n in sorted(names) if is_matrix(symbols.get(n))]


def _of_loss(start: Any, loss: Any) -> bool:
    """Whether a section starts from the differential of the loss itself (not a simplify)."""
    return isinstance(start, ScalarDifferential) and start.args[0] == loss


def derive_matrix_gradient(spec: Spec) -> Derivation:
    """The 'gradient' kind when the spec declares matrix shapes; names without a shape are
    scalars (a coefficient, a variable inside functions, or a --wrt variable)."""
    form = read_matrix_form(spec, "expr")
    function, shapes, assumptions = form.expr, form.shapes, form.assumptions
    symbols = dict(form.symbols)
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
    stated = Stated(_stated(assumptions.simplex, symbols), _stated(assumptions.symmetric, symbols),
                    _stated(assumptions.orthogonal, symbols))
    sections, results, loss = matrix_gradient(function, wrt, name, upstream, stated)
    if upstream is None:  # each differential starts from the loss as typed
        sections = [typed_start(s, form.typed) if _of_loss(s.start, loss) else s
                    for s in sections]
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
        # the output by its expression (a sheet's title may call it H or z): dL = tr(Δ^T d(...))
        output = MatrixDifferential(function, upstream, direction(upstream))
        conventions.append(Prose.of(
            math(upstream), " is the upstream gradient: the gradient of ", math(sp.Symbol(name)),
            " with respect to the layer's output ", math(function), ", whose shape it has; so ",
            math(Notated("differential", name),
                 sp.Trace(sp.MatMul(sp.Transpose(upstream), output))), "."))
    return form.derivation(
        spec, sections, results,
        function=loss,
        symbols=tuple(sorted(loss.atoms(sp.MatrixSymbol), key=lambda s: s.name)),
        independent=independent,
        independent_route=Prose.of("central differences of the function, entry by entry, "
                                   "at 50 digits"),
        name=name,
        conventions=tuple(conventions),
        statement=form.typed if form.typed is not None and form.typed != function else None,
        details=MatrixGradient(hessians, {k: tuple(str(x) for x in v) for k, v in shapes.items()}),
    )
