"""Name the typical mistake behind a wrong line.

The wrong line is compared against candidate mistakes made on the previous
line: each derivative on it redone with one classic slip (the inner derivative
of the chain rule left out, a product-rule term dropped, the quotient rule's
sign flipped, a log of a sum split like a product), then the whole value with
its sign flipped, a term's sign flipped, a term dropped, a factor lost, a
transpose missing. The first candidate that matches the wrong line numerically
names the hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import combinations
from typing import Any

import mpmath
import sympy as sp

from derive.engine.matrix.expressions import EntrywiseGradient
from derive.grade.equivalence import close, is_matrix, judge, numerically, points, variables
from derive.model import Assumptions
from derive.numeric import Unevaluable, ctx, real_value

#: The mistakes the checker recognises, by name, with what the name means.
HINTS: dict[str, str] = {
    "missing inner derivative": "chain rule: the derivative of the inner function is missing",
    "product rule": "product rule: a term is missing or the rule is misapplied",
    "quotient rule sign": "quotient rule with the wrong sign",
    "quotient rule": "quotient rule: a term is missing",
    "log of a sum": "the log of a sum split like the log of a product",
    "sign error": "a sign error",
    "lost factor": "a constant factor lost (or gained)",
    "dropped term": "a term of the previous line is missing",
    "missing transpose": "a transpose is missing",
    "extra transpose": "a transpose too many",
    "product order": "the factors of a matrix product are in the wrong order",
    "gradient layout": "the gradient has the transposed shape (layout convention)",
    "symmetric only": "an identity that holds only for symmetric matrices",
    "sums to one": "a step that holds only for a vector whose entries sum to one",
}

MATCH_POINTS = 6
MAX_FACTORS = 8


@dataclass(frozen=True)
class Hint:
    """A named mistake and its explanation: words (str) and formulas (sympy) in order."""

    name: str
    parts: tuple[Any, ...]

    def latex(self) -> str:
        """The hint for the feedback PDF: words escaped, formulas from our printer."""
        from derive.printing import latex
        from derive.render import escape_latex

        words = escape_latex(self.name[:1].upper() + self.name[1:]) + ": "
        return words + "".join(escape_latex(p) if isinstance(p, str) else f"${latex(p)}$"
                               for p in self.parts)

    def unicode(self) -> str:
        """The hint for a terminal: formulas as Unicode maths, as the derivations print."""
        from derive.textout import maths

        return self._joined(maths)

    def text(self) -> str:
        """The hint for JSON: formulas by the plain text printer, in backticks."""
        from derive.textprint import text

        return self._joined(lambda p: f"`{text(p)}`")

    def _joined(self, show: Any) -> str:
        return f"{self.name}: " + "".join(p if isinstance(p, str) else show(p)
                                          for p in self.parts)


@dataclass(frozen=True)
class Candidate:
    name: str
    parts: tuple[Any, ...]
    expr: Any


@dataclass(frozen=True)
class Case:
    """The wrong transition: the previous line as written, its value, and the wrong line."""

    previous: Any
    before: Any
    wrong: Any
    assumptions: Assumptions


def find_hint(previous: Any, before: Any, wrong: Any, assumptions: Assumptions) -> Hint | None:
    """The first recognised mistake that turns ``previous`` into ``wrong``, or None."""
    case = Case(previous, before, wrong, assumptions)
    for source in SOURCES:
        for candidate in source(case):
            if _matches(candidate.expr, case):
                return Hint(candidate.name, candidate.parts)
    return None


def _matches(expr: Any, case: Case) -> bool:
    try:
        if is_matrix(expr) or is_matrix(case.wrong):
            return bool(judge(expr, case.wrong, case.assumptions).equal)
        return bool(numerically(expr, case.wrong, case.assumptions, needed=MATCH_POINTS).equal)
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return False


def _depends(expr: Any, x: Any) -> bool:
    return getattr(expr, "has", lambda *_: False)(x)


# --- mistakes made while differentiating ----------------------------------------------------


def _first_derivatives(expr: Any) -> list[sp.Derivative]:
    found = [d for d in sp.preorder_traversal(expr) if isinstance(d, sp.Derivative)]
    return [d for d in found if len(d.variable_count) == 1 and d.variable_count[0][1] == 1]


def _with_node_derivative(g: Any, x: Any, node: Any, derivative: Any) -> Any:
    """d/dx g with the derivative of ``node`` (wherever it occurs) replaced by ``derivative``."""
    y = sp.Dummy("y")
    g_y = g.xreplace({node: y})
    return (sp.diff(g_y, x) + sp.diff(g_y, y) * derivative).xreplace({y: node})


def _chain(g: Any, x: Any) -> Iterator[Candidate]:
    for node in sp.preorder_traversal(g):
        inner = _inner(node, x)
        if inner is None:
            continue
        t = sp.Dummy("t")
        outer = sp.diff(node.xreplace({inner: t}), t).xreplace({t: inner})
        inner_derivative = sp.diff(inner, x)
        if inner_derivative == 1:
            continue
        yield Candidate("missing inner derivative",
                        ("the chain rule needs the derivative of the inner function ", inner,
                         ", which is ", inner_derivative),
                        _with_node_derivative(g, x, node, outer))


def _inner(node: Any, x: Any) -> Any:
    """The inner function of a composition f(u) or u^k, when it depends on x and is not x."""
    if isinstance(node, sp.Pow):
        base, exponent = node.args
        inner = base if not _depends(exponent, x) else (exponent if not _depends(base, x) else None)
    elif isinstance(node, sp.Function) and len(node.args) == 1:
        inner = node.args[0]
    else:
        return None
    return inner if inner is not None and inner != x and _depends(inner, x) else None


def _products(g: Any, x: Any) -> Iterator[Candidate]:
    for node in sp.preorder_traversal(g):
        if not isinstance(node, sp.Mul):
            continue
        factors = [f for f in node.args if _depends(f, x)]
        if len(factors) < 2:
            continue
        for factor in factors:
            y = sp.Dummy("y")
            frozen = sp.diff(node.xreplace({factor: y}), x).xreplace({y: factor})
            reciprocal = isinstance(factor, sp.Pow) and factor.args[1].is_negative
            name = "quotient rule" if reciprocal else "product rule"
            yield Candidate(name, ("the term with the derivative of ", factor, " is missing"),
                            _with_node_derivative(g, x, node, frozen))
        if len(factors) == 2:
            constant = node / (factors[0] * factors[1])
            both = constant * sp.diff(factors[0], x) * sp.diff(factors[1], x)
            yield Candidate("product rule", ("the derivative of ", node,
                                             " is not the product of the derivatives"),
                            _with_node_derivative(g, x, node, both))


def _quotients(g: Any, x: Any) -> Iterator[Candidate]:
    for node in sp.preorder_traversal(g):
        if not isinstance(node, sp.Mul | sp.Pow):
            continue
        u, v = sp.fraction(node)
        if v == 1 or not _depends(v, x):
            continue
        du, dv = sp.diff(u, x), sp.diff(v, x)
        for wrong in ((du * v + u * dv) / v**2, (u * dv - du * v) / v**2):
            yield Candidate("quotient rule sign",
                            ("the numerator is u'v - uv' with u = ", u,
                             " and v = ", v), _with_node_derivative(g, x, node, wrong))


def _log_sums(expr: Any) -> Iterator[tuple[Any, Any]]:
    """(log of a sum, the sum of the logs of its terms) for each log of a sum in ``expr``."""
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.log) and isinstance(node.args[0], sp.Add):
            yield node, sp.Add(*[sp.log(t, evaluate=False) for t in node.args[0].args],
                               evaluate=False)


def _log_split(g: Any, x: Any) -> Iterator[Candidate]:
    for node, split in _log_sums(g):
        yield Candidate("log of a sum", ("the log of a sum is not a sum of logs: ", node,
                                         " is not ", split),
                        sp.diff(g.xreplace({node: split}), x))


DERIVATIVE_MISTAKES: tuple[Callable[[Any, Any], Iterator[Candidate]], ...] = (
    _chain, _quotients, _products, _log_split)


def _derivative_mistakes(case: Case) -> Iterator[Candidate]:
    if case.previous.has(sp.MatrixExpr):
        return  # matrix derivatives are numeric gradients: no rule to redo with a slip
    for derivative in _first_derivatives(case.previous):
        g, x = derivative.expr, derivative.variable_count[0][0]
        for mistakes in _order(g, case.wrong):
            for candidate in mistakes(g, x):
                whole = case.previous.xreplace({derivative: candidate.expr})
                yield Candidate(candidate.name, candidate.parts, _evaluated(whole))


def _order(g: Any, wrong: Any) -> tuple[Callable[[Any, Any], Iterator[Candidate]], ...]:
    """The quotient rule's slips first when the wrong line is written over the square of the
    denominator (the student applied the quotient rule, so that is where the slip is)."""
    denominator = sp.fraction(g)[1] if isinstance(g, sp.Expr) else sp.S.One
    squared = denominator != 1 and any(
        isinstance(p, sp.Pow) and p.exp == -2 and p.base == denominator
        for p in sp.preorder_traversal(wrong))
    return (_quotients, _chain, _products, _log_split) if squared else DERIVATIVE_MISTAKES


def _evaluated(expr: Any) -> Any:
    return expr.replace(lambda e: isinstance(e, sp.Derivative), lambda e: e.doit(deep=False))


# --- mistakes made in algebra ---------------------------------------------------------------


def _algebra_log_split(case: Case) -> Iterator[Candidate]:
    for node, split in _log_sums(case.before):
        yield Candidate("log of a sum", ("the log of a sum is not a sum of logs: ", node,
                                         " is not ", split), case.before.xreplace({node: split}))


def _terms(expr: Any) -> tuple[Any, ...]:
    return sp.Add.make_args(expr) if not is_matrix(expr) else ()


def _signs(case: Case) -> Iterator[Candidate]:
    yield Candidate("sign error", ("this line is the previous one with the opposite sign",),
                    -case.before)
    before_terms = _terms(case.before)
    if len(before_terms) > 1:
        for term in before_terms:
            yield Candidate("sign error", ("the sign of the term ", term, " is flipped"),
                            case.before - 2 * term)
    wrong_terms = _terms(case.wrong)
    if len(wrong_terms) > 1:
        for term in wrong_terms:
            yield Candidate("sign error", ("the sign of the term ", term, " is flipped"),
                            case.before + 2 * term)


def _dropped(case: Case) -> Iterator[Candidate]:
    before_terms = _terms(case.before)
    if len(before_terms) > 1:
        for term in before_terms:
            yield Candidate("dropped term", ("the term ", term, " of the previous line is missing"),
                            case.before - term)


def _factors(case: Case) -> Iterator[Candidate]:
    ratio = _constant_ratio(case)
    if ratio is not None:
        yield Candidate("lost factor", ("this line is the previous one times ", ratio),
                        ratio * case.before)
    seen = set()
    for expr in (case.before, case.previous):
        factors = [f for f in (sp.Mul.make_args(expr) if not is_matrix(expr) else ())
                   if not f.has(sp.Derivative)][:MAX_FACTORS]
        groups = [(f,) for f in factors] + list(combinations(factors, 2))
        for group in groups:
            factor = sp.Mul(*group)
            if factor.free_symbols and factor not in seen:
                seen.add(factor)
                yield Candidate("lost factor", ("the factor ", factor, " is missing"),
                                case.before / factor)


def _constant_ratio(case: Case) -> Any:
    """wrong/before when it is a simple constant, or a constant times a size N^(+-1)."""
    if is_matrix(case.before) or is_matrix(case.wrong):
        return None
    symbols = variables(case.before, case.wrong)
    samples = []
    for point in points(symbols, case.assumptions, seed=7):
        try:
            a, b = real_value(case.before, point), real_value(case.wrong, point)
        except Unevaluable:
            continue
        if a != 0:
            samples.append((point, b / a))
        if len(samples) >= MATCH_POINTS:
            break
    if len(samples) < 3:
        return None
    sizes = [s for s in symbols if s.is_integer and s.is_positive]
    for size, power in [(None, 0)] + [(s, k) for s in sizes for k in (1, -1)]:
        scaled = [r / (p.values[size] ** power if size is not None else 1) for p, r in samples]
        if all(close(r, scaled[0]) for r in scaled):
            fraction = Fraction(float(scaled[0])).limit_denominator(64)
            constant = sp.Rational(fraction.numerator, fraction.denominator)
            if constant != 0 and close(scaled[0], ctx.mpf(constant.p) / constant.q):
                factor = constant * (size**power if size is not None else 1)
                return None if factor == 1 else factor
    return None


def _transposes(case: Case) -> Iterator[Candidate]:
    if not (is_matrix(case.before) or is_matrix(case.wrong)):
        return
    transposed = _shape(case.wrong) == _shape(case.before)[::-1]
    if isinstance(case.before, EntrywiseGradient) and transposed:
        yield Candidate("gradient layout",
                        ("the gradient of a scalar with respect to ", case.before.args[1],
                         " has the shape of ", case.before.args[1], "; this line is its "
                         "transpose"), case.before.T)
    yield Candidate(_transpose_name(case), ("this line is the transpose of the right one",),
                    case.before.T)
    for matrix in sorted(case.before.atoms(sp.MatrixSymbol), key=str):
        for old, new in ((matrix, matrix.T), (matrix.T, matrix)):
            try:
                changed = case.before.xreplace({old: new})
            except (ValueError, TypeError, sp.ShapeError):
                continue
            if changed != case.before:
                yield Candidate(_transpose_name(case), (matrix, " should be transposed here",),
                                changed)


def _shape(expr: Any) -> tuple[Any, ...]:
    return tuple(getattr(expr, "shape", ()))


def _transpose_name(case: Case) -> str:
    """"extra transpose" when the wrong line has more transposes than the right one."""
    def count(expr: Any) -> int:
        return sum(1 for n in sp.preorder_traversal(expr) if isinstance(n, sp.Transpose))

    return "extra transpose" if count(case.wrong) > count(case.before) else "missing transpose"


def _symmetric_only(case: Case) -> Iterator[Candidate]:
    """The wrong line is right only for symmetric matrices (2Ax for the gradient of x^T A x)."""
    square = sorted(m.name for m in case.before.atoms(sp.MatrixSymbol)
                    if m.shape[0] == m.shape[1]) if is_matrix(case.before) else []
    if not square or _shape(case.wrong) != _shape(case.before):
        return
    symmetric = replace(case.assumptions, symmetric=case.assumptions.symmetric | set(square))
    if judge(case.before, case.wrong, symmetric).equal:
        names: list[Any] = []
        for k, name in enumerate(square):  # S, T: each name a formula, as the sheets print it
            names += [", "] * bool(k) + [sp.Symbol(name)]
        plural = "are" if len(square) > 1 else "is"
        yield Candidate("symmetric only", ("this holds only when ", *names,
                                           f" {plural} symmetric; for a general ", *names,
                                           " keep both ", sp.Symbol(square[0]),
                                           " and its transpose"), case.wrong)


def _sums_to_one(case: Case) -> Iterator[Candidate]:
    """The wrong line is right only when a vector's entries sum to one (p - y for the softmax
    cross-entropy gradient p (1^T y) - y, with no ``% assume 1^T y = 1``)."""
    if not is_matrix(case.before) or _shape(case.wrong) != _shape(case.before):
        return
    vectors = sorted(m.name for m in case.before.atoms(sp.MatrixSymbol)
                     if m.shape[1] == 1 and m.name not in case.assumptions.simplex)
    for name in vectors:
        on_simplex = replace(case.assumptions, simplex=case.assumptions.simplex | {name})
        if judge(case.before, case.wrong, on_simplex).equal:
            yield Candidate("sums to one", (f"this holds only when the entries of {name} sum to "
                                            f"one: if they do, say so with % assume 1^T {name} "
                                            "= 1",), case.wrong)
            return


def _matrix_factor(case: Case) -> Iterator[Candidate]:
    """The wrong matrix is the right one times a constant (a lost factor 2, a sign)."""
    if not (is_matrix(case.before) and _shape(case.wrong) == _shape(case.before)):
        return
    ratio = _matrix_ratio(case.before, case.wrong, case.assumptions)
    if ratio is not None and ratio != 1:
        name = "sign error" if ratio == -1 else "lost factor"
        words = ("this line is the previous one with the opposite sign",) if ratio == -1 else (
            "this line is the previous one times ", ratio)
        yield Candidate(name, words, sp.MatMul(ratio, case.before))


def _matrix_ratio(before: Any, wrong: Any, assumptions: Assumptions) -> Any:
    from derive import mpmatrix
    from derive.verify import MatrixPoints

    at = MatrixPoints([before, wrong], assumptions, seed=3)
    ratios = []
    with mpmath.workdps(mpmatrix.DPS):
        for k in range(3):
            try:
                _, env = at[k]
                left = mpmatrix.flat(mpmatrix.evaluate(before, env))
                right = mpmatrix.flat(mpmatrix.evaluate(wrong, env))
            except (ValueError, ZeroDivisionError, ArithmeticError, TypeError, KeyError):
                return None
            ratios += [b / a for a, b in zip(left, right, strict=False) if abs(a) > 1e-12]
    if not ratios or any(abs(r - ratios[0]) > 1e-12 * (1 + abs(ratios[0])) for r in ratios):
        return None
    fraction = Fraction(float(ratios[0])).limit_denominator(64)
    constant = sp.Rational(fraction.numerator, fraction.denominator)
    return constant if abs(float(constant) - float(ratios[0])) < 1e-12 else None


SOURCES: tuple[Callable[[Case], Iterator[Candidate]], ...] = (
    _derivative_mistakes, _algebra_log_split, _transposes, _symmetric_only, _sums_to_one,
    _matrix_factor,
    _signs, _factors, _dropped)
