"""Deep-learning functions as sympy Functions, and the table of known derivatives.

Each function knows its derivative in textbook form (``fdiff``), how to
evaluate numerically (through its ``exp``/``erf`` rewrite) and its LaTeX.
``KNOWN_DERIVATIVES`` is the table the step engine looks up: it maps a
function class to its derivative at ``u`` and the identity a lecturer writes
in the margin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp
from sympy import (
    Abs,
    Function,
    Heaviside,
    Rational,
    S,
    acos,
    asin,
    atan,
    cos,
    cosh,
    erf,
    exp,
    log,
    pi,
    sign,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
)
from sympy.core.sympify import _sympify

from derive.prose import Prose, Tex


class _DLFunction(Function):
    """Shared behaviour: real on real input, numeric evaluation through a rewrite."""

    nargs = 1
    latex_name = ""

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_evalf(self, prec):
        return self._closed_form()._eval_evalf(prec)

    #: the functions ``rewrite`` turns this one into (its closed form uses them)
    rewrites: tuple[str, ...] = ()
    positive_on_reals = False  # sigmoid, softplus and the normal density are > 0 on reals

    @staticmethod
    def _form(x: sp.Expr) -> sp.Expr:
        raise TypeError("each DL function defines its closed form")

    def _closed_form(self) -> sp.Expr:
        return self._form(self.args[0])

    def _rewritten(self, target: str, x: sp.Expr) -> sp.Expr | None:
        return self._form(x) if target in self.rewrites else None

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return self._rewritten("exp", x)

    def _eval_rewrite_as_log(self, x, **kwargs):
        return self._rewritten("log", x)

    def _eval_rewrite_as_erf(self, x, **kwargs):
        return self._rewritten("erf", x)

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return self._rewritten("Max", x)

    def _eval_is_positive(self):
        return (self.args[0].is_real or None) if self.positive_on_reals else None

    def _eval_is_extended_positive(self):
        return self._eval_is_positive()

    def _reflected(self, u: sp.Expr) -> sp.Expr | None:
        """f(-u) written with f(u), for the functions that have such an identity."""
        return None

    def _latex(self, printer, exp=None):
        arg = printer._print(self.args[0])
        head = self.latex_name
        if exp is not None:
            head = f"{head}^{{{exp}}}"
        return rf"{head}\!\left({arg}\right)"


class sigmoid(_DLFunction):
    r"""Logistic sigmoid $\sigma(x) = 1/(1 + e^{-x})$."""

    rewrites = ("exp",)
    positive_on_reals = True
    latex_name = r"\sigma"

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return S.Half

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @staticmethod
    def _form(x):
        return 1 / (1 + exp(-x))

    def _reflected(self, u):
        return 1 - sigmoid(u)


class softplus(_DLFunction):
    r"""Softplus $\log(1 + e^{x})$, a smooth ReLU."""

    rewrites = ("exp", "log")
    positive_on_reals = True
    latex_name = r"\operatorname{softplus}"

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    @staticmethod
    def _form(x):
        return log(1 + exp(x))

    def _reflected(self, u):
        return softplus(u) - u


class relu(_DLFunction):
    r"""Rectified linear unit $\max(x, 0)$; its derivative at 0 is taken to be 0."""

    rewrites = ("Max",)
    latex_name = r"\operatorname{ReLU}"

    @classmethod
    def eval(cls, x):
        if x.is_Number:
            return sp.Max(x, 0)

    def fdiff(self, argindex=1):
        return Heaviside(self.args[0], 0)

    @staticmethod
    def _form(x):
        return sp.Max(x, 0)

    def _eval_is_nonnegative(self):
        return self.args[0].is_real or None


class gelu(_DLFunction):
    r"""Gaussian error linear unit $x\,\Phi(x) = \frac{x}{2}(1 + \operatorname{erf}(x/\sqrt2))$."""

    rewrites = ("erf",)
    latex_name = r"\operatorname{GELU}"

    def fdiff(self, argindex=1):
        x = self.args[0]
        return normal_cdf(x) + x * normal_pdf(x)

    @staticmethod
    def _form(x):
        return x / 2 * (1 + erf(x / sqrt(2)))


class normal_cdf(_DLFunction):
    r"""Standard normal distribution function $\Phi(x)$."""

    rewrites = ("erf",)
    latex_name = r"\Phi"

    def fdiff(self, argindex=1):
        return normal_pdf(self.args[0])

    @staticmethod
    def _form(x):
        return (1 + erf(x / sqrt(2))) / 2

    def _reflected(self, u):
        return 1 - normal_cdf(u)


class normal_pdf(_DLFunction):
    r"""Standard normal density $\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}$."""

    rewrites = ("exp",)
    positive_on_reals = True
    latex_name = r"\varphi"

    def fdiff(self, argindex=1):
        x = self.args[0]
        return -x * normal_pdf(x)

    @staticmethod
    def _form(x):
        return exp(-(x**2) / 2) / sqrt(2 * pi)

    def _reflected(self, u):
        return normal_pdf(u)


DL_FUNCTIONS: tuple[type[_DLFunction], ...] = (
    sigmoid,
    softplus,
    relu,
    gelu,
    normal_cdf,
    normal_pdf,
)


def as_expr(value: object) -> sp.Basic:
    """A number or sympy object as sympy, strictly: text is refused, never parsed."""
    return _sympify(value)


def fold_reflections(expr: sp.Expr) -> sp.Expr:
    """sigmoid(-u) = 1 - sigmoid(u), softplus(-u) = softplus(u) - u, ...: one sign per argument.

    What sympy does by itself for odd functions (tanh(-u) = -tanh(u)), for the DL
    functions; innermost first, so nested functions meet in one form.
    """
    def reflectable(e: sp.Basic) -> bool:
        return isinstance(e, _DLFunction) and e.args[0].could_extract_minus_sign()

    def reflect(f: _DLFunction) -> sp.Expr:
        folded = f._reflected(-f.args[0])
        return f if folded is None else folded

    return expr.replace(reflectable, reflect)


def to_closed_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite every DL function into exp/log/erf/Max, for symbolic comparison."""
    mapping = {f: f._closed_form() for f in expr.atoms(*DL_FUNCTIONS)}
    while mapping:
        expr = expr.xreplace(mapping)
        mapping = {f: f._closed_form() for f in expr.atoms(*DL_FUNCTIONS)}
    return expr


