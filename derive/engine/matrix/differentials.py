"""Take a differential one named rule at a time: d pushed from the outside in.

Each rule is looked up by the class of the expression under ``d`` and returns
the rule's name and the expression with ``d`` moved one level inwards. A step
applies one rule to every differential it fits, so a product of three factors
is one 'product rule' step, as on a blackboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.engine.matrix.expressions import (
    MatrixDifferential,
    Named,
    Scalar,
    ScalarDifferential,
    Softmax,
    d,
    is_matrix,
)
from derive.errors import InputError
from derive.functions import KNOWN_DERIVATIVES

Rule = Callable[[Any, Any, Any], tuple[str, Any]]


def _factors_rule(build: Callable[..., Any]) -> Rule:
    """Product rule for any product: only the factors that vary get a d."""

    def rule(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
        args = list(expr.args)
        varying = [k for k, a in enumerate(args) if a.has(var)]
        terms = [build(*args[:k], d(args[k], var, dvar), *args[k + 1 :]) for k in varying]
        name = "differential of a product" if len(varying) > 1 else "constant factor"
        total = terms[0] if len(terms) == 1 else (sp.MatAdd if is_matrix(expr) else sp.Add)(*terms)
        return name, total

    return rule


def _mat_mul(*args: Any) -> Any:
    return sp.MatMul(*args)


def _sum_rule(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    varying = [d(a, var, dvar) for a in expr.args if a.has(var)]
    if len(varying) == 1:
        return "sum rule", varying[0]
    return "sum rule", (sp.MatAdd if is_matrix(expr) else sp.Add)(*varying)


def _trace(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    return "linearity of d", sp.Trace(d(expr.arg, var, dvar))


def _scalar(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    return "linearity of d", Scalar(d(expr.matrix, var, dvar))


def _transpose(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    return "transpose", sp.Transpose(d(expr.arg, var, dvar))


def _inverse(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    return "differential of the inverse", sp.MatMul(-1, expr, d(expr.arg, var, dvar), expr)


def _determinant(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    inner = expr.arg
    return "differential of det", expr * sp.Trace(sp.MatMul(sp.Inverse(inner), d(inner, var, dvar)))


def _log(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    arg = expr.args[0]
    if isinstance(arg, sp.Determinant):
        inner = arg.arg
        return "differential of log det", sp.Trace(
            sp.MatMul(sp.Inverse(inner), d(inner, var, dvar))
        )
    return "chain rule", sp.Mul(sp.Pow(arg, -1), d(arg, var, dvar))


def _function(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    if len(expr.args) != 1:
        raise InputError(
            f"cannot take the differential of {expr.func.__name__} with several arguments"
        )
    arg = expr.args[0]
    return "chain rule", sp.Mul(scalar_derivative(type(expr), arg), d(arg, var, dvar))


def _power(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    base, exponent = expr.args
    if exponent.has(var):
        raise InputError("a power whose exponent depends on a matrix variable is not supported")
    return "power rule", sp.Mul(exponent, sp.Pow(base, exponent - 1), d(base, var, dvar))


def _matpow(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    base, k = expr.args
    if not (k.is_Integer and k > 0):
        raise InputError("only positive integer powers of a matrix are supported")
    k = int(k)
    terms = [
        sp.MatMul(*([base] * i), d(base, var, dvar), *([base] * (k - 1 - i))) for i in range(k)
    ]
    return "differential of a product", sp.MatAdd(*terms)


def _elementwise(expr: ElementwiseApplyFunction, var: Any, dvar: Any) -> tuple[str, Any]:
    arg = expr.expr
    prime = elementwise_derivative(expr.function, arg)
    return "elementwise function", sp.HadamardProduct(prime, d(arg, var, dvar))


def _softmax(expr: Softmax, var: Any, dvar: Any) -> tuple[str, Any]:
    """dp = (diag(p) - p p^T) dz for a column; each column or row of P the same way."""
    p = Named(expr.label, expr)
    inner = d(expr.arg, var, dvar)
    rows, cols = expr.shape
    if cols == 1 and expr.axis == 0:
        jacobian = sp.MatAdd(sp.DiagMatrix(p), sp.MatMul(-1, p, sp.Transpose(p)))
        return "differential of softmax", sp.MatMul(jacobian, inner)
    local = sp.HadamardProduct(p, inner)
    if expr.axis == 0:
        spread = sp.MatMul(sp.OneMatrix(rows, 1), sp.OneMatrix(1, rows), local)
        rule = "differential of column softmax"
    else:
        spread = sp.MatMul(local, sp.OneMatrix(cols, 1), sp.OneMatrix(1, cols))
        rule = "differential of row softmax"
    return rule, sp.MatAdd(local, sp.MatMul(-1, sp.HadamardProduct(p, spread)))


def _named(expr: Named, var: Any, dvar: Any) -> tuple[str, Any]:
    return "substitute", d(expr.definition, var, dvar)


#: class of the expression under d -> rule. Looked up along the class's MRO.
DIFFERENTIAL_RULES: dict[type, Rule] = {
    sp.MatMul: _factors_rule(_mat_mul),
    sp.HadamardProduct: _factors_rule(sp.HadamardProduct),
    sp.Mul: _factors_rule(sp.Mul),
    sp.MatAdd: _sum_rule,
    sp.Add: _sum_rule,
    sp.Trace: _trace,
    Scalar: _scalar,
    sp.Transpose: _transpose,
    sp.Inverse: _inverse,
    sp.Determinant: _determinant,
    sp.log: _log,
    sp.Pow: _power,
    sp.MatPow: _matpow,
    ElementwiseApplyFunction: _elementwise,
    Named: _named,
    Softmax: _softmax,
    sp.Function: _function,
}


def rule_for(expr: Any) -> Rule:
    for cls in type(expr).__mro__:
        if cls in DIFFERENTIAL_RULES:
            return DIFFERENTIAL_RULES[cls]
    raise InputError(f"no differential rule for {type(expr).__name__} ({expr})")


# --- derivatives of scalar functions, and their elementwise matrix form -----------------------

U = sp.Symbol("u", real=True)


def scalar_derivative(func: type, arg: Any) -> Any:
    """f'(arg) in the textbook form of the known-derivative table."""
    known = KNOWN_DERIVATIVES.get(func)
    if known is not None:
        return known.derivative(arg)
    return sp.diff(func(U), U).xreplace({U: arg})


