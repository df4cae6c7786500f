"""From a lark tree to sympy: one ``_build_<rule>`` method per grammar rule, nothing else.

Only names found in :mod:`derive.parse.tables` become functions or constants;
every other name becomes a symbol.  Arithmetic goes through
:mod:`derive.parse.algebra`, which checks shapes and the size of numbers before
sympy computes anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import sympy as sp
from lark import Token, Tree

from derive.errors import InputError, LimitError, ParseError, ShapeError
from derive.parse import algebra, limits, matrixops, notation
from derive.parse.algebra import Operand
from derive.parse.grammar import wrapped_word
from derive.parse.identity import IDENTITY
from derive.parse.symbols import (
    dimension,
    index_symbol,
    indexed_base,
    matrix_symbol,
    real_symbol,
    size_symbol,
)
from derive.parse.tables import (
    CONSTANTS,
    DERIVATIVE_FUNCTIONS,
    FREE_INDEX_LETTERS,
    GREEK,
    LATEX_CONSTANTS,
    LATEX_FUNCTIONS,
    LATEX_OPERATORS,
    MATRIX_FUNCTIONS,
    PLAIN_CALLABLES,
    PRODUCT_OPERATIONS,
    SCALAR_FUNCTIONS,
    SIZE_NAMES,
    VARIADIC,
)

Node = Tree | Token
Shapes = Mapping[str, tuple[int | str, int | str]]

_NUMBER = re.compile(r"(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_DERIV_VARIABLE = re.compile(r"d\s*/\s*d\s*")
_VARIABLE_TYPES = (sp.Symbol, sp.MatrixSymbol, sp.Indexed)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_ACCENTED = re.compile(r"\\([a-z]+)\s*\{?\s*(\\?[A-Za-z]+)")
_FRAC_SHORT = re.compile(r"\\[dt]?frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])")


def _start(node: Node) -> int:
    if isinstance(node, Token):
        return node.start_pos or 0
    return 0 if node.meta.empty else node.meta.start_pos


def _end(node: Node) -> int:
    if isinstance(node, Token):
        return node.end_pos or 0
    return 0 if node.meta.empty else node.meta.end_pos


def _shorten(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def literal(digits: str, text: str, at: int) -> sp.Rational:
    """A number literal as an exact Rational (``0.5`` -> 1/2, ``1e-3`` -> 1/1000), size-checked."""
    match = _NUMBER.fullmatch(digits)
    line, column = limits.position(text, at)
    if match is None:  # the grammar only lexes numbers this pattern matches
        raise ParseError(f"not a number: '{digits}'", line, column, text)
    whole, fraction, exponent = match.group(1), match.group(2) or "", match.group(3)
    shift = int(exponent) if exponent and len(exponent) <= 6 else 0
    if exponent and len(exponent) > 6:
        raise LimitError(f"number too large: '{digits[:20]}'", line, column, text)
    significant = len(whole.lstrip("0")) + shift
    if significant > limits.MAX_LITERAL_DIGITS or len(fraction) - shift > limits.MAX_LITERAL_DIGITS:
        raise LimitError(f"number too large: '{digits[:20]}'", line, column, text)
    mantissa = int((whole + fraction) or "0")
    scale = shift - len(fraction)
    return sp.Rational(mantissa * 10**scale) if scale >= 0 else sp.Rational(mantissa, 10**-scale)


class Builder:
    """Builds the plain syntax; :class:`LatexBuilder` adds the LaTeX rules."""

    constants: Mapping[str, sp.Basic] = CONSTANTS

    def __init__(
        self, text: str, symbols: Mapping[str, sp.Basic] | None, shapes: Shapes | None
    ) -> None:
        self.text = text
        self.symbols = symbols or {}
        self.shapes = shapes or {}
        self.bound: list[str] = []  # summation indices in scope, innermost last
        self.in_subscript = 0
        self.exponent_depth = 0

    # -- dispatch -------------------------------------------------------------------

    def build(self, node: Node) -> sp.Basic:
        return self.operand(node).expr

    def operand(self, node: Node) -> Operand:
        """The expression of ``node`` with the span of text it came from."""
        if isinstance(node, Token):
            expr = getattr(self, f"_token_{node.type}")(node)
        else:
            expr = getattr(self, f"_build_{node.data}")(node)
        operand = Operand(expr, self.text, _start(node), _end(node))
        if expr is sp.zoo or expr is sp.nan:
            raise self.error(node, f"'{_shorten(operand.text)}' is undefined")
        return operand

    def error(self, node: Node, message: str) -> ParseError:
        line, column = limits.position(self.text, _start(node))
        return ParseError(message, line, column, self.text)

    # -- names ----------------------------------------------------------------------

    def resolve(self, name: str) -> sp.Basic:
        """A name's meaning: constant, bound index, given symbol, declared matrix, real symbol."""
        if name in self.constants:
            return self.constants[name]
        if name in self.bound:
            return index_symbol(name)
        if name in self.symbols:
            return self.symbols[name]
        if name in self.shapes:
            rows, cols = self.shapes[name]
            return matrix_symbol(name, rows, cols)
        if name == "I" and self.shapes:
            return IDENTITY  # among matrices, the identity (parse/identity.py)
        return real_symbol(name)

    def variable(self, operand: Operand, node: Node) -> sp.Basic:
        """``operand`` if it can be differentiated by, else a ParseError naming it."""
        if operand.expr in (sp.E, sp.pi, sp.oo):
            raise self.error(node, f"'{operand.text}' is a constant, not a variable")
        if not isinstance(operand.expr, _VARIABLE_TYPES):
            raise self.error(node, f"'{operand.text}' is not a variable")
        return operand.expr

    # -- shared rules ---------------------------------------------------------------

    def _build_start(self, node: Tree) -> sp.Basic:
        return self.build(node.children[0])

    def _build_sum(self, node: Tree) -> sp.Basic:
        children = node.children
        terms = [("+", self.operand(children[0]))]
        terms += [
            (str(children[i]), self.operand(children[i + 1])) for i in range(1, len(children), 2)
        ]
        return algebra.add(terms)

    def _build_unary(self, node: Tree) -> sp.Basic:
        sign, value = node.children
        operand = self.operand(value)
        return algebra.negate(operand) if sign == "-" else operand.expr

    def _build_product(self, node: Tree) -> sp.Basic:
        factors: list[tuple[str, Operand]] = []
        operation = "mul"
        for child in node.children:
            if isinstance(child, Token) and child.type == "MULOP":
                written = LATEX_OPERATORS.get(child.lstrip("\\"), str(child))
                operation = PRODUCT_OPERATIONS[written]
            else:
                factors.append((operation, self.operand(child)))
                operation = "mul"
        return algebra.multiply(factors)

    def _build_pow(self, node: Tree) -> sp.Basic:
        base, exponent = node.children
        self._check_exponent_literal(exponent)
        return algebra.power(self.operand(base), self.exponent(exponent))

    def exponent(self, node: Node) -> Operand:
        """An exponent's operand; exponents inside exponents are limited (sympy slows down fast)."""
        self.exponent_depth += 1
        try:
            if self.exponent_depth > limits.MAX_EXPONENT_NESTING:
                line, column = limits.position(self.text, _start(node))
                raise LimitError(
                    f"exponents nested deeper than {limits.MAX_EXPONENT_NESTING}",
                    line,
                    column,
                    self.text,
                )
            return self.operand(node)
        finally:
            self.exponent_depth -= 1

    def _literal_value(self, node: Node) -> sp.Rational | None:
        """The value of an exponent written as a (signed) number, else None."""
        if isinstance(node, Tree) and node.data == "number":
            return self._build_number(node)
        if isinstance(node, Tree) and node.data == "unary":
            inner = self._literal_value(node.children[1])
            return None if inner is None else (-inner if node.children[0] == "-" else inner)
        return None

    def _build_epow(self, node: Tree) -> sp.Basic:
        base, exponent = node.children
        self._check_exponent_literal(exponent)
        return algebra.elementwise_power(self.operand(base), self.exponent(exponent))

    def _check_exponent_literal(self, exponent: Node) -> None:
        value = self._literal_value(exponent)
        if value is not None:
            line, column = limits.position(self.text, _start(exponent))
            limits.check_exponent_literal(value, self.text, line, column)

    def _build_transpose(self, node: Tree) -> sp.Basic:
        return algebra.transpose(self.operand(node.children[0]))

    def _build_factorial(self, node: Tree) -> sp.Basic:
        return algebra.apply_scalar("factorial", sp.factorial, [self.operand(node.children[0])])

    def _build_number(self, node: Tree) -> sp.Basic:
        return self._token_NUMBER(node.children[0])

    def _token_NUMBER(self, token: Token) -> sp.Basic:  # noqa: N802 - named after the terminal
        return literal(str(token), self.text, _start(token))

    def _build_abs(self, node: Tree) -> sp.Basic:
        return algebra.absolute(self.operand(node.children[0]))

    def _arguments(self, node: Node | None) -> list[Operand]:
        if node is None:
            return []
        if isinstance(node, Tree) and node.data == "args":
            return [self.operand(child) for child in node.children]
        return [self.operand(node)]

    def call(self, name: str, args: Sequence[Operand], at: Node) -> sp.Basic:
        """Apply the function ``name`` (already known to the syntax) to ``args``."""
        if name in DERIVATIVE_FUNCTIONS:
            if len(args) < 2:
                raise self.error(at, f"{name} takes an expression and a variable")
            return self.derivative(args[0], args[1:], at)
        if name in MATRIX_FUNCTIONS:
            self._check_arity(name, len(args), MATRIX_FUNCTIONS[name], at)
            return matrixops.MATRIX_OPERATIONS[name](*args)
        if name in SCALAR_FUNCTIONS:
            self._check_arity(name, len(args), 2 if name in VARIADIC else 1, at)
            return algebra.apply_scalar(name, SCALAR_FUNCTIONS[name], args)
        raise self.error(at, f"unknown function '{name}'")

    def _check_arity(self, name: str, given: int, wanted: int, at: Node) -> None:
        if name in VARIADIC and given >= wanted:
            return
        if given != wanted:
            least = "at least " if name in VARIADIC else ""
            plural = "" if wanted == 1 else "s"
            raise self.error(at, f"{name} takes {least}{wanted} argument{plural} ({given} given)")

    def derivative(self, body: Operand, variables: Sequence[Operand], at: Node) -> sp.Basic:
        """The unevaluated derivative of ``body`` by each of ``variables``.

        Only of a scalar (or a 1 x 1 matrix): the derivative of a matrix by a matrix has
        four indices and is no operand of this algebra (matrix gradients are derived).
        """
        if body.is_matrix and body.expr.shape != (1, 1):
            raise ShapeError(f"the derivative of a matrix, {algebra.describe(body)}, is not "
                             "supported: differentiate a scalar (e.g. its trace)")
        wrt = [self.variable(v, at) for v in variables]
        return sp.Derivative(body.expr, *wrt, evaluate=False)

    # -- plain rules ------------------------------------------------------------------

    def _build_name(self, node: Tree) -> sp.Basic:
        token = node.children[0]
        return self.resolve(str(token))

    def _build_implicit(self, node: Tree) -> sp.Basic:
        number, factor = node.children
        after = self.text[_end(number) :].lstrip()
        if after[:1].isdigit() or after[:1] == ".":
            raise self.error(factor, f"unexpected '{self.text[_start(factor) : _end(factor)]}'")
        value = literal(str(number), self.text, _start(number))
        first = Operand(value, self.text, _start(number), _end(number))
        return algebra.multiply([("mul", first), ("mul", self.operand(factor))])

    def _build_call(self, node: Tree) -> sp.Basic:
        name, args = node.children
        if str(name) not in PLAIN_CALLABLES:
            known = notation.nearest(str(name), PLAIN_CALLABLES)
            raise self.error(name, f"unknown function '{name}'{known}")
        return self.call(str(name), self._arguments(args), name)

    def _build_deriv(self, node: Tree) -> sp.Basic:
        token, body = node.children
        prefix = _DERIV_VARIABLE.match(token)
        offset = prefix.end() if prefix else 0
        name = str(token)[offset:]
        start = _start(token) + offset
        variable = Operand(self.resolve(name), self.text, start, start + len(name))
        at = Token("NAME", name, start_pos=start, end_pos=start + len(name))
        return self.derivative(self.operand(body), [variable], at)


