"""Matrix gradients by differentials: dL = tr(G^T dX)  =>  dL/dX = G (G has the shape of X).

For each variable X: take the differential of L with named rules
(``differentials``), write it as a sum of traces, move dX to the right of each
(``identify``), collect. Sizes may be symbolic; a vector is an n x 1 column;
a 1 x 1 result such as a^T x is read as a number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from derive.engine.matrix.differentials import push_once
from derive.engine.matrix.expressions import (
    Scalar,
    ScalarDifferential,
    d,
    direction,
    is_matrix,
)
from derive.engine.matrix.identify import Term, as_sum, gradient_of, peel, scalar_terms
from derive.errors import InputError
from derive.model import Result, Section, Step
from derive.printing import Label
from derive.prose import Prose, math

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
CONVENTION = (
    r"The gradient of a scalar $L$ with respect to a matrix $X$ has the shape of $X$: "
    r"$dL = \operatorname{tr}(G^\top dX)$ means $\partial L/\partial X = G$. "
    r"Vectors are columns."
)


# --- shapes -----------------------------------------------------------------------------------


def dimension(text: str) -> sp.Expr:
    """'3' -> 3, 'n' -> a positive integer symbol n."""
    text = text.strip()
    if text.isdigit() and 0 < int(text) <= 1000:
        return sp.Integer(int(text))
    if NAME.match(text) and len(text) <= 16:
        return sp.Symbol(text, integer=True, positive=True)
    raise InputError(f"bad matrix size {text!r} (a positive integer or a name like n)")


def parse_shapes(table: Mapping[str, Any]) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """The spec's shape table {'W': 'm,n'} as sympy sizes."""
    shapes = {}
    for name, value in table.items():
        if not NAME.match(name):
            raise InputError(f"--shape {name}: not a valid name")
        parts = value.split(",") if isinstance(value, str) else list(value)
        if len(parts) != 2:
            raise InputError(f"--shape {name}={value}: expected ROWS,COLS")
        shapes[name] = (dimension(str(parts[0])), dimension(str(parts[1])))
    return shapes


def matrix_symbols(shapes: Mapping[str, tuple[sp.Expr, sp.Expr]]) -> dict[str, sp.MatrixSymbol]:
    return {name: sp.MatrixSymbol(name, *shape) for name, shape in shapes.items()}


def as_scalar(expr: Any) -> Any:
    """A 1 x 1 matrix expression as a number; a larger matrix is an error."""
    if is_matrix(expr):
        if expr.shape != (1, 1):
            raise InputError(
                f"the expression is a {expr.shape[0]} x {expr.shape[1]} matrix, "
                "not a scalar: a gradient needs a scalar (use tr(), sum() or det())"
            )
        return Scalar(expr)
    return expr


# --- one variable ------------------------------------------------------------------------------


def differential_steps(start: Any) -> list[Step]:
    """Push d inwards until no differential is left, one rule per step."""
    steps, current = [], start
    while (move := push_once(current)) is not None:
        rule, after = move
        steps.append(Step(current, after, rule))
        current = after
    return steps


def identify_steps(current: Any, dvar: Any) -> tuple[list[Step], Any]:
    """Trace of a scalar, linearity, cyclic/transpose/Hadamard moves, collect: returns G."""
    steps: list[Step] = []
    holding = {s for s in current.atoms(Scalar) if s.has(dvar)}
    if holding:
        after = current.xreplace({s: sp.Trace(s.matrix) for s in holding})
        steps.append(Step(current, after, "trace of a scalar"))
        current = after
    terms = scalar_terms(current, dvar)
    expanded = as_sum(terms)
    if expanded != current:
        steps.append(
            Step(
                current,
                expanded,
                "expand",
                r"linearity of the trace: $\operatorname{tr}(A + B) = "
                r"\operatorname{tr}A + \operatorname{tr}B$",
            )
        )
        current = expanded
    while True:
        moves = [peel(t.matrix, dvar) for t in terms]
        pending = [m for m in moves if m is not None]
        if not pending:
            break
        rule = pending[0][0]
        terms = [
            Term(t.coeff, m[1]) if m is not None and m[0] == rule else t
            for t, m in zip(terms, moves, strict=True)
        ]
        after = as_sum(terms)
        steps.append(Step(current, after, rule))
        current = after
    gradient = gradient_of(terms, dvar)
    final = sp.Trace(sp.MatMul(sp.Transpose(gradient), dvar))
    steps.append(Step(current, final, "identify the gradient"))
    return steps, gradient


def gradient_section(
    loss: Any, var: sp.MatrixSymbol, start: Any = None, title: Prose | None = None,
    lhs_name: str = "L", lhs_text: str = "",
) -> tuple[Section, Any]:
    """The section dL = ... = tr(G^T dX) for one variable, and G (``lhs_text``: the name
    as plain text, when ``lhs_name`` is LaTeX)."""
    dvar = direction(var)
    begin = start if start is not None else ScalarDifferential(loss, var, dvar)
    steps = differential_steps(begin)
    current = steps[-1].after if steps else begin
    more, gradient = identify_steps(current, dvar)
    section = Section(
        title or Prose.of("Differential with respect to ", math(var)),
        begin,
        tuple(steps + more),
        Label(f"d{lhs_name}", f"d{lhs_text or lhs_name}"),
    )
    return section, gradient


def upstream_loss(output: Any, upstream: sp.MatrixSymbol) -> Any:
    """L seen through its upstream gradient: dL = tr(delta^T dz) means L = tr(delta^T z) locally."""
    product = sp.MatMul(sp.Transpose(upstream), output)
    return Scalar(product) if product.shape == (1, 1) else sp.Trace(product)


def matrix_gradient(
    function: Any,
    wrt: Sequence[sp.MatrixSymbol],
    name: str = "L",
    upstream: sp.MatrixSymbol | None = None,
) -> tuple[list[Section], list[Result], Any]:
    """Sections and results for a scalar function (or an output with upstream gradient)."""
    if upstream is not None:
        if upstream.shape != function.shape:
            raise InputError(
                f"upstream gradient {upstream.name} has shape {upstream.shape}, "
                f"the output has shape {function.shape}"
            )
        loss = upstream_loss(function, upstream)
    else:
        loss = as_scalar(function)
    sections, results = [], []
    for var in wrt:
        if not loss.has(var):
            raise InputError(f"--wrt {var.name}: '{var.name}' does not occur in the expression")
        start = None
        if upstream is not None:
            dvar = direction(var)
            start = upstream_loss(d(function, var, dvar), upstream)
        section, gradient = gradient_section(loss, var, start, lhs_name=name)
        sections.append(section)
        results.append(
            Result(var.name, sp.Derivative(sp.Symbol(name), var, evaluate=False), gradient)
        )
    return sections, results, loss
