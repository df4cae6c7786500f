"""Matrix-calculus objects the engine writes into steps, each evaluable at explicit matrices.

``d(E)`` is the differential of ``E`` in the direction ``dX`` (other inputs
held fixed); ``Scalar(M)`` is a 1 x 1 matrix read as a number; ``Named`` is a
quantity printed by its name (delta, p) that evaluates to its definition;
``EntrywiseGradient`` is the independent route of the cross-check. They stay
symbolic under ``doit()``;
both are evaluated (``_mp_eval``, see ``derive.mpmatrix``) by central
differences at 50 digits: the differential along dX, the gradient entry by entry.
"""

from __future__ import annotations

import operator
from typing import Any

import mpmath
import sympy as sp
from sympy.core.symbol import Str
from sympy.core.sympify import _sympify
from sympy.matrices.expressions.matexpr import MatrixExpr

from derive import mpkernels as kernels


def is_matrix(expr: Any) -> bool:
    return isinstance(expr, MatrixExpr) or getattr(expr, "is_Matrix", False)


def _explicit(value: Any) -> bool:
    return isinstance(value, sp.MatrixBase)


def moved(env: dict, values: dict, key: Any = None) -> dict:
    """The point ``env`` with ``values`` changed (an mpmatrix.Env keeps what it can reuse,
    and the point made for the same ``key`` before)."""
    but = getattr(env, "but", None)
    return but(values, key) if but is not None else {**env, **values}


STEP = mpmath.mpf("1e-20")  # central differences: truncation error ~ STEP^2 = 1e-40
MAX_DIGITS = 800
#: the rounding a difference quotient may carry, relative to 1 + its size: a thousandth of
#: the verifier's gap of equal values (1e-20), so that a third of all differentials (those
#: of a value larger than their change) need no second evaluation at twice the digits
NOISE = mpmath.mpf("1e-23")


def _largest(value: Any) -> Any:
    if isinstance(value, mpmath.matrix):
        return max((abs(value[i, j]) for i in range(value.rows) for j in range(value.cols)),
                   default=mpmath.mpf(0))
    return abs(value)


def central_difference(evaluate: Any, expr: Any, env: dict, var: Any, up: Any, down: Any,
                       key: Any = None) -> Any:
    """(E(up) - E(down)) / (2 STEP), at more digits while the rounding of E's value hides
    the difference (a sum of terms of very different sizes, x^256). ``key`` names the move
    (X along dX): the differentials of one step share its two points and their memo."""
    digits = mpmath.mp.dps
    while True:
        with mpmath.workdps(digits):
            high = evaluate(expr, moved(env, {var: up}, key and (key, 1, digits)))
            low = evaluate(expr, moved(env, {var: down}, key and (key, -1, digits)))
            value = kernels.divided(kernels.combined(high, low, operator.sub), 2 * STEP)
            noise = _largest(high) * mpmath.mpf(10) ** (5 - digits) / STEP
            if noise <= NOISE * (1 + _largest(value)) or digits >= MAX_DIGITS:
                return value
        digits *= 2


class _DifferentialBase:
    """Shared by the scalar and the matrix differential: args are (E, X, dX)."""

    args: tuple[Any, ...]
    is_differential = True
    with_matrices = True  # evaluated by derive.mpmatrix, even when no matrix is left in it

    @property
    def expr(self) -> Any:
        return self.args[0]

    @property
    def variable(self) -> Any:
        return self.args[1]

    @property
    def direction(self) -> Any:
        return self.args[2]

    @property
    def _atomic(self) -> bool:
        """d x, d X^T without brackets: d(X^T) = (dX)^T, so dX^T reads the same either way."""
        expr = self.expr.arg if isinstance(self.expr, sp.Transpose) else self.expr
        return isinstance(expr, sp.MatrixSymbol | sp.Symbol)

    def _latex(self, printer: Any) -> str:
        inner = printer._print(self.expr)
        return rf"\mathrm{{d}}{inner}" if self._atomic else rf"\mathrm{{d}}\left({inner}\right)"

    def _sympystr(self, printer: Any) -> str:
        inner = printer._print(self.expr)
        return f"d{inner}" if self._atomic else f"d({inner})"

    def doit(self, **hints: Any) -> Any:
        return self  # evaluated only numerically (_mp_eval), never by sympy's matrix calculus

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        """Central difference along dX at 50 digits or more (error ~ h^2 = 1e-40)."""
        expr, var, dvar = self.args
        at, along = env[var], env[dvar]
        step = kernels.scaled(along, STEP)
        return central_difference(evaluate, expr, env, var,
                                  kernels.combined(at, step, operator.add),
                                  kernels.combined(at, step, operator.sub), (var, dvar))