def elementwise_derivative(function: sp.Lambda, arg: Any) -> Any:
    """f'(A) applied entrywise, written with Hadamard products: sigma(Z) odot (1 - sigma(Z))."""
    (u,), body = function.args
    if isinstance(body, sp.Function) and body.args == (u,):
        prime = scalar_derivative(type(body), U)
    else:
        prime = sp.diff(body.xreplace({u: U}), U)
    return entrywise(prime, arg)


def entrywise(expr: Any, arg: Any) -> Any:
    """A scalar expression in u, as a matrix expression over the entries of ``arg``."""
    rows, cols = arg.shape
    if expr == U:
        return arg
    if expr.is_Number:
        return sp.MatMul(expr, sp.OneMatrix(rows, cols)) if expr != 1 else sp.OneMatrix(rows, cols)
    if isinstance(expr, sp.Add):
        return sp.MatAdd(*[entrywise(a, arg) for a in expr.args])
    if isinstance(expr, sp.Mul):
        coeff, rest = expr.as_coeff_Mul()
        factors = [entrywise(f, arg) for f in sp.Mul.make_args(rest)]
        core = factors[0] if len(factors) == 1 else sp.HadamardProduct(*factors)
        return core if coeff == 1 else sp.MatMul(coeff, core)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        return sp.HadamardPower(entrywise(expr.base, arg), expr.exp)
    if isinstance(expr, sp.Function) and len(expr.args) == 1 and expr.args[0] == U:
        return ElementwiseApplyFunction(sp.Lambda(U, expr), arg)
    return ElementwiseApplyFunction(sp.Lambda(U, expr), arg)


# --- one step -------------------------------------------------------------------------------------

_DIFFERENTIALS = (MatrixDifferential, ScalarDifferential)


def _differentials(expr: Any) -> Iterator[Any]:
    for node in sp.preorder_traversal(expr):
        if isinstance(node, _DIFFERENTIALS):
            yield node


def push_once(expr: Any) -> tuple[str, Any] | None:
    """Apply the rule of the first differential to every differential it fits; None when done."""
    found = list(dict.fromkeys(_differentials(expr)))
    if not found:
        return None
    first = found[0]
    name, _ = rule_for(first.expr)(first.expr, first.variable, first.direction)
    mapping = {}
    for node in found:
        rule_name, replacement = rule_for(node.expr)(node.expr, node.variable, node.direction)
        if rule_name == name:
            mapping[node] = replacement
    return name, expr.xreplace(mapping)
