"""LaTeX notation students write beyond plain maths: primes, bases of logs, norms, indicators.

Each takes built operands and returns a sympy expression; the LaTeX builder
calls them from its ``_build_<rule>`` methods.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from typing import Any

import sympy as sp
from lark import Token, Tree

from derive.errors import ShapeError
from derive.parse import algebra, cases
from derive.parse.algebra import ElementwiseApplyFunction, Operand
from derive.parse.matrixops import ones
from derive.parse.symbols import ELEMENT
from derive.parse.tables import LATEX_OPERATORS, PRODUCT_OPERATIONS, SCALAR_FUNCTIONS, VARIADIC

#: Relations inside an indicator: (which side is the larger, the value at equality).
RELATIONS: dict[str, tuple[int, int]] = {
    ">": (0, 0), "\\gt": (0, 0), "<": (1, 0), "\\lt": (1, 0),
    ">=": (0, 1), "\\geq": (0, 1), "\\ge": (0, 1), "\\geqslant": (0, 1),
    "<=": (1, 1), "\\leq": (1, 1), "\\le": (1, 1), "\\leqslant": (1, 1),
}

#: Accents that make a name of their own: ``\hat\mu`` is mu_hat, the estimate of mu.
ACCENTS = {"hat": "hat", "widehat": "hat", "bar": "bar", "overline": "bar",
           "tilde": "tilde", "widetilde": "tilde"}


def nearest(word: str, known: Iterable[str]) -> str:
    """`` (did you mean softplus, sigmoid?)`` for the known names closest to ``word``, or ''."""
    close = difflib.get_close_matches(word, sorted(set(known)), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def prime(function: Callable[..., sp.Basic], order: int, arg: Operand) -> sp.Basic:
    r"""``\sigma'(u)``: the ``order``-th derivative of a known function, at ``arg``."""
    if arg.is_matrix:
        raise ShapeError(f"the derivative of a function at a matrix, {algebra.describe(arg)}: "
                         "write it elementwise")
    t = sp.Dummy("t", real=True)
    return sp.diff(function(t), t, order).xreplace({t: arg.expr})


def log_base(arg: Operand, base: Operand) -> sp.Basic:
    r"""``\log_2 x`` = log(x) / log(2)."""
    value = algebra.apply_scalar("log", sp.log, [arg])
    return algebra.multiply([("mul", arg.with_expr(value)),
                             ("div", base.with_expr(sp.log(base.expr, evaluate=False)))])


def norm(arg: Operand, order: sp.Basic | None = None) -> sp.Basic:
    r"""``\|x\|`` (``\|x\|_2``): the Euclidean (Frobenius) norm; of a scalar, its absolute value."""
    if order is not None and order != 2:
        raise ShapeError(f"only the 2-norm is supported, not the {order}-norm")
    if not arg.is_matrix:
        return algebra.absolute(arg)
    squares = sp.Trace(sp.MatMul(arg.expr.T, arg.expr))
    return sp.Pow(squares, sp.Rational(1, 2), evaluate=False)


def squared_norm(norm_value: sp.Basic, exponent: sp.Basic) -> sp.Basic | None:
    r"""``\|x\|^2`` as the sum of squares itself (no square root squared), else None."""
    if (isinstance(norm_value, sp.Pow) and norm_value.exp == sp.Rational(1, 2)
            and isinstance(norm_value.base, sp.Trace) and exponent == 2):
        return norm_value.base
    return None


def indicator(left: Operand, relation: str, right: Operand) -> sp.Basic:
    r"""``\mathbb{1}[x > 0]``: 1 where the relation holds, else 0 (entrywise for a matrix x);
    a step function of the difference, Heaviside(x - 0)."""
    larger, at_equality = RELATIONS["".join(relation.split())]
    if right.is_matrix:
        raise ShapeError(f"an indicator compares with a scalar, not {algebra.describe(right)}")

    def step(value: sp.Basic) -> sp.Basic:
        difference = value - right.expr if larger == 0 else right.expr - value
        return sp.Heaviside(difference, sp.Integer(at_equality))

    if left.is_matrix:
        return ElementwiseApplyFunction(sp.Lambda(ELEMENT, step(ELEMENT)), left.expr)
    return step(left.expr)


