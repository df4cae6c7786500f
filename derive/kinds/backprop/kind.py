"""Backpropagation through a list of forward definitions, in matrix form.

The forward pass is a list ``name = expression`` read by our grammar (``z1 =
W1*x + b1``, ``a1 = sigmoid(z1)``, ...), ending in a scalar loss or in an
output with a given upstream gradient. The backward pass walks the list once
from the end: each definition v = f(u, ...) is differentiated locally with
dL = tr(g_v^T dv), g_v the gradient already known for v, which gives the
gradient for each input u. Gradients of intermediates named in ``deltas``
(by default z<k> -> delta<k>) are introduced by name, so every local step is
small and the work grows linearly with depth: the delta recursion.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions
from derive.catalogue.spec import Spec
from derive.engine.matrix.expressions import (
    EntrywiseGradient,
    Named,
    Scalar,
    d,
    direction,
    is_matrix,
)
from derive.engine.matrix.gradient import (
    CONVENTION,
    as_scalar,
    gradient_section,
    matrix_symbols,
    parse_shapes,
    partial_label,
    upstream_loss,
)
from derive.errors import DeriveError, InputError
from derive.functions import as_expr
from derive.jsonout import expression_fields
from derive.kinds.backprop.fields import FIELDS
from derive.kinds.base import Kind, derivation_of
from derive.kinds.gradient.kind import gradient_json
from derive.matrixfunctions import Softmax
from derive.model import Derivation, Result, Section
from derive.notation import Notated
from derive.prose import NO_PROSE, Prose, display, math

NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
Z_NAME = re.compile(r"^z_?(\w+)$")


@dataclass(frozen=True)
class Definition:
    """One line of the forward pass: ``name = rhs`` (name a MatrixSymbol, or the loss)."""

    name: Any
    rhs: Any


# --- the forward pass ---------------------------------------------------------------------------


def _plain_shapes(shapes: Mapping[str, tuple]) -> dict[str, tuple]:
    return {k: tuple(int(x) if x.is_Integer else str(x) for x in v) for k, v in shapes.items()}


def parse_forward(lines: list[str], shapes: dict[str, tuple], spec: Spec | None = None
                  ) -> list[Definition]:
    """Each ``name = expr`` parsed with the shapes known so far; intermediates get their shape."""
    from derive.parse import parse_expression

    known = dict(shapes)
    out = []
    for k, line in enumerate(lines):
        name, sep, text = line.partition("=")
        name = name.strip()
        if not sep or not NAME.match(name):
            raise _error(spec, f"line {k + 1}: expected 'name = expression', got {line!r}")
        if name in known:
            raise _error(spec, f"line {k + 1}: '{name}' is already defined")
        try:
            rhs = _right_side(name, text.strip(), _plain_shapes(known), parse_expression)
        except DeriveError as exc:
            raise _error(spec, f"line {k + 1}: {exc}") from None
        if is_matrix(rhs) and rhs.shape != (1, 1):
            known[name] = rhs.shape
            out.append(Definition(sp.MatrixSymbol(name, *rhs.shape), rhs))
        else:
            if k != len(lines) - 1:
                raise _error(spec, f"line {k + 1}: only the last line may be the scalar loss")
            out.append(Definition(sp.Symbol(name), as_scalar(rhs)))
    return out


def center(arg: Any, name: str) -> Any:
    """Each column minus its mean: X - (1/N) 1 1^T X."""
    rows = arg.shape[0]
    ones = sp.MatMul(sp.OneMatrix(rows, 1), sp.OneMatrix(1, rows), arg)
    return sp.MatAdd(arg, sp.MatMul(sp.Rational(-1) / rows, *ones.args))


#: layer functions the grammar does not know, written ``p = softmax(z)`` on a line of their own:
#: name -> builder(argument, name of the line). The argument is parsed by the grammar.
LAYER_FUNCTIONS: dict[str, Any] = {
    "softmax": lambda arg, name: Softmax(arg, axis=0, name=name),
    "softmax_rows": lambda arg, name: Softmax(arg, axis=1, name=name),
    "center": center,
}
CALL = re.compile(r"^([a-z_]+)\((.*)\)$", re.DOTALL)


def _right_side(name: str, text: str, shapes: dict[str, tuple], parse: Any) -> Any:
    """The right-hand side of a definition: a layer function of one argument, or any expression."""
    call = CALL.match(text)
    if call and call.group(1) in LAYER_FUNCTIONS:
        arg = parse(call.group(2), syntax="plain", shapes=shapes)
        if not is_matrix(arg):
            raise InputError(f"{call.group(1)} needs a matrix or a column vector")
        return LAYER_FUNCTIONS[call.group(1)](arg, name)
    return parse(text, syntax="plain", shapes=shapes)


def _error(spec: Spec | None, problem: str) -> InputError:
    return spec.error("forward", problem) if spec is not None else InputError(problem)


def default_deltas(forward: list[Definition]) -> dict[str, str]:
    """z1 -> delta1, z_2 -> delta2: the intermediate quantities get a name in the recursion."""
    out = {}
    for item in forward:
        match = Z_NAME.match(getattr(item.name, "name", ""))
        if match and is_matrix(item.name):
            out[item.name.name] = f"delta{match.group(1)}"
    return out


# --- the backward pass ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Backward:
    """What the walk produced: sections, gradients in local form, and the delta definitions."""

    sections: list[Section]
    gradients: dict[Any, Any]  # parameter -> gradient in terms of deltas and intermediates
    deltas: list[tuple[Any, Any]]  # (delta symbol, its definition), from the output backwards
    loss: Any  # the scalar the walk started from, in local symbols


def _title(item: Definition, var: Any) -> Prose:
    return Prose.of("Through ", math(item.name, item.rhs), ": with respect to ", math(var))


def backward(forward: list[Definition], wanted: Sequence[Any], deltas: Mapping[str, str],
             upstream: sp.MatrixSymbol | None = None, name: str = "L",
             with_sections: bool = True) -> Backward:
    """Walk the forward list once from the end; each definition is differentiated locally.

    The gradients come out in the order of ``wanted`` (a sequence, so that the sheet and
    the check script do not depend on set order, which changes with PYTHONHASHSEED).
    """
    *body, last = forward
    if upstream is not None:
        loss_item = Definition(sp.Symbol(name), upstream_loss(last.name, upstream))
        body = [*body, last]
    elif not is_matrix(last.name):
        loss_item = last
    else:
        raise InputError("the forward pass must end in a scalar loss, or give 'upstream'")
    intermediates = {item.name for item in body}
    # only what lies on a path to the loss from something wanted needs a gradient
    relevant = set(wanted) | intermediates
    pending: dict[Any, list[Any]] = {}
    upstreams: dict[Any, Any] = {}
    sections: list[Section] = []
    delta_list: list[tuple[Any, Any]] = []

    def visit(item: Definition, g: Any) -> None:
        local = as_scalar(item.rhs) if g is None else upstream_loss(item.rhs, g)
        for var in sorted(item.rhs.atoms(sp.MatrixSymbol), key=lambda s: s.name):
            if var not in relevant or var == upstream:
                continue
            start = None
            if g is not None:
                dvar = direction(var)
                start = upstream_loss(d(item.rhs, var, dvar), g)
            section, gradient = gradient_section(local, var, start, _title(item, var), name)
            if with_sections:
                sections.append(section)
            pending.setdefault(var, []).append(gradient)

    visit(loss_item, None)
    for item in reversed(body):
        parts = pending.pop(item.name, [])
        if not parts:
            continue
        total = parts[0] if len(parts) == 1 else sp.MatAdd(*parts)
        delta_name = deltas.get(item.name.name)
        if delta_name:
            symbol = sp.MatrixSymbol(delta_name, *item.name.shape)
            delta_list.append((symbol, total))
            upstreams[item.name] = symbol
        else:
            upstreams[item.name] = total
        visit(item, upstreams[item.name])
    gradients = {}
    for var in wanted:
        parts = pending.get(var)
        if not parts:
            raise InputError(f"'{var.name}' does not reach the loss")
        gradients[var] = parts[0] if len(parts) == 1 else sp.MatAdd(*parts)
    return Backward(sections, gradients, delta_list, loss_item.rhs)


# --- the 'backprop' kind ------------------------------------------------------------------------


def named_values(forward: list[Definition], walk: Backward) -> dict[Any, Named]:
    """Each intermediate and delta as a Named quantity: shown by name, evaluated by definition."""
    named: dict[Any, Any] = {}
    for item in forward:
        if is_matrix(item.name):
            named[item.name] = Named(item.name.name, item.rhs.xreplace(named))
    for symbol, definition in walk.deltas:  # from the output backwards: delta2 before delta1
        named[symbol] = Named(symbol.name, definition.xreplace(named))
    return named


def _question(forward: list[Definition], wanted: list[Any], upstream: Any, name: str) -> Prose:
    lines = display(*(math(i.name, i.rhs) for i in forward), aligned=True)
    find = Prose.joined(", ", [Prose.of(math(partial_label(name, v))) for v in wanted])
    given = NO_PROSE if upstream is None else Prose.of(
        " The upstream gradient ", math(upstream, partial_label(name, forward[-1].name)),
        " is given.")
    return Prose.of("Forward pass: ", lines, given, " Find ", find,
                    " by walking the forward pass backwards.")


@dataclass(frozen=True)
class Backprop:
    """What backpropagation adds: the forward pass, the backward walk, the inputs, the deltas."""

    forward: tuple[Definition, ...]
    walk: Backward
    inputs: tuple[sp.MatrixSymbol, ...]
    deltas: tuple[str, ...]  # the names of the deltas of the recursion (results, not gradients)
    upstream: sp.MatrixSymbol | None = None


def derive_backprop(spec: Spec) -> Derivation:
    """The 'backprop' kind: forward definitions in, the delta recursion and gradients out."""
    shapes = parse_shapes(spec.require("shapes", dict))
    forward = parse_forward(list(spec.require("forward", list)), shapes, spec)
    inputs = matrix_symbols(shapes)
    name = spec.get("name", "L")
    upstream = inputs.get(spec.get("upstream", "")) if spec.get("upstream") else None
    if spec.get("upstream") and upstream is None:
        raise spec.error("upstream", "needs a shape")
    wanted = []
    for w in spec.names("wrt"):
        if w not in inputs:
            raise spec.error("wrt", f"'{w}' is not an input with a shape")
        wanted.append(inputs[w])
    question = _question(forward, wanted, upstream, name)
    simplex = _simplex(spec, inputs)
    if simplex:
        forward = [Definition(i.name, i.rhs.xreplace(simplex)) for i in forward]
    forward = _inlined(forward, set(spec.names("inline", ())))
    deltas = dict(spec.get("deltas") or default_deltas(forward))
    walk = backward(forward, wanted, deltas, upstream, name)
    walk = _tidied(walk, wanted, set(simplex.values()), name)
    named = named_values(forward, walk)
    results = [
        Result(symbol.name, symbol, walk_definition.xreplace(named))
        for symbol, walk_definition in walk.deltas
    ]
    results += [
        Result(v.name, sp.Derivative(sp.Symbol(name), v, evaluate=False),
               walk.gradients[v].xreplace(named))
        for v in wanted
    ]
    loss = walk.loss.xreplace(named)
    conventions = [CONVENTION]
    conventions += [Prose.of(math(y), " is a probability vector: ",
                             math(Notated("ones sum", y), 1),
                             ".")
                    for y in simplex.values()]
    if deltas:
        conventions.append(Prose.of(
            "The gradient with respect to each intermediate quantity is given a name, ",
            Prose.joined(", ", [Prose.of(math(sp.Symbol(v), partial_label(name, sp.Symbol(k))))
                                for k, v in deltas.items()]),
            ": each is computed once, from the one after it (the delta recursion)."))
    return derivation_of(
        spec,
        input="\n".join(spec.require("forward", list)),
        function=loss,
        sections=tuple(walk.sections),
        results=tuple(results),
        symbols=tuple(sorted(loss.atoms(sp.MatrixSymbol), key=lambda s: s.name)),
        assumptions=parse_assumptions(spec.assume),
        independent={v.name: EntrywiseGradient(loss, v) for v in wanted},
        independent_route=Prose.of("central differences of the function, entry by entry, "
                                   "at 50 digits"),
        name=name,
        question=question,
        conventions=tuple(conventions),
        details=Backprop(
            forward=tuple(forward),
            walk=walk,
            inputs=tuple(sorted(inputs.values(), key=lambda s: s.name)),
            deltas=tuple(s.name for s, _ in walk.deltas),
            upstream=upstream,
        ),
    )


def _simplex(spec: Spec, inputs: Mapping[str, sp.MatrixSymbol]) -> dict[Any, Named]:
    """Probability vectors (``simplex = ["y"]``): y stands for u / 1^T u, so 1^T y = 1 always."""
    out: dict[Any, Named] = {}
    for y in spec.names("simplex", ()):
        raw = inputs.get(y)
        if raw is None or raw.shape[1] != 1:
            raise spec.error("simplex", f"'{y}' must be a column vector with a shape")
        total = Scalar(sp.MatMul(sp.OneMatrix(1, raw.shape[0]), raw))
        out[raw] = Named(y, sp.MatMul(sp.Pow(total, -1), raw))
    return out


def _inlined(forward: list[Definition], names: set[str]) -> list[Definition]:
    """Intermediates listed in ``inline`` appear in later lines by name but as their definition.

    The walk then differentiates straight through them (p = softmax(z) inside log p), and a
    step's random test sees p's true (positive) values.
    """
    if not names:
        return forward
    known = {i.name.name for i in forward if is_matrix(i.name)}
    if names - known:
        raise InputError(f"inline: no intermediate named {', '.join(sorted(names - known))}")
    values: dict[Any, Any] = {}
    out = []
    for item in forward:
        rhs = item.rhs.xreplace(values)
        if is_matrix(item.name) and item.name.name in names:
            values[item.name] = Named(item.name.name, rhs)
            continue
        out.append(Definition(item.name, rhs))
    return out


def _tidied(walk: Backward, wanted: list[Any], simplex: set[Any], name: str) -> Backward:
    """Each gradient multiplied out, cancelled, and 1^T y = 1 used, as steps of its own section."""
    from derive.engine.matrix.tidy import tidy_steps

    sections, gradients = list(walk.sections), dict(walk.gradients)
    for var in wanted:
        steps, final = tidy_steps(gradients[var], simplex)
        if steps:
            label = sp.Derivative(sp.Symbol(name), var, evaluate=False)
            title = Prose.of("Simplify ", math(partial_label(name, var)))
            sections.append(Section(title,
                                    gradients[var], tuple(steps), label))
            gradients[var] = final
    return Backward(sections, gradients, walk.deltas, walk.loss)


def check_context(derivation: Derivation) -> dict[str, Any]:
    """The check script's forward and backward passes, one NumPy line per definition."""
    from derive.numpyprint import numpy_code

    details: Backprop = derivation.details
    forward, walk, inputs = details.forward, details.walk, details.inputs
    dims = sorted({x for m in inputs for x in m.shape if isinstance(x, sp.Symbol)}, key=str)
    sizes = {x: 3 + k for k, x in enumerate(dims)}

    def shape(m: Any) -> tuple[int, int]:
        return tuple(int(as_expr(x).xreplace(sizes)) for x in m.shape)

    loss_code = numpy_code(walk.loss, helpers=True)
    # scalar constants (the k of sqrt(k)): the concrete size of the same name, else 1.7
    by_name = {str(x): v for x, v in sizes.items()}
    scalars = sorted({s for i in forward for s in i.rhs.free_symbols
                      if isinstance(s, sp.Symbol) and s not in sizes}, key=str)
    return {
        "scalars": [{"name": s.name, "value": float(by_name.get(s.name, 1.7))} for s in scalars],
        "args": ", ".join(m.name for m in inputs),
        "forward": [{"name": i.name.name, "code": numpy_code(i.rhs, helpers=True)}
                    for i in forward if is_matrix(i.name)],
        "loss": loss_code,
        "deltas": [{"name": s.name, "code": numpy_code(e, helpers=True)} for s, e in walk.deltas],
        "gradients": [{"name": v.name, "code": numpy_code(e, helpers=True)}
                      for v, e in walk.gradients.items()],
        "inputs": [{"name": m.name, "rows": shape(m)[0], "cols": shape(m)[1]} for m in inputs],
        "sizes_text": ", ".join(f"{x} = {v}" for x, v in sizes.items()) or "fixed sizes",
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """Forward and backward passes in NumPy, against central finite differences."""
    return "check_backprop.py.j2", check_context(derivation)


def backprop_json(derivation: Derivation, check: dict[str, Any]) -> dict[str, Any]:
    """A gradient whose forward pass is a list: the deltas of the recursion come along."""
    names = set(derivation.details.deltas)
    out = gradient_json(derivation, check)
    out["gradient"] = {k: v for k, v in out["gradient"].items() if k not in names}
    out["deltas"] = {r.name: expression_fields(r.expr) for r in derivation.results
                     if r.name in names}
    return out


KIND = Kind("backprop", FIELDS, derive_backprop, check_recipe, backprop_json)
