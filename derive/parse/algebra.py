"""Arithmetic on parsed operands: scalars and matrices, with shapes checked and sizes guarded.

Every operation takes :class:`Operand` values (an expression and the text it came
from) so that a shape error can name both operands as the user wrote them.  A 1x1
matrix meeting a scalar becomes the scalar ``tr(A)``, the form the matrix engine
works in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.errors import LimitError, ParseError, ShapeError
from derive.matrixfunctions import Entrywise
from derive.parse import limits
from derive.parse.identity import IDENTITY, sized_identity, without_identity
from derive.parse.symbols import ELEMENT, ELEMENTS


@dataclass(frozen=True)
class Operand:
    """A built expression and the span ``source[start:end]`` it was written as."""

    expr: sp.Basic
    source: str = ""
    start: int = 0
    end: int = 0

    @property
    def text(self) -> str:
        return self.source[self.start : self.end] or str(self.expr)

    @property
    def is_matrix(self) -> bool:
        return bool(getattr(self.expr, "is_Matrix", False))

    def with_expr(self, expr: sp.Basic) -> Operand:
        return Operand(expr, self.source, self.start, self.end)

    def limit(self, message: str) -> LimitError:
        line, column = limits.position(self.source, self.start)
        return LimitError(message, line, column, self.source)


def describe(operand: Operand) -> str:
    """``W (m x n)`` or ``c (scalar)``: the operand as written, with its shape."""
    text = " ".join(operand.text.split())
    if len(text) > 30:
        text = text[:27] + "..."
    if not operand.is_matrix:
        return f"{text} (scalar)"
    rows, cols = operand.expr.shape
    return f"{text} ({rows} x {cols})"


class OperandMismatch(ShapeError):
    """Two operands whose shapes do not fit; keeps them (and ``op``: "@", "+", "-", a Hadamard
    product) so the checker can say which transpose would make them fit."""

    def __init__(self, left: Operand, op: str, right: Operand) -> None:
        self.left, self.op, self.right = left, op, right
        super().__init__(f"shape mismatch: {describe(left)} {op} {describe(right)}")


def _mismatch(left: Operand, op: str, right: Operand) -> ShapeError:
    return OperandMismatch(left, op, right)


def _is_1x1(operand: Operand) -> bool:
    return operand.is_matrix and operand.expr.shape == (1, 1)


def _is_square(operand: Operand) -> bool:
    rows, cols = operand.expr.shape
    return rows == cols


def as_scalar(operand: Operand) -> Operand:
    """A 1x1 matrix used as a scalar becomes its trace; scalars pass through."""
    return operand.with_expr(sp.Trace(operand.expr)) if _is_1x1(operand) else operand


def _checked(expr: sp.Basic, at: Operand) -> sp.Basic:
    if limits.coefficient_bits(expr) > limits.MAX_BITS:
        raise at.limit(f"number larger than {limits.MAX_BITS} bits")
    return expr


@lru_cache(maxsize=8192)
def _constant(expr: sp.Basic) -> bool:
    """True if ``expr`` has no symbols (memoised, so a whole parse costs linear time)."""
    if expr.is_Atom:
        return bool(expr.is_number)
    return not getattr(expr, "is_Matrix", False) and all(_constant(a) for a in expr.args)


@lru_cache(maxsize=8192)
def frozen(expr: sp.Basic) -> bool:
    """True if ``expr`` holds a constant such as log(2), sigmoid(1/2) or pi^pi.

    To decide the sign of such a constant sympy evaluates it numerically, and it
    asks for signs whenever it builds a function, power or product around one:
    nested ones (log(log(...(2))), asin of a sum of them) take exponential time.
    So whatever holds one is built unevaluated; everything else evaluates.
    """
    heavy = isinstance(expr, sp.Function | sp.Max | sp.Min) or (
        isinstance(expr, sp.Pow) and not expr.exp.is_Rational
    )
    if heavy and _constant(expr):
        return True
    return any(frozen(a) for a in expr.args)


#: set while parsing the question as typed: nothing is evaluated (sqrt(2 pi s^2) stays so).
AS_TYPED: ContextVar[bool] = ContextVar("as_typed", default=False)


def _evaluate(*values: sp.Basic) -> bool:
    return not AS_TYPED.get() and not any(frozen(v) for v in values)


def _combine(cls: type[sp.Add] | type[sp.Mul], values: Sequence[sp.Basic]) -> sp.Basic:
    """``cls(*values)``, unevaluated if a value is frozen (and never a one-term sum)."""
    if len(values) == 1:
        return values[0]
    return cls(*values, evaluate=_evaluate(*values))


def _guard_sum_of_bits(args: Sequence[sp.Basic], at: Operand) -> None:
    # Adding or multiplying numbers makes them at most as long as their lengths together.
    if sum(limits.coefficient_bits(a) for a in args) > 2 * limits.MAX_BITS:
        raise at.limit(f"number larger than {limits.MAX_BITS} bits")


def negate(operand: Operand) -> sp.Basic:
    """``-x`` for a scalar or a matrix."""
    if operand.is_matrix and AS_TYPED.get():  # -(y - Xw)^T (y - Xw) as typed
        return sp.MatMul(sp.S.NegativeOne, operand.expr, evaluate=False)
    if operand.is_matrix or _evaluate(operand.expr):
        return _checked(-operand.expr, operand)
    return sp.Mul(sp.S.NegativeOne, operand.expr, evaluate=False)


def add(terms: Sequence[tuple[str, Operand]]) -> sp.Basic:
    """A sum of signed terms; matrices of one shape add, a scalar is added to every entry.

    A 1x1 matrix among scalars is a scalar; a scalar s among matrices of shape r x c
    is broadcast as s 1 1^T (``1 - sigmoid(z)``), the rule DL notation means.
    """
    big = [(sign, t) for sign, t in terms if t.is_matrix and not _is_1x1(t)]
    small = [(sign, t) for sign, t in terms if not (t.is_matrix and not _is_1x1(t))]
    if not big:
        if all(t.is_matrix for _, t in terms):
            return sp.MatAdd(*[t.expr if sign == "+" else negate(t) for sign, t in terms])
        values = [as_scalar(t).expr if sign == "+" else negate(as_scalar(t)) for sign, t in terms]
        _guard_sum_of_bits(values, terms[0][1])
        return _checked(_combine(sp.Add, values), terms[0][1])
    first = big[0][1]
    for sign, term in big[1:]:
        if term.expr.shape != first.expr.shape:
            raise _mismatch(first, sign, term)
    values = [t.expr if sign == "+" else negate(t) for sign, t in big]
    if small:
        scalar = add([(sign, as_scalar(t)) for sign, t in small])
        identity, scalar = sized_identity(scalar, first.expr.shape, describe(first))
        values += [identity] if identity is not None else []
        if identity is None or scalar != 0:
            values.append(broadcast(scalar, first.expr.shape))
    return sp.MatAdd(*values, evaluate=not AS_TYPED.get())


def broadcast(value: sp.Basic, shape: tuple[sp.Basic, sp.Basic]) -> sp.Basic:
    """A scalar as the matrix of that shape with every entry equal to it: s 1 1^T."""
    ones = sp.OneMatrix(*shape)
    if value == 1:
        return ones
    return sp.MatMul(value, ones, evaluate=_evaluate(value))


def multiply(factors: Sequence[tuple[str, Operand]]) -> sp.Basic:
    """A left-to-right product; ``op`` is ``mul``, ``div`` or ``hadamard`` (ignored for the first).

    Scalar factors commute and are collected; matrix factors keep their order and
    their inner dimensions must agree.
    """
    scalars: list[sp.Basic] = []
    matrix: Operand | None = None
    for op, factor in factors:
        if op == "ediv" and not (factor.is_matrix and not _is_1x1(factor)):
            op = "div"  # by a scalar, ./ is /
        if op == "div":
            if factor.is_matrix and not _is_1x1(factor):
                left = matrix or factors[0][1]
                raise ShapeError(
                    f"cannot divide by a matrix: {describe(left)} / {describe(factor)} "
                    "(./ divides elementwise)"
                )
            if factor.expr == 0:
                line, column = limits.position(factor.source, factor.start)
                raise ParseError("division by zero", line, column, factor.source)
            scalars.append(power(as_scalar(factor), _literal(-1, factor)))
        elif op == "ediv":
            reciprocal = factor.with_expr(sp.HadamardPower(factor.expr, -1))
            matrix = reciprocal if matrix is None else _hadamard(matrix, reciprocal, "./")
        elif not factor.is_matrix:
            if op == "hadamard" and factor.expr.has(IDENTITY):
                raise ShapeError("I in an elementwise product: write diag(...) for the diagonal")
            scalars.append(factor.expr)
        elif matrix is None:
            matrix = factor
        elif op == "hadamard":
            matrix = _hadamard(matrix, factor)
        else:
            matrix = _matmul(matrix, factor, scalars)
    _guard_sum_of_bits(scalars, factors[0][1])
    coefficient = _checked(_combine(sp.Mul, scalars) if scalars else sp.S.One, factors[0][1])
    if matrix is None:
        return coefficient
    coefficient = without_identity(coefficient)
    if coefficient == 1:
        return matrix.expr
    return sp.MatMul(coefficient, matrix.expr, evaluate=_evaluate(coefficient))


def _join(left: Operand, right: Operand, expr: sp.Basic) -> Operand:
    """The operand spanning ``left`` to ``right`` in the source, holding ``expr``."""
    return Operand(expr, left.source, left.start, max(left.end, right.end))


def _matmul(left: Operand, right: Operand, scalars: list[sp.Basic]) -> Operand:
    if left.expr.shape[1] == right.expr.shape[0]:
        if AS_TYPED.get():  # (Xw - y)^T (Xw - y) as typed, one flat product (x^T A x)
            factors = [f for e in (left.expr, right.expr)
                       for f in (e.args if isinstance(e, sp.MatMul) else (e,))]
            return _join(left, right, sp.MatMul(*factors, evaluate=False))
        return _join(left, right, sp.MatMul(left.expr, right.expr, evaluate=True))
    if _is_1x1(right):
        scalars.append(as_scalar(right).expr)
        return left
    if _is_1x1(left):
        scalars.append(as_scalar(left).expr)
        return right
    raise _mismatch(left, "@", right)


def _hadamard(left: Operand, right: Operand, written: str = ".*") -> Operand:
    if left.expr.shape != right.expr.shape:
        raise _mismatch(left, written, right)
    return _join(left, right, sp.HadamardProduct(left.expr, right.expr))


def hadamard(left: Operand, right: Operand) -> sp.Basic:
    """The elementwise product; a scalar operand multiplies."""
    return multiply([("mul", left), ("hadamard", right)])


def _literal(value: int, at: Operand) -> Operand:
    return Operand(sp.Integer(value), at.source, at.start, at.start)


def power(base: Operand, exponent: Operand) -> sp.Basic:
    """``base ** exponent``; for a square matrix ``X^-1`` is the inverse, ``X^n`` a matrix power."""
    if exponent.is_matrix:
        if not _is_1x1(exponent):
            raise ShapeError(f"a matrix cannot be an exponent: {describe(exponent)}")
        exponent = as_scalar(exponent)
    if base.is_matrix and not _is_1x1(base):
        return _matrix_power(base, exponent)
    base = as_scalar(base)
    problem = limits.power_problem(base.expr, exponent.expr)
    if problem:
        raise base.limit(problem)
    evaluate = _evaluate(base.expr, exponent.expr)
    return _checked(sp.Pow(base.expr, exponent.expr, evaluate=evaluate), _join(base, exponent, 0))


def _matrix_power(base: Operand, exponent: Operand) -> sp.Basic:
    n = exponent.expr
    if isinstance(n, sp.Mul) and all(a.is_Integer for a in n.args):  # -1 kept as -1*1
        n = sp.Mul(*n.args)
    if not (n.is_Integer and n != 0):
        raise ShapeError(f"a matrix power needs a nonzero integer exponent: {describe(base)} ^ {n}"
                         " (.^ is the elementwise power)")
    if not _is_square(base):
        what = "inverse" if n == -1 else "power"
        hint = "" if n == -1 else " (.^ is the elementwise power)"
        raise ShapeError(f"{what} of a non-square matrix: {describe(base)}{hint}")
    if n == -1:
        return sp.Inverse(base.expr)
    if n == 1:
        return base.expr
    if abs(n) > limits.MAX_MATRIX_POWER:
        raise exponent.limit(f"matrix power above {limits.MAX_MATRIX_POWER}: "
                             f"{describe(base)} ^ {exponent.text}")
    if n < 0:  # X^-k = (X^-1)^k
        return sp.MatPow(sp.Inverse(base.expr), -n)
    return sp.MatPow(base.expr, n)


def elementwise_power(base: Operand, exponent: Operand) -> sp.Basic:
    """``A .^ k``: every entry to the power k (k a scalar); of a scalar, the power itself."""
    if exponent.is_matrix:
        if not _is_1x1(exponent):
            raise ShapeError(f"an elementwise power needs a scalar exponent: {describe(exponent)}")
        exponent = as_scalar(exponent)
    if not base.is_matrix or _is_1x1(base):
        return power(base, exponent)
    if exponent.expr.is_Number and abs(exponent.expr) > limits.MAX_MATRIX_POWER:
        raise exponent.limit(f"entrywise power above {limits.MAX_MATRIX_POWER}: "
                             f"{describe(base)} .^ {exponent.text}")
    if exponent.expr == 1:
        return base.expr
    return sp.HadamardPower(base.expr, exponent.expr)


def transpose(operand: Operand) -> sp.Basic:
    """The transpose; a scalar is its own transpose."""
    if not operand.is_matrix:
        return operand.expr
    return sp.Transpose(operand.expr) if AS_TYPED.get() else operand.expr.T  # (Xw - y)^T


def apply_scalar(name: str, function: Callable[..., sp.Basic], args: Sequence[Operand]):
    """A scalar function: of scalars directly, of one matrix elementwise."""
    # a zero matrix is the scalar 0 broadcast: max(A - A, B) = max(0, B)
    if any(a.is_matrix and not isinstance(a.expr, sp.ZeroMatrix) for a in args):
        args = [a.with_expr(sp.S.Zero) if isinstance(a.expr, sp.ZeroMatrix) else a for a in args]
    matrices = list(dict.fromkeys(a.expr for a in args if a.is_matrix and not _is_1x1(a)))
    if len(matrices) == 1:
        # applied entrywise to the one matrix, the scalar arguments the same for every entry
        values = [ELEMENT if a.expr == matrices[0] else as_scalar(a).expr for a in args]
        body = function(*values)
        if body == ELEMENT:  # max(z, z) is z
            return matrices[0]
        return ElementwiseApplyFunction(sp.Lambda(ELEMENT, body), matrices[0])
    if matrices:
        return elementwise_of_several(name, function, args)
    values = [as_scalar(a).expr for a in args]
    if function is sp.factorial and values[0].is_Number and abs(values[0]) > limits.MAX_FACTORIAL:
        raise args[0].limit(f"factorial of a number larger than {limits.MAX_FACTORIAL}")
    if function in (sp.Max, sp.Min):
        flat = sum(len(v.args) if isinstance(v, function) else 1 for v in values)
        if flat > limits.MAX_MINMAX_ARGS:
            # sympy compares every pair of arguments: 100 of them take 20 s
            raise args[0].limit(f"{name} of more than {limits.MAX_MINMAX_ARGS} arguments")
    evaluate = _evaluate(*values)
    return _checked(function(*values, evaluate=evaluate), _span(args))


def elementwise_of_several(name: str, function: Callable[..., sp.Basic],
                           args: Sequence[Operand]) -> sp.Basic:
    """f(A, B, ...) entry by entry: every matrix argument of one shape, scalars the same
    for every entry."""
    big = [a for a in args if a.is_matrix and not _is_1x1(a)]
    for other in big[1:]:
        if other.expr.shape != big[0].expr.shape:
            raise ShapeError(f"shape mismatch: {name} entrywise needs one shape, got "
                             f"{describe(big[0])} and {describe(other)}")
    distinct = list(dict.fromkeys(a.expr for a in big))
    if len(distinct) > len(ELEMENTS):
        raise args[0].limit(f"{name} of more than {len(ELEMENTS)} matrices")
    names = dict(zip(distinct, ELEMENTS, strict=False))
    values = [names.get(a.expr) if a in big else as_scalar(a).expr for a in args]
    used = tuple(names.values())
    return Entrywise(sp.Lambda(used, function(*values)), *distinct)


def _span(args: Sequence[Operand]) -> Operand:
    return _join(args[0], args[-1], args[0].expr)


def _of_square(arg: Operand, what: str, head: type) -> sp.Basic:
    """``head(X)`` of a square matrix (its ``what``); a scalar is its own."""
    if not arg.is_matrix:
        return arg.expr
    if not _is_square(arg):
        raise ShapeError(f"{what} of a non-square matrix: {describe(arg)}")
    return head(arg.expr)


def trace(arg: Operand) -> sp.Basic:
    """``tr(X)`` of a square matrix; a scalar is its own trace."""
    return _of_square(arg, "trace", sp.Trace)


def determinant(arg: Operand) -> sp.Basic:
    """``det(X)`` of a square matrix; a scalar is its own determinant."""
    return _of_square(arg, "determinant", sp.Determinant)


def log_determinant(arg: Operand) -> sp.Basic:
    """``logdet(X)``: log det X of a square matrix (log x of a scalar)."""
    return apply_scalar("log", sp.log, [arg.with_expr(determinant(arg))])


def inverse(arg: Operand) -> sp.Basic:
    """``inv(X)`` of a square matrix, ``1/x`` of a scalar."""
    if arg.is_matrix:
        return _matrix_power(arg, _literal(-1, arg))
    return power(arg, _literal(-1, arg))


def total(arg: Operand) -> sp.Basic:
    """``sum(X)``: the sum of all entries as the 1x1 matrix ``1^T X 1``; a scalar is its own sum."""
    if not arg.is_matrix:
        return arg.expr
    rows, cols = arg.expr.shape
    return sp.MatMul(sp.OneMatrix(1, rows), arg.expr, sp.OneMatrix(cols, 1))


def absolute(arg: Operand) -> sp.Basic:
    """``|x|``: the absolute value of a scalar, the determinant of a square matrix."""
    if arg.is_matrix and not _is_1x1(arg):
        return determinant(arg)
    return apply_scalar("abs", sp.Abs, [arg])


#: Matrix functions by name, each taking operands.
MATRIX_OPERATIONS: dict[str, Callable[..., sp.Basic]] = {
    "tr": trace,
    "det": determinant,
    "logdet": log_determinant,
    "inv": inverse,
    "sum": total,
    "hadamard": hadamard,
}
