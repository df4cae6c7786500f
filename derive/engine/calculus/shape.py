"""Presentation moves: a tidy scalar result rewritten into the form a lecturer writes.

Each move is a named step, proved like any other (``derive.verify``), applied after
the algebra of ``tidy_steps`` so that nothing undoes it: e^u/(1 + e^u) as sigma(u),
softmax outputs named p_k (and sum p_k = 1 used), a fraction's denominator as a
product of factors with their constant first (p(1 - p)), its sign on the numerator.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sympy as sp

from derive.functions import DL_FUNCTIONS, normal_cdf, normal_pdf, sigmoid
from derive.model import Section, Step
from derive.notation import Notated
from derive.prose import NO_PROSE, Prose, math


class Named(sp.Function):
    """A value named on the sheet (p_1 for a softmax output): printed as its name,
    evaluated as its definition (``derive.verify`` looks through it)."""

    nargs = 2  # (definition, name as a Symbol)
    transparent = True
    named_value = True  # printed like a symbol, also under d/dz

    def doit(self, **hints: Any) -> sp.Expr:
        definition = self.args[0]
        return definition.doit(**hints) if hints.get("deep", True) else definition

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.args[0].evalf(prec)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_positive

    def _eval_is_nonnegative(self) -> bool | None:
        return self.args[1].is_nonnegative or self.args[0].is_nonnegative

    def _eval_derivative(self, x: sp.Symbol) -> sp.Expr:
        return sp.diff(self.args[0], x)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        name = printer._print(self.args[1])
        return f"{name}^{{{exp}}}" if exp is not None else name

    def _sympystr(self, printer: Any) -> str:
        return printer._print(self.args[1])

    def _numpycode(self, printer: Any) -> str:
        return f"({printer._print(self.args[0])})"  # an atom where it stands: p1/q_1

    _pythoncode = _numpycode


class AsTyped(sp.Function):
    """The question as the user typed it (an unevaluated parse tree), printed in typed order;
    evaluated, it is sympy's own form of the expression (``derive.verify`` looks through it)."""

    nargs = 1
    transparent = True

    @property
    def typed_tree(self) -> sp.Expr:
        return self.args[0]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # sympy rebuilds a pickled node evaluated; the typed tree is rebuilt as it was
        return _typed_again, (_structure(self.args[0]),)

    def doit(self, **hints: Any) -> sp.Expr:
        typed = self.args[0]
        return typed.doit(**hints) if hints.get("deep", True) else typed

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.args[0].doit().evalf(prec)

    def _eval_derivative(self, x: sp.Symbol) -> sp.Expr:
        return sp.diff(self.args[0].doit(), x)

    def _latex(self, printer: Any, exp: Any = None) -> str:
        from derive.printing import DeriveLatexPrinter

        settings = {k: printer._settings[k] for k in DeriveLatexPrinter._default_settings
                    if k in printer._settings}
        shown = DeriveLatexPrinter({**settings, "typed": True})._print(self.args[0])
        return rf"\left({shown}\right)^{{{exp}}}" if exp is not None else shown

    def _sympystr(self, printer: Any) -> str:
        return printer._print(self.args[0])

    def _numpycode(self, printer: Any) -> str:
        return printer._print(self.args[0].doit())


def _structure(node: sp.Basic) -> Any:
    """A tree as nested (class, children) pairs; atoms as themselves."""
    if node.is_Atom or not node.args:
        return node
    return (type(node), tuple(_structure(a) for a in node.args))


def _rebuilt(shape: Any) -> sp.Basic:
    if not (isinstance(shape, tuple) and len(shape) == 2 and isinstance(shape[0], type)):
        return shape
    cls, children = shape
    args = [_rebuilt(c) for c in children]
    try:
        return cls(*args, evaluate=False)
    except TypeError:  # a class without the option builds as it is
        return cls(*args)


def _typed_again(shape: Any) -> AsTyped:
    return AsTyped(_rebuilt(shape))


def as_typed_start(section: Section, typed: sp.Expr | None, x: sp.Symbol) -> Section:
    """The section starting from the derivative of the expression as typed, its first step
    sympy's form of it ('simplify'), when the two print differently."""
    from derive.printing import latex

    if typed is None or not section.steps:
        return section
    wrapped = AsTyped(typed)
    if latex(typed) == latex(typed.doit()):  # the same up to the order of terms: no step
        return section
    start = sp.Derivative(wrapped, x, evaluate=False)
    first = Step(start, section.start, "simplify")
    return replace(section, start=start, steps=(first, *section.steps))


# --- e^u / (1 + e^u) = sigma(u) ------------------------------------------------------------


def _sigmoid_of(product: sp.Mul) -> sp.Expr:
    return _sigmoid_in(list(product.args), product)


