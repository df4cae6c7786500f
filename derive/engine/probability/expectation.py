"""The expectation operator as sympy objects, and the finite model that makes its steps checkable.

``E(X)``, ``Var(X)`` and ``Cov(X, Y)`` print as a lecturer writes them and
stay unevaluated while a derivation is built: no linearity is applied
behind the engine's back, so every use of it is a visible, named step.

``doit()`` evaluates them in a *model*: the random variables jointly take
``MODEL_POINTS`` values with probabilities ``p_1, ..., p_{M-1}`` and
``p_M = 1 - p_1 - ... - p_{M-1}`` (``E[f(X, Y)] = sum_k p_k f(x_k, y_k)``), all
of them fresh symbols. A step ``before = after`` about expectations then becomes
a polynomial identity in those symbols that ``derive.verify`` proves (expand)
or refutes at random points as usual. Why that is sound: a polynomial that
vanishes on the open probability simplex vanishes identically, so random points
off the simplex (negative ``p_M``) refute just as well; and an identity of
degree d in the operator (at most d expectations multiplied, nested ones
counted) has monomials that each involve at most d support points, so it holds
for every finite distribution once it holds on d points with arbitrary values,
and finite distributions approximate every distribution with those moments.
``MODEL_POINTS`` bounds the degree we can prove.

An i.i.d. sample ``X_1, ..., X_N`` (``Sample``) is modelled as N independent
copies of that distribution; with N symbolic its expectation stays unevaluated
and the verifier's numeric test evaluates it at concrete N (a product measure:
the mean of a monomial is the product of the moments of its factors).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sympy as sp
from mpmath.libmp import prec_to_dps
from sympy.core.sympify import _sympify

MODEL_POINTS = 4


@cache
def weights() -> tuple[sp.Expr, ...]:
    """The model's probabilities: M - 1 free symbols and one minus their sum."""
    free = tuple(sp.Symbol(f"p_model_{k}", positive=True) for k in range(MODEL_POINTS - 1))
    return (*free, 1 - sp.Add(*free))


@cache
def support(name: str) -> tuple[sp.Symbol, ...]:
    """The model's values of the random variable ``name`` at each support point."""
    return tuple(sp.Symbol(f"{name}_model_{k}", real=True) for k in range(MODEL_POINTS))


class RandomVariable(sp.Symbol):
    """A scalar random variable, printed like any symbol (X, Y, Z)."""

    def __new__(cls, name: str) -> RandomVariable:
        return super().__new__(cls, name, real=True)

    @classmethod
    def class_key(cls) -> tuple[int, int, str]:
        # After plain symbols, so a coefficient prints first: a X, not X a.
        return 2, 1, cls.__name__


class SampleSum(sp.Expr):
    """``sum_{i=1}^N body`` over the items of a sample.

    Its own type, not ``Sum``: ``doit`` writes it out only at concrete N (so the
    expectations inside are evaluated in the model) and sums a constant as N times it.
    """

    is_real = True
    precedence = 40  # sympy's PRECEDENCE["Add"]: bracketed as a base or factor

    def __new__(cls, body: Any, index: sp.Symbol, size: Any) -> SampleSum:
        return super().__new__(cls, _sympify(body), index, _sympify(size))

    @property
    def free_symbols(self) -> set[sp.Basic]:
        body, index, size = self.args
        return (body.free_symbols - {index}) | size.free_symbols

    def doit(self, **hints: Any) -> sp.Expr:
        body, index, size = self.args
        body = body.doit(**hints)
        if size.is_Integer:
            terms = [body.xreplace({index: sp.Integer(k)}) for k in range(1, int(size) + 1)]
            return sp.Add(*terms).doit(**hints)
        if index not in body.free_symbols:
            return size * body
        return SampleSum(body, index, size)

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        body, index, size = self.args
        inner = printer._print(body)
        if isinstance(body, sp.Add):
            inner = rf"\left({inner}\right)"
        tex = rf"\sum_{{{printer._print(index)}=1}}^{{{printer._print(size)}}} {inner}"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex


class SampleMean(SampleSum):
    """``X-bar = (1/N) sum_i X_i``, printed as a lecturer writes it."""

    precedence = 1000

    def doit(self, **hints: Any) -> sp.Expr:
        return SampleSum(*self.args).doit(**hints) / self.args[2]

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        tex = rf"\bar{{{self.args[0].variable}}}"
        return f"{tex}^{{{exp}}}" if exp else tex


class SampleItem(sp.Function):
    """``X_i``: item i of an i.i.d. sample of the random variable named by the class."""

    variable = "X"
    nargs = 1
    is_real = True

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        tex = f"{self.variable}_{{{printer._print(self.args[0])}}}"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _sympystr(self, printer: Any) -> str:
        return f"{self.variable}_{printer._print(self.args[0])}"  # X_i, as the sheet writes it


@cache
def sample(name: str) -> type[SampleItem]:
    """The class of items ``X_i`` of a sample of the random variable ``name``."""
    return type(f"Sample_{name}", (SampleItem,), {"variable": name})


def _is_random(expr: sp.Basic) -> bool:
    return any(isinstance(a, RandomVariable) for a in expr.free_symbols) or expr.has(SampleItem)


def is_constant(expr: sp.Basic) -> bool:
    """Free of random variables outside expectations: E[X] itself is a constant."""
    stripped = expr.replace(lambda e: isinstance(e, Moment), lambda e: sp.Dummy())
    return not _is_random(stripped)


