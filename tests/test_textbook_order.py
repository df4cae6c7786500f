"""The order a textbook writes: numbers, symbols, functions, then bracketed sums, the same on
the sheet, the terminal and in the check code; cross terms after the terms in one variable."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from derive import api, catalogue
from derive.engine.matrix.expressions import ScalarDifferential
from derive.engine.matrix.gradient import as_scalar
from derive.engine.probability.expectation import Cov, RandomVariable, Var
from derive.errors import InputError, NotSupported
from derive.functions import sigmoid
from derive.numpyprint import numpy_code
from derive.printing import latex
from derive.textout import derivation_text, maths
from tests.derived import derived
from tests.matrixgen import losses

K = sp.symbols("k1:4", positive=True)  # plain factors
S = sp.symbols("s1:5", positive=True)  # only inside bracketed sums
u, m = sp.symbols("u m", positive=True)  # inside functions; a denominator

SYMBOLS = [K[0], K[1], K[2], K[0] ** 2]
FUNCTIONS = [sp.cos(u), sigmoid(u)]
SUMS = [S[0] + S[1], S[2] - S[3], (S[0] + S[2]) ** 2, 1 - S[1]]

#: how each printer writes the marker names: k_{1} / k1; s_{2} / s2; u
TOKENS = {
    "latex": re.compile(r"([ks])_\{(\d)\}|(u)"),
    "text": re.compile(r"([ks])(\d)|(u)"),
    "numpy": re.compile(r"([ks])(\d)|(u)"),
}


def _tokens(kind: str, printed: str) -> list[str]:
    return ["".join(g for g in match.groups() if g) for match in TOKENS[kind].finditer(printed)]


def _printed(expr: sp.Expr) -> dict[str, str]:
    return {"latex": latex(expr), "text": maths(expr), "numpy": numpy_code(expr)}


products = st.builds(
    lambda coefficient, symbols, functions, sums, below: sp.Mul(
        coefficient, *symbols, *functions, *sums) / below,
    st.sampled_from([1, 2, -1, -3, sp.Rational(1, 2)]),
    st.lists(st.sampled_from(SYMBOLS), min_size=1, max_size=2, unique=True),
    st.lists(st.sampled_from(FUNCTIONS), max_size=2, unique=True),
    st.lists(st.sampled_from(SUMS), min_size=1, max_size=2, unique=True),
    st.sampled_from([1, m, 2 * m, m * (S[3] + 1)]),
)


@settings(max_examples=150, deadline=None, database=None)
@given(products)
def test_symbols_before_functions_before_bracketed_sums(expr):
    """In every printer a product reads a(a + b): its plain factors, then the functions, then
    the bracketed sums; and the three printers list the factors in one order."""
    shown = _printed(expr)
    orders = {kind: _tokens(kind, text) for kind, text in shown.items()}
    assert orders["latex"] == orders["text"] == orders["numpy"], shown
    ranks = [{"k": 0, "u": 1, "s": 2}[t[0]] for t in orders["latex"]]
    numerator = ranks[: len(ranks) - (1 if expr.has(S[3] + 1) else 0)]  # the denominator's s4
    assert numerator == sorted(numerator), shown


@settings(max_examples=150, deadline=None, database=None)
@given(products)
def test_numpy_code_keeps_the_value(expr):
    """Reordering changes how the product is written, never its value."""
    point = {str(s): v for s, v in zip([*K, *S, u, m], np.linspace(0.3, 1.9, 9), strict=True)}
    value = eval(numpy_code(expr), {"np": np, **point})  # noqa: S307 - our own generated code
    expected = float(expr.subs({sp.Symbol(n, positive=True): v for n, v in point.items()}))
    assert value == pytest.approx(expected, rel=1e-9)


@settings(max_examples=150, deadline=None, database=None)
@given(products)
def test_terminal_writes_a_bracket_after_its_factor_without_a_dot(expr):
    """q(1 - q) as on the sheet: no '·(' and no brackets around the whole line."""
    text = maths(expr)
    assert not re.search(r"(?<![\w)])·\(", text), text  # k·(s) only after a power: k^2·(s)
    assert not re.search(r"\^\w+\(", text), text  # never read as an exponent: k^2(s1 + s2)
    depth, closes_at_end = 0, True
    for k, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and k < len(text) - 1:
            closes_at_end = False
    assert not (text.startswith("(") and closes_at_end and text.endswith(")")
                and not text.endswith(")^2")), text


@pytest.mark.parametrize("expr,tex", [
    ((K[0] + K[1]) * K[0], r"k_{1} \left(k_{1} + k_{2}\right)"),
    (u * (1 - u) * 2, r"2 u \left(1 - u\right)"),
    (sigmoid(u) * (1 - sigmoid(u)) * K[0],
     r"k_{1} \sigma\!\left(u\right) \left(1 - \sigma\!\left(u\right)\right)"),
    ((K[0] - 1) * sp.log(u), r"\left(k_{1} - 1\right) \log u"),  # before a log
])
def test_textbook_products(expr, tex):
    assert latex(expr) == tex


X, Y, Z = (RandomVariable(n) for n in "XYZ")
f, g = sp.Function("f"), sp.Function("g")


@settings(max_examples=100, deadline=None, database=None)
@given(st.permutations([Var(X), Var(Y), 2 * Cov(X, Y)]),
       st.permutations([f(K[0]), f(K[1]), 3 * g(K[0], K[1])]))
def test_cross_terms_after_the_terms_in_one_variable(moments, applications):
    """Var X + Var Y + 2 Cov(X, Y), whatever order the sum was built in."""
    assert maths(sp.Add(*moments)) == "Var(X) + Var(Y) + 2·Cov(X, Y)"
    assert latex(sp.Add(*applications)) == (
        r"f{\left(k_{1} \right)} + f{\left(k_{2} \right)} + 3 g{\left(k_{1},k_{2} \right)}")


@pytest.mark.parametrize("entry", [e.id for e in catalogue.entries()])
def test_results_print_alike_on_sheet_and_terminal(entry):
    """Every catalogue result lists its names in one order on the sheet and the terminal
    (compared on the letters of its names; Greek and subscripts print differently), and the
    terminal text is maths, never LaTeX or sympy's repr."""
    derivation = derived(entry)
    shown = derivation_text(derivation)
    assert "\\" not in shown and not re.search(r"\b(Piecewise|Subs|Sample\w+)\(", shown), shown
    for result in derivation.results:
        if isinstance(result.expr, sp.MatrixExpr) or result.expr.has(sp.MatrixExpr):
            continue
        names = sorted({s.name for s in result.expr.free_symbols if len(s.name) == 1
                        and s.name.isascii() and s.name.isalpha()})
        if not names:
            continue
        pattern = re.compile("|".join(names))
        tex = re.sub(r"_\{i=1\}\^\{N\}", " ", latex(result.expr))  # sum_i: its limits unshown
        tex = re.sub(r"\\[a-zA-Z]+", " ", tex)  # commands are not names
        text = re.sub(r"[a-zA-Z]{2,}", " ", maths(result.expr))  # nor words: log, tr, Var
        tex = re.sub(r"[a-zA-Z]{2,}", " ", tex)
        assert pattern.findall(tex) == pattern.findall(text), (latex(result.expr),
                                                              maths(result.expr))


