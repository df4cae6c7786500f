"""The 'inference' kind: a confidence interval and a t test on data drawn from a seed.

Works on numbers: data drawn from a seed written in the entry, the sample mean
and variance, a z or t confidence interval for the mean, a one-sample t
statistic and its p-value. Every value is kept exact (the data have two
decimals) and shown rounded; quantiles and tail probabilities are sympy
objects that evaluate to 30 digits with mpmath.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath.libmp import prec_to_dps

from derive.catalogue.spec import Spec
from derive.functions import as_expr
from derive.kinds.base import Kind, derivation_of
from derive.kinds.inference.fields import FIELDS
from derive.model import Assumptions, Derivation, Result, Section, Step
from derive.notation import Notated
from derive.printing import Label
from derive.prose import Prose, Tex, math, tex

XBAR = Label(r"\bar{x}", "xbar")
SIGMA = sp.Symbol("sigma")


class Rounded(sp.Expr):
    """An exact number shown rounded to ``DIGITS`` significant digits (with an ellipsis if cut)."""

    DIGITS = 4

    def __new__(cls, value: sp.Expr) -> Rounded:
        return super().__new__(cls, as_expr(value))

    @property
    def value(self) -> sp.Expr:
        return self.args[0]

    def doit(self, **hints: Any) -> sp.Expr:
        return self.value.doit(**hints)

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.value.evalf(prec_to_dps(prec))

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        value = self.value
        if value.is_Rational and (value * 10**4).is_Integer:
            # Data with two decimals, their sums and squares: shown exactly.
            tex = f"{float(value):.4f}".rstrip("0").rstrip(".")
            tex = rf"\left({tex}\right)" if value < 0 or exp else tex
            return f"{tex}^{{{exp}}}" if exp else tex
        number = float(value.evalf(30))
        shown = float(f"{number:.{self.DIGITS}g}")
        tex = f"{number:.{self.DIGITS}g}"
        if "e" in tex:
            mantissa, power = tex.split("e")
            tex = rf"{mantissa} \times 10^{{{int(power)}}}"
        if abs(shown - number) > 1e-12 * max(1.0, abs(number)):
            tex += r"\ldots"
        tex = rf"\left({tex}\right)" if number < 0 or exp else tex
        return f"{tex}^{{{exp}}}" if exp else tex

    def _numpycode(self, printer: Any) -> str:
        return repr(float(self.value.evalf(30)))


class TQuantile(sp.Function):
    """``t_{nu, q}``: the q-quantile of Student's t with nu degrees of freedom (mpmath)."""

    nargs = 2

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        q, nu = self.args
        if not (q.is_number and nu.is_number):
            return None
        digits = prec_to_dps(prec) + 10
        with mpmath.workdps(digits):
            qq, v = mpmath.mpf(str(q)), mpmath.mpf(int(nu))

            def cdf(t: Any) -> Any:
                tail = mpmath.betainc(v / 2, mpmath.mpf(1) / 2, 0, v / (v + t * t),
                                      regularized=True) / 2
                return 1 - tail if t > 0 else tail

            from scipy.stats import t as student

            root = mpmath.findroot(lambda t: cdf(t) - qq, student.ppf(float(q), int(nu)))
            return sp.Float(root, digits)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        q, nu = self.args
        return rf"t_{{{printer._print(nu)},\,{float(q):g}}}"


class TailProbability(sp.Function):
    """``2 P(T_nu >= |t|)``: the two-sided p-value of a t statistic."""

    nargs = 2

    def doit(self, **hints: Any) -> sp.Expr:
        t, nu = self.args
        return sp.betainc_regularized(nu / 2, sp.S.Half, 0, nu / (nu + t**2))

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        t, nu = self.args
        return rf"2\,P\left(T_{{{printer._print(nu)}}} \ge \left|{printer._print(t)}\right|\right)"


