"""From a differential linear in dX to dL = tr(G^T dX), one named move at a time.

The differential is first written as a sum of terms c_k tr(M_k), each with a
single dX; then each M_k is brought to P_k dX (cyclic trace, transpose,
Hadamard-trace moves); collecting gives tr(G^T dX) with G = sum c_k P_k^T.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.engine.matrix.expressions import Named, Scalar, is_matrix
from derive.errors import NotSupported


@dataclass(frozen=True)
class Term:
    """``coeff * tr(matrix)`` where matrix holds dX exactly once."""

    coeff: Any
    matrix: Any

    def expr(self) -> Any:
        return sp.Mul(self.coeff, sp.Trace(self.matrix))


def as_sum(terms: list[Term]) -> Any:
    return sp.Add(*[t.expr() for t in terms])


# --- transposes pushed inwards: (AB)^T = B^T A^T ----------------------------------------------


def transpose(expr: Any) -> Any:
    """The transpose of a matrix expression, pushed down to the symbols (a scalar is its own)."""
    if not is_matrix(expr):
        return expr
    for cls in type(expr).__mro__:
        if cls in _TRANSPOSE:
            return _TRANSPOSE[cls](expr)
    return sp.Transpose(expr)


def _t_matmul(expr: sp.MatMul) -> Any:
    scalars = [a for a in expr.args if not is_matrix(a)]
    mats = [transpose(a) for a in reversed([a for a in expr.args if is_matrix(a)])]
    return sp.MatMul(*scalars, *mats)


_TRANSPOSE: dict[type, Callable[[Any], Any]] = {
    sp.Transpose: lambda e: e.arg,
    sp.MatMul: _t_matmul,
    sp.MatAdd: lambda e: sp.MatAdd(*[transpose(a) for a in e.args], evaluate=True),
    sp.HadamardProduct: lambda e: sp.HadamardProduct(*[transpose(a) for a in e.args]),
    sp.HadamardPower: lambda e: sp.HadamardPower(transpose(e.base), e.exp),
    # f(A)^T stays as written: a lecturer writes tanh(W x)^T, not tanh(x^T W^T)
    ElementwiseApplyFunction: sp.Transpose,
    sp.Identity: lambda e: e,
    sp.OneMatrix: lambda e: sp.OneMatrix(e.shape[1], e.shape[0]),
    sp.ZeroMatrix: lambda e: sp.ZeroMatrix(e.shape[1], e.shape[0]),
    sp.DiagMatrix: lambda e: e,
    # (M^-1)^T = (M^T)^-1, which is M^-1 again for a Gram matrix X^T X
    sp.Inverse: lambda e: sp.Inverse(transpose(e.arg)),
}


# --- 1. write the differential as a sum of c tr(M) ------------------------------------------


def _one_varying(args: tuple[Any, ...], dvar: Any) -> int:
    varying = [k for k, a in enumerate(args) if a.has(dvar)]
    if len(varying) != 1:
        raise NotSupported("the differential is not linear in a single direction")
    return varying[0]


@singledispatch
def scalar_terms(expr: Any, dvar: Any) -> list[Term]:
    """A scalar linear in dX as terms c tr(M)."""
    raise NotSupported(f"cannot bring {type(expr).__name__} to trace form")


@scalar_terms.register(sp.Add)
def _scalar_terms_of_sum(expr: Any, dvar: Any) -> list[Term]:
    return [t for a in expr.args if a.has(dvar) for t in scalar_terms(a, dvar)]


@scalar_terms.register(sp.Mul)
def _scalar_terms_of_product(expr: Any, dvar: Any) -> list[Term]:
    k = _one_varying(expr.args, dvar)
    coeff = sp.Mul(*expr.args[:k], *expr.args[k + 1 :])
    return [Term(coeff * t.coeff, t.matrix) for t in scalar_terms(expr.args[k], dvar)]


@scalar_terms.register(sp.Trace)
@scalar_terms.register(Scalar)
def _scalar_terms_of_trace(expr: Any, dvar: Any) -> list[Term]:
    out = []
    for coeff, matrix, factor in matrix_terms(expr.args[0], dvar):
        if factor is None:
            out.append(Term(coeff, matrix))
        else:
            out.append(Term(coeff * _number(matrix), factor))
    return out


def _number(matrix: Any) -> Any:
    """A constant matrix's trace, or the number a 1 x 1 matrix is."""
    return Scalar(matrix) if matrix.shape == (1, 1) else sp.Trace(matrix)