class Moment(sp.Expr):
    """Common base of E, Var and Cov: a constant that depends on a distribution.

    A plain ``Expr`` rather than a ``Function``, so that it prints after its
    coefficient (a E[X], not E[X] a).
    """

    is_moment = True  # a power brackets it: (E[X])^2, not E[X]^2

    is_real = True
    nargs = 1

    def __new__(cls, *args: Any) -> Moment:
        if len(args) != cls.nargs:
            raise TypeError(f"{cls.__name__} takes {cls.nargs} argument(s)")
        return super().__new__(cls, *(_sympify(a) for a in args))

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        tex = self._tex(printer)
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex

    def _tex(self, printer: Any) -> str:  # pragma: no cover - overridden
        raise TypeError(f"{type(self).__name__} must define _tex")  # each moment does


class DefinedMoment(Moment):
    """A moment written through its definition (Var, Cov, a named mean or deviation)."""

    def definition(self) -> sp.Expr:  # pragma: no cover - overridden
        raise TypeError(f"{type(self).__name__} must define its definition")

    def doit(self, deep: bool = True, **hints: Any) -> sp.Expr:
        return self.definition().doit()

    def _numpycode(self, printer: Any) -> str:
        return printer._print(self.definition())


class E(Moment):
    """The expectation ``E[arg]``.

    Over a sample, the model's symbols ride along as extra arguments: substituting
    values for them (as the verifier does) then reaches the unevaluated expectation.
    """

    nargs = 1

    def __new__(cls, arg: Any, *model: Any) -> E:
        arg = _sympify(arg)
        if not model and arg.has(SampleItem):
            names = sorted({item.variable for item in arg.atoms(SampleItem)})
            model = (*weights()[:-1], *(v for n in names for v in support(n)))
        return sp.Expr.__new__(cls, arg, *(_sympify(m) for m in model))

    def _tex(self, printer: Any) -> str:
        return rf"\mathbb{{E}}\left[{printer._print(self.args[0])}\right]"

    def doit(self, deep: bool = True, **hints: Any) -> sp.Expr:
        arg = _inner_moments_done(self.args[0])
        if arg.has(SampleItem):
            return _sample_expectation(self, arg)
        return _model_expectation(arg)

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        value = self.doit()
        return None if value == self else value.evalf(prec_to_dps(prec))

    def _numpycode(self, printer: Any) -> str:
        # Check scripts hold the distribution as arrays: weights w and one value array per variable.
        return f"np.sum(w * ({printer._print(self.args[0])}))"


class Var(DefinedMoment):
    """The variance ``Var(X) = E[(X - E X)^2]``."""

    nargs = 1

    def _tex(self, printer: Any) -> str:
        return rf"\operatorname{{Var}}\left({printer._print(self.args[0])}\right)"

    def definition(self) -> sp.Expr:
        x = self.args[0]
        return E((x - E(x)) ** 2)


class Cov(DefinedMoment):
    """The covariance ``Cov(X, Y) = E[(X - E X)(Y - E Y)]``."""

    nargs = 2

    def _tex(self, printer: Any) -> str:
        x, y = (printer._print(a) for a in self.args)
        return rf"\operatorname{{Cov}}\left({x}, {y}\right)"

    def definition(self) -> sp.Expr:
        x, y = self.args
        return E((x - E(x)) * (y - E(y)))


class Mean(DefinedMoment):
    """``mu_X = E[X]`` under its own name."""

    nargs = 1

    def _tex(self, printer: Any) -> str:
        return rf"\mu_{{{printer._print(self.args[0])}}}"

    def definition(self) -> sp.Expr:
        return E(self.args[0])


class StdDev(DefinedMoment):
    """``sigma_X = sqrt(Var X)`` under its own name."""

    nargs = 1
    is_positive = True

    def _tex(self, printer: Any) -> str:
        return rf"\sigma_{{{printer._print(self.args[0])}}}"

    def definition(self) -> sp.Expr:
        return sp.sqrt(Var(self.args[0]))


def _inner_moments_done(arg: sp.Expr) -> sp.Expr:
    """Nested expectations are constants: evaluate them first."""
    return arg.replace(lambda e: isinstance(e, Moment), lambda e: e.doit())


def _model_expectation(arg: sp.Expr) -> sp.Expr:
    variables = sorted((s for s in arg.free_symbols if isinstance(s, RandomVariable)), key=str)
    w = weights()
    terms = []
    for k in range(MODEL_POINTS):
        at_k = arg.xreplace({v: support(v.name)[k] for v in variables})
        terms.append(w[k] * at_k)
    return sp.Add(*terms)


def _sample_expectation(whole: E, arg: sp.Expr) -> sp.Expr:
    """Mean over an i.i.d. sample: exact at concrete N, unevaluated while N is symbolic."""
    names = sorted({item.variable for item in arg.atoms(SampleItem)})
    model = (*weights()[:-1], *(v for n in names for v in support(n)))
    values = dict(zip(model, whole.args[1:], strict=True))
    concrete = arg.doit() if arg.has(SampleSum) else arg
    indices = {a for item in concrete.atoms(SampleItem) for a in item.args if not a.is_Integer}
    # X_i X_j with symbolic i, j: independent only if i != j, which is unknown here.
    if concrete.has(SampleSum) or len(indices) > 1:
        return whole
    polynomial = sp.Poly(sp.expand(concrete), *sorted(concrete.atoms(SampleItem), key=str))
    total = sp.S.Zero
    for powers, coefficient in polynomial.terms():
        term = coefficient
        for item, power in zip(polynomial.gens, powers, strict=True):
            if power:
                term *= _model_expectation(RandomVariable(item.variable) ** power)
        total += term
    return total.xreplace(values)


def moment_free(expr: sp.Expr) -> bool:
    """True when no expectation is left (useful to spot a finished chain)."""
    return not expr.has(Moment)
