"""The NumPy printer of check scripts and the JSON "numpy" field: one Python expression over ``np``.

It extends sympy's NumPyPrinter by type (``_print_<Class>``): a stable sigmoid and
softplus, erf without scipy, matrix products and sizes read off the input arrays
(``derive.matrixcode``).
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from derive.errors import NotSupported
from derive.functions import sigmoid, softplus
from derive.matrixcode import Code, MatrixCode, dimension_code
from derive.printing import Verbatim, as_ordered, root_parts
from derive.termorder import ordered_product, ordered_terms

#: the parameter of a closed form printed as a lambda: no user name starts with '_'
_PARAMETER = Verbatim("_u", real=True)


class DeriveNumPyPrinter(MatrixCode, NumPyPrinter):
    """NumPy code over ``np``: stable sigmoid and softplus, erf without scipy."""

    # sample_size: the code for the sample size N (e.g. "x.size") in estimators.
    # helpers: print sigmoid(z), softplus(z) as calls of the script's own small functions.
    _default_settings = {**NumPyPrinter._default_settings, "sample_size": None,
                         "helpers": False}

    def _as_ordered_terms(self, expr: sp.Expr, order: str | None = None) -> list[sp.Expr]:
        # a sum as a person writes it: positive terms first (sigmoid(z) - y, not -y + ...)
        if isinstance(expr, sp.Add):
            return ordered_terms(expr.args)
        return super()._as_ordered_terms(expr, order)

    def _print_Mul(self, expr: sp.Expr) -> str:
        # exp(...) / (np.sqrt(2 * np.pi) * sigma), as the density is written, not sqrt(2)/2
        parts = root_parts(expr) if isinstance(expr, sp.Mul) else None
        if parts is None:
            return self._fraction(expr) or self._ordered_Mul(expr)
        coefficient, inside, above, below = parts
        numerator = sp.Mul(abs(coefficient.p), *above)
        top = f"({self._print(numerator)})" if isinstance(numerator, sp.Add) else self._print(
            numerator)
        bottom = ([str(coefficient.q)] if coefficient.q != 1 else []) + [
            f"{self._np('sqrt')}({self._print(sp.Mul(*inside))})"] + [
            self.parenthesize(b, PRECEDENCE["Mul"]) for b in below]
        joined = bottom[0] if len(bottom) == 1 else f"({' * '.join(bottom)})"
        return f"{'-' if coefficient < 0 else ''}{top} / {joined}"

    def _ordered_Mul(self, expr: sp.Expr) -> str:
        """A product's factors in termorder's order, as the worksheet prints them: x*(p - y)."""
        if not isinstance(expr, sp.Mul) or not expr.is_commutative or expr.has(sp.MatrixExpr):
            return super()._print_Mul(expr)
        return as_ordered(self, super()._print_Mul, ordered_product(expr))

    def _fraction(self, expr: sp.Expr) -> str | None:
        """-(x - mu)**2 / (2 * sigma**2), not -1/2*(x - mu)**2/sigma**2: a rational
        coefficient's denominator goes below the fraction bar with the others."""
        if not isinstance(expr, sp.Mul) or not expr.is_commutative or expr.has(sp.MatrixExpr):
            return None
        coefficient, rest = expr.as_coeff_Mul()
        if not coefficient.is_Rational or coefficient.q == 1 or rest == 1:
            return None
        numerator, denominator = sp.fraction(rest)
        above, below = abs(coefficient.p) * numerator, coefficient.q * denominator
        top = f"({self._print(above)})" if isinstance(above, sp.Add) else self._print(above)
        bottom = self._print(below)
        if isinstance(below, sp.Mul | sp.Add):
            bottom = f"({bottom})"
        return f"{'-' if coefficient < 0 else ''}{top} / {bottom}"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        # 1 / theta rather than theta ** (-1.0), as a person writes it
        if expr.exp == -1 and not isinstance(expr.base, sp.MatrixExpr):
            return f"1 / {self.parenthesize(expr.base, PRECEDENCE['Pow'])}"
        return super()._print_Pow(expr, rational)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        # An observation x[i] inside a sum over the sample is the whole 1-D array x.
        return self._print(expr.base.label)

    def _vectorized_math(self, function: str, arg: str) -> str:
        """A function of Python's math module applied entry by entry (numpy has no gamma, erf)."""
        return f"{self._np('vectorize')}(__import__('math').{function}, otypes=[float])({arg})"

    def _print_factorial(self, expr: sp.Expr) -> str:
        if self._settings["helpers"]:
            return f"factorial({self._print(expr.args[0])})"
        return self._vectorized_math("gamma", f"{self._print(expr.args[0])} + 1.0")

    def _print_polygamma(self, expr: sp.Expr) -> str:
        # d/dx x! = Gamma(x + 1) polygamma(0, x + 1): scipy has it, numpy does not.
        order, arg = (self._print(a) for a in expr.args)
        return f"__import__('scipy.special', fromlist=['polygamma']).polygamma({order}, {arg})"

    def _print_gamma(self, expr: sp.Expr) -> str:
        gamma = f"{self._np('vectorize')}(__import__('math').gamma, otypes=[float])"
        return f"{gamma}({self._print(expr.args[0])})"

    def _print_log(self, expr: sp.Expr) -> str:
        # log(n!) as lgamma(n + 1): the factorial itself overflows for large counts.
        arg = expr.args[0]
        if isinstance(arg, sp.factorial) and self._settings["helpers"]:
            return f"log_factorial({self._print(arg.args[0])})"
        if isinstance(arg, sp.factorial):
            lgamma = f"{self._np('vectorize')}(__import__('math').lgamma, otypes=[float])"
            return f"{lgamma}({self._print(arg.args[0])} + 1.0)"
        if isinstance(arg, sigmoid):  # log sigma(u) = -softplus(-u): no log(0) for u << 0
            return f"(-{self._print(softplus(-arg.args[0]))})"
        return super()._print_log(expr)

    def _print_Sum(self, expr: sp.Sum) -> str:
        ((index, low, high),) = expr.limits
        if not expr.function.has(index):
            return f"(({self._print(high - low + 1)})*({self._print(expr.function)}))"
        return f"{self._np('sum')}({self._print(expr.function)})"

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        size = self._settings.get("sample_size")
        if size and expr.name == "N" and expr.is_integer:
            return size
        if expr in self.dimensions:  # a matrix size: m -> W.shape[0]
            return self.dimensions[expr]
        return super()._print_Symbol(expr)

    def _module_format(self, fqn: str, register: bool = True) -> str:
        if fqn.startswith("numpy."):
            fqn = "np." + fqn[len("numpy.") :]
        return super()._module_format(fqn, register)

    def _np(self, name: str) -> str:
        return self._module_format(f"numpy.{name}")

    def _print_sigmoid(self, expr: sp.Expr) -> str:
        # 0.5 (1 + tanh(x/2)) equals 1/(1 + e^-x) and never overflows.
        arg = self._print(expr.args[0])
        if self._settings["helpers"]:
            return f"sigmoid({arg})"
        arg = arg if isinstance(expr.args[0], Code | sp.Symbol) else f"({arg})"
        return f"(0.5 + 0.5*{self._np('tanh')}(0.5*{arg}))"

    def _print_softplus(self, expr: sp.Expr) -> str:
        if self._settings["helpers"]:
            return f"softplus({self._print(expr.args[0])})"
        return f"{self._np('logaddexp')}(0, {self._print(expr.args[0])})"

    def _print_relu(self, expr: sp.Expr) -> str:
        return f"{self._np('maximum')}({self._print(expr.args[0])}, 0)"

    def _print_gelu(self, expr: sp.Expr) -> str:
        return self._closed_form(expr)

    def _print_normal_cdf(self, expr: sp.Expr) -> str:
        return self._closed_form(expr)

    def _print_normal_pdf(self, expr: sp.Expr) -> str:
        return self._closed_form(expr)

    def _closed_form(self, expr: sp.Expr) -> str:
        """A function printed as its closed form, in brackets (it is one operand wherever it
        stands: gelu(x)**2 is (x*Phi(x))**2); a compound argument the closed form repeats is
        printed once, as the argument of a lambda (else a nest of depth k prints 2^k copies)."""
        (arg,) = expr.args
        body = expr.func(_PARAMETER)._closed_form()
        if arg.is_Atom or body.count(_PARAMETER) == 1:
            return f"({self._print(expr._closed_form())})"
        return f"((lambda {_PARAMETER.name}: {self._print(body)})({self._print(arg)}))"

    def _print_erf(self, expr: sp.Expr) -> str:
        if self._settings["helpers"]:
            return f"erf({self._print(expr.args[0])})"
        return self._vectorized_math("erf", self._print(expr.args[0]))

    def _print_Heaviside(self, expr: sp.Expr) -> str:
        at_zero = self._print(expr.args[1]) if len(expr.args) > 1 else "0.5"  # sympy's H(0)
        return f"{self._np('heaviside')}({self._print(expr.args[0])}, {at_zero})"

    def _print_Max(self, expr: sp.Expr) -> str:
        return self._fold("maximum", expr.args)

    def _print_Min(self, expr: sp.Expr) -> str:
        return self._fold("minimum", expr.args)

    def _fold(self, name: str, args: tuple[sp.Expr, ...]) -> str:
        code = self._print(args[0])
        for arg in args[1:]:
            code = f"{self._np(name)}({code}, {self._print(arg)})"
        return code


def numpy_code(expr: Any, inputs: Any = None, **settings: Any) -> str:
    """One Python expression over the input names and ``np``; a symbolic size is read off
    an input array (n -> ``W.shape[1]``) of ``expr`` or of ``inputs`` (the function)."""
    printer = DeriveNumPyPrinter({"fully_qualified_modules": True, "strict": True, **settings})
    printer.dimensions = {**dimension_code(inputs), **dimension_code(expr)}
    try:
        return printer.doprint(expr)
    except PrintMethodNotImplementedError as exc:
        what = str(exc).split(": ", 1)[-1].split()[0]
        raise NotSupported(f"not supported: numeric check code for {what}") from None
