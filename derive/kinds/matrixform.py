"""An entry in matrix form: its declared shapes and one expression over those matrices."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions, symbols_for
from derive.catalogue.spec import Spec
from derive.engine.matrix.domain import check_defined
from derive.engine.matrix.gradient import matrix_symbols, parse_shapes
from derive.errors import InputError
from derive.kinds.base import derivation_of, parse_field
from derive.model import STRUCTURES, Assumptions, Derivation

_WORDS = {"diagonal": "diagonal", "orthogonal": "orthogonal", "definite": "positive definite",
          "symmetric": "symmetric", "simplex": "to sum to one"}


#: a structure written after a shape (--shape S=n,n,symmetric) -> its --assume phrase
SHAPE_STRUCTURES = {"symmetric": "symmetric", "spd": "positive definite",
                    "positive-definite": "positive definite",
                    "positive definite": "positive definite", "diagonal": "diagonal",
                    "orthogonal": "orthogonal", "column-stochastic": "column-stochastic",
                    "stochastic": "column-stochastic"}
_SQUARE_FREE = {"column-stochastic"}


def shape_structure(name: str, value: str) -> tuple[str, str | None]:
    """'n,n,symmetric' -> ('n,n', 'S symmetric'): the shape, and the structure as the
    sentence --assume reads (None without one); a one-line error for an unknown word or
    a structure that needs a square matrix on a non-square shape."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 3 or not parts[2]:
        return value, None  # the shape reader says what is wrong with it
    rows, cols, structure = parts
    phrase = SHAPE_STRUCTURES.get(" ".join(structure.lower().split()))
    if phrase is None:
        raise InputError(f"--shape {name}={value}: unknown structure {structure!r} (use "
                         f"{', '.join(k for k in SHAPE_STRUCTURES if ' ' not in k)})")
    square = rows == cols or rows.isdigit() and cols.isdigit() and int(rows) == int(cols)
    if phrase not in _SQUARE_FREE and not square:
        article = "an" if phrase[0] in "aeiou" else "a"
        raise InputError(f"--shape {name}={value}: {article} {phrase} matrix is square "
                         f"(--shape {name}={rows},{rows},{structure})")
    return f"{rows},{cols}", f"{name} {phrase}"


@dataclass(frozen=True)
class MatrixForm:
    """The parsed expression, the shapes as sympy sizes, the stated facts, and every name."""

    expr: Any
    shapes: Mapping[str, tuple[sp.Expr, sp.Expr]]
    assumptions: Assumptions
    symbols: Mapping[str, Any]  # name -> MatrixSymbol (declared) or Symbol (a scalar)
    field: str = "expr"  # the spec's field the expression was read from
    typed: Any = None  # the expression as typed, unevaluated: (Xw - y)^T (Xw - y)

    def derivation(self, spec: Spec, sections: list, results: list, **fields: Any) -> Derivation:
        """The entry's Derivation: its input, assumptions, sections and results, and ``fields``."""
        return derivation_of(spec, input=spec.require(self.field), sections=tuple(sections),
                             results=tuple(results), assumptions=self.assumptions, **fields)


def _plain(shapes: Mapping[str, tuple]) -> dict[str, tuple]:
    """Sizes as the parser takes them: numbers, or the names of symbolic sizes."""
    return {k: tuple(int(d) if d.is_Integer else str(d) for d in v) for k, v in shapes.items()}


def _known_symbols(shapes: Mapping[str, tuple], assumptions: Assumptions) -> dict[str, Any]:
    """Scalars with stated facts (alpha > 0), and each size used as a number (/N is the size)."""
    stated = (assumptions.positive | assumptions.nonnegative | assumptions.integer
              | assumptions.unit_interval) - set(shapes)
    sizes = {str(d): d for shape in shapes.values() for d in shape if isinstance(d, sp.Symbol)}
    return {**symbols_for(stated, assumptions), **sizes}


def check_structures(assumptions: Assumptions, shapes: Mapping[str, tuple]) -> None:
    """A stated structure names a declared matrix, square where the structure needs it."""
    for kind in STRUCTURES:
        for name in sorted(getattr(assumptions, kind)):
            shape = shapes.get(name)
            if shape is None:
                raise InputError(f"--assume: '{name}' is stated {_WORDS[kind]}, so it needs "
                                 f"--shape {name}=ROWS,COLS")
            if kind == "simplex" and shape[1] != 1 and shape[0] == 1:
                raise InputError(f"--assume: '{name}' sums to one, so it must be a column "
                                 f"vector or a matrix (--shape {name}=n,1)")
            if kind != "simplex" and shape[0] != shape[1]:
                raise InputError(f"--assume: '{name}' is stated {_WORDS[kind]}, so it must be "
                                 f"square (--shape {name}=n,n)")


def read_matrix_form(spec: Spec, field: str) -> MatrixForm:
    """Parse ``field`` over the spec's ``shapes``; names without a shape are scalars."""
    shapes = parse_shapes(spec.require("shapes", dict))
    assumptions = parse_assumptions(spec.assume)
    expr = parse_field(spec, field, shapes=_plain(shapes),
                       symbols=_known_symbols(shapes, assumptions))
    check_defined(expr, assumptions)  # a log of entries that may be negative: refused here
    check_structures(assumptions, shapes)
    matrices = {**matrix_symbols(shapes), **{m.name: m for m in expr.atoms(sp.MatrixSymbol)}}
    scalars = {s.name: s for s in expr.free_symbols
               if isinstance(s, sp.Symbol) and s.name not in matrices}
    try:
        typed = parse_field(spec, field, shapes=_plain(shapes),
                            symbols=_known_symbols(shapes, assumptions), as_typed=True)
    except (TypeError, ValueError, AttributeError):  # a node sympy cannot hold unevaluated
        typed = None
    return MatrixForm(expr, shapes, assumptions, {**scalars, **matrices}, field, typed)
