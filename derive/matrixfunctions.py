"""Deep-learning functions of whole vectors and matrices: softmax, log-sum-exp, norm.

Each is a sympy object that stays symbolic, prints itself (LaTeX, text, NumPy)
and evaluates at explicit mpmath matrices (``_mp_eval``, see ``derive.mpmatrix``).
Their differential rules live with the other rules in the matrix engine.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp
from sympy.core.symbol import Str
from sympy.core.sympify import _sympify
from sympy.matrices.expressions.matexpr import MatrixExpr


def _entries(value: Any) -> list[Any]:
    if isinstance(value, mpmath.matrix):
        return [value[i, j] for i in range(value.rows) for j in range(value.cols)]
    return [value]


class Softmax(MatrixExpr):
    """softmax applied to each column (axis 0: a vector z gives e^z / 1^T e^z) or each row (axis 1).

    ``name`` is how the engine shows the value in the differential (p, P).
    """

    def __new__(cls, arg: Any, axis: Any = 0, name: Any = "p") -> Softmax:
        name = name.name if isinstance(name, Str) else name
        return MatrixExpr.__new__(cls, arg, sp.Integer(int(axis)), Str(name))

    @property
    def arg(self) -> Any:
        return self.args[0]

    @property
    def axis(self) -> int:
        return int(self.args[1])

    @property
    def label(self) -> str:
        return self.args[2].name

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.arg.shape

    def doit(self, **hints: Any) -> Any:
        return self

    def _latex(self, printer: Any) -> str:
        return rf"\operatorname{{softmax}}\left({printer._print(self.arg)}\right)"

    def _sympystr(self, printer: Any) -> str:
        rows = ", rows" if self.axis == 1 else ""
        return f"softmax({printer._print(self.arg)}{rows})"

    def _numpycode(self, printer: Any) -> str:
        axis, arg = self.axis, printer._print(self.arg)
        if printer._settings.get("helpers"):  # the check script defines softmax(z, axis=0)
            return f"softmax({arg})" if axis == 0 else f"softmax({arg}, axis={axis})"
        shifted = f"np.exp({arg} - np.max({arg}, axis={axis}, keepdims=True))"
        return f"(lambda t: t / np.sum(t, axis={axis}, keepdims=True))({shifted})"

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        value = evaluate(self.arg, env)
        out = mpmath.matrix(value.rows, value.cols)
        lines = range(value.cols) if self.axis == 0 else range(value.rows)
        for k in lines:
            cells = ([(i, k) for i in range(value.rows)] if self.axis == 0
                     else [(k, j) for j in range(value.cols)])
            top = max(value[c] for c in cells)
            weights = [mpmath.exp(value[c] - top) for c in cells]
            total = mpmath.fsum(weights)
            for c, wgt in zip(cells, weights, strict=True):
                out[c] = wgt / total
        return out


class _OfMatrix(sp.Expr):
    """A real number computed from a whole matrix (its one argument)."""

    is_commutative = True
    is_real = True

    def __new__(cls, arg: Any) -> _OfMatrix:
        return sp.Expr.__new__(cls, _sympify(arg))

    @property
    def arg(self) -> Any:
        return self.args[0]

    def doit(self, **hints: Any) -> Any:
        return self

    def _eval_derivative(self, symbol: Any) -> Any:
        raise TypeError(f"{type(self).__name__} is differentiated by the matrix engine")


class LogSumExp(_OfMatrix):
    """log(1^T e^z): the log of the sum of the exponentials of all entries (stable in code)."""

    def _latex(self, printer: Any) -> str:
        return rf"\operatorname{{logsumexp}}\left({printer._print(self.arg)}\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"logsumexp({printer._print(self.arg)})"

    def _numpycode(self, printer: Any) -> str:
        arg = printer._print(self.arg)
        if printer._settings.get("helpers"):
            return f"logsumexp({arg})"
        return f"(lambda t: np.max(t) + np.log(np.sum(np.exp(t - np.max(t)))))({arg})"

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        cells = _entries(evaluate(self.arg, env))
        top = max(cells)
        return top + mpmath.log(mpmath.fsum(mpmath.exp(c - top) for c in cells))


class Norm(_OfMatrix):
    """The two-norm of a vector, the Frobenius norm of a matrix: sqrt(tr(A^T A))."""

    is_nonnegative = True

    def _latex(self, printer: Any) -> str:
        return rf"\left\|{printer._print(self.arg)}\right\|"

    def _sympystr(self, printer: Any) -> str:
        return f"norm({printer._print(self.arg)})"

    def _numpycode(self, printer: Any) -> str:
        return f"np.linalg.norm({printer._print(self.arg)})"

    def _mp_eval(self, evaluate: Any, env: dict) -> Any:
        return mpmath.sqrt(mpmath.fsum(c * c for c in _entries(evaluate(self.arg, env))))


def reads_as_call(matrix: Any) -> bool:
    """Whether ``matrix`` prints as a name or a call (W, softmax(z), sigma(Wx), max(A, B)),
    which needs no brackets where an argument is put in its place."""
    if isinstance(matrix, sp.MatrixSymbol | Softmax):
        return True
    if isinstance(matrix, sp.Transpose):
        return isinstance(matrix.arg, sp.MatrixSymbol)
    function = getattr(matrix, "function", None)
    if isinstance(matrix, MatrixExpr) and isinstance(function, sp.Lambda):
        return isinstance(function.args[1], sp.Function | sp.Max | sp.Min)
    return False


class _Shown(sp.Dummy):
    """A placeholder printed as given text (an argument already printed by the caller); a
    Dummy, so that two arguments printed alike never cancel: max(B, B^T) with B = B^T
    keeps its step H(B - B) a matrix, not the number 1/2."""

    def _latex(self, printer: Any) -> str:
        return self.name

    def _sympystr(self, printer: Any) -> str:
        return self.name

    def _numpycode(self, printer: Any) -> str:
        return self.name


class Entrywise(MatrixExpr):
    """f(A_1, ..., A_k) applied entry by entry to matrices of one shape (max(A, B), ...)."""

    def __new__(cls, function: sp.Lambda, *matrices: Any) -> Any:
        """A matrix given twice is one argument (max(B, B^T) once B^T = B is max(B, B),
        which is B); a body free of its arguments is a constant matrix (H(B - B) = 1/2)."""
        names, body = function.variables, function.expr
        if len(set(matrices)) < len(matrices):
            first = {m: names[matrices.index(m)] for m in matrices}
            body = body.xreplace({u: first[m] for u, m in zip(names, matrices, strict=True)})
            matrices = tuple(first)
            names = tuple(first.values())
            if len(names) == 1 and body == names[0]:
                return matrices[0]
            function = sp.Lambda(names, body)
        if not body.free_symbols & set(names):
            shape = matrices[0].shape
            if body == 0:
                return sp.ZeroMatrix(*shape)
            return sp.OneMatrix(*shape) if body == 1 else sp.MatMul(body, sp.OneMatrix(*shape))
        return MatrixExpr.__new__(cls, function, *matrices)

    @property
    def function(self) -> sp.Lambda:
        return self.args[0]

    @property
    def matrices(self) -> tuple[Any, ...]:
        return self.args[1:]

    @property
    def shape(self) -> tuple[Any, Any]:
        return self.args[1].shape

    def doit(self, **hints: Any) -> Any:
        return self

    def body(self, printer: Any) -> Any:
        """The function's body with each argument printed in its place."""
        names, body = self.function.args
        latex = getattr(printer, "printmethod", "") == "_latex"
        shown = {}
        for u, m in zip(names, self.matrices, strict=True):
            text = printer._print(m)
            if not reads_as_call(m):  # max(A, B - C), not max(A, B) - C
                text = rf"\left({text}\right)" if latex else f"({text})"
            shown[u] = _Shown(text)
        return printer._print(body.xreplace(shown))

    _latex = _sympystr = _numpycode = body

    def _mp_eval(self, evaluate: Any, env: Any) -> Any:
        names, body = self.function.args
        values = [evaluate(m, env) for m in self.matrices]
        out = mpmath.matrix(values[0].rows, values[0].cols)
        for i in range(out.rows):
            for j in range(out.cols):
                point = env.but({u: v[i, j] for u, v in zip(names, values, strict=True)})
                out[i, j] = evaluate(body, point)
        return out


__all__ = ["Entrywise", "LogSumExp", "Norm", "Softmax"]