def _sigmoid_in(factors: list[sp.Expr], product: sp.Expr) -> sp.Expr:
    """In one product: e^u (1 + e^u)^{-1} -> sigma(u), (1 + e^u)^{-1} -> sigma(-u),
    e^u (1 + e^u)^{-2} -> sigma(u)(1 - sigma(u))."""
    for k, factor in enumerate(factors):
        if not (factor.is_Pow and factor.exp in (-1, -2) and isinstance(factor.base, sp.Add)):
            continue
        terms = factor.base.args
        if len(terms) != 2 or sp.S.One not in terms:
            continue
        (e,) = [t for t in terms if t != 1]
        if not isinstance(e, sp.exp):
            continue
        u = e.args[0]
        rest = factors[:k] + factors[k + 1 :]
        if factor.exp == -2:
            # e^u/(1 + e^u)^2 = sigma(u) sigma(-u): the sigmoid's derivative, either sign of u
            if e not in rest:
                return product
            rest.remove(e)
            w = -u if u.could_extract_minus_sign() else u
            return sp.Mul(*rest, sigmoid(w) * (1 - sigmoid(w)))
        if e in rest:
            rest.remove(e)
            return sp.Mul(*rest, sigmoid(u))
        return sp.Mul(*rest, sigmoid(-u))
    return product


def sigmoid_from_exp(expr: sp.Expr) -> sp.Expr:
    """Every e^u/(1 + e^u) as sigma(u)."""
    return expr.replace(lambda e: isinstance(e, sp.Mul), _sigmoid_of)


def _sigmoid_of_power(power: sp.Pow) -> sp.Expr:
    if power.exp == -1 and isinstance(power.base, sp.Add):
        return _sigmoid_in([power], power)
    return power


def sigmoid_form(expr: sp.Expr) -> sp.Expr:
    """Every e^u/(1 + e^u) as sigma(u) and 1/(1 + e^u) as sigma(-u)."""
    done = expr.replace(lambda e: isinstance(e, sp.Mul), _sigmoid_of)
    return done.replace(lambda e: isinstance(e, sp.Pow), _sigmoid_of_power)


# --- softmax outputs named p_k, and sum_k p_k = 1 ---------------------------------------------


def _index_of(u: sp.Expr, position: int) -> str:
    """z1 or z_1 -> '1'; otherwise the position in the sum (from 1)."""
    name = u.name if isinstance(u, sp.Symbol) else ""
    digits = name[len(name.rstrip("0123456789")):]
    return digits or str(position + 1)


def _letter(expr: sp.Expr) -> str:
    taken = {s.name.split("_")[0].rstrip("0123456789") for s in expr.free_symbols
             if isinstance(s, sp.Symbol)}
    return next(c for c in ("p", "q", "r", "s") if c not in taken)


def _softmax_sum(expr: sp.Expr) -> sp.Add | None:
    """A sum of two or more exponentials that the expression divides by."""
    for power in sp.preorder_traversal(expr):
        if (isinstance(power, sp.Pow) and power.exp.is_negative and isinstance(power.base, sp.Add)
                and len(power.base.args) > 1
                and all(isinstance(t, sp.exp) for t in power.base.args)):
            return power.base
    return None


def _over_powers_of(numerator: sp.Expr, denominator: sp.Expr, total: sp.Add,
                    exps: list[sp.Expr]) -> tuple[sp.Poly, list, sp.Expr, int] | None:
    """The numerator as a homogeneous polynomial of degree d in the exponentials when the
    denominator is (a constant times) S^d, d = 1 or 2; else None."""
    def holds_exp(e: sp.Expr) -> bool:
        return e.has(*exps) or any(isinstance(a, sp.exp) for a in sp.preorder_traversal(e))

    masks = [sp.Dummy(f"e{k}") for k in range(len(exps))]
    masked = sp.expand(numerator.subs(dict(zip(exps, masks, strict=True))))
    if holds_exp(masked) or masked == 0 or not masked.is_polynomial(*masks):
        return None  # the exponentials also sit inside a function: not a softmax output
    poly = sp.Poly(masked, *masks)
    for degree in (1, 2):
        scale = sp.cancel(denominator / total**degree)
        if holds_exp(scale):
            continue
        if all(sum(m) == degree for m in poly.monoms()):
            return poly, masks, scale, degree
    return None


def _others_as_complement(expr: sp.Expr, names: list[Named]) -> sp.Expr:
    """p_1 p_2 + p_1 p_3 + p_1 p_4 = p_1 (1 - p_1): a sum of all outputs but one is 1 minus it."""
    factored = sp.factor(expr)
    every = set(names)

    def complement(term: sp.Expr) -> sp.Expr:
        parts = set(sp.Add.make_args(term))
        if isinstance(term, sp.Add) and parts <= every and len(parts) == len(every) - 1:
            (missing,) = every - parts
            return 1 - missing
        return term

    done = factored.replace(lambda e: isinstance(e, sp.Add), complement)
    return done if done != factored else expr