def _data(spec: Spec) -> list[sp.Rational]:
    table = spec.require("data", dict)
    try:
        seed, size = int(table["seed"]), int(table["size"])
        loc, scale = float(table.get("mean", 0.0)), float(table.get("sd", 1.0))
    except (KeyError, TypeError, ValueError):
        raise spec.error("data", "expected seed, size, mean and sd") from None
    if not 3 <= size <= 60:
        raise spec.error("data", "size must be between 3 and 60")
    values = np.random.default_rng(seed).normal(loc, scale, size)
    return [sp.Rational(round(float(v) * 100), 100) for v in values]


def _number(spec: Spec, name: str, default: Any = None) -> sp.Rational:
    value = spec.get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise spec.error(name, "expected a number")
    return sp.Rational(str(value))


@dataclass(frozen=True)
class Inference:
    """What inference on data adds: the task, the data, the level and the derived values."""

    task: str
    data: tuple[float, ...]
    level: float
    values: Mapping[str, float]  # each derived value to 30 digits, as a float


def derive_inference(spec: Spec) -> Derivation:
    """Sample statistics, then a confidence interval ('z' or 't') or a one-sample t test."""
    task = spec.require("task")
    if task not in ("z-interval", "t-interval", "t-test"):
        raise spec.error("task", "expected 'z-interval', 't-interval' or 't-test'")
    xs = _data(spec)
    size = len(xs)
    level = _number(spec, "level", 0.95)
    total = sp.Add(*xs)
    mean = total / size
    shown_mean = sp.Mul(Rounded(total), sp.Pow(size, -1, evaluate=False), evaluate=False)
    sections = [Section(Prose.of("The sample mean ", Tex(r"$\bar x = \frac{1}{N}\sum_i x_i$",
                                                        "xbar = (1/N) sum_i x_i")), shown_mean,
                        (Step(shown_mean, Rounded(mean), "evaluate"),), lhs=XBAR)]
    results = [Result("mean", XBAR, Rounded(mean))]
    squares = sp.Add(*(v**2 for v in xs))
    variance = (squares - size * mean**2) / (size - 1)
    sd = sp.sqrt(variance)
    nu = sp.Integer(size - 1)
    values: dict[str, sp.Expr] = {"mean": mean}
    if task != "z-interval":
        start = sp.Pow(sp.Mul(sp.Add(Rounded(squares), -size * Rounded(mean) ** 2, evaluate=False),
                              sp.Pow(size - 1, -1, evaluate=False), evaluate=False),
                       sp.S.Half, evaluate=False)  # one root over the fraction, not sqrt(11)/11
        sections.append(Section(
            Prose.of("The sample standard deviation ",
                     Tex(r"$s = \sqrt{\frac{1}{N-1}\left(\sum_i x_i^2 - N\bar x^2\right)}$",
                         "s = sqrt((sum_i x_i^2 - N xbar^2)/(N - 1))")),
            start, (Step(start, Rounded(sd), "evaluate"),),
            lhs=sp.Symbol("s")))
        results.append(Result("sd", sp.Symbol("s"), Rounded(sd)))
        values["sd"] = sd
    if task == "z-interval":
        sigma = _number(spec, "sigma")
        quantile = sp.sqrt(2) * sp.erfinv(level)
        point = float(1 - (1 - level) / 2)
        scale, qname = sigma, Notated("quantile", "z", f"{point:g}")
        values["sigma"] = sigma
    else:
        quantile = TQuantile(1 - (1 - level) / 2, nu)
        scale, qname = sd, quantile
    if task in ("z-interval", "t-interval"):
        q_value = Rounded(quantile)
        sections.append(Section(Prose.of("The quantile"), quantile,
                                (Step(quantile, q_value, "quantile"),), lhs=qname))
        half = quantile * scale / sp.sqrt(size)
        shown = sp.Mul(q_value, Rounded(scale), sp.Pow(sp.sqrt(size), -1), evaluate=False)
        sections.append(Section(Prose.of("The half-width ", Tex(r"$h = q\,\frac{s}{\sqrt N}$",
                                                                  "h = q s/sqrt(N)")), shown,
                                (Step(shown, Rounded(half), "evaluate"),), lhs=sp.Symbol("h")))
        lower, upper = mean - half, mean + half
        lo_shown = sp.Add(Rounded(mean), -Rounded(half), evaluate=False)
        hi_shown = sp.Add(Rounded(mean), Rounded(half), evaluate=False)
        interval = Prose.of("The interval ", Tex(r"$\bar x \pm h$", "xbar +- h"))
        sections.append(Section(interval, lo_shown,
                                (Step(lo_shown, Rounded(lower), "evaluate"),),
                                lhs=Label(r"\text{lower}", "lower")))
        sections.append(Section(Prose(), hi_shown, (Step(hi_shown, Rounded(upper), "evaluate"),),
                                lhs=Label(r"\text{upper}", "upper")))
        results += [Result("half-width", sp.Symbol("h"), Rounded(half)),
                    Result("lower", Label(r"\text{lower}", "lower"), Rounded(lower)),
                    Result("upper", Label(r"\text{upper}", "upper"), Rounded(upper))]
        values.update({"lower": lower, "upper": upper})
        sigma_said = (Prose.of(" (known ", math(SIGMA, values["sigma"]), ")")
                      if task == "z-interval" else Prose.of(" (", math(SIGMA), " unknown)"))
        what = Prose.of(f"a {float(level * 100):g}% confidence interval for the mean", sigma_said)
    else:
        mu0 = _number(spec, "mu0")
        t = (mean - mu0) / (sd / sp.sqrt(size))
        shown = sp.Mul(sp.Add(Rounded(mean), -mu0, evaluate=False),
                       sp.Pow(sp.Mul(Rounded(sd), sp.Pow(sp.sqrt(size), -1), evaluate=False), -1,
                              evaluate=False), evaluate=False)
        statistic = Prose.of("The t statistic ", Tex(r"$t = \frac{\bar x - \mu_0}{s/\sqrt{N}}$",
                                                     "t = (xbar - mu_0)/(s/sqrt(N))"))
        sections.append(Section(statistic, shown,
                                (Step(shown, Rounded(t), "evaluate"),), lhs=sp.Symbol("t")))
        tail = TailProbability(Rounded(t), nu)
        closed = tail.doit()
        sections.append(Section(
            Prose.of("The p-value, with ", Tex("$N - 1$", "N - 1"), " degrees of freedom"), tail,
            (Step(tail, closed, "tail probability",
                  tex(r"$P(|T_\nu| \ge t) = I_{\nu/(\nu + t^2)}(\nu/2, 1/2)$",
                      "P(|T_nu| >= t) = I_(nu/(nu + t^2))(nu/2, 1/2)")),
             Step(closed, Rounded(closed.doit().evalf(40)), "evaluate")), lhs=sp.Symbol("p")))
        results += [Result("t", sp.Symbol("t"), Rounded(t)),
                    Result("p", sp.Symbol("p"), Rounded(closed.evalf(40)))]
        values.update({"t": t, "p": closed, "mu0": mu0})
        what = Prose.of("a two-sided one-sample ", math(sp.Symbol("t")), " test of ",
                        tex("$H_0$", "H_0"), ": ", math(sp.Symbol("mu"), mu0))
    shown_data = ", ".join(f"{float(v):.2f}" for v in xs)
    return derivation_of(
        spec,
        input=task,
        function=sp.Tuple(*xs),
        sections=tuple(sections),
        results=tuple(results),
        assumptions=Assumptions(),
        question=Prose.of(
            "The ", math(sp.Symbol("N"), size), f" observations {shown_data} were drawn "
            f"(seed {int(spec.require('data', dict)['seed'])}). Compute ", what, "."),
        details=Inference(
            task=task,
            data=tuple(float(v) for v in xs),
            level=float(level),
            values={k: float(sp.N(v, 30)) for k, v in values.items()},
        ),
    )


def inference_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_inference.py.j2``: the data and the derived values."""
    details: Inference = derivation.details
    return {
        "task": details.task,
        "data": json.dumps(list(details.data)),
        "level": repr(details.level),
        "derived": repr(details.values),
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The derived values against scipy.stats on the same data."""
    return "check_inference.py.j2", inference_context(derivation)


KIND = Kind("inference", FIELDS, derive_inference, check_recipe)
