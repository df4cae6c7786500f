"""Definite integrals step by step: one named rule at a time, then evaluate at the bounds.

The expression being worked on holds unevaluated definite ``Integral`` nodes
and evaluation bars ``[F]_a^b`` (:class:`Bracket`). Each step rewrites the
first pending integral by one rule (sum rule, constant multiple, power rule,
exponential rule, substitution, by parts); when none is left, every bar is
evaluated at its bounds and the number is tidied. Steps are recorded, not
verified: ``derive.verify`` proves each one (both sides are definite values).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derive.engine.calculus.scalar import first_pending
from derive.errors import NotSupported, TooManySteps
from derive.functions import as_expr
from derive.model import Section, Step
from derive.notation import Notated
from derive.printing import Label
from derive.prose import Prose, math, tex

Rewrite = tuple[sp.Expr, str, Prose]  # replacement, rule name, note


class Bracket(sp.Expr):
    r"""The evaluation bar $[F(x)]_a^b = F(b) - F(a)$ (limits at infinite bounds)."""

    is_commutative = True

    def __new__(cls, antiderivative: sp.Expr, x: sp.Symbol, a: sp.Expr, b: sp.Expr) -> Bracket:
        return sp.Expr.__new__(cls, as_expr(antiderivative), x, as_expr(a), as_expr(b))

    @property
    def free_symbols(self) -> set[sp.Basic]:
        F, x, a, b = self.args
        return (F.free_symbols - {x}) | a.free_symbols | b.free_symbols

    def value(self) -> sp.Expr:
        F, x, a, b = self.args
        return _at(F, x, b) - _at(F, x, a)

    def doit(self, **hints) -> sp.Expr:
        return self.value()

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.value()._eval_evalf(prec)

    def _latex(self, printer, exp=None) -> str:
        F, _, a, b = self.args
        tex = rf"\Big[{printer._print(F)}\Big]_{{{printer._print(a)}}}^{{{printer._print(b)}}}"
        return f"{tex}^{{{exp}}}" if exp else tex


def _at(F: sp.Expr, x: sp.Symbol, point: sp.Expr) -> sp.Expr:
    if point.is_infinite:
        return sp.limit(F, x, point)
    return F.subs(x, point)


def _is_linear(g: sp.Expr, x: sp.Symbol) -> bool:
    return g.has(x) and sp.diff(g, x, 2) == 0


def _polynomial_in(f: sp.Expr, x: sp.Symbol) -> bool:
    return f.is_polynomial(x) and sp.degree(f, x) >= 1


class DefiniteIntegrator:
    """Rewrites one definite integral by one named rule."""

    def __init__(self, used: set[str]) -> None:
        self.used = used

    def rewrite(self, integral: sp.Integral) -> Rewrite:
        f = integral.function
        (x, a, b), = integral.limits
        for rule in (self._sum, self._constant, self._power, self._exponential,
                     self._substitution, self._constant_multiple, self._by_parts):
            found = rule(f, x, a, b)
            if found is not None:
                return found
        raise NotSupported(f"no integration rule for {f}")

    def _sum(self, f, x, a, b) -> Rewrite | None:
        if not isinstance(f, sp.Add):
            return None
        return sp.Add(*[sp.Integral(t, (x, a, b)) for t in f.args]), "sum rule", Prose()

    def _constant(self, f, x, a, b) -> Rewrite | None:
        if f.has(x):
            return None
        note = tex(r"$\int c\,dx = c\,x$", "int c dx = c*x")
        return Bracket(f * x, x, a, b), "power rule", note

    def _constant_multiple(self, f, x, a, b) -> Rewrite | None:
        const, rest = f.as_independent(x, as_Add=False)
        if const == 1:
            return None
        return const * sp.Integral(rest, (x, a, b)), "constant multiple", Prose()

    def _power(self, f, x, a, b) -> Rewrite | None:
        base, n = f.as_base_exp()
        if base != x or n.has(x):
            return None
        if n == -1:
            note = tex(r"$\int x^{-1}\,dx = \log|x|$", "int x^-1 dx = log|x|")
            return Bracket(sp.log(sp.Abs(x)), x, a, b), "power rule", note
        note = Prose.of(tex(r"$\int x^{n}\,dx = \frac{x^{n+1}}{n+1}$",
                              "int x^n dx = x^(n+1)/(n+1)"), ", ", math(_N, n))
        return Bracket(x ** (n + 1) / (n + 1), x, a, b), "power rule", note

    def _exponential(self, f, x, a, b) -> Rewrite | None:
        if not (isinstance(f, sp.exp) and _is_linear(f.args[0], x)):
            return None
        k = sp.diff(f.args[0], x)
        note = Prose.of(tex(r"$\int e^{kx}\,dx = \frac{e^{kx}}{k}$",
                            "int exp(k*x) dx = exp(k*x)/k"), ", ", math(_K, k))
        return Bracket(f / k, x, a, b), "exponential rule", note

    def _substitution(self, f, x, a, b) -> Rewrite | None:
        u = self._fresh("u")
        for g in _inner_candidates(f, x):
            dg = sp.diff(g, x)
            rest = sp.simplify(f / dg)
            candidate = rest.subs(g, u)
            if candidate.has(x) or not candidate.has(u):
                continue
            note = Prose.of(math(_U, g), ", ",
                            math(Label("du", "du"), Notated("substitution", dg, x)))
            return sp.Integral(candidate, (u, g.subs(x, a), _at(g, x, b))), "substitution", note
        return None

    def _by_parts(self, f, x, a, b) -> Rewrite | None:
        factors = sp.Mul.make_args(f)
        polys = [p for p in factors if _polynomial_in(p, x)]
        exps = [e for e in factors if isinstance(e, sp.exp) and _is_linear(e.args[0], x)]
        if len(polys) != 1 or len(exps) != 1 or len(factors) != 2:
            return None
        u, dv = polys[0], exps[0]
        v = dv / sp.diff(dv.args[0], x)
        note = Prose.of(math(_U, u), ", ", math(Label("v'", "v'"), dv), ": ",
                        tex(r"$\int_a^b u v'\,dx = \big[u v\big]_a^b - \int_a^b u' v\,dx$",
                              "int_a^b u v' dx = [u v]_a^b - int_a^b u' v dx"))
        rewritten = Bracket(u * v, x, a, b) - sp.Integral(sp.diff(u, x) * v, (x, a, b))
        return rewritten, "integration by parts", note

    def _fresh(self, name: str) -> sp.Symbol:
        while name in self.used:
            name += "_"
        return sp.Symbol(name, real=True)


_U, _N, _K = sp.symbols("u n k")


def _inner_candidates(f: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    """Inner functions worth substituting: arguments of functions and bases of powers."""
    found = []
    for node in sp.preorder_traversal(f):
        inner = None
        if isinstance(node, sp.Function) and len(node.args) == 1:
            inner = node.args[0]
        elif isinstance(node, sp.Pow) and not node.exp.has(x):
            inner = node.base
        if inner is not None and inner.has(x) and inner != x and not _is_linear(inner, x):
            found.append(inner)
    return found


def integrate_steps(integral: sp.Integral, max_steps: int = 60) -> tuple[Step, ...]:
    """From the definite integral to its value: rules, evaluation at the bounds, tidying."""
    used = {s.name for s in integral.atoms(sp.Symbol)}
    engine = DefiniteIntegrator(used)
    current: sp.Expr = integral
    steps: list[Step] = []
    while (pending := first_pending(current, sp.Integral)) is not None:
        if len(steps) >= max_steps:
            raise TooManySteps(f"the integral needs more than {max_steps} steps")
        replacement, rule, note = engine.rewrite(pending)
        after = current.xreplace({pending: replacement})
        steps.append(Step(current, after, rule, note))
        current = after
    bars = {bar: bar.value() for bar in current.atoms(Bracket)}
    if bars:
        infinite = any(bar.args[3].is_infinite or bar.args[2].is_infinite for bar in bars)
        note = Prose.of(tex(r"$\big[F\big]_a^b = F(b) - F(a)$", "[F]_a^b = F(b) - F(a)"),
                        " (a limit at an infinite bound)" if infinite else "")
        evaluated = current.xreplace(bars)
        steps.append(Step(current, evaluated, "evaluate", note))
        current = evaluated
    return tuple(steps) + _tidy(current)


def _tidy(expr: sp.Expr) -> tuple[Step, ...]:
    moves: tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...] = (
        ("simplify", sp.simplify),
    )
    steps = []
    for rule, move in moves:
        done = move(expr)
        if done != expr:
            steps.append(Step(expr, done, rule))
            expr = done
    return tuple(steps)


def integral_section(integral: sp.Integral, title: str = "Step by step") -> Section:
    return Section(Prose.of(title), integral, integrate_steps(integral))
