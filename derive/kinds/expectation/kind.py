"""The 'expectation' kind: identities of E, Var, Cov.

Identities about the operator itself (linearity, the variance
shortcut, bilinearity of covariance, standardisation). The steps rewrite
expressions of ``E``/``Var``/``Cov`` (derive.engine.probability.expectation), and each
step is proved in the finite-distribution model described there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.checkcode import code, py_name
from derive.engine.probability.expectation import (
    MODEL_POINTS,
    Cov,
    E,
    Mean,
    Moment,
    RandomVariable,
    StdDev,
    Var,
    is_constant,
)
from derive.kinds.base import Kind, derivation_of
from derive.kinds.expectation.fields import FIELDS
from derive.model import Derivation, Result, Section, Step
from derive.prose import NO_PROSE, Prose, math, tex


def _without_moments(expr: sp.Expr) -> tuple[sp.Expr, dict[sp.Dummy, sp.Expr]]:
    """Replace each outermost E/Var/Cov by a placeholder (nested ones travel inside it)."""
    saved: dict[sp.Dummy, sp.Expr] = {}

    def hide(e: sp.Expr) -> sp.Expr:
        if isinstance(e, Moment):
            d = sp.Dummy(real=True)
            saved[d] = e
            return d
        return e.func(*(hide(a) for a in e.args)) if e.args else e

    return hide(expr), saved


def _expand_outside(expr: sp.Expr) -> sp.Expr:
    """Expand treating every E/Var/Cov as an opaque constant."""
    hidden, saved = _without_moments(expr)
    return sp.expand(hidden).xreplace(saved)


def _on_expectations(expr: sp.Expr, fn: Callable[[sp.Expr], sp.Expr]) -> sp.Expr:
    """Rewrite each outermost E[...] with fn(argument)."""
    if isinstance(expr, E):
        return fn(expr.args[0])
    if isinstance(expr, Moment) or not expr.args:
        return expr
    return expr.func(*(_on_expectations(a, fn) for a in expr.args))


def expand_inside(expr: sp.Expr) -> sp.Expr:
    return _on_expectations(expr, lambda arg: E(_expand_outside(arg)))


def split_sums(expr: sp.Expr) -> sp.Expr:
    """E[a + b] = E[a] + E[b] (the sum part of linearity)."""
    return _on_expectations(expr, lambda arg: sp.Add(*(E(t) for t in sp.Add.make_args(arg))))


def pull_constants(expr: sp.Expr) -> sp.Expr:
    """E[c Y] = c E[Y] and E[c] = c for constants c (nested expectations are constants)."""
    def one(arg: sp.Expr) -> sp.Expr:
        if is_constant(arg):
            return arg
        factors = sp.Mul.make_args(arg)
        constant = sp.Mul(*(f for f in factors if is_constant(f)))
        rest = sp.Mul(*(f for f in factors if not is_constant(f)))
        return constant * E(rest)

    return _on_expectations(expr, one)


def linearity(expr: sp.Expr) -> sp.Expr:
    """Both halves of linearity at once, on expanded arguments."""
    return pull_constants(split_sums(expand_inside(expr)))


def define(expr: sp.Expr) -> sp.Expr:
    """Replace Var and Cov by their definitions (outermost first)."""
    return expr.replace(lambda e: isinstance(e, Moment) and not isinstance(e, E),
                        lambda e: e.definition())


def collect(expr: sp.Expr) -> sp.Expr:
    return _expand_outside(expr)


def shortcut(expr: sp.Expr) -> sp.Expr:
    """Var X = E[X^2] - (E X)^2 and Cov(X, Y) = E[XY] - E[X] E[Y] (proved in their own entries)."""
    def one(e: sp.Expr) -> sp.Expr:
        args = e.args if isinstance(e, Cov) else e.args * 2
        return E(args[0] * args[1]) - E(args[0]) * E(args[1])

    return expr.replace(lambda e: isinstance(e, Var | Cov), one)


def rename(expr: sp.Expr) -> sp.Expr:
    """E[X] -> mu_X and Var X -> sigma_X^2 for every random variable X."""
    return expr.replace(lambda e: type(e) is E and isinstance(e.args[0], RandomVariable),
                        lambda e: Mean(e.args[0])).replace(
        lambda e: type(e) is Var and isinstance(e.args[0], RandomVariable),
        lambda e: StdDev(e.args[0]) ** 2)


def scaling(expr: sp.Expr) -> sp.Expr:
    """Var(aX + b) = a^2 Var X for constants a, b (the entry variance-scaling)."""
    def one(e: Var) -> sp.Expr:
        arg = sp.expand(e.args[0])
        randoms = [s for s in arg.free_symbols if isinstance(s, RandomVariable)]
        if len(randoms) != 1 or not is_constant(arg.coeff(randoms[0])):
            return e
        x = randoms[0]
        return arg.coeff(x) ** 2 * Var(x)

    return expr.replace(lambda e: type(e) is Var, one)


Move = tuple[str, Callable[[sp.Expr], sp.Expr], Prose]

MOVES: dict[str, Move] = {
    "definition": ("definition", define, NO_PROSE),
    "expand": ("expand", expand_inside, Prose.of("multiply out inside the expectation")),
    "split": ("linearity of expectation", split_sums,
              tex(r"$\mathbb{E}[A + B] = \mathbb{E}[A] + \mathbb{E}[B]$",
                  "E[A + B] = E[A] + E[B]")),
    "constants": ("constants out of expectation", pull_constants, Prose.of(
        tex(r"$\mathbb{E}[cA] = c\,\mathbb{E}[A]$", "E[cA] = c E[A]"), "; ",
        tex(r"$\mathbb{E}[X]$", "E[X]"), " is a number")),
    "collect": ("collect", collect, NO_PROSE),
    "rename": ("substitute", rename, Prose.of(
        tex(r"$\mu_X = \mathbb{E}[X]$", "mu_X = E[X]"), ", ",
        tex(r"$\sigma_X^2 = \operatorname{Var} X$", "sigma_X^2 = Var X"))),
    "scaling": ("named identity", scaling,
                tex(r"$\operatorname{Var}(aX + b) = a^2 \operatorname{Var} X$",
                    "Var(aX + b) = a^2 Var X")),
    "shortcut": ("named identity", shortcut,
                 tex(r"$\operatorname{Cov}(A, B) = \mathbb{E}[AB] - \mathbb{E}[A]\,\mathbb{E}[B]$",
                     "Cov(A, B) = E[AB] - E[A] E[B]")),
}


@dataclass(frozen=True)
class Claim:
    """An identity: the left side, the right side, and the moves from each to a common form."""

    lhs: Callable[[dict[str, sp.Expr]], sp.Expr]
    rhs: Callable[[dict[str, sp.Expr]], sp.Expr]
    left_moves: tuple[str, ...]
    right_moves: tuple[str, ...] = ()
    question: Prose = NO_PROSE


def _standard(x: sp.Expr) -> sp.Expr:
    return (x - Mean(x)) / StdDev(x)


CLAIMS: dict[str, Claim] = {
    "linearity": Claim(
        lambda v: E(v["a"] * v["X"] + v["b"] * v["Y"] + v["c"]),
        lambda v: v["a"] * E(v["X"]) + v["b"] * E(v["Y"]) + v["c"],
        ("split", "constants"),
        question=Prose.of(
            "For random variables ", tex("$X$", "X"), " and ", tex("$Y$", "Y"),
            ", independent or not, and constants ", tex("$a, b, c$", "a, b, c"), ", show that ",
            tex(r"$\mathbb{E}[aX + bY + c] = a\,\mathbb{E}[X] + b\,\mathbb{E}[Y] + c$",
                "E[aX + bY + c] = a E[X] + b E[Y] + c"), "."),
    ),
    "variance-shortcut": Claim(
        lambda v: Var(v["X"]),
        lambda v: E(v["X"] ** 2) - E(v["X"]) ** 2,
        ("definition", "expand", "split", "constants", "collect"),
    ),
    "covariance-shortcut": Claim(
        lambda v: Cov(v["X"], v["Y"]),
        lambda v: E(v["X"] * v["Y"]) - E(v["X"]) * E(v["Y"]),
        ("definition", "expand", "split", "constants", "collect"),
    ),
    "covariance-bilinearity": Claim(
        lambda v: Cov(v["a"] * v["X"] + v["b"] * v["Y"], v["Z"]),
        lambda v: v["a"] * Cov(v["X"], v["Z"]) + v["b"] * Cov(v["Y"], v["Z"]),
        ("shortcut", "expand", "split", "constants", "collect"),
        ("shortcut",),
    ),
    "variance-of-sum": Claim(
        lambda v: Var(v["X"] + v["Y"]),
        lambda v: Var(v["X"]) + Var(v["Y"]) + 2 * Cov(v["X"], v["Y"]),
        ("shortcut", "expand", "split", "constants", "collect"),
        ("shortcut",),
    ),
    "variance-scaling": Claim(
        lambda v: Var(v["a"] * v["X"] + v["b"]),
        lambda v: v["a"] ** 2 * Var(v["X"]),
        ("shortcut", "expand", "split", "constants", "collect"),
        ("shortcut",),
    ),
    "standardised-mean": Claim(
        lambda v: E(_standard(v["X"])),
        lambda v: sp.S.Zero,
        ("expand", "split", "constants", "rename"),
        question=Prose.of("Let ", tex(r"$Z = (X - \mu_X)/\sigma_X$", "Z = (X - mu_X)/sigma_X"),
                          " be the z-score of ", tex("$X$", "X"), ". Show that ",
                          tex(r"$\mathbb{E}[Z] = 0$", "E[Z] = 0"), "."),
    ),
    "standardised-variance": Claim(
        lambda v: Var(_standard(v["X"])),
        lambda v: sp.S.One,
        ("scaling", "rename"),
        question=Prose.of("Show that ", tex(r"$\operatorname{Var} Z = 1$", "Var Z = 1"), "."),
    ),
}


def _chain(start: sp.Expr, moves: tuple[str, ...]) -> list[Step]:
    steps, current = [], start
    for move in moves:
        rule, fn, note = MOVES[move]
        after = fn(current)
        if after != current:
            steps.append(Step(current, after, rule, note))
            current = after
    return steps


def _meet(left: list[Step], right: list[Step], lhs: sp.Expr, rhs: sp.Expr) -> list[Step]:
    """One chain lhs = ... = common = ... = rhs (the right side's steps read backwards)."""
    steps = list(left)
    common = left[-1].after if left else lhs
    back = [Step(s.after, s.before, s.rule, s.note) for s in reversed(right)]
    end = back[0].before if back else rhs
    if common != end:
        steps.append(Step(common, end, "factor"))
    return steps + back


def _names(spec: Spec) -> dict[str, sp.Expr]:
    names = {"X": "X", "Y": "Y", "Z": "Z", "a": "a", "b": "b", "c": "c"}
    names.update(spec.get("names", {}) or {})
    out: dict[str, sp.Expr] = {}
    for role, name in names.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise spec.error("names", f"{role}: expected a name")
        out[role] = RandomVariable(name) if role in "XYZ" else sp.Symbol(name, real=True)
    return out


MODEL_SENTENCE = Prose.of(
    "Every ", tex(r"$\mathbb{E}$", "E"), " in a step is evaluated in a model "
    f"distribution on {MODEL_POINTS} points with symbolic values and probabilities, so each "
    "step becomes a polynomial identity. Proved there, it holds for every distribution: an "
    f"identity with at most {MODEL_POINTS} expectations multiplied is decided on {MODEL_POINTS} "
    "points, and finite distributions approximate all others. A wrong step fails at random "
    "values of the model."
)


@dataclass(frozen=True)
class Identities:
    """What identities of E, Var, Cov add: the names of the random variables and constants."""

    random: tuple[str, ...]
    constants: tuple[str, ...]


def derive_identity(spec: Spec) -> Derivation:
    """Prove named identities of E/Var/Cov by named moves on both sides, one section each."""
    names = spec.names("claim")
    v = _names(spec)
    sections, results, questions, free = [], [], [], set()
    for number, claim_name in enumerate(names, 1):
        claim = CLAIMS.get(claim_name)
        if claim is None:
            raise spec.error("claim", f"unknown claim {claim_name!r} (known: {', '.join(CLAIMS)})")
        lhs, rhs = claim.lhs(v), claim.rhs(v)
        steps = _meet(_chain(lhs, claim.left_moves), _chain(rhs, claim.right_moves), lhs, rhs)
        free |= lhs.free_symbols | rhs.free_symbols
        title = "Derivation" if len(names) == 1 else f"Part {number}"
        sections.append(Section(Prose.of(title), lhs, tuple(steps)))
        results.append(Result(claim_name, lhs, rhs))
        questions.append(claim.question or Prose.of("Show that ", math(lhs, rhs), "."))
    variables = sorted(free, key=str)
    return derivation_of(
        spec,
        input=", ".join(names),
        function=sp.Tuple(*(sp.Eq(r.label, r.expr, evaluate=False) for r in results)),
        sections=tuple(sections),
        results=tuple(results),
        symbols=tuple(variables),
        method=(MODEL_SENTENCE,),
        question=Prose.joined(" ", questions),
        details=Identities(
            random=tuple(s.name for s in variables if isinstance(s, RandomVariable)),
            constants=tuple(s.name for s in variables if not isinstance(s, RandomVariable)),
        ),
    )


def expectation_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_expectation.py.j2``: each identity's two sides."""
    details: Identities = derivation.details
    names = [*details.random, *details.constants]
    return {
        "args": ", ".join(py_name(n) for n in names),
        "claims": [{"name": r.name, "lhs": code(r.label), "rhs": code(r.expr)}
                   for r in derivation.results],
        "random": list(details.random),
        "constants": [py_name(n) for n in details.constants],
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """Both sides of each identity, exactly, on seeded random finite distributions."""
    return "check_expectation.py.j2", expectation_context(derivation)


KIND = Kind("expectation", FIELDS, derive_identity, check_recipe)