class MatrixDifferential(_DifferentialBase, MatrixExpr):
    """d(M) for a matrix expression M: a matrix of M's shape."""

    def __new__(cls, expr: Any, var: Any, dvar: Any) -> MatrixDifferential:
        return MatrixExpr.__new__(cls, expr, var, dvar)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[0].shape


class ScalarDifferential(_DifferentialBase, sp.Expr):
    """d(s) for a scalar expression s."""

    is_commutative = True

    def __new__(cls, expr: Any, var: Any, dvar: Any) -> ScalarDifferential:
        return sp.Expr.__new__(cls, _sympify(expr), var, dvar)


def d(expr: Any, var: Any, dvar: Any) -> Any:
    """The (unevaluated) differential of ``expr``; ``d(X) = dX`` and constants give 0."""
    if expr == var:
        return dvar
    if not expr.has(var):
        return sp.ZeroMatrix(*expr.shape) if is_matrix(expr) else sp.S.Zero
    cls = MatrixDifferential if is_matrix(expr) else ScalarDifferential
    return cls(expr, var, dvar)


class Scalar(sp.Expr):
    """A 1 x 1 matrix expression read as a number (a^T x, 1^T e^z)."""

    is_commutative = True

    def __new__(cls, matrix: Any) -> Scalar:
        return sp.Expr.__new__(cls, matrix)

    @property
    def matrix(self) -> Any:
        return self.args[0]

    @property
    def precedence(self) -> int:
        """That of its product, so that a power brackets it: (1^T e^z)^2, not 1^T e^z^2."""
        from sympy.printing.precedence import precedence

        return precedence(self.matrix)

    def doit(self, **hints: Any) -> Any:
        inner = self.matrix.doit(**hints)
        if _explicit(inner):
            return inner[0, 0]
        return Scalar(inner)

    def _latex(self, printer: Any) -> str:
        return printer._print(self.matrix)

    def _sympystr(self, printer: Any) -> str:
        return printer._print(self.matrix)

    def _numpycode(self, printer: Any) -> str:
        return printer._print(sp.Trace(self.matrix))  # read as a number: (w.T @ w).item()

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        value = evaluate(self.matrix, env)
        return value[0, 0] if isinstance(value, mpmath.matrix) else value

    def _eval_is_real(self) -> bool | None:
        return None


class Named(MatrixExpr):
    """A matrix printed by its name (delta_2, p, or notation such as μ̂) that stands for its
    definition."""

    is_named = True

    def __new__(cls, name: Any, definition: Any) -> Named:
        return MatrixExpr.__new__(cls, Str(name) if isinstance(name, str) else name, definition)

    @property
    def name(self) -> str:
        return self.args[0].name

    @property
    def definition(self) -> Any:
        return self.args[1]

    @property
    def free_symbols(self) -> set[sp.Basic]:
        return self.definition.free_symbols  # a name that is notation (μ̂) is no variable

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape

    def doit(self, **hints: Any) -> Any:
        # stays a name: sympy calls doit() when it negates or multiplies matrix expressions
        return self

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        return evaluate(self.definition, env)

    def _latex(self, printer: Any) -> str:
        name = self.args[0]
        return printer._print(sp.Symbol(name.name) if isinstance(name, Str) else name)

    def _sympystr(self, printer: Any) -> str:
        name = self.args[0]  # the terminal's μ̂ for \hat{\mu}; a Notated name as itself
        return printer._print(sp.Symbol(name.name) if isinstance(name, Str) else name)

    def _numpycode(self, printer: Any) -> str:
        return printer._print(self.definition)

    def _eval_transpose(self) -> Any:
        return sp.Transpose(self)