def softmax_outputs(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, Prose] | None:
    """sum_k c_k e^{z_k} / sum_j e^{z_j} as sum_k c_k p_k, then shifted by the commonest c
    with sum_k p_k = 1 (-p_2 - p_3 = p_1 - 1). Returns (named, shifted, definition note)."""
    total = _softmax_sum(expr)
    if total is None:
        return None
    exps = list(total.args)
    numerator, denominator = sp.fraction(sp.cancel(sp.together(expr)))
    found = _over_powers_of(numerator, denominator, total, exps)
    if found is None:
        return None
    poly, masks, scale, degree = found
    letter = _letter(expr)
    names = [Named(e / total, sp.Symbol(f"{letter}_{_index_of(e.args[0], k)}"))
             for k, e in enumerate(exps)]
    note = Prose.of("softmax outputs ", math(names[0].args[1], names[0].args[0]), ", and so on")
    if degree == 2:  # the softmax Jacobian: -e^{z_j} e^{z_k} / S^2 = -p_j p_k
        named = sp.Add(*[c / scale * sp.Mul(*[names[k] ** n for k, n in enumerate(m)])
                         for m, c in poly.terms()])
        return named, _others_as_complement(named, names), note
    coefficients = [poly.coeff_monomial(m) / scale for m in masks]
    named = sp.Add(*[c * p for c, p in zip(coefficients, names, strict=True)])

    def shifted(common: sp.Expr) -> sp.Expr:
        terms = [(c - common) * p for c, p in zip(coefficients, names, strict=True)]
        return sp.Add(*terms) + common

    def cost(e: sp.Expr) -> tuple[int, int]:
        negative = [t for t in sp.Add.make_args(e) if t.has(Named) and t.could_extract_minus_sign()]
        return len(e.atoms(Named)), len(negative)

    best = min((shifted(c) for c in dict.fromkeys(coefficients)), key=cost)
    note = Prose.of("softmax outputs ", math(names[0].args[1], names[0].args[0]), ", and so on")
    return named, (best if cost(best) < cost(named) else named), note


# --- a fraction with a factored denominator, its sign on the numerator ------------------------


def _positive_factor(factor: sp.Expr, unit: frozenset[sp.Symbol]) -> sp.Expr:
    """p - 1 as 1 - p for p in (0, 1): the factor written so that it is positive."""
    if isinstance(factor, sp.Add) and (factor + 1) in unit:
        return -factor
    return factor


def factored_fraction(expr: sp.Expr, unit: frozenset[sp.Symbol]) -> sp.Expr:
    """N/D with D factored (each factor positive on the stated domain) and the overall sign
    moved into a numerator sum: (y - p)/(p^2 - p) = (p - y)/(p(1 - p))."""
    numerator, denominator = sp.fraction(sp.together(expr))
    if denominator == 1 or not isinstance(sp.expand(denominator), sp.Add):
        return expr
    try:
        coefficient, factors = sp.factor_list(denominator)
    except (sp.PolynomialError, TypeError):  # sympy cannot factor it (a power of erf, or
        return expr  # an undecidable condition inside: relu((w + 1)^-w)): as it is
    shown = []
    for base, power in factors:
        positive = _positive_factor(base, unit)
        if positive != base:
            coefficient *= (-1) ** power
        shown.append(sp.Pow(positive, power, evaluate=False) if power != 1 else positive)
    if len(shown) < 2:
        return expr
    if coefficient.is_negative and isinstance(numerator, sp.Add):
        numerator, coefficient = sp.expand(-numerator), -coefficient
    bottom = sp.Mul(*shown, evaluate=False)
    if coefficient != 1:
        bottom = sp.Mul(coefficient, bottom, evaluate=False)
    return sp.Mul(numerator, sp.Pow(bottom, -1, evaluate=False), evaluate=False)


def normal_names(expr: sp.Expr) -> sp.Expr:
    """erf(u/sqrt 2) as 2 Phi(u) - 1 and e^{-u^2/2} as sqrt(2 pi) phi(u), multiplied out:
    the derivative of GELU in its exact erf form reads Phi(x) + x phi(x)."""
    names: dict[sp.Expr, sp.Expr] = {}
    for f in expr.atoms(sp.erf):
        names[f] = 2 * normal_cdf(sp.expand(f.args[0] * sp.sqrt(2))) - 1
    for f in expr.atoms(sp.exp):
        square = sp.factor(-2 * f.args[0])
        if square.is_Pow and square.exp == 2:
            names[f] = sp.sqrt(2 * sp.pi) * normal_pdf(square.base)
    if not names:
        return expr
    named = sp.expand(expr.xreplace(names))
    return named if sp.count_ops(named) < sp.count_ops(expr) else expr


