"""Take a differential one named rule at a time: d pushed from the outside in.

Each rule is looked up by the class of the expression under ``d`` and returns
the rule's name and the expression with ``d`` moved one level inwards. A step
applies one rule to every differential it fits, so a product of three factors
is one 'product rule' step, as on a blackboard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import singledispatch
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.engine.matrix.expressions import (
    MatrixDifferential,
    Named,
    Scalar,
    ScalarDifferential,
    d,
    is_matrix,
)
from derive.engine.matrix.recognise import recognised
from derive.errors import NotSupported
from derive.functions import KNOWN_DERIVATIVES
from derive.matrixfunctions import Entrywise, LogSumExp, Norm, Softmax

Rule = Callable[[Any, Any, Any], tuple[str, Any]]


def _factors_rule(build: Callable[..., Any], constant: str = "constant factor") -> Rule:
    """Product rule for any product: only the factors that vary get a d (``constant``: the
    rule's name when one factor varies, d(AXB) = A dX B or d(A .* X) = A .* dX)."""

    def rule(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
        args = list(expr.args)
        varying = [k for k, a in enumerate(args) if a.has(var)]
        terms = [build(*args[:k], d(args[k], var, dvar), *args[k + 1 :]) for k in varying]
        name = "differential of a product" if len(varying) > 1 else constant
        total = terms[0] if len(terms) == 1 else (sp.MatAdd if is_matrix(expr) else sp.Add)(*terms)
        return name, total

    return rule


def _mat_mul(*args: Any) -> Any:
    return sp.MatMul(*args)


def _sum_rule(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    varying = [d(a, var, dvar) for a in expr.args if a.has(var)]
    name = "sum rule" if len(varying) == len(expr.args) else "sum rule, constants drop"
    if len(varying) == 1:
        return name, varying[0]
    return name, (sp.MatAdd if is_matrix(expr) else sp.Add)(*varying)


def _trace(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    if expr.arg.shape == (1, 1):  # tr(1^T e^z) is the number 1^T e^z: no trace to pass
        return _scalar(Scalar(expr.arg), var, dvar)
    return "linearity of d", sp.Trace(d(expr.arg, var, dvar))


def _scalar(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    # d(x^T A x) of a number written as a 1 x 1 matrix: no trace to pass, the line as it
    # reads is the differential taken
    return "differential", Scalar(d(expr.matrix, var, dvar))


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
    """d f(a) = f'(a) da; of several arguments, the partial derivatives: d max(a, b)."""
    if len(expr.args) == 1:
        arg = expr.args[0]
        return "chain rule", sp.Mul(scalar_derivative(type(expr), arg), d(arg, var, dvar))
    names = sp.symbols(f"u1:{len(expr.args) + 1}", real=True)
    general = expr.func(*names)
    terms = [sp.Mul(sp.diff(general, u).xreplace(dict(zip(names, expr.args, strict=True))),
                    d(a, var, dvar)) for u, a in zip(names, expr.args, strict=True) if a.has(var)]
    return "chain rule", sp.Add(*terms)


def _power(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    base, exponent = expr.args
    if exponent.has(var):  # d(b^e) = b^e (log(b) de + e db / b)
        change = sp.Add(sp.Mul(sp.log(base), d(exponent, var, dvar)),
                        sp.Mul(exponent, sp.Pow(base, -1), d(base, var, dvar)))
        return "power rule", sp.Mul(expr, change)
    return "power rule", sp.Mul(exponent, sp.Pow(base, exponent - 1), d(base, var, dvar))


def _matpow(expr: Any, var: Any, dvar: Any) -> tuple[str, Any]:
    base, k = expr.args
    if not (k.is_Integer and k > 0):
        raise NotSupported("only positive integer powers of a matrix are supported")
    k = int(k)
    terms = [
        sp.MatMul(*([base] * i), d(base, var, dvar), *([base] * (k - 1 - i))) for i in range(k)
    ]
    return "differential of a product", sp.MatAdd(*terms)


def _elementwise(expr: ElementwiseApplyFunction, var: Any, dvar: Any) -> tuple[str, Any]:
    """d f(A) = f'(A) odot dA; a scalar inside f (f(u) = max(u, c)) adds f_c(A) dc."""
    arg = expr.expr
    if expr.function.args[1].func == sp.log and isinstance(arg, Softmax) and _column(arg):
        z = arg.arg
        rewritten = sp.MatAdd(z, sp.MatMul(-1, sp.OneMatrix(*z.shape), LogSumExp(z)))
        return "log of softmax", d(rewritten, var, dvar)
    if expr.function.args[1].func == sp.log and isinstance(arg, Softmax):
        return _log_softmax(arg, var, dvar)
    terms = []
    if arg.has(var):
        prime = elementwise_derivative(expr.function, arg)
        terms.append(sp.HadamardProduct(prime, d(arg, var, dvar)))
    (u,), body = expr.function.args
    if body.has(var):
        partial = sp.diff(body, var).xreplace({u: U})
        terms.append(sp.MatMul(d(var, var, dvar), entrywise(partial, arg)))
    total = terms[0] if len(terms) == 1 else sp.MatAdd(*terms)
    return "elementwise function", total


def _entrywise_several(expr: Entrywise, var: Any, dvar: Any) -> tuple[str, Any]:
    """d f(A, B) = f_1(A, B) odot dA + f_2(A, B) odot dB, entry by entry."""
    names, body = expr.function.args
    terms = []
    for u, matrix in zip(names, expr.matrices, strict=True):
        if matrix.has(var):
            partial = Entrywise(sp.Lambda(names, sp.diff(body, u)), *expr.matrices)
            terms.append(sp.HadamardProduct(partial, d(matrix, var, dvar)))
    if body.has(var):
        partial = Entrywise(sp.Lambda(names, sp.diff(body, var)), *expr.matrices)
        terms.append(sp.MatMul(d(var, var, dvar), partial))
    total = terms[0] if len(terms) == 1 else sp.MatAdd(*terms)
    return "elementwise function", total


def _column(expr: Softmax) -> bool:
    return expr.shape[1] == 1 and expr.axis == 0


def _log_softmax(expr: Softmax, var: Any, dvar: Any) -> tuple[str, Any]:
    """d log(softmax(Z)) = dZ - 1 1^T (P odot dZ) column by column (rows: (P odot dZ) 1 1^T)."""
    p = Named(expr.label, expr)
    inner = d(expr.arg, var, dvar)
    rows, cols = expr.shape
    local = sp.HadamardProduct(p, inner)
    if expr.axis == 0:
        spread = sp.MatMul(sp.OneMatrix(rows, 1), sp.OneMatrix(1, rows), local)
    else:
        spread = sp.MatMul(local, sp.OneMatrix(cols, 1), sp.OneMatrix(1, cols))
    return "differential of log-softmax", sp.MatAdd(inner, sp.MatMul(-1, spread))


def _hadamard_power(expr: sp.HadamardPower, var: Any, dvar: Any) -> tuple[str, Any]:
    """d(A^{o k}) = k A^{o (k - 1)} odot dA (entry by entry, the power rule)."""
    base, exponent = expr.base, expr.exp
    terms = []
    if base.has(var):
        lower = sp.HadamardPower(base, exponent - 1) if exponent != 2 else base
        terms.append(sp.MatMul(exponent, sp.HadamardProduct(lower, d(base, var, dvar))))
    if exponent.has(var):
        logs = ElementwiseApplyFunction(sp.Lambda(U, sp.log(U)), base)
        terms.append(sp.MatMul(d(exponent, var, dvar), sp.HadamardProduct(logs, expr)))
    total = terms[0] if len(terms) == 1 else sp.MatAdd(*terms)
    return "power rule (entrywise)", total


def _diag(expr: sp.DiagMatrix, var: Any, dvar: Any) -> tuple[str, Any]:
    return "linearity of d (diag)", sp.DiagMatrix(d(expr.args[0], var, dvar))


def _logsumexp(expr: LogSumExp, var: Any, dvar: Any) -> tuple[str, Any]:
    """d logsumexp(z) = p^T dz with p = softmax(z); of a matrix, the softmax of all entries."""
    z = expr.arg
    if z.shape[1] == 1:  # softmax(z) by its name: the textbook's gradient of logsumexp
        p = Softmax(z)
        return "differential of logsumexp", Scalar(sp.MatMul(sp.Transpose(p), d(z, var, dvar)))
    rows, cols = z.shape
    exps = ElementwiseApplyFunction(sp.Lambda(U, sp.exp(U)), z)
    total = Scalar(sp.MatMul(sp.OneMatrix(1, rows), exps, sp.OneMatrix(cols, 1)))
    weights = sp.MatMul(sp.Pow(total, -1), exps)  # the softmax of all entries, as it reads
    return "differential of logsumexp", sp.Trace(sp.MatMul(sp.Transpose(weights),
                                                           d(z, var, dvar)))


def _norm(expr: Norm, var: Any, dvar: Any) -> tuple[str, Any]:
    """d||A|| = tr(A^T dA) / ||A|| (two-norm of a vector, Frobenius norm of a matrix)."""
    a = expr.arg
    product = sp.MatMul(sp.Transpose(a), d(a, var, dvar))
    inner = Scalar(product) if product.shape == (1, 1) else sp.Trace(product)
    return "differential of the norm", sp.Mul(sp.Pow(expr, -1), inner)


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
    sp.HadamardProduct: _factors_rule(sp.HadamardProduct, "constant factor (entrywise)"),
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
    Entrywise: _entrywise_several,
    sp.HadamardPower: _hadamard_power,
    sp.DiagMatrix: _diag,
    LogSumExp: _logsumexp,
    Norm: _norm,
    Named: _named,
    Softmax: _softmax,
    sp.Function: _function,
}


def rule_for(expr: Any) -> Rule:
    for cls in type(expr).__mro__:
        if cls in DIFFERENTIAL_RULES:
            return DIFFERENTIAL_RULES[cls]
    raise NotSupported(f"no differential rule for {type(expr).__name__} ({expr})")


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
    return _entrywise(expr, arg)


@singledispatch
def _entrywise(expr: Any, arg: Any) -> Any:
    """f(u) applied to each entry (a function of u, or any formula the cases below do not split)."""
    return ElementwiseApplyFunction(sp.Lambda(U, expr), arg)


@_entrywise.register(sp.Add)
def _entrywise_sum(expr: Any, arg: Any) -> Any:
    return sp.MatAdd(*[entrywise(a, arg) for a in expr.args])


@_entrywise.register(sp.Mul)
def _entrywise_product(expr: Any, arg: Any) -> Any:
    coeff, rest = expr.as_coeff_Mul()
    factors = [entrywise(f, arg) for f in sp.Mul.make_args(rest)]
    core = factors[0] if len(factors) == 1 else sp.HadamardProduct(*factors)
    return core if coeff == 1 else sp.MatMul(coeff, core)


@_entrywise.register(sp.Pow)
def _entrywise_power(expr: Any, arg: Any) -> Any:
    if not expr.exp.is_Integer:
        return _entrywise.dispatch(object)(expr, arg)
    return sp.HadamardPower(entrywise(expr.base, arg), expr.exp)


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
    name, _ = _move(first)
    mapping = {}
    for node in found:
        rule_name, replacement = _move(node)
        if rule_name == name:
            mapping[node] = replacement
    return name, expr.xreplace(mapping)


def _move(node: Any) -> tuple[str, Any]:
    """The rule for one differential: a spelled-out sigmoid or softmax is named first."""
    named = recognised(node.expr)
    if named is not None:
        return named[0], d(named[1], node.variable, node.direction)
    return rule_for(node.expr)(node.expr, node.variable, node.direction)