def hadamard_power(base: Operand, exponent: sp.Basic) -> sp.Basic:
    r"""``X^{\circ 2}``: each entry squared; of a scalar, the power."""
    if base.is_matrix:
        return sp.HadamardPower(base.expr, exponent)
    return algebra.power(base, base.with_expr(exponent))


def elementwise_exp(exponent: Operand) -> sp.Basic:
    """``e^{z}`` of a vector or matrix z: the exponential of each entry."""
    return algebra.apply_scalar("exp", sp.exp, [exponent])


def ones_like(shape: tuple[sp.Basic, sp.Basic]) -> sp.Basic:
    r"""``\mathbf{1}`` of the shape its neighbour needs."""
    return sp.OneMatrix(*shape)


def estimated(name: str, shapes: Any) -> str | None:
    r"""The declared matrix ``\hat W`` is the estimate of (W for W_hat), else None."""
    base, _, accent = name.rpartition("_")
    if accent in ACCENTS.values() and name not in shapes and base in shapes:
        return base
    return None


def accented(accent: str, name: str) -> str:
    r"""The symbol name of ``\hat\mu`` (mu_hat) or ``\bar{x}`` (x_bar)."""
    return f"{name}_{ACCENTS[accent]}"


def _is_ones(node: Any) -> bool:
    return isinstance(node, Tree) and (node.data == "ones" or (
        node.data == "transpose" and isinstance(node.children[0], Tree)
        and node.children[0].data == "ones"))


def _ones_shape(transposed: bool, before: Operand | None, after: Operand | None,
                op_after: str) -> tuple[Any, Any] | None:
    r"""The shape of ``\mathbf{1}`` (or its transpose) between ``before`` and ``after``."""
    if transposed and after is not None and after.is_matrix and op_after == "mul":
        return (1, after.expr.shape[0])
    if not transposed and before is not None and before.is_matrix:
        return (before.expr.shape[1], 1)
    if not transposed and after is not None and after.is_matrix and op_after == "hadamard":
        return after.expr.shape
    return None


