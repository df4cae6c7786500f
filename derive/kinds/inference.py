"""Statistics: estimators in expectation ('sampling') and inference on data ('inference').

'sampling' proves E[sample mean] = mu and E[sigma_hat^2] = (N - 1)/N sigma^2
step by step for an i.i.d. sample ``X_1, ..., X_N`` (the model of
derive.engine.probability.expectation: steps are checked at concrete N on random finite
distributions).

'inference' works on numbers: data drawn from a seed written in the entry,
the sample mean and variance, a z or t confidence interval for the mean, a
one-sample t statistic and its p-value. Every value is kept exact (the data
have two decimals) and shown rounded; quantiles and tail probabilities are
sympy objects that evaluate to 30 digits with mpmath.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import sympy as sp
from mpmath.libmp import prec_to_dps

from derive.catalogue.spec import Spec
from derive.engine.probability.expectation import (
    E,
    Mean,
    RandomVariable,
    SampleMean,
    SampleSum,
    StdDev,
    sample,
)
from derive.functions import as_expr
from derive.model import Assumptions, Derivation, Result, Section, Step
from derive.printing import latex

# --- sampling: estimators in expectation ------------------------------------------------------

N = sp.Symbol("N", integer=True, positive=True)
INDEX = sp.Symbol("i", integer=True, positive=True)


def _sample_sum(body: sp.Expr) -> SampleSum:
    return SampleSum(body, INDEX, N)


def _mean_steps(x: sp.Expr, item: Any) -> tuple[sp.Expr, list[Step]]:
    xbar = SampleMean(item(INDEX), INDEX, N)
    s0 = E(_sample_sum(item(INDEX)) / N)
    s1 = _sample_sum(E(item(INDEX))) / N
    s2 = _sample_sum(Mean(x)) / N
    s3 = Mean(x)
    return E(xbar), [
        Step(E(xbar), s0, "definition"),
        Step(s0, s1, "linearity of expectation", r"the sum and $1/N$ come out"),
        Step(s1, s2, "identically distributed"),
        Step(s2, s3, "sum of a constant"),
    ]


def _variance_steps(x: sp.Expr, item: Any) -> tuple[sp.Expr, list[Step]]:
    xbar = SampleMean(item(INDEX), INDEX, N)
    start = E(_sample_sum((item(INDEX) - xbar) ** 2) / N)
    s1 = E(_sample_sum(item(INDEX) ** 2) / N - xbar**2)
    s2 = _sample_sum(E(item(INDEX) ** 2)) / N - E(xbar**2)
    s3 = E(x**2) - E(xbar**2)
    s3b = E(x**2) - E(_sample_sum(item(INDEX)) ** 2) / N**2
    s4 = E(x**2) - (N * E(x**2) + N * (N - 1) * Mean(x) ** 2) / N**2
    s5 = (N - 1) / N * (E(x**2) - Mean(x) ** 2)
    s6 = (N - 1) / N * StdDev(x) ** 2
    return start, [
        Step(start, s1, "expand", r"$\frac{1}{N}\sum_i (x_i - \bar x)^2 = "
                                  r"\frac{1}{N}\sum_i x_i^2 - \bar x^2$"),
        Step(s1, s2, "linearity of expectation"),
        Step(s2, s3, "identically distributed"),
        Step(s3, s3b, "definition", r"$\bar X = \frac{1}{N}\sum_i X_i$"),
        Step(s3b, s4, "independence", r"$N$ terms $i = j$ give $\mathbb{E}[X^2]$, "
                                     r"$N(N-1)$ terms $i \ne j$ give $\mu^2$"),
        Step(s4, s5, "factor"),
        Step(s5, s6, "named identity", r"$\sigma^2 = \mathbb{E}[X^2] - \mu^2$"),
    ]


SAMPLING: dict[str, tuple[Any, str, str]] = {
    "sample-mean": (_mean_steps, r"\bar X = \frac{1}{N}\sum_{i=1}^{N} X_i",
                    r"Show that the sample mean is an unbiased estimator of $\mu$."),
    "mle-variance": (_variance_steps,
                     r"\hat\sigma^2 = \frac{1}{N}\sum_{i=1}^{N} (X_i - \bar X)^2",
                     r"Find the expectation of the maximum-likelihood variance "
                     r"$\hat\sigma^2$: is it unbiased?"),
}


def derive_sampling(spec: Spec) -> Derivation:
    """E of an estimator over an i.i.d. sample, step by step."""
    name = spec.require("estimator")
    if name not in SAMPLING:
        raise spec.error("estimator", f"unknown estimator {name!r} (known: {', '.join(SAMPLING)})")
    make, definition, question = SAMPLING[name]
    x = RandomVariable("X")
    start, steps = make(x, sample("X"))
    return Derivation(
        kind="sampling",
        title=spec.title,
        input=name,
        function=start,
        sections=(Section("Derivation", start, tuple(steps)),),
        results=(Result(name, start, steps[-1].after),),
        symbols=(N,),
        notes=spec.notes,
        id=spec.id,
        topic=spec.topic,
        extras={
            "question_tex": (rf"Let $X_1, \dots, X_N$ be i.i.d. with mean $\mu = \mu_X$ and "
                             rf"variance $\sigma^2 = \sigma_X^2$, and ${definition}$. {question}"),
            "conventions": (
                r"How the steps are checked: the sample is modelled as $N$ independent copies "
                r"of a distribution on finitely many points with symbolic values and "
                r"probabilities; each step is evaluated exactly at random values and random "
                r"$N$ (3 to 6), where the mean of a product of independent items is the "
                r"product of their means.",
            ),
            "estimator": name,
        },
    )


# --- inference on data ------------------------------------------------------------------------


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
    sections = [Section(r"The sample mean $\bar x = \frac{1}{N}\sum_i x_i$", shown_mean,
                        (Step(shown_mean, Rounded(mean), "evaluate"),), lhs=sp.Symbol(r"\bar{x}"))]
    results = [Result("mean", sp.Symbol(r"\bar{x}"), Rounded(mean))]
    squares = sp.Add(*(v**2 for v in xs))
    variance = (squares - size * mean**2) / (size - 1)
    sd = sp.sqrt(variance)
    nu = sp.Integer(size - 1)
    values: dict[str, sp.Expr] = {"mean": mean}
    if task != "z-interval":
        start = sp.sqrt(sp.Mul(sp.Add(Rounded(squares), -size * Rounded(mean) ** 2, evaluate=False),
                               sp.Pow(size - 1, -1, evaluate=False), evaluate=False))
        sections.append(Section(
            r"The sample standard deviation $s = \sqrt{\frac{1}{N-1}\left(\sum_i x_i^2 "
            r"- N\bar x^2\right)}$", start, (Step(start, Rounded(sd), "evaluate"),),
            lhs=sp.Symbol("s")))
        results.append(Result("sd", sp.Symbol("s"), Rounded(sd)))
        values["sd"] = sd
    if task == "z-interval":
        sigma = _number(spec, "sigma")
        quantile = sp.sqrt(2) * sp.erfinv(level)
        scale, qname = sigma, sp.Symbol(rf"z_{{{float(1 - (1 - level) / 2):g}}}")
        values["sigma"] = sigma
    else:
        quantile = TQuantile(1 - (1 - level) / 2, nu)
        scale, qname = sd, quantile
    if task in ("z-interval", "t-interval"):
        q_value = Rounded(quantile)
        sections.append(Section(r"The quantile", quantile,
                                (Step(quantile, q_value, "quantile"),), lhs=qname))
        half = quantile * scale / sp.sqrt(size)
        shown = sp.Mul(q_value, Rounded(scale), sp.Pow(sp.sqrt(size), -1), evaluate=False)
        sections.append(Section(r"The half-width $h = q\,\frac{s}{\sqrt N}$", shown,
                                (Step(shown, Rounded(half), "evaluate"),), lhs=sp.Symbol("h")))
        lower, upper = mean - half, mean + half
        lo_shown = sp.Add(Rounded(mean), -Rounded(half), evaluate=False)
        hi_shown = sp.Add(Rounded(mean), Rounded(half), evaluate=False)
        sections.append(Section(r"The interval $\bar x \pm h$", lo_shown,
                                (Step(lo_shown, Rounded(lower), "evaluate"),),
                                lhs=sp.Symbol(r"\text{lower}")))
        sections.append(Section("", hi_shown, (Step(hi_shown, Rounded(upper), "evaluate"),),
                                lhs=sp.Symbol(r"\text{upper}")))
        results += [Result("half-width", sp.Symbol("h"), Rounded(half)),
                    Result("lower", sp.Symbol(r"\text{lower}"), Rounded(lower)),
                    Result("upper", sp.Symbol(r"\text{upper}"), Rounded(upper))]
        values.update({"lower": lower, "upper": upper})
        what = (rf"a {latex(level * 100)}\% confidence interval for the mean"
                + (rf" (known $\sigma = {latex(values['sigma'])}$)" if task == "z-interval"
                   else r" ($\sigma$ unknown)"))
    else:
        mu0 = _number(spec, "mu0")
        t = (mean - mu0) / (sd / sp.sqrt(size))
        shown = sp.Mul(sp.Add(Rounded(mean), -mu0, evaluate=False),
                       sp.Pow(sp.Mul(Rounded(sd), sp.Pow(sp.sqrt(size), -1), evaluate=False), -1,
                              evaluate=False), evaluate=False)
        sections.append(Section(r"The t statistic $t = \frac{\bar x - \mu_0}{s/\sqrt{N}}$", shown,
                                (Step(shown, Rounded(t), "evaluate"),), lhs=sp.Symbol("t")))
        tail = TailProbability(Rounded(t), nu)
        closed = tail.doit()
        sections.append(Section(
            r"The p-value, with $N - 1$ degrees of freedom", tail,
            (Step(tail, closed, "tail probability",
                  r"$P(|T_\nu| \ge t) = I_{\nu/(\nu + t^2)}(\nu/2, 1/2)$"),
             Step(closed, Rounded(closed.doit().evalf(40)), "evaluate")), lhs=sp.Symbol("p")))
        results += [Result("t", sp.Symbol("t"), Rounded(t)),
                    Result("p", sp.Symbol("p"), Rounded(closed.evalf(40)))]
        values.update({"t": t, "p": closed, "mu0": mu0})
        what = rf"a two-sided one-sample $t$ test of $H_0\colon \mu = {latex(mu0)}$"
    shown_data = ", ".join(f"{float(v):.2f}" for v in xs)
    return Derivation(
        kind="inference",
        title=spec.title,
        input=task,
        function=sp.Tuple(*xs),
        sections=tuple(sections),
        results=tuple(results),
        assumptions=Assumptions(),
        notes=spec.notes,
        id=spec.id,
        topic=spec.topic,
        extras={
            "question_tex": (rf"The $N = {size}$ observations {shown_data} were drawn "
                             rf"(seed {int(spec.require('data', dict)['seed'])}). Compute {what}."),
            "task": task,
            "data": [float(v) for v in xs],
            "level": float(level),
            "values": {k: float(sp.N(v, 30)) for k, v in values.items()},
        },
    )