A, B, C = (sp.MatrixSymbol(n, 3, 3) for n in "ABC")
MATRIX_LEAVES = [A, B.T, sp.Inverse(A + B), sp.MatMul(A + C), sp.MatMul(2, C)]


def _leaves(expr: sp.Expr) -> list[sp.Expr]:
    if isinstance(expr, sp.MatMul) and len(expr.args) > 1:
        return [leaf for a in expr.args for leaf in _leaves(a)]
    return [expr.args[0] if isinstance(expr, sp.MatMul) else expr]


nested_products = st.recursive(
    st.sampled_from(MATRIX_LEAVES),
    lambda inner: st.lists(inner, min_size=2, max_size=3).map(lambda args: sp.MatMul(*args)),
    max_leaves=5,
).filter(lambda e: isinstance(e, sp.MatMul))


@settings(max_examples=150, deadline=None, database=None)
@given(nested_products)
def test_a_product_inside_a_product_prints_flat(expr):
    """Matrix products are associative: however the product was grouped, it prints as the
    flat product, never (A B) C or ((A + B)), on the sheet and the terminal."""
    leaves = _leaves(expr)
    scalar = sp.Mul(*[leaf for leaf in leaves if not isinstance(leaf, sp.MatrixExpr)])
    plain = [leaf for leaf in leaves if isinstance(leaf, sp.MatrixExpr)]
    flat = sp.MatMul(*([scalar] if scalar != 1 else []), *plain)
    assert latex(expr) == latex(flat)
    assert maths(expr) == maths(flat)
    assert r"\left(\left(" not in latex(expr) and "((" not in maths(expr), latex(expr)


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(losses())
def test_matrix_differential_starts_from_the_loss_as_typed(loss):
    """dL = d(...) shows the loss as typed; sympy's form follows as a proved 'simplify' step
    (a step that prints like the line before shares its line on the sheet)."""
    try:
        derivation = api.grad(loss.text, wrt=list(loss.wrt), shapes=loss.shapes(),
                              assume=list(loss.assume))
    except (NotSupported, InputError):
        reject()
    typed = as_scalar(derivation.statement) if derivation.statement is not None else None
    for section in derivation.sections:
        if not isinstance(section.start, ScalarDifferential):
            continue
        typed_forms = {latex(typed), latex(copy.deepcopy(typed))} if typed is not None else set()
        # as typed, or as sympy rebuilds it after crossing to the parent process (alpha^3)
        assert latex(section.start.args[0]) in typed_forms | {latex(derivation.function)}, loss
    assert all(step.verified for step in derivation.steps), loss


@pytest.mark.parametrize("entry", ["least-squares", "mle-linear-regression"])
def test_matrix_sheets_state_the_loss_as_typed(entry):
    section = derived(entry).sections[0]
    assert r"\left(X w - y\right)^{\top}" in latex(section.start) or (
        r"\left(y - X w\right)^{\top}" in latex(section.start)), latex(section.start)
    assert section.steps[0].rule == "simplify"
