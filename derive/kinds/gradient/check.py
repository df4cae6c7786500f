"""The values the gradient check scripts need: central finite differences of the function."""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.checkcode import code, py_name
from derive.engine.matrix.expressions import is_matrix
from derive.functions import as_expr
from derive.model import Derivation


def scalar_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_gradient.py.j2``."""
    symbols = []
    # A sum over a batch: its sample arrays are drawn with SAMPLE_SIZE entries, its size fixed.
    bases = sorted({i.base.label for i in derivation.function.atoms(sp.Indexed)}, key=str)
    indices = {i for item in derivation.function.atoms(sp.Indexed) for i in item.indices}
    sums = derivation.function.atoms(sp.Sum) if bases else set()
    sizes = {h for s in sums for _, _, h in s.limits}
    for s in derivation.symbols:
        if isinstance(s, sp.Indexed) or s in indices or s in sizes:
            continue
        low, high = derivation.assumptions.interval(s.name, bool(s.is_positive),
                                                    bool(s.is_nonnegative))
        size = ", SAMPLE_SIZE" if s in bases else ""
        symbols.append({"name": py_name(s.name), "low": repr(float(low)),
                        "high": repr(float(high)) + size})
    symbols += [{"name": py_name(str(n)), "fixed": "SAMPLE_SIZE"} for n in sizes]
    gradients = [
        {
            "name": py_name(r.name),
            "code": code(r.expr),
            "label": f"d{derivation.name}/d{r.name}",
        }
        for r in derivation.results
    ]
    return {
        "args": ", ".join(s["name"] for s in symbols),
        "function": code(derivation.function),
        "gradients": gradients,
        "symbols": symbols,
        "batch": bool(bases),
    }


def matrix_context(derivation: Derivation) -> dict[str, Any]:
    """Concrete distinct sizes at which every inverse and log det is defined; matrices are
    2-D arrays (vectors: columns), scalars floats in their stated domain."""
    from derive.engine.matrix.sizes import fitting_sizes, requirements, size_symbols

    function = derivation.function
    together = sp.Tuple(function, *[r.expr for r in derivation.results])
    inputs = sorted(function.atoms(sp.MatrixSymbol), key=lambda m: m.name)
    dims = size_symbols(together)
    scalars = sorted((s for s in function.free_symbols
                      if isinstance(s, sp.Symbol) and s not in dims), key=lambda s: s.name)
    sizes = fitting_sizes(dims, requirements(together))
    # a size no input carries (the m of 0_m once y - y is 0) is fixed at its drawn value
    carried = {d for m in inputs for d in m.shape if isinstance(d, sp.Symbol)}
    fixed = {d: sp.Integer(sizes[d]) for d in dims - carried}
    function = function.xreplace(fixed)
    name = derivation.name
    hessians = derivation.details.hessians
    assumptions = derivation.assumptions

    def shape(m: Any) -> tuple[int, ...]:
        return tuple(int(as_expr(d).xreplace(sizes)) for d in m.shape)

    def scalar_range(s: sp.Symbol) -> tuple[str, str]:
        low, high = assumptions.interval(s.name, bool(s.is_positive), bool(s.is_nonnegative))
        low, high = max(low, -1.5), min(high, 1.5)  # moderate values: float differences
        return repr(low), repr(max(high, low + 0.5))

    return {
        "args": ", ".join(py_name(a.name) for a in [*inputs, *scalars]),
        "function": code(function),
        "inputs": [{"name": m.name, "rows": shape(m)[0], "cols": shape(m)[1],
                    "positive": m.name in assumptions.positive,
                    "structure": assumptions.structure(m.name)} for m in inputs],
        "scalars": [{"name": py_name(s.name), "range": scalar_range(s)} for s in scalars],
        "sizes_text": ", ".join(f"{d} = {v}" for d, v in sorted(sizes.items(), key=str))
        or "fixed sizes",
        "gradients": [
            {"name": py_name(r.name), "code": code(r.expr.xreplace(fixed), function),
             "label": f"d{name}/d{r.name}", "scalar": not is_matrix(r.expr)}
            for r in derivation.results
            if r.name not in hessians
        ],
        "hessians": [
            {"name": hessians[r.name], "code": code(r.expr.xreplace(fixed), function)}
            for r in derivation.results
            if r.name in hessians
        ],
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The scalar or the matrix recipe, whichever the derivation is."""
    if derivation.details is not None:  # a MatrixGradient
        return "check_matrix.py.j2", matrix_context(derivation)
    return "check_gradient.py.j2", scalar_context(derivation)
