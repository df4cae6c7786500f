"""Step-by-step differentiation of scalar expressions.

The expression being worked on holds unevaluated ``Derivative`` nodes. Each
step takes the first pending one, applies exactly one named rule (looked up by
the class of the differentiated expression, ``_rule_<Class>``), and replaces
it. When nothing is pending, named algebra moves tidy the result into
textbook form. Steps are recorded, not verified: ``derive.verify`` proves them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from derive.engine.calculus import expansion
from derive.engine.calculus.expansion import cancels_small, expands_small, factors_small
from derive.engine.calculus.shape import companion_pairs
from derive.errors import TooManySteps
from derive.functions import DL_FUNCTIONS, KNOWN_DERIVATIVES, sigmoid
from derive.model import Section, Step
from derive.notation import Notated
from derive.printing import latex
from derive.prose import Prose, Tex, math

Rewrite = tuple[sp.Expr, str, Prose]  # replacement, rule name, note


def D(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """An unevaluated derivative (a constant's derivative is 0 at once)."""
    return sp.Derivative(expr, x, evaluate=False) if expr.has(x) else sp.S.Zero


def _polynomial_rule(f: sp.Expr, x: sp.Symbol) -> str:
    """The rule a lecturer names for a polynomial's derivative: (w x)' = w is a constant
    multiple, (p - y)' = 1 linearity, (x^3)' the power rule, 2x + 3x^2 both."""
    linear = not sp.diff(f, x).has(x)
    if len(sp.Add.make_args(f)) == 1:
        return "constant multiple" if linear else "power rule"
    return "linear function" if linear else "linearity"


@dataclass
class ScalarDifferentiator:
    """Applies one rule at a time to the first pending derivative."""

    x: sp.Symbol

    def rewrite(self, f: sp.Expr) -> Rewrite:
        x = self.x
        if not f.has(x):
            return sp.S.Zero, "constant", Prose()
        if f == x:
            return sp.S.One, "variable", Prose()
        if _is_simple_polynomial(f, x):
            return sp.diff(f, x), _polynomial_rule(f, x), Prose()
        for cls in type(f).__mro__:
            rule = getattr(self, f"_rule_{cls.__name__}", None)
            if rule is not None:
                return rule(f)
        raise TypeError(f"no rule for {type(f).__name__}")  # unreachable: Function is last

    def _rule_Add(self, f: sp.Add) -> Rewrite:
        terms = [D(t, self.x) for t in f.args if t.has(self.x)]
        rule = "sum rule" if len(terms) == len(f.args) else "sum rule, constants drop"
        return sp.Add(*terms), rule, Prose()

    def _rule_Mul(self, f: sp.Mul) -> Rewrite:
        x = self.x
        const = sp.Mul(*[a for a in f.args if not a.has(x)])
        varying = [a for a in f.args if a.has(x)]
        if len(varying) == 1:
            return const * D(varying[0], x), "constant multiple", Prose()
        numer = [a for a in varying if not _is_reciprocal(a)]
        denom = [1 / a for a in varying if _is_reciprocal(a)]
        if numer and denom:
            u, v = sp.Mul(*numer), sp.Mul(*denom)
            quotient = (D(u, x) * v - u * D(v, x)) / v**2
            note = Prose.of(math(_U, u), ", ", math(_V, v), ": ",
                            Tex(r"$(u/v)' = (u'v - uv')/v^2$", "(u/v)' = (u'*v - u*v')/v^2"))
            return const * quotient, "quotient rule", note
        terms = [
            sp.Mul(*[D(a, x) if j == k else a for j, a in enumerate(varying)])
            for k in range(len(varying))
        ]
        return const * sp.Add(*terms), "product rule", PRODUCT_RULE

    def _rule_Pow(self, f: sp.Pow) -> Rewrite:
        x = self.x
        base, power = f.as_base_exp()
        if not power.has(x):
            if base == x:
                return power * base ** (power - 1), "power rule", Prose()
            outer = sp.Mul(power, _U ** (power - 1), evaluate=False)
            note = Prose.of(math(_U, base), ", ", math(_power_prime(power), outer))
            # One Mul call, so that sympy does not distribute the coefficient over the base.
            return sp.Mul(power, base ** (power - 1), D(base, x)), "chain rule", note
        if not base.has(x):
            rewritten = f * sp.log(base) * D(power, x)
            return rewritten, "exponential rule", EXPONENTIAL_RULE
        rewritten = f * (D(power, x) * sp.log(base) + power * D(base, x) / base)
        note = Prose.of(math(_Y, f), ", ", math(sp.log(_Y), power * sp.log(base)), ", ",
                        Tex(r"$y' = y\,(\log y)'$", "y' = y*(log y)'"))
        return rewritten, "logarithmic differentiation", note

    def _rule_MinMaxBase(self, f: sp.Expr) -> Rewrite:
        x = self.x
        first, rest = f.args[0], f.func(*f.args[1:]) if len(f.args) > 2 else f.args[1]
        sign = 1 if isinstance(f, sp.Max) else -1
        step = sp.Heaviside(sign * (first - rest), 0)
        other = sp.Heaviside(sign * (rest - first), 0)
        note = Prose.of("the larger argument's derivative (ties have measure zero)")
        return step * D(first, x) + other * D(rest, x), "max rule", note

    def _rule_Sum(self, f: sp.Sum) -> Rewrite:
        # d/dw sum_i g_i = sum_i dg_i/dw: the bounds do not depend on w.
        return sp.Sum(D(f.function, self.x), *f.limits), "linearity of the sum", Prose()

    def _rule_Piecewise(self, f: sp.Piecewise) -> Rewrite:
        pieces = [(D(e, self.x), c) for e, c in f.args]
        note = Prose.of("differentiate each piece (away from the break points)")
        return sp.Piecewise(*pieces), "piecewise", note

    def _rule_Function(self, f: sp.Function) -> Rewrite:
        x = self.x
        (inner,) = f.args if len(f.args) == 1 else (None,)
        if inner is None:
            return sp.diff(f, x), "known derivative", Prose()
        known = KNOWN_DERIVATIVES.get(type(f))
        outer = known.derivative(inner) if known else f.fdiff().subs(f.args[0], inner)
        identity = Prose.of(known.identity) if known else Prose()
        if known and known.condition:
            identity = Prose.of(identity, " (", known.condition, ")")
        if inner == x:
            return outer, "known derivative", identity
        note = Prose.of(math(_U, inner), "; " if identity else "", identity)
        return outer * D(inner, x), "chain rule", note


_U, _V, _Y = sp.symbols("u v y")
PRODUCT_RULE = Prose.of(Tex(r"$(uv)' = u'v + uv'$", "(u*v)' = u'*v + u*v'"))
EXPONENTIAL_RULE = Prose.of(Tex(r"$(a^u)' = a^u \log a \cdot u'$", "(a^u)' = a^u*log(a)*u'"))


def _power_prime(power: sp.Expr) -> Notated:
    """``(u^2)'``: the derivative of a power of u, as the margin writes it."""
    return Notated("power rule", power)


def _is_reciprocal(a: sp.Expr) -> bool:
    return a.is_Pow and a.exp.is_negative is True


def _is_simple_polynomial(f: sp.Expr, x: sp.Symbol) -> bool:
    """A sum of monomials c*x^n with constant c: differentiated in one step."""
    for term in sp.Add.make_args(f):
        for factor in sp.Mul.make_args(term):
            if factor.has(x) and not (
                factor == x or (factor.is_Pow and factor.base == x and not factor.exp.has(x))
            ):
                return False
    return True


def first_pending(expr: sp.Expr, kind: type = sp.Derivative) -> sp.Basic | None:
    """The first unevaluated ``kind`` (a Derivative, an Integral) in ``expr``, outermost first."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, kind):
            return node
    return None


def differentiate_steps(f: sp.Expr, x: sp.Symbol, max_steps: int = 400) -> tuple[Step, ...]:
    """The chain of rule applications from d/dx f to a derivative-free expression."""
    engine = ScalarDifferentiator(x)
    current = D(f, x)
    steps: list[Step] = []
    while (pending := first_pending(current)) is not None:
        if len(steps) >= max_steps:
            raise TooManySteps(f"the derivative needs more than {max_steps} steps")
        replacement, rule, note = engine.rewrite(pending.expr)
        after = current.xreplace({pending: replacement})
        steps.append(Step(current, after, rule, note))
        current = after
    return tuple(steps) + tidy_steps(current)


# --- tidying into textbook form --------------------------------------------------------------

_OPAQUE = (*DL_FUNCTIONS, sp.exp, sp.log, sp.tanh, sp.Heaviside, sp.sign, sp.erf)


def _masked(
    transform: Callable[[sp.Expr], sp.Expr], small: Callable[[sp.Expr], bool]
) -> Callable[[sp.Expr], sp.Expr]:
    """Apply a rational transform with function applications held as opaque symbols,
    unless ``small`` says that the expansion it does would be large (then: no change)."""

    def apply(expr: sp.Expr) -> sp.Expr:
        atoms = sorted(expr.atoms(*_OPAQUE), key=sp.default_sort_key)
        masks = {a: sp.Dummy(f"m{k}") for k, a in enumerate(atoms)}
        masked = expr.xreplace(masks)
        if not small(masked):
            return expr
        return transform(masked).xreplace({m: a for a, m in masks.items()})

    return apply


def _low_degree(small: Callable[[sp.Expr], bool]) -> Callable[[sp.Expr], bool]:
    """``small``, and no polynomial of degree over ``TIDY_DEGREE`` multiplied out."""

    def low(expr: sp.Expr) -> bool:
        return expansion.degree_bound(expr) <= expansion.TIDY_DEGREE and small(expr)

    return low


def _always(expr: sp.Expr) -> bool:
    return True


def _sigmoid_identity(expr: sp.Expr) -> sp.Expr:
    flips = {
        s: 1 - sigmoid(-s.args[0])
        for s in expr.atoms(sigmoid)
        if s.args[0].could_extract_minus_sign()
    }
    return expr.xreplace(flips)


def _tanh_in(product: sp.Expr) -> sp.Expr:
    powers = product.as_powers_dict()
    factors = []
    for base, power in powers.items():
        if isinstance(base, sp.sinh) and power.is_positive:
            other = powers.get(sp.cosh(base.args[0]), sp.S.Zero)
            if other.is_negative:
                k = sp.Min(power, -other)
                powers[base], powers[sp.cosh(base.args[0])] = power - k, other + k
                factors.append(sp.tanh(base.args[0]) ** k)
    if not factors:
        return product
    return sp.Mul(*factors, *(b**e for b, e in powers.items()))


def _tanh_identity(expr: sp.Expr) -> sp.Expr:
    """sinh(u)/cosh(u) -> tanh(u) in every product."""
    return expr.replace(lambda e: isinstance(e, sp.Mul), _tanh_in)


TIDY_MOVES: tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...] = (
    ("sigmoid identity", _sigmoid_identity),
    ("tanh identity", _tanh_identity),
    ("expand", _masked(expansion.expand, _low_degree(expands_small))),
    ("cancel", _masked(expansion.cancel, _low_degree(cancels_small))),
    ("factor", _masked(expansion.factor, factors_small)),
    ("collect", _masked(sp.factor_terms, _always)),
)


class TextbookCost:
    """Smaller is easier to read: operation count (a known derivative kept factored,
    sigma(u)(1 - sigma(u)), counts one less), then printed length (printed only to break
    a tie, since printing a large candidate costs more than making it)."""

    def __init__(self, expr: sp.Expr) -> None:
        self.expr, self.ops = expr, sp.count_ops(expr) - companion_pairs(expr)
        self._length: int | None = None

    @property
    def length(self) -> int:
        if self._length is None:
            self._length = len(latex(self.expr))
        return self._length

    def __lt__(self, other: TextbookCost) -> bool:
        if self.ops != other.ops:
            return self.ops < other.ops
        return self.length < other.length


def tidy_steps(expr: sp.Expr, rounds: int = 4) -> tuple[Step, ...]:
    """Greedy named algebra moves, each kept only if it makes the expression simpler and
    keeps every factored known derivative factored (sigma(x)(1 - sigma(x)) x + sigma(x)
    is not collected into ((1 - sigma(x)) x + 1) sigma(x))."""
    steps: list[Step] = []
    for _ in range(rounds):
        cost = TextbookCost(expr)
        pairs = companion_pairs(expr)
        best: tuple[TextbookCost, str] | None = None
        for rule, move in TIDY_MOVES:
            candidate = move(expr)
            if candidate == expr or companion_pairs(candidate) < pairs:
                continue
            candidate_cost = TextbookCost(candidate)
            if candidate_cost < cost and (best is None or candidate_cost < best[0]):
                best = (candidate_cost, rule)
        if best is None:
            break
        steps.append(Step(expr, best[0].expr, best[1]))
        expr = best[0].expr
    return tuple(steps)


def gradient_section(f: sp.Expr, x: sp.Symbol, name: str | None = None) -> Section:
    """The section 'derivative with respect to x', from d/dx f to the tidy result."""
    steps = differentiate_steps(f, x)
    lhs = sp.Derivative(sp.Symbol(name), x) if name else None
    return Section(Prose.of("With respect to ", math(x)), D(f, x), steps, lhs)
