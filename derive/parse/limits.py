"""Size limits on what the parser accepts, checked before anything big is computed.

The text is scanned before lark sees it (length, bracket depth), the tree before
it is built (node count, depth), and every number before sympy combines it.
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp
from lark import Token, Tree

from derive.errors import LimitError

MAX_LENGTH = 4000
MAX_DEPTH = 64  # brackets, braces and calls inside one another
MAX_NODES = 5000
MAX_TREE_DEPTH = 200  # operators inside one another, brackets or not (x^x^x..., ------x)
MAX_EXPONENT_NESTING = 12  # x^(x^(x^...)): sympy takes seconds for 60 levels
MAX_LITERAL_DIGITS = 100  # a literal up to 10^100
MAX_EXPONENT_LITERAL = 10**4
MAX_BITS = 10_000  # any integer or rational that would be built
MAX_FACTORIAL = 1000  # n! of a literal n: 1000! has 8530 bits
MAX_ROOT_DEGREE = 10**4  # the denominator of a rational exponent of a number
MAX_ROOT_BITS = 2000  # a number whose root sympy looks for (by factoring, 4000 bits take 1.5 s)
MAX_MINMAX_ARGS = 8  # sympy's Max and Min compare every pair


def position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def check_text(text: str) -> None:
    """Reject text that is too long or nested too deeply, with a cheap scan before parsing."""
    if len(text) > MAX_LENGTH:
        line, column = position(text, MAX_LENGTH)
        raise LimitError(
            f"input longer than {MAX_LENGTH} characters ({len(text)})", line, column, text
        )
    depth = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                line, column = position(text, index)
                raise LimitError(f"nesting deeper than {MAX_DEPTH}", line, column, text)
        elif char in ")]}" and depth:
            depth -= 1


def check_tree(tree: Tree, text: str) -> None:
    """Reject trees with too many nodes or too deep a nesting (counted without recursion)."""
    count = 0
    stack: list[tuple[Tree | Token, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES or depth > MAX_TREE_DEPTH:
            line, column = _where(node, text)
            what = f"more than {MAX_NODES} nodes" if count > MAX_NODES else "nesting too deep"
            raise LimitError(f"expression too large: {what}", line, column, text)
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in node.children if child is not None)


def _where(node: Tree | Token, text: str) -> tuple[int, int]:
    if isinstance(node, Token):
        return node.line or 1, node.column or 1
    if getattr(node.meta, "empty", True):
        return 1, 1
    return node.meta.line, node.meta.column


def check_exponent_literal(value: sp.Basic, text: str, line: int, column: int) -> None:
    """Reject an exponent written as a literal larger than ``MAX_EXPONENT_LITERAL``."""
    if value.is_Rational and abs(Fraction(int(value.p), int(value.q))) > MAX_EXPONENT_LITERAL:
        raise LimitError(
            f"exponent larger than {MAX_EXPONENT_LITERAL} in magnitude", line, column, text
        )


def rational_bits(value: sp.Basic) -> float:
    """log2 of the larger of numerator and denominator of a Rational (0 for 0 and +-1)."""
    if not value.is_Rational or value.p == 0:
        return 0.0
    return max(math.log2(abs(int(value.p))), math.log2(int(value.q)))


def coefficient_bits(expr: sp.Basic) -> float:
    """Bits of the numeric coefficient sympy keeps in front of ``expr``."""
    if expr.is_Rational:
        return rational_bits(expr)
    if isinstance(expr, sp.Mul | sp.Add) and expr.args and expr.args[0].is_Rational:
        return rational_bits(expr.args[0])
    return 0


def power_problem(base: sp.Basic, exponent: sp.Basic) -> str | None:
    """Why sympy must not evaluate ``base**exponent``, or None if it is cheap.

    sympy evaluates powers with a rational exponent eagerly, also inside a base such
    as ``2*x`` (``(2x)^n = 2^n x^n``), so every rational in the base counts; a root
    of huge degree (``(-45)^(1/45^45)``) sends it factoring for ever.
    """
    if not exponent.is_Rational:
        return None
    if base.is_Add and base.free_symbols:
        return None  # sympy keeps (u - 4a)^6000 as it is: nothing inside is raised
    rationals = [r for r in base.atoms(sp.Rational) if r not in (sp.S.Zero, sp.S.One)]
    if not rationals:
        return None
    inner = max((p.exp.q for p in base.atoms(sp.Pow) if p.exp.is_Rational), default=1)
    if exponent.q * inner > MAX_ROOT_DEGREE:
        return f"power too large: a root of degree above {MAX_ROOT_DEGREE}"
    largest = max(rational_bits(r) for r in rationals)
    if exponent.q > 1 and largest > MAX_ROOT_BITS:
        return f"power too large: a root of a number above {MAX_ROOT_BITS} bits"
    magnitude = abs(Fraction(int(exponent.p), int(exponent.q)))
    # every rational other than 0 and +-1 has at least one bit
    if largest and (magnitude > MAX_BITS or largest * float(magnitude) > MAX_BITS):
        return f"power too large: the result would exceed {MAX_BITS} bits"
    return None