def matrix_terms(expr: Any, dvar: Any) -> list[tuple[Any, Any, Any]]:
    """A matrix linear in dX as (c, M, None) for c M, or (c, N, M) for c tr(M) N."""
    if expr == dvar:
        return [(sp.S.One, dvar, None)]
    return _matrix_terms(expr, dvar)


@singledispatch
def _matrix_terms(expr: Any, dvar: Any) -> list[tuple[Any, Any, Any]]:
    raise NotSupported(f"cannot bring {type(expr).__name__} to trace form")


@_matrix_terms.register(sp.MatAdd)
def _matrix_terms_of_sum(expr: Any, dvar: Any) -> list[tuple[Any, Any, Any]]:
    return [t for a in expr.args if a.has(dvar) for t in matrix_terms(a, dvar)]


@_matrix_terms.register(sp.MatMul)
def _matrix_terms_of_product(expr: Any, dvar: Any) -> list[tuple[Any, Any, Any]]:
    scalars = [a for a in expr.args if not is_matrix(a)]
    mats = [a for a in expr.args if is_matrix(a)]
    for k, s in enumerate(scalars):
        if s.has(dvar):
            coeff = sp.Mul(*scalars[:k], *scalars[k + 1 :])
            rest = sp.MatMul(*mats) if len(mats) > 1 else mats[0]
            return [(coeff * t.coeff, rest, t.matrix) for t in scalar_terms(s, dvar)]
    coeff = sp.Mul(*scalars)
    k = _one_varying(tuple(mats), dvar)
    left, right = mats[:k], mats[k + 1 :]
    out = []
    for c, m, factor in matrix_terms(mats[k], dvar):
        out.append((coeff * c, _flat_matmul(*left, m, *right), factor))
    return out


@_matrix_terms.register(sp.Transpose)
def _matrix_terms_of_transpose(expr: Any, dvar: Any) -> list[tuple[Any, Any, Any]]:
    return [(c, sp.Transpose(m), f) for c, m, f in matrix_terms(expr.arg, dvar)]


@_matrix_terms.register(sp.DiagMatrix)
def _matrix_terms_of_diag(expr: Any, dvar: Any) -> list[tuple[Any, Any, Any]]:
    return [(c, sp.DiagMatrix(m), f) for c, m, f in matrix_terms(expr.args[0], dvar)]


@_matrix_terms.register(sp.HadamardProduct)
def _matrix_terms_of_hadamard(expr: Any, dvar: Any) -> list[tuple[Any, Any, Any]]:
    k = _one_varying(expr.args, dvar)
    others = expr.args[:k] + expr.args[k + 1 :]
    return [(c, sp.HadamardProduct(*others, m), f) for c, m, f in matrix_terms(expr.args[k], dvar)]


def _flat_matmul(*factors: Any) -> Any:
    args: list[Any] = []
    for f in factors:
        args.extend(f.args if isinstance(f, sp.MatMul) else [f])
    return args[0] if len(args) == 1 else sp.MatMul(*args)


# --- 2. bring each term to tr(P dX) -----------------------------------------------------------


def _factors(matrix: Any) -> list[Any]:
    return list(matrix.args) if isinstance(matrix, sp.MatMul) else [matrix]


def peel(matrix: Any, dvar: Any) -> tuple[str, Any] | None:
    """One move towards ``P dX`` inside a trace, or None when already there."""
    if isinstance(matrix, sp.Transpose):
        return "transpose", matrix.arg
    factors = _factors(matrix)
    k = _one_varying(tuple(factors), dvar)
    if factors[k] == dvar and k == len(factors) - 1:
        return None
    if isinstance(factors[k], sp.Transpose):
        return "transpose", _flat_matmul(
            *[transpose(f) if f is not factors[k] else f.arg for f in reversed(factors)]
        )
    if k != len(factors) - 1:
        return "cyclic trace", _flat_matmul(*factors[k + 1 :], *factors[: k + 1])
    return _peel_last(factors[-1], factors[:-1], dvar)


