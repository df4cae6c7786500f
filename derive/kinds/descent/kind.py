"""The 'descent' kind: gradient descent, momentum, Newton's step and weight decay, unrolled.

The objective's derivatives come from the scalar step engine; each update is
then written out and tidied, and a few iterations are unrolled from ``w_0`` so
that the check script can run the same iteration numerically and compare.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions, symbols_for
from derive.catalogue.spec import Spec
from derive.checkcode import code, py_name, symbol_domains
from derive.engine.calculus.scalar import gradient_section
from derive.kinds.base import Kind, derivation_of, parse_field
from derive.kinds.descent.fields import FIELDS
from derive.model import Derivation, Result, Section, Step
from derive.notation import Notated
from derive.printing import Label
from derive.prose import NO_PROSE, Prose, math, tex

ETA = "eta"


def _iterate(k: int | str) -> sp.Symbol:
    """w_0, w_1, ... (names that are also Python identifiers), w_k, w_{k+1} for display."""
    return sp.Symbol(f"w_{k}", real=True)


def _tidy(expr: sp.Expr, w0: sp.Symbol) -> sp.Expr:
    return sp.collect(sp.factor_terms(sp.expand(expr)), w0, sp.factor)


def _chain(lhs: sp.Expr, start: sp.Expr, tidy: sp.Expr, title: str, rule: str = "collect",
           note: Prose = NO_PROSE) -> Section:
    steps = (Step(start, tidy, rule, note),) if tidy != start else ()
    return Section(Prose.of(title), start, steps, lhs)


@dataclass(frozen=True)
class Iterates:
    """What a descent method adds: its variable, name, start, iterates and convergence facts."""

    var: sp.Symbol
    method: str  # "gd" | "momentum" | "newton" | "weight-decay"
    start: sp.Symbol  # w_0
    iterates: tuple[sp.Expr, ...]  # w_1, w_2, ... in closed form
    contraction: sp.Expr | None = None  # gd: the factor q in w_k - w* = q^k (w_0 - w*)
    step_limit: sp.Expr | None = None  # gd: the largest step size that converges
    minimiser: sp.Expr | None = None  # w*


class Descent:
    """Builds the sections of one method; ``grad`` and ``curv`` are f' and f'' in w."""

    def __init__(self, f: sp.Expr, w: sp.Symbol, params: dict[str, sp.Symbol], unroll: int):
        self.f, self.w, self.p, self.unroll = f, w, params, unroll
        self.sections: list[Section] = []
        self.results: list[Result] = []
        self.iterates: list[sp.Expr] = []
        self.contraction: sp.Expr | None = None
        self.step_limit: sp.Expr | None = None
        self.minimiser: sp.Expr | None = None
        section = gradient_section(f, w, "f")
        self.sections.append(Section(Prose.of("The gradient"), section.start, section.steps,
                                     section.lhs))
        self.grad = section.steps[-1].after if section.steps else sp.diff(f, w)
        self.w0 = _iterate(0)

    def step(self, w: sp.Expr) -> sp.Expr:
        """One update w_k -> w_{k+1}; methods with state (momentum) build their own sections."""
        raise TypeError(f"{type(self).__name__} has no one-step update")

    def unrolled(self, first: int = 1) -> list[sp.Expr]:
        """w_1 .. w_n from w_0, each written out and tidied."""
        iterates, current = [], self.w0
        for k in range(1, self.unroll + 1):
            start = self.step(current)
            tidy = _tidy(start, self.w0)
            if k >= first:
                self.sections.append(_chain(_iterate(k), start, tidy, f"Iteration {k}",
                                            "substitute" if k > 1 else "collect",
                                            f"insert $w_{{{k - 1}}}$" if k > 1 else ""))
            iterates.append(tidy)
            current = tidy
        self.iterates = iterates
        if first <= self.unroll:
            self.results.append(Result(f"w{self.unroll}", _iterate(self.unroll), iterates[-1]))
        return iterates


