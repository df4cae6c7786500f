"""The sample's notation and order statistics that print and evaluate themselves.

The contract writes an i.i.d. sample as ``x = IndexedBase('x')`` with index
``i`` and size ``N``; estimators that are not sums (the largest observation,
the median) are ``ExprWithLimits`` over the same index so that they print as
``\\max_i x_i`` / ``np.max(x)`` and evaluate at a concrete N.
"""

from __future__ import annotations

import sympy as sp
from sympy.concrete.expr_with_limits import ExprWithLimits

INDEX = sp.Symbol("i", integer=True)
SIZE = sp.Symbol("N", integer=True, positive=True)


def sample(name: str) -> sp.IndexedBase:
    return sp.IndexedBase(name)


class _OrderStatistic(ExprWithLimits):
    """f(x_i) reduced over i = 1..N by ``_reduce`` (Max, Min, median)."""

    latex_head = ""
    text_head = ""  # the operator's name in terminal text: max, min, median
    numpy_name = ""
    mp_reduce = staticmethod(max)  # how mpmath values f(x_1), ..., f(x_N) are reduced

    def doit(self, **hints):
        ((index, low, high),) = self.limits
        if not (low.is_Integer and high.is_Integer):
            return self
        values = [
            self.function.xreplace({index: sp.Integer(k)}) for k in range(int(low), int(high) + 1)
        ]
        return self._reduce([v.doit(**hints) if hints.get("deep", True) else v for v in values])

    def _reduce(self, values: list[sp.Expr]) -> sp.Expr:
        raise TypeError(f"{type(self).__name__} must define _reduce")  # each statistic does

    def _mp_eval(self, evaluate, env):
        """The values f(x_i), i = low..high, reduced with mpmath (see ``derive.numeric``)."""
        ((index, low, high),) = self.limits
        first, last = (int(evaluate(bound, env)) for bound in (low, high))
        values = [evaluate(self.function, {**env, index: k}) for k in range(first, last + 1)]
        return type(self).mp_reduce(values)

    def _latex(self, printer, exp=None):
        ((index, _, _),) = self.limits
        tex = rf"{self.latex_head}_{{{printer._print(index)}}} {printer._print(self.function)}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex

    def _numpycode(self, printer):
        return (
            f"{printer._module_format('numpy.' + self.numpy_name)}({printer._print(self.function)})"
        )

    def _sympystr(self, printer):
        big = getattr(printer, "big_operator", None)  # the terminal's maxᵢ xᵢ, as ∑ᵢ xᵢ
        if big is not None:
            return big(self.text_head, self)
        args = f"{printer._print(self.function)}, {printer._print(self.limits[0])}"
        return f"{type(self).__name__}({args})"


class SampleMax(_OrderStatistic):
    """The largest observation, ``max_i f(x_i)``."""

    latex_head = r"\max"
    text_head = "max"
    numpy_name = "max"

    def _reduce(self, values):
        return sp.Max(*values)


class SampleMin(_OrderStatistic):
    """The smallest observation, ``min_i f(x_i)``."""

    latex_head = r"\min"
    text_head = "min"
    numpy_name = "min"
    mp_reduce = staticmethod(min)

    def _reduce(self, values):
        return sp.Min(*values)


class SampleMedian(_OrderStatistic):
    """The sample median (the middle order statistic; the mean of the two middle ones)."""

    latex_head = r"\operatorname{median}"
    text_head = "median"
    numpy_name = "median"
    mp_reduce = staticmethod(lambda values: _median(values))

    def _reduce(self, values):
        return median_of(*values)


class median_of(sp.Function):  # noqa: N801 - a sympy function, named like Max
    """The median of explicit values; evaluates once they are numbers."""

    @classmethod
    def eval(cls, *args):
        if args and all(a.is_number and a.is_real for a in args):
            ordered = sorted(args, key=lambda v: float(v))
            n = len(ordered)
            middle = ordered[n // 2]
            return middle if n % 2 else (ordered[n // 2 - 1] + middle) / 2
        return None

    def _eval_evalf(self, prec):
        return median_of(*[a.evalf(prec) for a in self.args])

    def _mp_eval(self, evaluate, env):
        return _median([evaluate(a, env) for a in self.args])


def _median(values: list) -> object:
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


class Estimate(sp.Symbol):
    """The label of an estimator: prints as a hat over the parameter."""

    def __new__(cls, param: sp.Symbol):
        obj = super().__new__(cls, f"{param.name}_hat")
        obj.param = param
        return obj

    def __getnewargs_ex__(self):
        return ((self.param,), {})

    def _latex(self, printer, exp=None):
        tex = rf"\hat{{{printer._print(self.param)}}}"
        return f"{tex}^{{{exp}}}" if exp else tex
