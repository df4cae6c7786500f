"""Evaluate matrix expressions at explicit random matrices with mpmath (50 digits).

sympy's explicit matrices of Floats are slow (an inverse of a 6 x 6 takes
seconds); verification of matrix steps evaluates here instead. Dispatch is by
class along the MRO; objects may evaluate themselves through ``_mp_eval(evaluate, env)``.
"""

from __future__ import annotations

import functools
import operator
import random
from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive import mpkernels as kernels
from derive import numeric
from derive.functions import as_expr
from derive.model import Assumptions

DPS = 50
#: a pivot this much smaller than the largest entry means a singular matrix (at 50 digits a
#: rank-deficient product leaves pivots near 1e-50; a merely ill-conditioned one far above)
SINGULAR = mpmath.mpf("1e-25")


class Env(dict):
    """Values of the symbols (MatrixSymbol / Symbol / dimension -> mp value or int), and a
    memo of the subexpressions already evaluated at them: a step's two sides, and the
    terms of a backward pass, share most of their subtrees.

    ``but`` makes a nearby point (a central difference moves one matrix): whatever does
    not depend on the moved values is taken from the original point's memo.
    """

    def __init__(self, *args: Any, parent: Env | None = None,
                 moved: frozenset = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memo: dict[Any, Any] = {}
        self.parent = parent
        self.moved = moved
        self.nearby: dict[Any, Env] = {}  # the points ``but`` made, by their caller's key

    def but(self, values: dict, key: Any = None) -> Env:
        """The same values except ``values``; with a ``key``, the point made for that key
        before, memo and all (every d(.) along dX at this point moves X the same way)."""
        if key is None:
            return Env({**self, **values}, parent=self, moved=frozenset(values))
        found = self.nearby.get(key)
        if found is None:
            found = self.nearby[key] = self.but(values)
        return found


@functools.lru_cache(maxsize=4096)
def _depends(expr: Any, moved: frozenset) -> bool:
    return expr.has(*moved)


def _matrix(value: Any) -> mpmath.matrix:
    return value if isinstance(value, mpmath.matrix) else mpmath.matrix([[value]])


def _size(dim: Any, env: Env) -> int:
    if isinstance(dim, int | sp.Integer):
        return int(dim)
    if isinstance(dim, sp.Symbol) and isinstance(env.get(dim), int):
        return env[dim]
    return int(
        as_expr(dim).xreplace(
            {
                k: sp.Integer(v)
                for k, v in env.items()
                if isinstance(k, sp.Symbol) and isinstance(v, int)
            }
        )
    )


def _shape(expr: Any, env: Env) -> tuple[int, int]:
    return _size(expr.shape[0], env), _size(expr.shape[1], env)


def _matmul(expr: sp.MatMul, env: Env) -> Any:
    """The product left to right; numbers gathered first and applied once, matrix first
    (mpf * matrix fails, printing the matrix, before matrix * mpf is tried)."""
    parts = [evaluate(arg, env) for arg in expr.args]
    number: Any = None
    value: Any = None
    for part in parts:
        if isinstance(part, mpmath.matrix):
            value = part if value is None else kernels.product(value, part)
        else:
            number = part if number is None else number * part
    if value is None:
        return number
    return value if number is None or number == 1 else kernels.scaled(value, number)


def _add(expr: Any, env: Env) -> Any:
    parts = [evaluate(a, env) for a in expr.args]
    total = parts[0]
    for p in parts[1:]:
        total = kernels.combined(total, p, operator.add)
    return total


def _hadamard(expr: Any, env: Env) -> Any:
    parts = [evaluate(a, env) for a in expr.args]
    total = parts[0]
    for p in parts[1:]:
        total = kernels.entrywise(total, p, operator.mul)
    return total


def _elementwise(expr: ElementwiseApplyFunction, env: Env) -> Any:
    (u,), body = expr.function.args
    values = evaluate(expr.expr, env)
    fast = _compiled(body, u)
    if fast is not None:  # f(u) alone: one call per entry, no point made for each
        return kernels.mapped(values, fast)
    return kernels.mapped(values, lambda x: evaluate(body, env.but({u: x})))


@functools.lru_cache(maxsize=1024)
def _compiled(body: Any, u: Any) -> Callable[[Any], Any] | None:
    """``body`` as a function of u alone, the same operations in the same order as
    ``evaluate`` does them; None when it needs more than u (a scalar c in max(u, c))."""
    if body == u:
        return lambda x: x
    if isinstance(body, sp.Integer | sp.Float):
        constant = mpmath.mpf(int(body)) if body.is_Integer else mpmath.mpf(body._mpf_)
        return lambda x: constant
    if isinstance(body, sp.Rational):
        p, q = body.p, body.q
        return lambda x: mpmath.mpf(p) / q  # at the working precision of the call
    parts = [_compiled(a, u) for a in body.args]
    if not body.args or any(part is None for part in parts):
        return None
    if isinstance(body, sp.Add | sp.Mul):
        op = operator.add if isinstance(body, sp.Add) else operator.mul
        return lambda x: functools.reduce(op, [part(x) for part in parts])
    if isinstance(body, sp.Pow):
        base, exponent = parts
        return lambda x: base(x) ** exponent(x)
    return _compiled_function(body, u, parts)


def _compiled_function(body: Any, u: Any, parts: list[Callable[[Any], Any]]) -> Any:
    """A function of compiled arguments, as ``_function`` evaluates it (None if unknown)."""
    if isinstance(body, sp.Max | sp.Min):
        pick = max if isinstance(body, sp.Max) else min
        return lambda x: pick(part(x) for part in parts)
    if not isinstance(body, sp.Function):
        return None
    if hasattr(body, "_closed_form"):
        return _compiled(_closed_form(body), u)
    name = type(body).__name__
    call = _MPMATH.get(name)
    if call is None:
        call = next((getattr(mpmath, numeric.MPMATH_NAMES[cls]) for cls in type(body).__mro__
                     if cls in numeric.MPMATH_NAMES), None)
    if call is None:
        return None
    return lambda x: call(*[part(x) for part in parts])


def _trace(expr: Any, env: Env) -> Any:
    return kernels.trace(_matrix(evaluate(expr.arg, env)))


def _pow(expr: sp.Pow, env: Env) -> Any:
    base, exponent = evaluate(expr.base, env), evaluate(expr.exp, env)
    return base**exponent


def _function(expr: Any, env: Env) -> Any:
    args = [evaluate(a, env) for a in expr.args]
    if hasattr(expr, "_closed_form"):
        return evaluate(_closed_form(expr), env)
    name = type(expr).__name__
    if name in _MPMATH:
        return _MPMATH[name](*args)
    for cls in type(expr).__mro__:  # the scalar table shared with derive.numeric
        if cls in numeric.MPMATH_NAMES:
            return getattr(mpmath, numeric.MPMATH_NAMES[cls])(*args)
    value = expr.func(*[sp.Float(a, DPS) for a in args]).evalf(DPS)
    return mpmath.mpf(str(value))


@functools.lru_cache(maxsize=256)
def _closed_form(expr: Any) -> Any:
    """A DL function's closed form, built once (sympy's Max/Min constructors are slow)."""
    return expr._closed_form()


#: functions whose mpmath counterpart differs from derive.numeric's (no magnitude bounds here)
_MPMATH: dict[str, Callable[..., Any]] = {
    "exp": mpmath.exp,
    "log": mpmath.log,
    "Abs": abs,
    "sign": mpmath.sign,
    # sympy's H(0) = 1/2: d max(a, b) = H(a - b) da + H(b - a) db holds at ties (max(A, A^T))
    "Heaviside": lambda x, *h: (mpmath.mpf(1) if x > 0 else mpmath.mpf(0) if x < 0
                                else h[0] if h else mpmath.mpf(0.5)),
    "Max": lambda *a: max(a),
    "Min": lambda *a: min(a),
}


def _lu(value: mpmath.matrix) -> tuple[list[list[Any]], list[int], int]:
    """Gaussian elimination with partial pivoting on plain lists (mpmath's own is slow)."""
    n = value.rows
    rows = [[value[i, j] for j in range(n)] for i in range(n)]
    scale = max((abs(x) for row in rows for x in row), default=mpmath.mpf(0))
    order, sign = list(range(n)), 1
    for k in range(n):
        pivot = max(range(k, n), key=lambda i: abs(rows[i][k]))
        if abs(rows[pivot][k]) <= scale * SINGULAR:
            raise ZeroDivisionError("singular matrix")  # undefined here: another instance
        if pivot != k:
            rows[k], rows[pivot] = rows[pivot], rows[k]
            order[k], order[pivot] = order[pivot], order[k]
            sign = -sign
        for i in range(k + 1, n):
            factor = rows[i][k] / rows[k][k]
            rows[i][k] = factor
            for j in range(k + 1, n):
                rows[i][j] -= factor * rows[k][j]
    return rows, order, sign


def det(value: mpmath.matrix) -> Any:
    rows, _, sign = _lu(_matrix(value))
    total = mpmath.mpf(sign)
    for k in range(len(rows)):
        total *= rows[k][k]
    return total


def inverse(value: mpmath.matrix) -> mpmath.matrix:
    rows, order, _ = _lu(_matrix(value))
    n = len(rows)
    out = mpmath.matrix(n, n)
    for col in range(n):
        b = [mpmath.mpf(1) if order[i] == col else mpmath.mpf(0) for i in range(n)]
        y: list[Any] = []
        for i in range(n):
            y.append(b[i] - sum((rows[i][j] * y[j] for j in range(i)), mpmath.mpf(0)))
        x = [mpmath.mpf(0)] * n
        for i in reversed(range(n)):
            x[i] = (y[i] - sum((rows[i][j] * x[j] for j in range(i + 1, n)), mpmath.mpf(0))) / rows[
                i
            ][i]
        for i in range(n):
            out[i, col] = x[i]
    return out


def _symbol(expr: Any, env: Env) -> Any:
    if expr in env:
        return env[expr]
    raise KeyError(f"no value for {expr}")


#: class -> evaluator. Looked up along the MRO.
def _explicit(expr: Any, env: Env) -> mpmath.matrix:
    """A matrix written out entry by entry (A - lambda I of a given A): each entry evaluated."""
    return mpmath.matrix([[evaluate(expr[i, j], env) for j in range(expr.cols)]
                          for i in range(expr.rows)])


EVALUATORS: dict[type, Callable[[Any, Env], Any]] = {
    sp.ImmutableDenseMatrix: _explicit,
    sp.MatrixSymbol: _symbol,
    sp.Symbol: _symbol,
    sp.Dummy: _symbol,
    sp.MatMul: _matmul,
    sp.MatAdd: _add,
    sp.Add: _add,
    sp.Mul: _matmul,
    sp.Transpose: lambda e, env: kernels.transposed(_matrix(evaluate(e.arg, env))),
    sp.Inverse: lambda e, env: inverse(evaluate(e.arg, env)),
    sp.Determinant: lambda e, env: det(evaluate(e.arg, env)),
    sp.Trace: _trace,
    sp.HadamardProduct: _hadamard,
    sp.HadamardPower: lambda e, env: kernels.mapped(
        evaluate(e.base, env), lambda x: x ** evaluate(e.exp, env)
    ),
    ElementwiseApplyFunction: _elementwise,
    sp.OneMatrix: lambda e, env: mpmath.ones(*_shape(e, env)),
    sp.ZeroMatrix: lambda e, env: mpmath.zeros(*_shape(e, env)),
    sp.Identity: lambda e, env: mpmath.eye(_shape(e, env)[0]),
    sp.DiagMatrix: lambda e, env: mpmath.diag([x for x in evaluate(e.args[0], env)]),
    sp.MatPow: lambda e, env: evaluate(e.base, env) ** int(e.exp),
    sp.Pow: _pow,
    sp.Rational: lambda e, env: mpmath.mpf(e.p) / e.q,
    sp.Integer: lambda e, env: mpmath.mpf(int(e)),
    sp.Float: lambda e, env: mpmath.mpf(e._mpf_),
    sp.NumberSymbol: lambda e, env: mpmath.mpf(str(e.evalf(DPS))),
    sp.Function: _function,
    sp.Max: lambda e, env: max(evaluate(a, env) for a in e.args),
    sp.Min: lambda e, env: min(evaluate(a, env) for a in e.args),
}


def evaluate(expr: Any, env: Env) -> Any:
    """The value of ``expr``: an ``mpmath.matrix`` or an ``mpf`` (remembered in the Env)."""
    memo = env.memo
    value = memo.get(expr)
    if value is None:
        parent = env.parent
        if parent is not None and not _depends(expr, env.moved):
            value = memo[expr] = evaluate(expr, parent)
        else:
            value = memo[expr] = _evaluate(expr, env)
    return value


def _evaluate(expr: Any, env: Env) -> Any:
    own = getattr(expr, "_mp_eval", None)
    if own is not None:
        return own(evaluate, env)
    for cls in type(expr).__mro__:
        if cls in EVALUATORS:
            return EVALUATORS[cls](expr, env)
    raise TypeError(f"cannot evaluate {type(expr).__name__} numerically")


def _uniform(rows: int, cols: int, rng: random.Random, low: float = -2.5,
             high: float = 2.5) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpf(rng.uniform(low, high)) for _ in range(cols)]
                          for _ in range(rows)])


