"""The Hessian of L with respect to a column x: differentiate the gradient, d(grad L) = H dx.

d is pushed into the gradient with the same named rules as before; a Hadamard
product of a column v with something linear in dx becomes diag(v) times it;
then every term ends in dx and collecting gives H.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.engine.matrix.differentials import push_once
from derive.engine.matrix.expressions import MatrixDifferential, direction, is_matrix
from derive.engine.matrix.identify import factor_common
from derive.errors import InputError
from derive.model import Section, Step
from derive.notation import Notated
from derive.prose import Prose, math


def _diag(product: sp.HadamardProduct, dvar: Any) -> Any:
    """v odot (M dx) = diag(v) M dx for a column v."""
    varying = [a for a in product.args if a.has(dvar)]
    others = [a for a in product.args if not a.has(dvar)]
    weight = others[0] if len(others) == 1 else sp.HadamardProduct(*others)
    return sp.MatMul(sp.DiagMatrix(weight), varying[0])


def hadamard_to_diag(expr: Any, dvar: Any) -> Any:
    """Every Hadamard product of columns that holds dx, written with diag."""
    def fits(e: Any) -> bool:
        return (isinstance(e, sp.HadamardProduct) and e.has(dvar) and e.shape[1] == 1
                and sum(a.has(dvar) for a in e.args) == 1)

    return expr.replace(fits, lambda e: _diag(e, dvar))


def linear_terms(expr: Any, dvar: Any) -> list[tuple[Any, list[Any]]]:
    """``expr`` as sum c_k F_k dx: a list of (c_k, factors of F_k)."""
    if expr == dvar:
        return [(sp.S.One, [])]
    if isinstance(expr, sp.MatAdd):
        return [t for a in expr.args if a.has(dvar) for t in linear_terms(a, dvar)]
    if isinstance(expr, sp.MatMul):
        scalars = [a for a in expr.args if not is_matrix(a)]
        mats = [a for a in expr.args if is_matrix(a)]
        if any(s.has(dvar) for s in scalars) or not mats[-1].has(dvar) \
                or any(m.has(dvar) for m in mats[:-1]):
            raise InputError("the differential of the gradient is not of the form H dx")
        coeff = sp.Mul(*scalars)
        return [(coeff * c, mats[:-1] + f) for c, f in linear_terms(mats[-1], dvar)]
    raise InputError(f"cannot write {type(expr).__name__} as H dx")


def _product(coeff: Any, factors: list[Any], size: Any) -> Any:
    flat: list[Any] = []
    for f in factors:
        flat.extend(f.args if isinstance(f, sp.MatMul) else [f])
    scalars = [f for f in flat if not is_matrix(f)]
    mats = [f for f in flat if is_matrix(f)] or [sp.Identity(size)]
    coeff = sp.Mul(coeff, *scalars)
    if coeff == 1:
        return mats[0] if len(mats) == 1 else sp.MatMul(*mats)
    return sp.MatMul(coeff, *mats)


def hessian_section(gradient: Any, var: sp.MatrixSymbol) -> tuple[Section, Any]:
    """d(grad L) = ... = H dx for a column x, one named rule per step; returns H."""
    if var.shape[1] != 1:
        raise InputError(f"a Hessian needs a column vector; {var.name} is {var.shape}")
    dvar = direction(var)
    begin = MatrixDifferential(gradient, var, dvar)
    steps, current = [], begin
    while (move := push_once(current)) is not None:
        rule, after = move
        steps.append(Step(current, after, rule))
        current = after
    diagonal = hadamard_to_diag(current, dvar)
    if diagonal != current:
        steps.append(Step(current, diagonal, "hadamard to diag"))
        current = diagonal
    parts = [_product(c, f, var.shape[0]) for c, f in linear_terms(current, dvar)]
    hessian = factor_common(parts[0] if len(parts) == 1 else sp.MatAdd(*parts))
    steps.append(Step(current, sp.MatMul(hessian, dvar), "identify the hessian"))
    title = Prose.of("Hessian: differentiate ",
                     math(Notated("nabla", var)), " once more")
    return Section(title, begin, tuple(steps)), hessian