class GradientDescent(Descent):
    def step(self, w: sp.Expr) -> sp.Expr:
        return w - self.p[ETA] * self.grad.subs(self.w, w)

    def build(self) -> None:
        wk, eta = _iterate("k"), self.p[ETA]
        update = wk - eta * self.grad.subs(self.w, wk)
        self.sections.append(_chain(_iterate("k+1"), update, _tidy(update, wk), "One step"))
        self.results.append(Result("update", _iterate("k+1"), _tidy(update, wk)))
        curvature = sp.diff(self.grad, self.w)
        if curvature.has(self.w) or curvature == 0:
            self.unrolled()
            return
        (star,) = sp.solve(self.grad, self.w)
        q = 1 - eta * curvature
        error = update - star
        self.sections.append(_chain(_iterate("k+1") - sp.Symbol("w^*"), error,
                                    q * (wk - star), "The error contracts", "factor",
                                    Prose.of(math(sp.Symbol("w^*"), star), " solves ",
                                             tex("$f'(w) = 0$", "f'(w) = 0"))))
        limit = sp.solve(sp.Eq(q, -1), eta)[0]
        self.contraction, self.step_limit, self.minimiser = q, limit, star
        self.results.append(Result("contraction", sp.Symbol("q"), q))
        self.results.append(Result("step limit", Label(r"\eta_{\max}", "eta_max"), limit))
        n = self.unroll
        previous = star + q ** (n - 1) * (self.w0 - star)
        closed = star + q**n * (self.w0 - star)
        self.sections.append(_chain(_iterate(n), self.step(previous), closed,
                                    f"After {n} steps", "factor",
                                    Prose.of("by induction, ", math(_iterate(n - 1), previous))))
        self.iterates = [star + q**k * (self.w0 - star) for k in range(1, n + 1)]
        self.results.append(Result(f"w{n}", _iterate(n), closed))


class Momentum(Descent):
    """Heavy ball: v_{k+1} = beta v_k - eta f'(w_k), w_{k+1} = w_k + v_{k+1}, v_0 = 0."""

    def build(self) -> None:
        eta, beta = self.p[ETA], self.p["beta"]
        w, v = self.w0, sp.S.Zero
        iterates = []
        for k in range(1, self.unroll + 1):
            v_start = beta * v - eta * self.grad.subs(self.w, w)
            v_new = _tidy(v_start, self.w0)
            self.sections.append(_chain(sp.Symbol(f"v_{{{k}}}", real=True), v_start, v_new,
                                        f"Iteration {k}: velocity", "substitute"))
            w_start = w + v_new
            w_new = _tidy(w_start, self.w0)
            self.sections.append(_chain(_iterate(k), w_start, w_new,
                                        f"Iteration {k}: position", "collect"))
            w, v = w_new, v_new
            iterates.append(w_new)
        self.iterates = iterates
        self.results.append(Result(f"w{self.unroll}", _iterate(self.unroll), iterates[-1]))


class Newton(Descent):
    def build(self) -> None:
        curv = gradient_section(self.grad, self.w)
        self.sections.append(Section(Prose.of("The curvature"), curv.start, curv.steps,
                                     sp.Derivative(sp.Symbol("f"), self.w, 2)))
        second = curv.steps[-1].after if curv.steps else sp.diff(self.grad, self.w)
        self.second = second
        wk = _iterate("k")
        start = wk - self.grad.subs(self.w, wk) / second.subs(self.w, wk)
        tidy = sp.factor(sp.simplify(start))
        self.sections.append(_chain(_iterate("k+1"), start, tidy, "The Newton step", "simplify"))
        self.results.append(Result("update", _iterate("k+1"), tidy))
        star = sp.solve(self.grad, self.w)
        if len(star) == 1 and not tidy.has(wk):
            self.minimiser = star[0]
        self.iterates = [tidy.subs(wk, self.w0)]

    def step(self, w: sp.Expr) -> sp.Expr:
        return w - self.grad.subs(self.w, w) / self.second.subs(self.w, w)


class WeightDecay(Descent):
    """A step on L(w) + lambda/2 w^2: shrink by (1 - eta lambda), then the loss step."""

    def build(self) -> None:
        eta, lam = self.p[ETA], self.p["lambda"]
        wk = _iterate("k")
        loss_grad = sp.diff(self.f - lam / 2 * self.w**2, self.w).subs(self.w, wk)
        start = wk - eta * self.grad.subs(self.w, wk)
        shrink = (1 - eta * lam) * wk - eta * loss_grad
        self.sections.append(_chain(_iterate("k+1"), start, shrink, "One step", "collect",
                                    Prose.of("the decay term ", math(eta * lam * wk),
                                             " joins ", math(wk))))
        self.results.append(Result("update", _iterate("k+1"), shrink))
        self.results.append(Result("shrink", sp.Symbol("s"), 1 - eta * lam))
        self.unrolled(first=self.unroll + 1)

    def step(self, w: sp.Expr) -> sp.Expr:
        return w - self.p[ETA] * self.grad.subs(self.w, w)


