r"""Matrix differentials in a hand derivation: ``dx``, ``\mathrm{d}W`` and ``dL = ...``.

With ``% shape x = n`` declared, ``dx`` (plain), ``dx``, ``\mathrm{d}x`` or
``\mathrm{d}\mathbf{x}`` (LaTeX) is the direction dx, a matrix of x's shape, not
the product of a scalar d with x. ``dL = ...`` (``\mathrm{d}L``, ``d\ell``) after
``L = ...`` states the differential of the defined L: the sum of its
differentials along each direction the line writes (dx^T S x + x^T S dx for
L = x^T S x and dx), evaluated by central differences like the engine's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sympy as sp

from derive.engine.matrix.expressions import (
    Direction,
    MatrixDifferential,
    ScalarDifferential,
    direction,
    is_matrix,
)
from derive.errors import ParseError
from derive.parse.symbols import matrix_symbol

_D = r"(?:\\mathrm\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\}|\\mathrm\s+d(?![A-Za-z]))"
_BOLD = r"(?:\\mathbf|\\boldsymbol|\\bm|\\vec)"


def directions(shapes: Mapping[str, tuple[int | str, int | str]]) -> dict[str, Direction]:
    """dX for each declared matrix X, by the name a line writes it with ("dX")."""
    return {f"d{name}": direction(matrix_symbol(name, *shape)) for name, shape in shapes.items()}


def _written(name: str) -> str:
    """The ways LaTeX writes the declared name: X, \\mathbf{X}, \\Sigma, \\boldsymbol\\theta."""
    bare = rf"\\{name}(?![A-Za-z])" if len(name) > 1 else rf"{re.escape(name)}(?![A-Za-z_])"
    return rf"(?:{_BOLD}\s*\{{\s*\\?{re.escape(name)}\s*\}}|{_BOLD}\s*\\?{re.escape(name)}" \
           rf"(?![A-Za-z])|{bare})"


def latex_pattern(shapes: Mapping[str, Any]) -> re.Pattern[str] | None:
    r"""``\mathrm{d}X`` (spaces allowed) or ``dX`` (no space, not after a letter, a backslash
    or the ``{`` of ``\frac{d}{dx}``) for a declared X; None without matrices."""
    if not shapes:
        return None
    names = sorted(shapes, key=len, reverse=True)
    alternatives = "|".join(rf"(?P<n{k}>{_written(name)})" for k, name in enumerate(names))
    return re.compile(rf"(?:{_D}\s*|(?<![A-Za-z\\{{])d)(?:{alternatives})")


_UPRIGHT_D = re.compile(rf"{_D}(?!\s*\}})")  # not the numerator of \frac{\mathrm{d}}{...}


def in_latex(text: str, pattern: re.Pattern[str] | None, shapes: Mapping[str, Any]) -> str:
    r"""The LaTeX ``text`` with each direction written as the one name ``\mathrm{dX}``; a
    ParseError for an upright d of anything else (of an expression: d\sigma(Wx))."""
    if pattern is None:
        return text
    names = sorted(shapes, key=len, reverse=True)
    if r"\int" not in text:  # \mathrm{d}x ends an integral over a scalar x
        for found in _UPRIGHT_D.finditer(text):
            if not pattern.match(text, found.start()):
                raise ParseError(f"'{found.group()}' of something other than a declared "
                                 f"matrix ({', '.join(names)}): write the differential of an "
                                 "expression out, by the product and chain rules",
                                 1, found.start() + 1, text)

    def name(match: re.Match[str]) -> str:
        k = next(int(key[1:]) for key, value in match.groupdict().items() if value)
        return rf"\mathrm{{d{names[k]}}}"

    return pattern.sub(name, text)


_HEAD = re.compile(rf"(?:{_D}|d)\s*(?P<name>\S.*)")


def head_name(text: str) -> str | None:
    r"""The name whose differential ``text`` writes (``dL``, ``\mathrm{d}\ell`` -> its
    name as written), else None."""
    match = _HEAD.fullmatch(text.strip())
    return match.group("name") if match else None


def differential(expr: Any, written: Any) -> Any:
    """The differential of ``expr`` along each direction dX that ``written`` holds."""
    along = sorted((d for d in sp.Tuple(written).atoms(sp.MatrixSymbol)
                    if isinstance(d, Direction)), key=str)
    variables = {str(m): m for m in sp.Tuple(expr).atoms(sp.MatrixSymbol)}
    terms = []
    for moved in along:
        variable = variables.get(moved.variable_name)
        if variable is None:
            continue  # the line moves a matrix the defined expression does not hold
        build = MatrixDifferential if is_matrix(expr) else ScalarDifferential
        terms.append(build(expr, variable, moved))
    if not terms:
        return sp.ZeroMatrix(*expr.shape) if is_matrix(expr) else sp.S.Zero
    return sp.MatAdd(*terms) if is_matrix(expr) else sp.Add(*terms)
