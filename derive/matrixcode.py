"""NumPy code for matrix expressions, as a person writes it: ``(W @ x - y) @ x.T``.

A mixin of the project's NumPy printer (``derive.numpyprint``): one ``_print_<Class>``
per matrix class, brackets only where Python's precedence needs them (``@`` and
``*`` bind alike), sizes read off the input arrays, a broadcast scalar left to
NumPy's broadcasting.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.precedence import PRECEDENCE, precedence

from derive.functions import as_expr, relu


def negative_coefficient(expr: sp.MatMul) -> bool:
    """``expr.could_extract_minus_sign()`` without building ``-expr``: for a matrix product
    sympy canonicalises the whole negated product to do so, which dominated the printing
    of long matrix chains. A product is negative when its numeric coefficient is."""
    coefficient = expr.args[0]
    return bool(coefficient.is_Number and coefficient.is_extended_negative)


class Code(sp.Symbol):
    """A placeholder for NumPy code printed as is (already bracketed where it must be)."""

    def _numpycode(self, printer: Any) -> str:
        return self.name


def _ones_multiple(term: Any) -> Any:
    """s for the broadcast s 1 1^T (1 itself for 1 1^T), else None."""
    if isinstance(term, sp.OneMatrix):
        return sp.S.One
    if isinstance(term, sp.MatMul):
        mats = [a for a in term.args if isinstance(a, sp.MatrixExpr)]
        if len(mats) == 1 and isinstance(mats[0], sp.OneMatrix):
            return sp.Mul(*[a for a in term.args if not isinstance(a, sp.MatrixExpr)])
    return None


def _code_precedence(expr: Any) -> int:
    """How tightly the NumPy code of ``expr`` binds (an entrywise function: as its body; a
    named matrix, p or y/(1^T y), as its definition, which is what the code writes)."""
    if getattr(expr, "is_named", False) and getattr(expr, "definition", None) is not None:
        return _code_precedence(expr.definition)
    if isinstance(expr, sp.MatMul):
        scalars = [a for a in expr.args if not isinstance(a, sp.MatrixExpr)]
        return PRECEDENCE["Add"] if negative_coefficient(expr) else (
            PRECEDENCE["Mul"] if scalars or len(expr.args) > 1 else PRECEDENCE["Atom"])
    if isinstance(expr, ElementwiseApplyFunction):
        (u,), body = expr.function.args
        if isinstance(body, sp.Function) and body.args == (u,):  # a call: np.tanh(a)
            return PRECEDENCE["Atom"]
        return _code_precedence(body)
    if isinstance(expr, sp.Transpose | sp.MatrixSymbol):
        return PRECEDENCE["Atom"]
    if isinstance(expr, sp.Mul) and negative_coefficient(expr):
        return PRECEDENCE["Add"]
    return precedence(expr)


#: functions NumPy code writes as a call of their argument (np.exp(a), np.maximum(a, 0))
_CALLS = frozenset({sp.exp, sp.log, sp.tanh, sp.sin, sp.cos, sp.Abs, relu})


def _sum_of_vector(expr: Any) -> tuple[Any, Any] | None:
    """(s, M) for s 1^T M 1, s 1^T v or s v^T 1 (s times the sum of the entries), else None."""
    if not isinstance(expr, sp.MatMul):
        return None
    args = [b for a in expr.args for b in (a.args if isinstance(a, sp.MatMul) else (a,))]
    coefficient = sp.Mul(*[a for a in args if not isinstance(a, sp.MatrixExpr)])
    mats = [a for a in args if isinstance(a, sp.MatrixExpr)]
    if len(mats) > 1 and isinstance(mats[0], sp.OneMatrix):
        mats = mats[1:]
    elif len(mats) > 1 and isinstance(mats[-1], sp.OneMatrix):
        mats = mats[:-1]
    else:
        return None
    if len(mats) > 1 and isinstance(mats[-1], sp.OneMatrix):
        mats = mats[:-1]
    if any(isinstance(a, sp.OneMatrix) for a in mats):
        return None
    if len(mats) == 1:  # the sum of y^T is the sum of y
        return coefficient, mats[0].arg if isinstance(mats[0], sp.Transpose) else mats[0]
    return coefficient, sp.MatMul(*mats)


def dimension_code(expr: Any) -> dict[sp.Symbol, str]:
    """Each symbolic size as code reading it off an input array: n -> 'W.shape[1]'."""
    found: dict[sp.Symbol, str] = {}
    if not isinstance(expr, sp.Basic):
        return found
    for m in sorted(expr.atoms(sp.MatrixSymbol), key=str):
        for axis, dim in enumerate(m.shape):
            if isinstance(dim, sp.Symbol):
                found.setdefault(dim, f"{m.name}.shape[{axis}]")
    return found




class MatrixCode:
    """The matrix part of the NumPy printer."""

    dimensions: dict = {}

    def _size(self, dim: Any) -> str:
        dim = as_expr(dim)
        return self._print(dim.xreplace({k: Code(v) for k, v in self.dimensions.items()}))

    def _wrap(self, arg: Any, level: int) -> str:
        """``arg`` in brackets when it binds less tightly than ``level`` (@ and * bind alike)."""
        code = self._print(arg)
        return f"({code})" if _code_precedence(arg) < level else code

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        # (W @ x - y) @ x.T: a scalar coefficient first, then the factors joined by @
        args = expr.args
        if (len(args) == 3 and isinstance(args[0], sp.OneMatrix) and args[0].shape[0] == 1
                and isinstance(args[2], sp.OneMatrix) and args[2].shape[1] == 1):
            return f"{self._np('sum')}({self._print(args[1])}, keepdims=True)"  # 1^T M 1
        scalars = [a for a in expr.args if not (isinstance(a, sp.MatrixExpr) or a.is_Matrix)]
        mats = [a for a in expr.args if isinstance(a, sp.MatrixExpr)]
        level = PRECEDENCE["Mul"]
        code = " @ ".join([self._wrap(mats[0], level)]
                          + [self._wrap(a, level + 1) for a in mats[1:]])
        coefficient = sp.Mul(*scalars)
        if coefficient == 1:
            return code
        if coefficient == -1:
            return f"-{code}"
        if coefficient.is_Number and coefficient < 0:  # -3 * y @ x.T, not (-3) * y @ x.T
            return f"-{self._wrap(-coefficient, level)}*{code}"
        return f"{self._wrap(coefficient, level)}*{code}"

    def _print_MatAdd(self, expr: sp.MatAdd) -> str:
        # W @ x - y: positive terms first; s 1 1^T beside a full matrix is the scalar s
        # (numpy broadcasts it, the rule the expression was written with)
        terms = sorted(expr.args,
                       key=lambda t: isinstance(t, sp.MatMul) and negative_coefficient(t))
        spread = not all(_ones_multiple(t) is not None for t in terms)
        parts = []
        for k, term in enumerate(terms):
            scalar = _ones_multiple(term) if spread else None
            code = self._print(term) if scalar is None else self._wrap(scalar, PRECEDENCE["Add"])
            if code.startswith("-") and k:
                parts.append(f"- {code[1:]}")
            else:
                parts.append(f"+ {code}" if k else code)
        return " ".join(parts)

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        return f"{self._wrap(expr.arg, PRECEDENCE['Atom'])}.T"

    def _print_Trace(self, expr: sp.Trace) -> str:
        total = _sum_of_vector(expr.arg)
        if total is not None:  # s 1^T v: s times the sum of the entries
            coefficient, vector = total
            code = f"{self._np('sum')}({self._print(vector)})"
            return code if coefficient == 1 else self._print(sp.Mul(coefficient, Code(code)))
        if isinstance(expr.arg, sp.MatAdd) and expr.arg.shape == (1, 1):  # term by term
            return self._print(sp.Add(*[sp.Trace(t) for t in expr.arg.args], evaluate=False))
        if expr.arg.shape == (1, 1):  # a 1 x 1 matrix read as a number
            return f"{self._wrap(expr.arg, PRECEDENCE['Atom'])}.item()"
        return f"{self._np('trace')}({self._print(expr.arg)})"

    def _print_Determinant(self, expr: sp.Determinant) -> str:
        return f"{self._np('linalg.det')}({self._print(expr.arg)})"

    def _print_Inverse(self, expr: sp.Inverse) -> str:
        return f"{self._np('linalg.inv')}({self._print(expr.arg)})"

    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        level = PRECEDENCE["Mul"] + 1  # a product of matrices inside: (A @ B)*C
        return "*".join(self._wrap(a, level) for a in expr.args)

    def _print_HadamardPower(self, expr: Any) -> str:
        atom = PRECEDENCE["Atom"]
        return f"{self._wrap(expr.base, atom)}**{self._wrap(expr.exp, atom)}"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        (u,), body = expr.function.args
        if body.args == (u,) and self._called(body.func):  # np.exp(W @ x): the call's brackets
            return self._print(body.func(Code(self._print(expr.expr))))
        return self._print(body.xreplace({u: Code(self._wrap(expr.expr, PRECEDENCE["Atom"]))}))

    def _called(self, func: type) -> bool:
        """Whether f(a) prints as a call f(<code of a>), with no operator applied to a."""
        helpers = self._settings.get("helpers")
        return func in _CALLS or (helpers and func.__name__ in ("sigmoid", "softplus"))

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        rows, cols = (self._size(d) for d in expr.shape)
        return f"{self._np('ones')}(({rows}, {cols}))"

    def _print_ZeroMatrix(self, expr: sp.ZeroMatrix) -> str:
        rows, cols = (self._size(d) for d in expr.shape)
        return f"{self._np('zeros')}(({rows}, {cols}))"

    def _print_Identity(self, expr: sp.Identity) -> str:
        return f"{self._np('eye')}({self._size(expr.shape[0])})"

    def _print_DiagMatrix(self, expr: Any) -> str:
        return f"{self._np('diagflat')}({self._print(expr.args[0])})"
