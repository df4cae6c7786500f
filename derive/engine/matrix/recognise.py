"""Name the DL functions a matrix expression spells out: e^u ⊘ (1 + e^u) and 1 ⊘ (1 + e^-u)
entry by entry are sigma(u); e^z / 1^T e^z is softmax(z).

``recognised`` rewrites every such form in an expression and names the rule; the engine
uses it as a step under d (so that log(e^z / 1^T e^z) is the log of a softmax) and on a
finished gradient (the sigmoid left by the chain rule through log(1 + e^u)).
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.engine.matrix.expressions import Scalar
from derive.functions import sigmoid
from derive.matrixfunctions import Softmax

U = sp.Symbol("u", real=True)
SIGMOID = "sigmoid"
SOFTMAX = "softmax"


def _exponent(expr: Any) -> Any | None:
    """u when ``expr`` is exp(u) entry by entry, else None."""
    if not isinstance(expr, ElementwiseApplyFunction):
        return None
    (u,), body = expr.function.args
    return expr.expr if body == sp.exp(u) else None


def _one_plus_exp(expr: Any) -> Any | None:
    """u when ``expr`` is 1 + exp(u) (the 1 broadcast), else None."""
    if not isinstance(expr, sp.MatAdd) or len(expr.args) != 2:
        return None
    ones = [a for a in expr.args if isinstance(a, sp.OneMatrix)]
    rest = [a for a in expr.args if not isinstance(a, sp.OneMatrix)]
    if len(ones) != 1 or len(rest) != 1:
        return None
    return _exponent(rest[0])


def _reciprocal(expr: Any) -> Any | None:
    """u when ``expr`` is (1 + exp(u)).^-1, else None."""
    if isinstance(expr, sp.HadamardPower) and expr.exp == -1:
        return _one_plus_exp(expr.base)
    return None


def _negated(u: Any) -> Any:
    """-u, without a double minus: -(-v) is v."""
    if isinstance(u, sp.MatMul) and u.args[0] == -1:
        rest = u.args[1:]
        return rest[0] if len(rest) == 1 else sp.MatMul(*rest)
    return sp.MatMul(-1, u)


def _sigmoid(u: Any) -> Any:
    return ElementwiseApplyFunction(sp.Lambda(U, sigmoid(U)), u)


def _product_sigmoids(args: list[Any]) -> list[Any]:
    """In an entrywise product, each pair e^u and (1 + e^u)^-1 as sigma(u)."""
    args = list(args)
    for k, arg in enumerate(args):
        u = _reciprocal(arg)
        if u is None:
            continue
        partner = next((j for j, other in enumerate(args) if j != k and _exponent(other) == u),
                       None)
        if partner is not None:
            args[k] = _sigmoid(u)
            del args[partner]
            return _product_sigmoids(args)
    return args


def summed_exponent(arg: Any) -> Any | None:
    """Z when ``arg`` is the sum of the entries of exp(Z) (1^T e^z, 1^T e^Z 1), else None."""
    if not isinstance(arg, Scalar | sp.Trace) or not isinstance(arg.args[0], sp.MatMul):
        return None
    factors = [f for f in arg.args[0].args if f != sp.OneMatrix(1, 1)]
    if len(factors) not in (2, 3) or any(not isinstance(f, sp.OneMatrix)
                                         for f in (factors[0], *factors[2:])):
        return None
    exps = factors[1]
    if not isinstance(exps, ElementwiseApplyFunction):
        return None
    (u,), body = exps.function.args
    if body != sp.exp(u) or factors[0].shape[0] != 1 or (len(factors) == 3) != (
            exps.shape[1] != 1) or (len(factors) == 3 and factors[2].shape[1] != 1):
        return None
    return exps.expr


def _softmax_of(expr: sp.MatMul) -> tuple[list[Any], Any] | None:
    """(the other factors, z) when the product holds e^z and 1 / 1^T e^z, z a column."""
    args = list(expr.args)
    for k, arg in enumerate(args):
        if not (isinstance(arg, sp.Pow) and arg.exp == -1):
            continue
        z = summed_exponent(arg.base)
        if z is None or z.shape[1] != 1:
            continue
        partner = next((j for j, other in enumerate(args) if _exponent(other) == z), None)
        if partner is not None:
            return [a for j, a in enumerate(args) if j not in (k, partner)], z
    return None


def _rewrite(expr: Any, kind: str) -> Any:
    """``expr`` with every form of ``kind`` (SIGMOID or SOFTMAX) named, innermost too."""
    if not isinstance(expr, sp.Basic) or not expr.args or isinstance(expr, sp.Lambda):
        return expr
    if kind == SIGMOID and isinstance(expr, sp.HadamardProduct):
        args = [_rewrite(a, kind) for a in _product_sigmoids(list(expr.args))]
        return args[0] if len(args) == 1 else sp.HadamardProduct(*args)
    u = _reciprocal(expr) if kind == SIGMOID else None
    if u is not None:  # 1 / (1 + e^u) = sigma(-u)
        return _sigmoid(_negated(_rewrite(u, kind)))
    softmax = _softmax_of(expr) if kind == SOFTMAX and isinstance(expr, sp.MatMul) else None
    if softmax is not None:
        rest, z = softmax
        p = Softmax(_rewrite(z, kind))
        return sp.MatMul(*[_rewrite(a, kind) for a in rest], p) if rest else p
    args = [_rewrite(a, kind) for a in expr.args]
    return expr.func(*args) if args != list(expr.args) else expr


#: rule name -> the form it names
RULES = {"sigmoid from exp": SIGMOID, "softmax from exp": SOFTMAX}


def recognised(expr: Any) -> tuple[str, Any] | None:
    """The rule's name and ``expr`` with every form of one kind named (the sigmoid first),
    or None when it spells out neither."""
    for rule, kind in RULES.items():
        after = _rewrite(expr, kind)
        if after != expr:
            return rule, after
    return None