def shape_steps(expr: sp.Expr, unit: frozenset[sp.Symbol] = frozenset()) -> tuple[Step, ...]:
    """The presentation moves that apply to a tidy result, each a step."""
    steps: list[Step] = []

    def move(after: sp.Expr, rule: str, note: Prose = NO_PROSE) -> None:
        nonlocal expr
        if after != expr:
            steps.append(Step(expr, after, rule, note))
            expr = after

    if expr.has(sp.erf):
        move(normal_names(expr), "name the normal functions")
    if expr.has(sp.exp):
        move(sigmoid_form(expr), "sigmoid from exp")
        outputs = softmax_outputs(expr)
        if outputs is not None:
            named, shifted, note = outputs
            move(named, "name the softmax outputs", note)
            move(shifted, "probabilities sum to one")
    if not expr.has(*DL_FUNCTIONS, Named):
        move(factored_fraction(expr, unit), "factor")
    return tuple(steps)


def companion_pairs(expr: sp.Expr) -> int:
    """How many products keep f(u) beside 1 - f(u) (a known derivative in its textbook form)."""
    count = 0
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Mul):
            continue
        bases = {f.base if f.is_Pow else f for f in node.args}
        for factor in bases:
            if isinstance(factor, sp.Add) and len(factor.args) == 2 and sp.S.One in factor.args:
                other = 1 - factor
                if isinstance(other, sp.Function) and other in bases:
                    count += 1
    return count


def shaped(section: Section, unit: frozenset[sp.Symbol] = frozenset()) -> Section:
    """The section with the presentation moves appended to its chain."""
    if not section.steps:
        return section
    extra = shape_steps(section.steps[-1].after, unit)
    return replace(section, steps=section.steps + extra) if extra else section


def grouped_logs(expr: sp.Expr) -> sp.Expr:
    """Terms c log a + c log b with one coefficient as c log(ab) (a, b > 0):
    -N/2 log 2 - N/2 log pi - N/2 log v = -N/2 log(2 pi v), as a lecturer groups constants."""
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    others = []
    for term in sp.Add.make_args(expr):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) == 1 and logs[0].args[0].is_positive:
            groups.setdefault(sp.cancel(term / logs[0]), []).append(logs[0].args[0])
        else:
            others.append(term)
    if all(len(args) < 2 for args in groups.values()):
        return expr
    joined = [c * sp.log(sp.Mul(*args)) for c, args in groups.items()]
    return sp.Add(*others, *joined)


def _indicator_of(g: sp.Expr, item: sp.Expr,
                  points: tuple[sp.Integer, ...]) -> tuple[sp.Integer, sp.Expr] | None:
    """(k, v) when g(x_i) is v at x_i = k and 0 at every other support point: v [x_i = k]."""
    values = [g.xreplace({item: k}) for k in points]
    if not all(v.is_number for v in values):
        return None
    nonzero = [(k, v) for k, v in zip(points, values, strict=True) if v != 0]
    return nonzero[0] if len(nonzero) == 1 else None


def counted(expr: sp.Expr, item: sp.Expr, points: tuple[sp.Integer, ...]) -> tuple[sp.Expr, Prose]:
    """Sums of indicator polynomials over a finite support named as counts n_k (the number
    of observations equal to k), and the note that defines them."""
    mapping = {}
    for total in expr.atoms(sp.Sum):
        if len(total.limits) != 1 or not total.function.has(item):
            continue
        found = _indicator_of(total.function, item, points)
        if found is not None:
            k, v = found
            count = sp.Sum(sp.expand(total.function / v), *total.limits)
            mapping[total] = v * Named(count, sp.Symbol(f"n_{k}", nonnegative=True))
    if not mapping:
        return expr, Prose()
    index = item.indices[0] if isinstance(item, sp.Indexed) else sp.Symbol("i")
    count = math(Notated("count", index, item))
    note = Prose.of(count, ": the number of observations equal to ", math(sp.Symbol("k")))
    return expr.xreplace(mapping), note


def counts_total(expr: sp.Expr) -> sp.Expr:
    """n_1 + ... + n_K as N when the counts cover every outcome (their indicators add to 1)."""
    counts = [t for t in sp.Add.make_args(expr) if isinstance(t, Named)
              and isinstance(t.args[0], sp.Sum)]
    if len(counts) < 2 or len({c.args[0].limits for c in counts}) != 1:
        return expr
    limits = counts[0].args[0].limits
    if sp.expand(sp.Add(*[c.args[0].function for c in counts])) != 1:
        return expr
    (_, low, high), = limits
    return expr - sp.Add(*counts) + (high - low + 1)
