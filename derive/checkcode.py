"""Derivation -> standalone numeric check script (numpy only, exits 0 or 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sympy as sp

from derive.coursechecks import COURSE_CHECKS, code, py_name
from derive.functions import as_expr
from derive.mathchecks import MATH_CHECKS
from derive.model import Derivation
from derive.printing import latex
from derive.render import environment

SEED = 20261121


def _gradient_context(derivation: Derivation) -> dict[str, Any]:
    symbols = []
    # A sum over a batch: its sample arrays are drawn with SAMPLE_SIZE entries, its size fixed.
    bases = sorted({i.base.label for i in derivation.function.atoms(sp.Indexed)}, key=str)
    indices = {i for item in derivation.function.atoms(sp.Indexed) for i in item.indices}
    sums = derivation.function.atoms(sp.Sum) if bases else set()
    sizes = {h for s in sums for _, _, h in s.limits}
    for s in derivation.symbols:
        if isinstance(s, sp.Indexed) or s in indices or s in sizes:
            continue
        domain = derivation.assumptions.domain(s.name)
        low, high = domain.low, domain.high
        if s.is_positive and low <= 0:
            low = 0.2
        size = ", SAMPLE_SIZE" if s in bases else ""
        symbols.append({"name": py_name(s.name), "low": repr(float(low)),
                        "high": repr(float(high)) + size})
    symbols += [{"name": py_name(str(n)), "fixed": "SAMPLE_SIZE"} for n in sizes]
    gradients = [
        {
            "name": py_name(r.name),
            "code": code(r.expr),
            "label": f"d{derivation.extras.get('name', 'f')}/d{r.name}",
        }
        for r in derivation.results
    ]
    return {
        "args": ", ".join(s["name"] for s in symbols),
        "function": code(derivation.function),
        "gradients": gradients,
        "symbols": symbols,
    }


def _mle_context(derivation: Derivation) -> dict[str, Any]:
    from derive.engine.mlecheck import check_context

    return check_context(derivation)


def _matrix_context(derivation: Derivation) -> dict[str, Any]:
    """Concrete distinct sizes at which every inverse and log det is defined; matrices are
    2-D arrays (vectors: columns), scalars floats in their stated domain."""
    from derive.engine.matrixsizes import fitting_sizes, requirements
    from derive.printing import numpy_code

    function = derivation.function
    inputs = sorted(function.atoms(sp.MatrixSymbol), key=lambda m: m.name)
    dims = {d for m in inputs for d in m.shape if isinstance(d, sp.Symbol)}
    scalars = sorted((s for s in function.free_symbols
                      if isinstance(s, sp.Symbol) and s not in dims), key=lambda s: s.name)
    everything = sp.Tuple(function, *[r.expr for r in derivation.results])
    sizes = fitting_sizes(dims, requirements(everything))
    name = derivation.extras.get("name", "L")
    hessians = derivation.extras.get("hessians", {})
    assumptions = derivation.assumptions

    def shape(m: Any) -> tuple[int, ...]:
        return tuple(int(as_expr(d).xreplace(sizes)) for d in m.shape)

    def scalar_range(s: sp.Symbol) -> tuple[str, str]:
        domain = assumptions.domain(s.name)
        low, high = max(float(domain.low), -1.5), min(float(domain.high), 1.5)
        if (s.is_positive or s.name in assumptions.positive) and low <= 0:
            low = 0.2
        return repr(low), repr(max(high, low + 0.5))

    return {
        "args": ", ".join(py_name(a.name) for a in [*inputs, *scalars]),
        "function": numpy_code(function),
        "inputs": [{"name": m.name, "rows": shape(m)[0], "cols": shape(m)[1],
                    "positive": m.name in assumptions.positive,
                    "simplex": m.name in assumptions.simplex} for m in inputs],
        "scalars": [{"name": py_name(s.name), "range": scalar_range(s)} for s in scalars],
        "sizes_text": ", ".join(f"{d} = {v}" for d, v in sorted(sizes.items(), key=str))
        or "fixed sizes",
        "gradients": [
            {"name": py_name(r.name), "code": numpy_code(r.expr, function),
             "label": f"d{name}/d{r.name}"}
            for r in derivation.results
            if r.name not in hessians
        ],
        "hessians": [
            {"name": hessians[r.name], "code": numpy_code(r.expr, function)}
            for r in derivation.results
            if r.name in hessians
        ],
    }


def _backprop_context(derivation: Derivation) -> dict[str, Any]:
    from derive.engine.backprop import check_context

    return check_context(derivation)


def _mvn_context(derivation: Derivation) -> dict[str, Any]:
    from derive.engine.mvncheck import check_context

    return check_context(derivation)


def _bayes_context(derivation: Derivation) -> dict[str, Any]:
    from derive.engine.bayescheck import check_context

    return check_context(derivation)


#: kind -> (template name, context builder). Other kinds register theirs here.
CHECKS: dict[str, tuple[str, Any]] = {
    "gradient": ("check_gradient.py.j2", _gradient_context),
    "matrix gradient": ("check_matrix.py.j2", _matrix_context),
    "backprop": ("check_backprop.py.j2", _backprop_context),
    "mle": ("check_mle.py.j2", _mle_context),
    "mle mvn": ("check_mle_mvn.py.j2", _mvn_context),
    "bayes": ("check_bayes.py.j2", _bayes_context),
    **COURSE_CHECKS,
    **MATH_CHECKS,
}


def check_script(derivation: Derivation, templates: Path | None = None) -> str:
    """The source of ``check_<id>.py`` for a derivation."""
    template, context = CHECKS[derivation.extras.get("check", derivation.kind)]
    values = {"id": derivation.id or "expr", "title": derivation.title, "seed": SEED}
    values.update(context(derivation))
    return environment(templates, latex_syntax=False).get_template(template).render(values)


__all__ = ["CHECKS", "check_script", "latex"]