class LatexBuilder(notation.LatexNotation, Builder):
    """Builds the LaTeX syntax: single-letter names, subscripts, ``\\frac``, ``\\sum``, ..."""

    constants = {**CONSTANTS, **LATEX_CONSTANTS}

    def resolve(self, name: str) -> sp.Basic:
        if self.in_subscript and len(name) == 1 and name in FREE_INDEX_LETTERS:
            return index_symbol(name)
        estimated = notation.estimated(name, self.shapes)
        if estimated is not None:
            return matrix_symbol(name, *self.shapes[estimated])
        if name in SIZE_NAMES and name not in self.bound and name not in self.symbols:
            return size_symbol(name)
        return super().resolve(name)

    def name_of(self, node: Node) -> str | None:
        """The name a ``name`` node stands for (``\\alpha`` -> alpha, ``\\mathbf{W}`` -> W)."""
        if not (isinstance(node, Tree) and node.data == "name"):
            return None
        return self._token_name(node.children[0])

    def _token_name(self, token: Token) -> str:
        if token.type == "ACCENTED":
            accent, inner = _ACCENTED.match(token).groups()
            return notation.accented(accent, GREEK.get(inner.lstrip("\\"), inner.lstrip("\\")))
        if token.type == "WORD":
            word = wrapped_word(token)[1]
            return GREEK.get(word[1:], word[1:]) if word.startswith("\\") else word
        if token.type == "GREEK":
            return GREEK.get(token[1:], token[1:])
        return str(token)

    def _build_name(self, node: Tree) -> sp.Basic:
        token = node.children[0]
        return self.resolve(self._token_name(token))

    def _build_pow(self, node: Tree) -> sp.Basic:
        self._check_single_digit(node.children[1], "an exponent")
        return super()._build_pow(node)

    def _check_single_digit(self, node: Node, what: str) -> None:
        # TeX reads x^23 as x^2 3; ask for braces rather than guess.
        if isinstance(node, Tree) and node.data == "number":
            digits = str(node.children[0])
            braced = self.text[: _start(node)].rstrip().endswith("{")
            if len(digits) > 1 and not braced:
                raise self.error(node, f"put {what} of more than one digit in braces: {{{digits}}}")

    def _build_subscript(self, node: Tree) -> sp.Basic:
        base, sub = node.children
        name = self.name_of(base)
        if name is None:
            raise self.error(node, "only a name can have a subscript")
        word = self._subscript_word(sub)
        if name == "I" and self.resolve("I") is IDENTITY and word is not None:
            return sp.Identity(self._size(word, node))
        if word is not None:
            indices = set(self.bound) | FREE_INDEX_LETTERS
            if word.isalpha() and all(letter in indices for letter in word):
                return self._indexed(name, [index_symbol(letter) for letter in word])
            return self.resolve(f"{name}_{word}")
        self.in_subscript += 1
        try:
            indices = [self.build(child) for child in sub.children]
        finally:
            self.in_subscript -= 1
        return self._indexed(name, indices)

    def _size(self, word: str, node: Node) -> sp.Basic:
        """The size of ``I_n`` or ``I_3``: one of the declared matrices' dimensions."""
        sizes = {str(dim): dim for shape in self.shapes.values() for dim in shape}
        if word not in sizes:
            raise self.error(node, f"I_{word}: the identity's size must be a size of a declared "
                             f"matrix ({', '.join(sorted(sizes))})")
        return dimension(sizes[word])

    def _indexed(self, name: str, indices: Sequence[sp.Basic]) -> sp.Basic:
        base = self.symbols.get(name)
        if not isinstance(base, sp.IndexedBase):
            base = indexed_base(name)
        return sp.Indexed(base, *indices)

    def _subscript_word(self, sub: Tree) -> str | None:
        """The subscript as a word (``w_1``, ``w_{12}``, ``x_{max}``), else None."""
        if len(sub.children) != 1:
            return None
        child = sub.children[0]
        if isinstance(child, Token):
            if child.type == "TEXT":
                raw = str(child)[str(child).index("{") + 1 : -1].strip()
            elif child.type == "GREEK":
                return self._token_name(child)
            else:
                raw = str(child)
        else:
            raw = "".join(self.text[_start(child) : _end(child)].split())
        if raw.startswith("\\") and raw[1:] in GREEK:
            return GREEK[raw[1:]]
        if re.fullmatch(r"[A-Za-z0-9]+", raw):
            return raw
        if isinstance(child, Token):
            raise self.error(child, f"a subscript must be letters and digits: '{raw}'")
        return None

    def _build_frac(self, node: Tree) -> sp.Basic:
        numerator, denominator = node.children
        self._check_single_digit(numerator, "a fraction's argument")
        self._check_single_digit(denominator, "a fraction's argument")
        return algebra.multiply(
            [("mul", self.operand(numerator)), ("div", self.operand(denominator))]
        )

    def _build_frac_short(self, node: Tree) -> sp.Basic:
        token = node.children[0]
        match = _FRAC_SHORT.match(token)
        parts = []
        for group in (1, 2):
            char, at = match.group(group), _start(token) + match.start(group)
            expr = sp.Integer(int(char)) if char.isdigit() else self.resolve(char)
            parts.append(Operand(expr, self.text, at, at + 1))
        return algebra.multiply([("mul", parts[0]), ("div", parts[1])])

    def _build_sqrt(self, node: Tree) -> sp.Basic:
        radicand = node.children[0]
        self._check_single_digit(radicand, "a square root's argument")
        half = Operand(sp.Rational(1, 2), self.text, _start(node), _start(node))
        return algebra.power(self.operand(radicand), half)

    def _build_root(self, node: Tree) -> sp.Basic:
        degree, radicand = node.children
        self._check_single_digit(radicand, "a root's argument")
        degree_operand = self.operand(degree)
        minus_one = Operand(sp.Integer(-1), self.text, _start(degree), _start(degree))
        reciprocal = degree_operand.with_expr(algebra.power(degree_operand, minus_one))
        return algebra.power(self.operand(radicand), reciprocal)

    def function_name(self, token: Token) -> str:
        r"""``\log`` -> log, ``\operatorname{ReLU}`` -> relu, ``\sigma`` -> sigmoid."""
        word = wrapped_word(token)[1] if token.type == "FUNC" and "{" in token else token[1:]
        if word not in LATEX_FUNCTIONS:
            known = notation.nearest(word, LATEX_FUNCTIONS)
            raise self.error(token, f"unknown function '{word}'{known}")
        return LATEX_FUNCTIONS[word]

    def _build_call(self, node: Tree) -> sp.Basic:
        head, argument = node.children
        return self.call(self.function_name(head), self._arguments_of(argument), head)

    def _build_call_pow(self, node: Tree) -> sp.Basic:
        head, exponent, argument = node.children
        name = self.function_name(head)
        value = self._literal_value(exponent)
        if value is not None and value < 0:
            raise self.error(
                exponent, f"'{head}^{{{value}}}' is ambiguous: write it as 1/... or arc..."
            )
        self._check_single_digit(exponent, "an exponent")
        applied = self.call(name, self._arguments_of(argument), head)
        call = Operand(applied, self.text, _start(node), _end(node))
        return algebra.power(call, self.exponent(exponent))

    def _arguments_of(self, node: Node) -> list[Operand]:
        if isinstance(node, Tree) and node.data == "fnarg":
            return self._arguments(node.children[0])
        return self._arguments(node)

    def _build_run(self, node: Tree) -> sp.Basic:
        factors = []
        for position, child in enumerate(node.children):
            if position and isinstance(child, Tree) and child.data == "number":
                raise self.error(child, f"unexpected '{child.children[0]}'")
            factors.append(("mul", self.operand(child)))
        return algebra.multiply(factors)

    def _build_deriv(self, node: Tree) -> sp.Basic:
        variable, body = node.children
        return self.derivative(self.operand(body), [self.operand(variable)], variable)

    def _build_bigop(self, node: Tree) -> sp.Basic:
        operator, bounds, body = node.children
        index, lower, upper = self._bounds(bounds)
        self.bound.append(index)
        try:
            summand = self.operand(body)
        finally:
            self.bound.pop()
        if summand.is_matrix:
            raise ShapeError(f"a sum or product of matrices: {algebra.describe(summand)}")
        cls = sp.Sum if operator == r"\sum" else sp.Product
        return cls(summand.expr, (index_symbol(index), lower, upper))

    def _bounds(self, node: Tree) -> tuple[str, sp.Basic, sp.Basic]:
        """(index name, lower bound, upper bound) of ``\\sum_{i=1}^{N}``; ``\\sum_i`` runs 1..N."""
        children = node.children
        if node.data == "bounds_index":
            return self._index_name(children[0]), sp.Integer(1), self.resolve("N")
        if node.data == "bounds_upper_first":
            upper, index, lower = children
        else:
            index, lower, upper = children
        self._check_single_digit(upper, "an upper bound")
        return self._index_name(index), self.build(lower), self.build(upper)

    def _index_name(self, node: Tree) -> str:
        token = node.children[0]
        name = self._token_name(token)
        if name in self.constants:
            raise self.error(token, f"'{name}' is a constant, not an index")
        return name


def check_shapes(shapes: Shapes | None) -> None:
    """Reject a malformed ``shapes`` mapping (a caller's error, not the text's)."""
    for name, shape in (shapes or {}).items():
        if not (isinstance(name, str) and _NAME.fullmatch(name)):
            raise InputError(f"bad matrix name {name!r}")
        if not (isinstance(shape, tuple | list) and len(shape) == 2):
            raise InputError(f"shape of {name} must be (rows, cols), got {shape!r}")
        for dim in shape:
            is_count = isinstance(dim, int) and not isinstance(dim, bool) and dim >= 1
            if not (is_count or (isinstance(dim, str) and _NAME.fullmatch(dim))):
                raise InputError(f"bad dimension {dim!r} in the shape of {name}")
