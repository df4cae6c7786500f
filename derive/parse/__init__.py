"""The one safe parser: plain maths and LaTeX to sympy, through a grammar and allow-lists.

No ``eval``, ``exec``, ``sympify`` or ``parse_expr`` ever sees the input: lark
parses it, :mod:`derive.parse.build` makes sympy objects only from the tables
in :mod:`derive.parse.tables`, and :mod:`derive.parse.limits` rejects anything
too large before it is computed.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from derive.errors import DeriveError, InputError, LimitError, ParseError
from derive.names import greek_as_names
from derive.parse import grammar, limits
from derive.parse.algebra import AS_TYPED
from derive.parse.build import Builder, LatexBuilder, Shapes, check_shapes
from derive.parse.identity import check_sized
from derive.parse.lines import detect_syntax, split_line

__all__ = ["detect_syntax", "parse_expression", "parse_latex", "parse_plain", "split_line"]

_BUILDERS = {"plain": Builder, "latex": LatexBuilder}

# What sympy may raise on input that got past the grammar but cannot be built.
_SYMPY_FAILURES = (
    TypeError,
    ValueError,
    ArithmeticError,
    AttributeError,
    IndexError,
    KeyError,
    NotImplementedError,
)


def parse_expression(
    text: str,
    *,
    syntax: str = "auto",
    symbols: Mapping[str, sp.Basic] | None = None,
    shapes: Shapes | None = None,
    as_typed: bool = False,
) -> sp.Basic:
    """Parse ``text`` in ``syntax`` ("plain", "latex", or "auto" to detect it) into sympy;
    ``as_typed`` builds every node unevaluated (the question as the user wrote it).

    Raises ParseError (with line and column), LimitError for input that is too
    large, ShapeError for matrix operands that do not fit.
    """
    if syntax == "auto":
        syntax = detect_syntax(text) if isinstance(text, str) else "plain"
    if syntax not in _BUILDERS:
        raise InputError(f"unknown syntax {syntax!r}: use 'plain', 'latex' or 'auto'")
    if not isinstance(text, str):
        raise InputError(f"expression must be text, not {type(text).__name__}")
    check_shapes(shapes)
    token = AS_TYPED.set(as_typed)
    try:
        return _parse(text, syntax, symbols, shapes)
    except DeriveError:
        raise
    except RecursionError:
        raise LimitError("expression nested too deeply", 1, 1, text) from None
    except _SYMPY_FAILURES as err:
        # Not expected: each is a gap in the checks above, reported as the input's fault.
        reason = str(err).splitlines()[0][:80] if str(err) else type(err).__name__
        raise ParseError(f"cannot build expression: {reason}", 1, 1, text) from None
    finally:
        AS_TYPED.reset(token)


def _parse(
    text: str, syntax: str, symbols: Mapping[str, sp.Basic] | None, shapes: Shapes | None
) -> sp.Basic:
    """Scan, parse, check and build: the parser's pipeline."""
    limits.check_text(text)
    # Greek letters as students type them: α is alpha (\alpha in LaTeX), σ(z) the sigmoid
    text = (greek_as_names(text, prefix="\\") if syntax == "latex"
            else greek_as_names(text, call="sigmoid"))
    if syntax == "latex":
        grammar.check_commands(text)
    tree = grammar.parse_tree(text, syntax)
    limits.check_tree(tree, text)
    built = _BUILDERS[syntax](text, symbols, shapes).build(tree)
    if not AS_TYPED.get():  # a formula only shown (a note's sigma^2 I) may leave I unsized
        check_sized(built, text)
    return built


def parse_plain(
    text: str,
    *,
    symbols: Mapping[str, sp.Basic] | None = None,
    shapes: Shapes | None = None,
) -> sp.Basic:
    """Parse ``text`` in the plain syntax (``d/dx sigmoid(x^2)``)."""
    return parse_expression(text, syntax="plain", symbols=symbols, shapes=shapes)


def parse_latex(
    text: str,
    *,
    symbols: Mapping[str, sp.Basic] | None = None,
    shapes: Shapes | None = None,
) -> sp.Basic:
    r"""Parse ``text`` in the LaTeX syntax (``\frac{d}{dx} \sigma(x^2)``)."""
    return parse_expression(text, syntax="latex", symbols=symbols, shapes=shapes)