@dataclass(frozen=True)
class KnownDerivative:
    """A table row: the derivative at ``u`` and the identity shown in the margin."""

    derivative: Callable[[sp.Expr], sp.Expr]
    identity: Tex  # in terms of u, as LaTeX and as plain text
    condition: Prose = Prose()  # where the identity holds, if not everywhere


u = sp.Symbol("u", real=True)


def _known(derivative: Callable[[sp.Expr], sp.Expr], tex: str, plain: str,
           condition: Prose | None = None) -> KnownDerivative:
    return KnownDerivative(derivative, Tex(f"${tex}$", plain), condition or Prose())


KNOWN_DERIVATIVES: dict[type, KnownDerivative] = {
    sigmoid: _known(lambda a: sigmoid(a) * (1 - sigmoid(a)),
                    r"\sigma'(u) = \sigma(u)\,(1 - \sigma(u))",
                    "sigmoid'(u) = sigmoid(u)*(1 - sigmoid(u))"),
    softplus: _known(lambda a: sigmoid(a), r"\operatorname{softplus}'(u) = \sigma(u)",
                     "softplus'(u) = sigmoid(u)"),
    relu: _known(lambda a: Heaviside(a, 0), r"\operatorname{ReLU}'(u) = \mathbb{I}[u > 0]",
                 "relu'(u) = 1[u > 0]",
                 Prose.of("taking ", Tex(r"$\operatorname{ReLU}'(0) = 0$", "relu'(0) = 0"))),
    gelu: _known(lambda a: normal_cdf(a) + a * normal_pdf(a),
                 r"\operatorname{GELU}'(u) = \Phi(u) + u\,\varphi(u)",
                 "gelu'(u) = Phi(u) + u*phi(u)"),
    normal_cdf: _known(lambda a: normal_pdf(a), r"\Phi'(u) = \varphi(u)", "Phi'(u) = phi(u)"),
    normal_pdf: _known(lambda a: -a * normal_pdf(a), r"\varphi'(u) = -u\,\varphi(u)",
                       "phi'(u) = -u*phi(u)"),
    exp: _known(lambda a: exp(a), r"(e^{u})' = e^{u}", "exp'(u) = exp(u)"),
    log: _known(lambda a: 1 / a, r"(\log u)' = \frac{1}{u}", "log'(u) = 1/u"),
    Abs: _known(lambda a: sign(a), r"|u|' = \operatorname{sign}(u)", "|u|' = sign(u)",
                Prose.of("for ", Tex(r"$u \neq 0$", "u != 0"))),
    sin: _known(lambda a: cos(a), r"\sin' u = \cos u", "sin'(u) = cos(u)"),
    cos: _known(lambda a: -sin(a), r"\cos' u = -\sin u", "cos'(u) = -sin(u)"),
    tan: _known(lambda a: 1 + tan(a) ** 2, r"\tan' u = 1 + \tan^2 u", "tan'(u) = 1 + tan(u)^2"),
    asin: _known(lambda a: 1 / sqrt(1 - a**2), r"\arcsin' u = \frac{1}{\sqrt{1-u^2}}",
                 "asin'(u) = 1/sqrt(1 - u^2)"),
    acos: _known(lambda a: -1 / sqrt(1 - a**2), r"\arccos' u = -\frac{1}{\sqrt{1-u^2}}",
                 "acos'(u) = -1/sqrt(1 - u^2)"),
    atan: _known(lambda a: 1 / (1 + a**2), r"\arctan' u = \frac{1}{1+u^2}",
                 "atan'(u) = 1/(1 + u^2)"),
    sinh: _known(lambda a: cosh(a), r"\sinh' u = \cosh u", "sinh'(u) = cosh(u)"),
    cosh: _known(lambda a: sinh(a), r"\cosh' u = \sinh u", "cosh'(u) = sinh(u)"),
    tanh: _known(lambda a: 1 - tanh(a) ** 2, r"\tanh' u = 1 - \tanh^2 u",
                 "tanh'(u) = 1 - tanh(u)^2"),
    erf: _known(lambda a: 2 / sqrt(pi) * exp(-(a**2)),
                r"\operatorname{erf}' u = \frac{2}{\sqrt\pi}e^{-u^2}",
                "erf'(u) = 2/sqrt(pi)*exp(-u^2)"),
}

#: Names of the plain syntax mapped to the sympy callables the parser may build.
FUNCTION_NAMES: dict[str, Callable[..., sp.Expr]] = {
    "exp": exp,
    "log": log,
    "ln": log,
    "sqrt": sqrt,
    "abs": Abs,
    "sin": sin,
    "cos": cos,
    "tan": tan,
    "asin": asin,
    "acos": acos,
    "atan": atan,
    "sinh": sinh,
    "cosh": cosh,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "softplus": softplus,
    "relu": relu,
    "gelu": gelu,
    "erf": erf,
    "max": sp.Max,
    "min": sp.Min,
    "factorial": sp.factorial,
}

HALF = Rational(1, 2)