class EntrywiseGradient(MatrixExpr):
    """The matrix of partial derivatives of a scalar L by the entries of X (shape of X)."""

    def __new__(cls, function: Any, var: Any) -> EntrywiseGradient:
        return MatrixExpr.__new__(cls, function, var)

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape

    def projected(self, gradient: Any) -> tuple[Any, Any]:
        """(tr(V^T G), dL along V) for a random direction V of its own: equal at every point
        exactly when G is the gradient (almost surely), at two evaluations of L, not two per
        entry; V is no direction the steps use, so the check stays independent of them."""
        function, var = self.args
        v = Direction(f"d{var.name}_check", *var.shape)
        product = sp.MatMul(sp.Transpose(v), gradient)
        along = Scalar(product) if product.shape == (1, 1) else sp.Trace(product)
        return along, ScalarDifferential(function, var, v)

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        """Entry by entry: a central difference at 50 digits or more (error ~ h^2 = 1e-40)."""
        function, var = self.args
        at = env[var]
        out = mpmath.matrix(at.rows, at.cols)
        for i in range(at.rows):
            for j in range(at.cols):
                up, down = at.copy(), at.copy()
                up[i, j] += STEP
                down[i, j] -= STEP
                value = central_difference(evaluate, function, env, var, up, down)
                out[i, j] = value[0, 0] if isinstance(value, mpmath.matrix) else value
        return out

    def doit(self, **hints: Any) -> Any:
        return self


class EntrywiseJacobian(MatrixExpr):
    """The matrix of partial derivatives of a column vector f (k x 1) by a column x (n x 1)."""

    def __new__(cls, function: Any, var: Any) -> EntrywiseJacobian:
        return MatrixExpr.__new__(cls, function, var)

    @property
    def shape(self) -> tuple[Any, Any]:
        return (self.args[0].shape[0], self.args[1].shape[0])

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        """Column by column: a central difference at 50 digits."""
        function, var = self.args
        at = env[var]
        h = mpmath.mpf("1e-20")
        columns = []
        for j in range(at.rows):
            up, down = at.copy(), at.copy()
            up[j, 0] += h
            down[j, 0] -= h
            columns.append((evaluate(function, moved(env, {var: up}))
                            - evaluate(function, moved(env, {var: down}))) / (2 * h))
        out = mpmath.matrix(columns[0].rows, at.rows)
        for j, column in enumerate(columns):
            for i in range(column.rows):
                out[i, j] = column[i, 0]
        return out

    def doit(self, **hints: Any) -> Any:
        return self


class HessianLabel(sp.Expr):
    """The Hessian of L with respect to a vector x, printed as nabla^2_x L."""

    def __new__(cls, name: str, var: Any) -> HessianLabel:
        return sp.Expr.__new__(cls, sp.Symbol(name), var)

    def _latex(self, printer: Any) -> str:
        return rf"\nabla^{{2}}_{{{printer._print(self.args[1])}}} {printer._print(self.args[0])}"

    def _sympystr(self, printer: Any) -> str:
        return f"hessian({self.args[0]}, {self.args[1]})"


class Direction(sp.MatrixSymbol):
    """The direction dX of a differential: printed d X with an upright d, never as a product."""

    is_direction = True

    @property
    def variable_name(self) -> str:
        """The name of the variable X this is a direction of (dX, or the check's dX_check)."""
        return self.name[1:].removesuffix("_check")

    def _latex(self, printer: Any) -> str:
        return rf"\mathrm{{d}}{printer._print(sp.MatrixSymbol(self.name[1:], *self.shape))}"

    def _sympystr(self, printer: Any) -> str:  # dΣ in the terminal, as the sheet's d\Sigma
        return f"d{printer._print(sp.MatrixSymbol(self.name[1:], *self.shape))}"


def direction(var: sp.MatrixSymbol) -> Direction:
    """dX for the variable X, of X's shape."""
    return Direction(f"d{var.name}", *var.shape)


class ScalarDirection(sp.Symbol):
    """The direction ds of a scalar variable s: printed d s with an upright d."""

    is_direction = True

    def _latex(self, printer: Any) -> str:
        return rf"\mathrm{{d}}{printer._print(sp.Symbol(self.name[1:]))}"

    def _sympystr(self, printer: Any) -> str:  # dλ in the terminal, as the sheet's d\lambda
        return f"d{printer._print(sp.Symbol(self.name[1:]))}"


def scalar_direction(var: sp.Symbol) -> ScalarDirection:
    """ds for the scalar variable s."""
    return ScalarDirection(f"d{var.name}", real=True)


class NumericDerivative(sp.Expr):
    """dL/ds for a scalar s by a central difference at 50 digits: the independent route."""

    with_matrices = True

    def __new__(cls, function: Any, var: Any) -> NumericDerivative:
        return sp.Expr.__new__(cls, function, var)

    def doit(self, **hints: Any) -> Any:
        return self

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        function, var = self.args
        value = central_difference(evaluate, function, env, var, env[var] + STEP,
                                   env[var] - STEP)
        return value[0, 0] if isinstance(value, mpmath.matrix) else value