class LatexNotation:
    """``_build_<rule>`` methods of the LaTeX rules in this module (mixed into LatexBuilder)."""

    text: str

    def _build_call_prime(self, node: Tree) -> sp.Basic:
        head, primes, argument = node.children
        name = self.function_name(head)  # type: ignore[attr-defined]
        args = self._arguments_of(argument)  # type: ignore[attr-defined]
        if len(args) != 1 or name not in SCALAR_FUNCTIONS or name in VARIADIC:
            raise self.error(head, f"{head}' needs one argument")  # type: ignore[attr-defined]
        return prime(SCALAR_FUNCTIONS[name], len(str(primes)), args[0])

    def _build_call_base(self, node: Tree) -> sp.Basic:
        head, base, argument = node.children
        if self.function_name(head) != "log":  # type: ignore[attr-defined]
            raise self.error(head, f"only a log has a base, not '{head}'")  # type: ignore[attr-defined]
        args = self._arguments_of(argument)  # type: ignore[attr-defined]
        if len(args) != 1:
            raise self.error(head, "a log takes one argument")  # type: ignore[attr-defined]
        return log_base(args[0], self.operand(base))  # type: ignore[attr-defined]

    def _build_norm(self, node: Tree) -> sp.Basic:
        order = self.build(node.children[1]) if len(node.children) > 1 else None  # type: ignore[attr-defined]
        return norm(self.operand(node.children[0]), order)  # type: ignore[attr-defined]

    def _build_indicator(self, node: Tree) -> sp.Basic:
        left, relation, right = node.children[-1].children
        if "".join(str(relation).split()) not in RELATIONS:
            raise self.error(node, f"an indicator needs <, >, \\leq or \\geq, not {relation}")  # type: ignore[attr-defined]
        return indicator(self.operand(left), str(relation), self.operand(right))  # type: ignore[attr-defined]

    def _build_cases(self, node: Tree) -> sp.Basic:
        r"""``\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise}\end{cases}``: a Piecewise."""
        rows = []
        for row in node.children:
            value, *rest = row.children
            cond = None
            if rest and rest[0] is not None:
                sides = [self.operand(c) for c in rest[0].children[0::2]]  # type: ignore[attr-defined]
                written = [str(r.children[0]) for r in rest[0].children[1::2]]
                cond = cases.condition(sides, written)
            rows.append((self.operand(value), cond))  # type: ignore[attr-defined]
        return cases.piecewise(rows)

    def _build_ones_sized(self, node: Tree) -> sp.Basic:
        r"""``\mathbf{1}_N``: the all-ones column of length N."""
        return ones(self.operand(node.children[-1]))  # type: ignore[attr-defined]

    def _build_ones(self, node: Tree) -> sp.Basic:
        raise self.error(node, r"\mathbf{1} needs a matrix beside it to take its shape "  # type: ignore[attr-defined]
                         r"(as in \mathbf{1}^\top x or X\mathbf{1})")

    def _build_hadamard_power(self, node: Tree) -> sp.Basic:
        base, sign, number = node.children
        value = self._token_NUMBER(number)  # type: ignore[attr-defined]
        if sign is not None and str(sign) == "-":  # X^{\circ -1}: each entry's reciprocal
            value = -value
        return hadamard_power(self.operand(base), value)  # type: ignore[attr-defined]

    def _build_pow(self, node: Tree) -> sp.Basic:
        base, exponent = node.children
        if self.build(base) is sp.E:  # type: ignore[attr-defined]
            power = self.operand(exponent)  # type: ignore[attr-defined]
            if power.is_matrix and power.expr.shape != (1, 1):
                return elementwise_exp(power)
        if isinstance(base, Tree) and base.data == "norm":
            value = self._literal_value(exponent)  # type: ignore[attr-defined]
            squared = squared_norm(self.build(base), value)  # type: ignore[attr-defined]
            if squared is not None:
                return squared
        return super()._build_pow(node)  # type: ignore[misc]

    def ones_operands(self, children: list[Any], build: Callable[[Any], Operand],
                      ops: list[str]) -> list[Operand]:
        r"""Operands of a product or sum, ``\mathbf{1}`` given the shape of its neighbour."""
        built: list[Operand | None] = [None if _is_ones(c) else build(c) for c in children]
        for k, child in enumerate(children):
            if built[k] is not None:
                continue
            before = built[k - 1] if k else None
            after = built[k + 1] if k + 1 < len(children) else None
            shape = _ones_shape(child.data == "transpose", before, after,
                                ops[k + 1] if k + 1 < len(ops) else "")
            if shape is None:
                shape = next((o.expr.shape for o in built if o is not None and o.is_matrix), None)
                if shape is None or ops[k] not in ("+", "-"):
                    raise self.error(child, r"\mathbf{1} needs a matrix beside it to take its "  # type: ignore[attr-defined]
                                     r"shape (as in \mathbf{1}^\top x or X\mathbf{1})")
            built[k] = Operand(ones_like(shape), self.text, 0, 0)
        return [b for b in built if b is not None]

    def _build_sum(self, node: Tree) -> sp.Basic:
        terms, ops = node.children[0::2], ["+"] + [str(s) for s in node.children[1::2]]
        if not any(_is_ones(t) for t in terms):
            return super()._build_sum(node)  # type: ignore[misc]
        operands = self.ones_operands(terms, self.operand, ops)  # type: ignore[attr-defined]
        return algebra.add(list(zip(ops, operands, strict=True)))

    def _build_product(self, node: Tree) -> sp.Basic:
        if not any(_is_ones(c) for c in node.children):
            return super()._build_product(node)  # type: ignore[misc]
        factors, ops, operation = [], [], "mul"
        for child in node.children:
            if isinstance(child, Token) and child.type == "MULOP":
                written = LATEX_OPERATORS.get(child.lstrip("\\"), str(child))
                operation = PRODUCT_OPERATIONS[written]
            else:
                factors.append(child)
                ops.append(operation)
                operation = "mul"
        operands = self.ones_operands(factors, self.operand, ops)  # type: ignore[attr-defined]
        return algebra.multiply(list(zip(ops, operands, strict=True)))

    def _build_bigop_signed(self, node: Tree) -> sp.Basic:
        r"""``\sum_i -x_i``: the sum of the negated terms."""
        operator, bounds, sign, body = node.children
        inner = Tree("unary", [sign, body], node.meta)
        return self._build_bigop(Tree("bigop", [operator, bounds, inner], node.meta))  # type: ignore[attr-defined]

    def _build_integral(self, node: Tree) -> sp.Basic:
        r"""``\int_a^b f(x) \, dx``: the definite integral, unevaluated (the checker proves it)."""
        bounds, body, differential = node.children
        if bounds.data == "integral_bounds_none":
            raise self.error(node, r"only a definite integral can be checked: give its bounds, "  # type: ignore[attr-defined]
                             r"as in \int_0^\infty")
        lower, upper = bounds.children
        if bounds.data == "integral_bounds_upper_first":
            upper, lower = lower, upper
        self._check_single_digit(upper, "an upper bound")  # type: ignore[attr-defined]
        name = self._token_name(Token("GREEK" if differential.startswith("\\") else "LETTER",  # type: ignore[attr-defined]
                                      str(differential)))
        variable = self.resolve(name)  # type: ignore[attr-defined]
        if not isinstance(variable, sp.Symbol):  # e, pi, a matrix: nothing to integrate over
            raise self.error(differential, f"d{name}: an integral runs over a scalar variable")  # type: ignore[attr-defined]
        parts = [self.operand(child) for child in (body, lower, upper)]  # type: ignore[attr-defined]
        for part in parts:
            if part.is_matrix:
                raise ShapeError(f"an integral of or over a matrix: {algebra.describe(part)}")
        integrand, low, high = (part.expr for part in parts)
        return sp.Integral(integrand, (variable, low, high))

    def _build_deriv_named(self, node: Tree) -> sp.Basic:
        r"""``\frac{\partial L}{\partial w}``: the derivative of what the name stands for."""
        body, variable = node.children
        return self.derivative(self.operand(body), [self.operand(variable)], variable)  # type: ignore[attr-defined]

    def _build_inverse_transpose(self, node: Tree) -> sp.Basic:
        r"""``X^{-\top}`` = (X^{-1})^\top."""
        operand = self.operand(node.children[0])  # type: ignore[attr-defined]
        minus_one = Operand(sp.Integer(-1), operand.source, operand.end, operand.end)
        inverse = operand.with_expr(algebra.power(operand, minus_one))
        return algebra.transpose(inverse)

    def _build_binom(self, node: Tree) -> sp.Basic:
        r"""``\binom{n}{k}``."""
        n, k = (self.operand(child) for child in node.children)  # type: ignore[attr-defined]
        for side in (n, k):
            if side.is_matrix:
                raise ShapeError(f"a binomial coefficient of a matrix: {algebra.describe(side)}")
        return sp.binomial(n.expr, k.expr, evaluate=algebra.frozen(n.expr) is False
                           and not (n.expr.is_number and k.expr.is_number))

    def _build_factorial(self, node: Tree) -> sp.Basic:
        r"""``x!``."""
        operand = self.operand(node.children[0])  # type: ignore[attr-defined]
        if operand.expr.is_number and not (operand.expr.is_Integer and 0 <= operand.expr <= 1000):
            raise self.error(node, "a factorial of a number needs a whole number up to 1000")  # type: ignore[attr-defined]
        if operand.is_matrix:
            raise ShapeError(f"the factorial of a matrix: {algebra.describe(operand)}")
        return sp.factorial(operand.expr, evaluate=False)