@singledispatch
def _peel_last(last: Any, front: list[Any], dvar: Any) -> tuple[str, Any]:
    """The move for tr(F L) when the last factor L holds dX (``front``: the factors F)."""
    raise NotSupported(f"cannot bring {type(last).__name__} to the form tr(G^T dX)")


@_peel_last.register(sp.HadamardProduct)
def _peel_hadamard(last: Any, front: list[Any], dvar: Any) -> tuple[str, Any]:
    j = _one_varying(last.args, dvar)
    others = last.args[:j] + last.args[j + 1 :]
    head = transpose(_flat_matmul(*front)) if front else sp.Identity(last.shape[0])
    return "hadamard trace", _flat_matmul(sp.Transpose(hadamard(head, *others)), last.args[j])


@_peel_last.register(sp.MatMul)
def _peel_product(last: Any, front: list[Any], dvar: Any) -> tuple[str, Any]:
    return "cyclic trace", _flat_matmul(*front, last)


@_peel_last.register(sp.DiagMatrix)
def _peel_diag(last: Any, front: list[Any], dvar: Any) -> tuple[str, Any]:
    # tr(F diag(u)) = sum_i F_ii u_i = 1^T (I odot F) u
    size = last.shape[0]
    head = _flat_matmul(*front) if front else sp.Identity(size)
    diagonal = hadamard(sp.Identity(size), head)
    return "trace of diag", _flat_matmul(sp.OneMatrix(1, size), diagonal, last.args[0])


def hadamard(*args: Any) -> Any:
    """A Hadamard product without its all-ones factors (1 odot A = A)."""
    args = tuple(_ones(a) for a in args)
    kept = [a for a in args if not isinstance(a, sp.OneMatrix)] or list(args[:1])
    return kept[0] if len(kept) == 1 else sp.HadamardProduct(*kept)


def _ones(matrix: Any) -> Any:
    """A product of all-ones matrices with an inner size 1 is an all-ones matrix."""
    factors = _factors(matrix)
    ones = len(factors) > 1 and all(isinstance(f, sp.OneMatrix) for f in factors)
    if ones and all(f.shape[1] == 1 for f in factors[:-1]):
        return sp.OneMatrix(factors[0].shape[0], factors[-1].shape[1])
    return matrix


def front(matrix: Any, dvar: Any) -> Any:
    """P in ``P dX`` (the identity when the term is tr(dX))."""
    factors = _factors(matrix)
    if len(factors) == 1:
        return sp.Identity(dvar.shape[0])
    return _flat_matmul(*factors[:-1])


# --- 3. collect, factor ------------------------------------------------------------------------


def gradient_of(terms: list[Term], dvar: Any) -> Any:
    """G with sum c_k tr(P_k dX) = tr(G^T dX), transposes pushed in, common factors out."""
    parts = [
        sp.MatMul(t.coeff, transpose(front(t.matrix, dvar)))
        if t.coeff != 1
        else transpose(front(t.matrix, dvar))
        for t in terms
    ]
    parts = [_tidy(p) for p in parts]
    total = parts[0] if len(parts) == 1 else sp.MatAdd(*parts)
    return factor_common(total)


def _tidy(expr: Any) -> Any:
    """A flat product: scalar coefficient first, identities dropped."""
    if not isinstance(expr, sp.MatMul):
        return expr
    coeff = sp.Mul(*[a for a in expr.args if not is_matrix(a)])
    mats: list[Any] = []
    for a in (a for a in expr.args if is_matrix(a)):
        mats.extend(a.args if isinstance(a, sp.MatMul) else [a])
    mats = [m for m in mats if not isinstance(m, sp.Identity)] or mats[:1]
    core = mats[0] if len(mats) == 1 else sp.MatMul(*mats)
    return core if coeff == 1 else sp.MatMul(coeff, *mats)


