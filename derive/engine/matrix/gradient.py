"""Matrix gradients by differentials: dL = tr(G^T dX)  =>  dL/dX = G (G has the shape of X).

For each variable X: take the differential of L with named rules
(``differentials``), write it as a sum of traces, move dX to the right of each
(``identify``), collect. A scalar variable s gives dL = g ds. Sizes may be
symbolic; a vector is an n x 1 column; a 1 x 1 result such as a^T x is read as
a number.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.engine.matrix.differentials import push_once
from derive.engine.matrix.entrywise import simplify_entrywise
from derive.engine.matrix.expressions import (
    Scalar,
    ScalarDifferential,
    d,
    direction,
    is_matrix,
    scalar_direction,
)
from derive.engine.matrix.identify import (
    Term,
    as_sum,
    collect_terms,
    factor_common,
    gradient_of,
    peel,
    scalar_terms,
)
from derive.engine.matrix.recognise import recognised
from derive.engine.matrix.tidy import tidy_steps
from derive.errors import InputError
from derive.model import Result, Section, Step
from derive.names import is_digits
from derive.notation import Notated
from derive.printing import latex
from derive.prose import Prose, math, tex

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_L, _X, _S = sp.symbols("L X s")
CONVENTION = Prose.of(
    "The gradient of a scalar ", math(_L), " with respect to a matrix ", math(_X),
    " has the shape of ", math(_X), ": ",
    tex(r"$dL = \operatorname{tr}(G^\top dX)$", "dL = tr(G^T dX)"), " means ",
    tex(r"$\partial L/\partial X = G$", "dL/dX = G"), ". Vectors are columns.",
)
def partial_label(name: Any, v: Any) -> Notated:
    """``dL/dv`` as a sheet writes it in a sentence: ∂L/∂v."""
    return Notated("partial", name, v)


TRACE_SUM = tex(r"$\operatorname{tr}(A + B) = \operatorname{tr}A + \operatorname{tr}B$",
                "tr(A + B) = tr A + tr B")


# --- shapes -----------------------------------------------------------------------------------


def dimension(text: str) -> sp.Expr:
    """'3' -> 3, 'n' -> a positive integer symbol n."""
    text = text.strip()
    if is_digits(text) and 0 < int(text) <= 1000:
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


def broadcast_conventions(function: Any) -> list[Prose]:
    """The entrywise rules the expression uses, stated for the sheet."""
    from derive.matrixfunctions import Entrywise

    said = []
    if function.has(sp.OneMatrix):
        said.append(Prose.of(
            tex(r"$\mathbf{1}$", "1"), " is the all-ones vector; a scalar ", math(_S),
            " added to a vector or matrix is added to every entry (", tex("$s + A$", "s + A"),
            " means ", tex(r"$s\mathbf{1}\mathbf{1}^\top + A$", "s*1*1^T + A"), ")."))
    if function.atoms(ElementwiseApplyFunction, Entrywise, sp.HadamardProduct, sp.HadamardPower):
        said.append(Prose.of(
            "Functions of vectors and matrices apply entry by entry (",
            tex(r"$\sigma(z)_i = \sigma(z_i)$", "sigmoid(z)_i = sigmoid(z_i)"), "); ",
            tex(r"$\odot$", ".*"), " is the entrywise product, ",
            tex(r"$A^{\circ k}$", "A.^k"), " the entrywise power and ",
            tex(r"$A^{\circ -1}$", "A.^-1"), " the entrywise reciprocal (",
            tex(r"$A \oslash B = A \odot B^{\circ -1}$", "A ./ B = A .* B.^-1"), ")."))
    return said


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
    if expanded != current and len(terms) > 1:
        note = Prose.of("linearity of the trace: ", TRACE_SUM)
        steps.append(Step(current, expanded, "expand", note))
        current = expanded
    elif expanded != current and terms[0].coeff != 1:  # one term: its number leaves the trace
        steps.append(Step(current, expanded, "number out of the trace"))
        current = expanded
    # else the product is only regrouped, (dW x) as dW x: no step, the next starts as written
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
    loss: Any, var: Any, start: Any = None, title: Prose | None = None,
    lhs_name: Any = "L",
) -> tuple[Section, Any]:
    """The section dL = ... = tr(G^T dX) for one variable (dL = g ds for a scalar), and G
    (``lhs_name``: the loss's name, a string or a sympy symbol such as ℓ)."""
    scalar = not is_matrix(var)
    dvar = scalar_direction(var) if scalar else direction(var)
    begin = start if start is not None else ScalarDifferential(loss, var, dvar)
    steps = differential_steps(begin)
    current = steps[-1].after if steps else begin
    more, gradient = (scalar_identify_steps if scalar else identify_steps)(current, dvar)
    section = Section(
        title or Prose.of("Differential with respect to ", math(var)),
        begin,
        tuple(steps + more),
        Notated("differential", lhs_name),
    )
    return section, gradient


def typed_start(section: Section, typed: Any) -> Section:
    """The section starting from the differential of the loss as typed, d((Xw - y)^T (Xw - y)),
    its first step sympy's form of it ('simplify'), when the two print differently."""
    begin = section.start
    if typed is None or not isinstance(begin, ScalarDifferential):
        return section
    loss, var, dvar = begin.args
    start = ScalarDifferential(as_scalar(typed), var, dvar)
    # -(A B) as typed is sympy's -A B: the same line; and a derivation crosses a process
    # boundary, where sympy rebuilds each node through its constructor: the sheet's form
    if latex(start) == latex(begin) or latex(copy.deepcopy(start)) == latex(begin):
        return section
    return replace(section, start=start, steps=(Step(start, begin, "simplify"), *section.steps))


def scalar_identify_steps(current: Any, dvar: Any) -> tuple[list[Step], Any]:
    """dL linear in the scalar ds: its coefficient is the derivative, dL = g ds."""
    coefficient = _without_unit_factors(current.xreplace({dvar: sp.S.One}))
    return [Step(current, sp.Mul(coefficient, dvar), "identify the derivative")], coefficient


def _without_unit_factors(expr: Any) -> Any:
    """1 A as A: what setting ds = 1 leaves in products."""
    def unit(e: Any) -> bool:
        return isinstance(e, sp.MatMul) and sp.S.One in e.args

    def drop(e: Any) -> Any:
        kept = [a for a in e.args if a != 1]
        return kept[0] if len(kept) == 1 else sp.MatMul(*kept)

    return expr.replace(unit, drop)


def upstream_loss(output: Any, upstream: sp.MatrixSymbol) -> Any:
    """L seen through its upstream gradient: dL = tr(delta^T dz) means L = tr(delta^T z) locally."""
    product = sp.MatMul(sp.Transpose(upstream), output)
    return Scalar(product) if product.shape == (1, 1) else sp.Trace(product)


@dataclass(frozen=True)
class Stated:
    """What --assume states about matrices: columns summing to one (probability vectors,
    column-stochastic matrices), symmetric matrices, orthogonal ones."""

    simplex: Collection[sp.MatrixSymbol] = ()
    symmetric: Collection[sp.MatrixSymbol] = ()
    orthogonal: Collection[sp.MatrixSymbol] = ()


def matrix_gradient(
    function: Any,
    wrt: Sequence[sp.MatrixSymbol],
    name: str = "L",
    upstream: sp.MatrixSymbol | None = None,
    stated: Stated = Stated(),
) -> tuple[list[Section], list[Result], Any]:
    """Sections and results for a scalar function (or an output with upstream gradient);
    what is stated (columns summing to one, symmetric or orthogonal matrices) is used in a
    last section."""
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
            dvar = direction(var) if is_matrix(var) else scalar_direction(var)
            start = upstream_loss(d(function, var, dvar), upstream)
        section, gradient = gradient_section(loss, var, start, lhs_name=name)
        sections.append(section)
        label = sp.Derivative(sp.Symbol(name), var, evaluate=False)
        steps, gradient = stated_steps(gradient, stated)
        if steps:
            sections.append(Section(Prose.of("Simplify ", math(label)), steps[0].before,
                                    tuple(steps), label))
        results.append(
            Result(var.name, sp.Derivative(sp.Symbol(name), var, evaluate=False), gradient)
        )
    return sections, results, loss


def stated_steps(gradient: Any, stated: Stated = Stated()) -> tuple[list[Step], Any]:
    """Use what is stated: S^T = S for a symmetric S, Q^T Q = I for an orthogonal Q,
    1^T t = 1 for a probability vector (1^T T = 1^T for a column-stochastic T); simplify
    each entrywise part as the scalar it is at every entry; then collect and factor
    ((p - y) x^T rather than p x^T - y x^T)."""
    steps: list[Step] = []
    mirrored = gradient.xreplace({sp.Transpose(m): m for m in stated.symmetric})
    if mirrored != gradient:  # S + S^T = 2 S, collected by our own rule: sympy's MatAdd.doit
        # multiplies out with a deep doit() that composes exp(log(u)) into a bare identity
        mirrored = mirrored.replace(lambda e: isinstance(e, sp.MatAdd), collect_terms)
        mirrored = mirrored.replace(  # max(B, B) is B, H(B - B) is 1/2 (Entrywise), and
            lambda e: isinstance(e, sp.Transpose) and not e.arg.has(sp.MatrixSymbol),
            lambda e: e.arg.T)  # a constant matrix is transposed at once
        steps.append(Step(gradient, mirrored, "symmetric"))
        gradient = mirrored
    if stated.simplex or stated.orthogonal:
        more, gradient = tidy_steps(gradient, stated.simplex, stated.orthogonal)
        steps += more
    simplified = simplify_entrywise(gradient)
    if simplified != gradient:  # (1 - y) .* s - y .* (1 - s) = s - y, entry by entry
        steps.append(Step(gradient, simplified, "entrywise algebra"))
        gradient = simplified
    while (named := recognised(gradient)) is not None:  # e^u .* (1 + e^u).^-1 is sigma(u)
        steps.append(Step(gradient, named[1], named[0]))
        gradient = named[1]
    common = factor_common(gradient)
    if steps and common != gradient:
        steps.append(Step(gradient, common, "factor"))
        gradient = common
    return steps, gradient
