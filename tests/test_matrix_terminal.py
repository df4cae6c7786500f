"""The terminal's Unicode maths for matrix results: one product sign (·), one transpose (ᵀ),
Greek names as Greek letters (lam is λ, on the sheet too)."""

from __future__ import annotations

import re

import pytest
import sympy as sp
from click.testing import CliRunner

from derive.cli import main
from derive.printing import latex
from derive.textout import maths

x, lam = sp.symbols("x lam")
A = sp.MatrixSymbol("A", 3, 3)
z = sp.MatrixSymbol("z", 3, 1)


@pytest.mark.parametrize("expr,shown", [
    (sp.Float(0.3) * lam * x**2, "0.3·λ·x^2"),
    (-sp.Float(0.5) * x * (x + 1), "-0.5·x(x + 1)"),
    (sp.Float(2.5) * sp.exp(x) / lam, "2.5·exp(x)/λ"),
    (sp.MatPow(A, 2), "A^2"),
    (sp.MatPow(sp.MatPow(A, 2), 3), "(A^2)^3"),
    (sp.MatPow(A + A.T, -1), "(A + Aᵀ)^(-1)"),
    (sp.MatMul(sp.OneMatrix(1, 3), z), "1ᵀ·z"),
    (sp.Symbol("lam_1") * x, "λ_1·x"),
    (sp.Symbol("lam_hat"), "λ̂"),
    (sp.Symbol("lamb"), "lamb"),  # only the name itself is Greek
])
def test_terminal_maths(expr: sp.Basic, shown: str) -> None:
    assert maths(expr) == shown


@pytest.mark.parametrize("name,tex", [("lam", r"\lambda"), ("lam_1", r"\lambda_{1}"),
                                      ("lambda", r"\lambda"), ("lamb", "lamb")])
def test_spelled_greek_on_the_sheet(name: str, tex: str) -> None:
    assert latex(sp.Symbol(name)) == tex


@pytest.mark.parametrize("expr,wrt,shapes", [
    ("0.5*lam*norm(X*w - y)^2 + lam*tr(A^2)", ["w", "lam"],
     ["X=N,d", "w=d,1", "y=N,1", "A=d,d"]),
    ("ones(n).T*exp(z) + tr(A^3)", ["z", "A"], ["z=n,1", "A=n,n"]),
])
def test_terminal_output_has_one_product_sign(expr: str, wrt: list[str],
                                              shapes: list[str]) -> None:
    args = ["grad", expr, *(a for w in wrt for a in ("--wrt", w)),
            *(a for s in shapes for a in ("--shape", s))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    maths_lines = [line for line in result.output.splitlines() if not line.startswith("      ")]
    assert not [line for line in maths_lines if re.search(r"(?<!\.)\*|\^T", line)], result.output
    assert "lam" not in result.output
    assert ("λ" in result.output) == ("lam" in expr)