def _symmetric_positive_definite(size: int, rng: random.Random, positive: bool) -> mpmath.matrix:
    """B B^T / n + I/2 for a random B: symmetric, eigenvalues at least 1/2."""
    b = _uniform(size, size, rng)
    return b * b.T / size + mpmath.eye(size) / 2


def _symmetric(size: int, rng: random.Random, positive: bool) -> mpmath.matrix:
    """(B + B^T)/2 for a random B: symmetric, in general indefinite."""
    b = _uniform(size, size, rng, 0.2 if positive else -2.5)
    return (b + b.T) / 2


def _diagonal(size: int, rng: random.Random, positive: bool) -> mpmath.matrix:
    return mpmath.diag([mpmath.mpf(rng.uniform(0.2 if positive else -2.5, 2.5))
                        for _ in range(size)])


def _orthogonal(size: int, rng: random.Random, positive: bool) -> mpmath.matrix:
    """The Q of a random matrix's QR factorisation: Q^T Q = I, a rotation or a reflection."""
    q, _ = mpmath.qr(_uniform(size, size, rng))
    return q


def _stochastic(rows: int, cols: int, rng: random.Random) -> mpmath.matrix:
    """Positive entries, every column summing to one."""
    value = _uniform(rows, cols, rng, 0.2)
    for j in range(cols):
        total = mpmath.fsum(value[i, j] for i in range(rows))
        for i in range(rows):
            value[i, j] /= total
    return value


