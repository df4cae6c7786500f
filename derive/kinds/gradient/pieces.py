"""Piecewise expressions from a spec: ``pieces = [["expr", "condition"], ...]``.

A condition is one comparison ``left OP right`` (OP one of ``<= < >= >``),
both sides read by the project's parser; the last piece may say ``otherwise``.
"""

from __future__ import annotations

import re

import sympy as sp

from derive.catalogue.spec import Spec
from derive.errors import DeriveError
from derive.parse import parse_expression

_COMPARISON = re.compile(r"^(.+?)(<=|>=|<|>)(.+)$")
_RELATIONS = {"<=": sp.Le, ">=": sp.Ge, "<": sp.Lt, ">": sp.Gt}


def parse_pieces(spec: Spec, symbols: dict[str, sp.Symbol]) -> sp.Piecewise:
    """The entry's ``pieces`` field as a sympy Piecewise; errors name the entry and field."""
    pieces = spec.require("pieces", list)
    out = []
    for k, piece in enumerate(pieces, start=1):
        if not (isinstance(piece, list) and len(piece) == 2 and all(isinstance(p, str)
                                                                     for p in piece)):
            raise spec.error("pieces", f"piece {k}: expected [\"expression\", \"condition\"]")
        text, condition = piece
        try:
            expr = parse_expression(text, symbols=symbols)
            out.append((expr, _condition(condition, symbols, last=k == len(pieces))))
        except DeriveError as exc:
            raise spec.error("pieces", f"piece {k}: {exc}") from None
    return sp.Piecewise(*out)


def _condition(text: str, symbols: dict[str, sp.Symbol], last: bool) -> sp.Basic:
    if text.strip() == "otherwise":
        if not last:
            raise DeriveError("'otherwise' must be the last piece")
        return sp.true
    match = _COMPARISON.match(text.strip())
    if not match:
        raise DeriveError(f"cannot read the condition {text!r} (use 'left <= right')")
    left, op, right = match.groups()
    return _RELATIONS[op](parse_expression(left, symbols=symbols),
                          parse_expression(right, symbols=symbols))


def pieces_text(spec: Spec) -> str:
    """The pieces as one line of input text (for JSON and the worksheet)."""
    return "; ".join(f"{e} if {c}" for e, c in spec.require("pieces", list))