METHODS: dict[str, tuple[type[Descent], tuple[str, ...], Callable[[sp.Expr, dict], sp.Expr]]] = {
    "gd": (GradientDescent, (ETA,), lambda f, p: f),
    "momentum": (Momentum, (ETA, "beta"), lambda f, p: f),
    "newton": (Newton, (), lambda f, p: f),
    "weight-decay": (WeightDecay, (ETA, "lambda"), lambda f, p: f + p["lambda"] / 2 * sp.Symbol(
        p["var"], real=True) ** 2),
}


def derive_descent(spec: Spec) -> Derivation:
    """Unroll a descent method on the objective ``expr`` in the variable ``var``."""
    method = spec.get("method", "gd")
    if method not in METHODS:
        raise spec.error("method", f"expected one of {', '.join(METHODS)}")
    cls, needed, objective = METHODS[method]
    var = spec.require("var")
    unroll = spec.get("unroll", 3)
    if not isinstance(unroll, int) or not 1 <= unroll <= 6:
        raise spec.error("unroll", "expected an integer from 1 to 6")
    assumed = [f"{n} > 0" for n in needed if n != "beta"]
    assumed += ["0 < beta < 1"] if "beta" in needed else []
    assumptions = parse_assumptions([*spec.assume, *assumed])
    names = {var, *needed} | assumptions.positive | assumptions.nonnegative
    symbols = symbols_for(names, assumptions)
    f = objective(parse_field(spec, "expr", symbols=symbols), {**symbols, "var": var})
    w = symbols[var]
    if not f.has(w):
        raise spec.error("expr", f"does not depend on '{var}'")
    engine = cls(f, w, symbols, unroll)
    engine.build()
    params = sorted((f.free_symbols | {symbols[n] for n in needed} | {engine.w0}) - {w},
                    key=lambda s: s.name)
    objective_is = math(Notated("objective", w), f)
    question = {
        "gd": Prose.of("Run gradient descent ",
                       tex(r"$w_{k+1} = w_k - \eta f'(w_k)$", "w_(k+1) = w_k - eta f'(w_k)"),
                       " on ", objective_is,
                       ": the update, its contraction, and when it converges."),
        "momentum": Prose.of("Unroll the heavy-ball method on ", objective_is, " from ",
                             tex("$w_0$", "w_0"), " with ", tex("$v_0 = 0$", "v_0 = 0"), "."),
        "newton": Prose.of("Take one Newton step ",
                           tex(r"$w_{k+1} = w_k - f'(w_k)/f''(w_k)$",
                               "w_(k+1) = w_k - f'(w_k)/f''(w_k)"), " on ", objective_is, "."),
        "weight-decay": Prose.of("Take a gradient step on the regularised loss ", objective_is,
                                 "."),
    }[method]
    return derivation_of(
        spec,
        input=spec.require("expr"),
        function=f,
        sections=tuple(engine.sections),
        results=tuple(engine.results),
        symbols=(w, *params),
        assumptions=assumptions,
        question=question,
        details=Iterates(w, method, engine.w0, tuple(engine.iterates), engine.contraction,
                         engine.step_limit, engine.minimiser),
    )


def series_context(derivation: Derivation) -> dict[str, Any]:
    """Descent methods: the objective, the derived iterates, the method's settings."""
    details: Iterates = derivation.details
    w, start = details.var, details.start
    params = [s for s in derivation.symbols if s != w]
    return {
        "var": w.name,
        "params": symbol_domains(derivation, params),
        "args": ", ".join(py_name(s.name) for s in params),
        "fargs": ", ".join(py_name(s.name) for s in params if s != start),
        "objective": code(derivation.function),
        "method": details.method,
        "iterates": [code(e) for e in details.iterates],
        "start": details.start.name,
        "contraction": code(details.contraction) if details.contraction is not None else None,
        "step_limit": code(details.step_limit) if details.step_limit is not None else None,
        "minimiser": code(details.minimiser) if details.minimiser is not None else None,
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The derived iterates against the method run numerically."""
    return "check_descent.py.j2", series_context(derivation)


KIND = Kind("descent", FIELDS, derive_descent, check_recipe)