def _split(term: Any) -> tuple[Any, list[Any]]:
    """A term as (scalar coefficient, matrix factors)."""
    if isinstance(term, sp.MatMul):
        coeff = sp.Mul(*[a for a in term.args if not is_matrix(a)])
        return coeff, [a for a in term.args if is_matrix(a)]
    return sp.S.One, [term]


def _join(coeff: Any, factors: list[Any]) -> Any:
    core = _flat_matmul(*factors)
    return core if coeff == 1 else sp.MatMul(coeff, *_factors(core))


def collect_terms(expr: Any) -> Any:
    """2 X^T r rather than X^T r + X^T r: equal matrix parts add their coefficients."""
    if not isinstance(expr, sp.MatAdd):
        return expr
    coeffs: dict[Any, Any] = {}
    for term in expr.args:
        coeff, factors = _split(term)
        key = _flat_matmul(*factors)
        coeffs[key] = coeffs.get(key, sp.S.Zero) + coeff
    parts = [_join(c, _factors(k)) for k, c in coeffs.items() if c != 0]
    if not parts:  # everything cancelled: tr(A - A^T) does not change
        return sp.ZeroMatrix(*expr.shape)
    return parts[0] if len(parts) == 1 else sp.MatAdd(*parts)


def factor_common(expr: Any) -> Any:
    """(A + A^T) X rather than A X + A^T X: pull a shared right or left factor out of a sum."""
    expr = collect_terms(expr)
    if not isinstance(expr, sp.MatAdd):
        return expr
    split = [_split(a) for a in expr.args]
    if any(len(f) < 2 for _, f in split):
        return _factor_some(expr, split)
    first = split[0][1]
    if all(f[-1] == first[-1] for _, f in split):
        return _shared_coefficient([(c, f[:-1]) for c, f in split], right=first[-1])
    if all(f[0] == first[0] for _, f in split):
        return _shared_coefficient([(c, f[1:]) for c, f in split], left=first[0])
    return _factor_some(expr, split)


def _shared_coefficient(terms: list[tuple[Any, list[Any]]], left: Any = None,
                        right: Any = None) -> Any:
    """left (sum c_k F_k) right, with a coefficient all c_k share (1/M) in front."""
    common = sp.S.One
    coefficients = [c for c, _ in terms]
    if any(c.has(sp.MatrixExpr) for c in coefficients):  # 1^T inv(A) 1 inside: cancel and
        # gcd would rebuild its sums as scalar ones ('Mix of Matrix and Scalar symbols')
        inner = sp.MatAdd(*[_join(c, f) for c, f in terms])
        return sp.MatMul(*[f for f in (left, inner, right) if f is not None])
    if all(not c.is_Number for c in coefficients) or len({abs(c) for c in coefficients}) == 1:
        common = coefficients[0]
        for c in coefficients[1:]:
            common = sp.gcd(common, c)
        common = common if common.is_Number is False else sp.S.One
    inner = sp.MatAdd(*[_join(sp.cancel(c / common), f) for c, f in terms])
    factors = [f for f in (left, inner, right) if f is not None]
    return sp.MatMul(*factors) if common == 1 else sp.MatMul(common, *factors)


def _factor_some(expr: sp.MatAdd, split: list[tuple[Any, list[Any]]]) -> Any:
    """Terms that share a right factor grouped ((P - T) X^T / M + lambda W), the rest kept."""
    groups: dict[Any, list[int]] = {}
    for k, (_, f) in enumerate(split):
        if len(f) >= 2:
            groups.setdefault(f[-1], []).append(k)
    shared = next((ks for ks in groups.values() if len(ks) > 1), None)
    if shared is None:
        return expr
    grouped = _shared_coefficient([(split[k][0], split[k][1][:-1]) for k in shared],
                                  right=split[shared[0]][1][-1])
    rest = [a for k, a in enumerate(expr.args) if k not in shared]
    return sp.MatAdd(grouped, *rest)


__all__ = [
    "Named",
    "Term",
    "as_sum",
    "factor_common",
    "gradient_of",
    "matrix_terms",
    "peel",
    "scalar_terms",
    "transpose",
]