NOTHING_STATED = Assumptions()


def _general(size: int, rng: random.Random) -> mpmath.matrix:
    return _uniform(size, size, rng)


#: the directions in which a square matrix of a stated structure may move
_TANGENT: dict[str, Callable[[int, random.Random], mpmath.matrix]] = {
    "diagonal": lambda size, rng: _diagonal(size, rng, False),
    "symmetric": lambda size, rng: _symmetric(size, rng, False),
    "definite": lambda size, rng: _symmetric(size, rng, False),
}

#: square matrices of a stated structure (Assumptions.structure), drawn with that structure
_SQUARE: dict[str, Callable[[int, random.Random, bool], mpmath.matrix]] = {
    "definite": _symmetric_positive_definite, "symmetric": _symmetric,
    "diagonal": _diagonal, "orthogonal": _orthogonal,
}


def random_env(
    matrices: list[sp.MatrixSymbol],
    scalars: list[sp.Symbol],
    sizes: dict[sp.Symbol, int],
    sample: Callable[[sp.Symbol], Any],
    rng: random.Random,
    assumptions: Assumptions = NOTHING_STATED,
) -> Env:
    """Random explicit matrices of the concrete sizes, and values for the scalar symbols.

    A matrix is drawn with its stated structure (symmetric, positive definite, diagonal,
    orthogonal, columns summing to one), with positive entries where '> 0' is stated.
    """
    env = Env(sizes)
    for m in matrices:
        rows, cols = _shape(m, env)
        kind, positive = assumptions.structure(m.name), m.name in assumptions.positive
        along = getattr(m, "variable_name", None)
        if along is not None and rows == cols:
            # a direction stays in the variable's space: a diagonal X moves along a diagonal
            # dX, a symmetric one along a symmetric dX (where relu's kink at an off-diagonal
            # zero is never crossed)
            env[m] = _TANGENT.get(assumptions.structure(along), _general)(rows, rng)
        elif kind in _SQUARE and rows == cols:
            # rounded to the working precision: a QR's entries carry guard digits, and
            # B - B^T would then be 1e-51, not 0, on the diagonal of an orthogonal B
            env[m] = _SQUARE[kind](rows, rng, positive).apply(lambda v: +v)
        elif kind == "simplex":
            env[m] = _stochastic(rows, cols, rng)
        else:
            env[m] = _uniform(rows, cols, rng, 0.2 if positive else -2.5)
    for s in scalars:
        if s not in env:
            env[s] = mpmath.mpf(str(sample(s)))
    return env


def flat(value: Any) -> list[Any]:
    if isinstance(value, mpmath.matrix):
        return [value[i, j] for i in range(value.rows) for j in range(value.cols)]
    return [value]


def close(a: Any, b: Any, tolerance: float = 1e-20) -> bool | None:
    try:
        a, b = mpmath.mpf(a), mpmath.mpf(b)
    except (TypeError, ValueError):
        return None
    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return None
    return numeric.close(a, b, tolerance)
