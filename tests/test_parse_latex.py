"""The LaTeX syntax: what hand derivations and the project's own printer write."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.errors import ParseError, ShapeError
from derive.functions import gelu, normal_cdf, normal_pdf, relu, sigmoid, softplus
from derive.parse import parse_latex

a, b, c, w, x, y = (sp.Symbol(n, real=True) for n in "abcwxy")
p, q = sp.Symbol("p", real=True), sp.Symbol("q", real=True)
mu, sigma, lam, theta = (sp.Symbol(n, real=True) for n in ("mu", "sigma", "lambda", "theta"))
alpha, beta, eps, phi = (sp.Symbol(n, real=True) for n in ("alpha", "beta", "epsilon", "phi"))
i, j, k = (sp.Symbol(n, integer=True) for n in "ijk")
N, M, n = (sp.Symbol(s, integer=True, positive=True) for s in "NMn")
xs, ws, ps = sp.IndexedBase("x"), sp.IndexedBase("w"), sp.IndexedBase("p")
w1, w12, mu0 = (sp.Symbol(s, real=True) for s in ("w_1", "w_12", "mu_0"))


def same(left: sp.Basic, right: sp.Basic) -> bool:
    return left == right or sp.simplify(left - right) == 0


@pytest.mark.parametrize(
    "tex, expected",
    [
        # fractions, roots, grouping
        (r"\frac{a}{b}", a / b),
        (r"\dfrac{a}{b} + \tfrac{1}{2}", a / b + sp.Rational(1, 2)),
        (r"\frac12", sp.Rational(1, 2)),
        (r"\frac12 x", x / 2),
        (r"\frac1x", 1 / x),
        (r"\frac{1}2", sp.Rational(1, 2)),
        (r"\frac{x+1}{x-1}", (x + 1) / (x - 1)),
        (r"\sqrt{x}", sp.sqrt(x)),
        (r"\sqrt x", sp.sqrt(x)),
        (r"\sqrt2", sp.sqrt(2)),
        (r"\sqrt[3]{x}", sp.cbrt(x)),
        (r"\sqrt{2\pi\sigma^2}", sp.sqrt(2 * sp.pi * sigma**2)),
        (r"{x + 1}^2", (x + 1) ** 2),
        (r"\left( x + 1 \right)^{2}", (x + 1) ** 2),
        (r"\left[ x + 1 \right] y", (x + 1) * y),
        (r"[x+1]^2", (x + 1) ** 2),
        (r"\big( x \big) \Big( y \Big) \bigl( a \bigr)", x * y * a),
        (r"\left. x \right.", x),
        (r"|x|", sp.Abs(x)),
        (r"\left| x - y \right|", sp.Abs(x - y)),
        (r"\lvert x \rvert", sp.Abs(x)),
        (r"2|x| + |y|", 2 * sp.Abs(x) + sp.Abs(y)),
        (r"||x| - 1|", sp.Abs(sp.Abs(x) - 1)),
        # products, spacing
        (r"2x", 2 * x),
        (r"wx", w * x),
        (r"x y", x * y),
        (r"a b c", a * b * c),
        (r"(a)(b)", a * b),
        (r"2(x + 1)", 2 * (x + 1)),
        (r"a \cdot b \times c", a * b * c),
        (r"a * b / c", a * b / c),
        (r"a \div b", a / b),
        (
            r"x\,y\;z\!w\quad a\qquad b\:c\ d",
            x * y * sp.Symbol("z", real=True) * w * a * b * c * sp.Symbol("d", real=True),
        ),
        (r"2 \cdot -x", -2 * x),
        (r"x - y", x - y),
        (r"-x^2", -(x**2)),
        (r"x \text{ for all } y", x * y),
        # powers and constants
        (r"x^2", x**2),
        (r"x^{10}", x**10),
        (r"x^{-1}", 1 / x),
        (r"x^-1", 1 / x),
        (r"x^\alpha", x**alpha),
        (r"x^{y^2}", x ** (y**2)),
        (r"x^\frac12", sp.sqrt(x)),
        (r"e^{x}", sp.exp(x)),
        (r"e^x", sp.exp(x)),
        (r"e^{-\frac{x^2}{2}}", sp.exp(-(x**2) / 2)),
        (r"\pi", sp.pi),
        (r"2\pi", 2 * sp.pi),
        (r"\infty", sp.oo),
        (r"0.5 x", x / 2),
        # Greek letters and names
        (r"\alpha + \beta", alpha + beta),
        (r"\lambda x", lam * x),
        (r"\theta^2", theta**2),
        (r"\epsilon + \varepsilon", 2 * eps),
        (r"\varphi + \phi", 2 * phi),
        (r"\mu_0", mu0),
        (r"\mu_{0}", mu0),
        (r"w_1 x", w1 * x),
        (r"w_{12}", w12),
        (r"w_12", w12),
        (r"x_{max}", sp.Symbol("x_max", real=True)),
        (r"x_{\text{max}}", sp.Symbol("x_max", real=True)),
        (r"\mathbf{x} + \boldsymbol{\mu}", x + mu),
        (r"\mathrm{lr}", sp.Symbol("lr", real=True)),
        (r"\mathrm{e}^x", sp.exp(x)),
        # indices
        (r"x_i", xs[i]),
        (r"x_{i}", xs[i]),
        (r"{x}_{i}", xs[i]),
        (r"\lambda x_i", lam * xs[i]),
        (r"w_{ij}", ws[i, j]),
        (r"w_{i,j}", ws[i, j]),
        (r"x_{i+1} - x_i", xs[i + 1] - xs[i]),
        (r"x_n", xs[sp.Symbol("n", integer=True)]),
        (r"x_k^2", xs[k] ** 2),
    ],
)
def test_expressions(tex: str, expected: sp.Basic) -> None:
    assert parse_latex(tex) == expected


@pytest.mark.parametrize(
    "tex, expected",
    [
        (r"\sigma(x)", sigmoid(x)),
        (r"\sigma\left(x\right)", sigmoid(x)),
        (r"\sigma\!\left(w x + b\right)", sigmoid(w * x + b)),
        (r"\sigma \big( x \big)", sigmoid(x)),
        (r"\sigma^{2}\!\left(x\right)", sigmoid(x) ** 2),
        (r"\sigma^2", sigma**2),
        (r"\frac{1}{2\sigma^2}(x - \mu)^2", (x - mu) ** 2 / (2 * sigma**2)),
        (r"2\sigma(x)(1 - \sigma(x))", 2 * sigmoid(x) * (1 - sigmoid(x))),
        (r"\Phi(x) + \varphi(x)", normal_cdf(x) + normal_pdf(x)),
        (r"\tanh x", sp.tanh(x)),
        (r"\tanh(x)", sp.tanh(x)),
        (r"\tanh{x}", sp.tanh(x)),
        (r"\tanh^2 x", sp.tanh(x) ** 2),
        (r"\tanh^{2}{\left(x \right)}", sp.tanh(x) ** 2),
        (r"\sinh x + \cosh x", sp.sinh(x) + sp.cosh(x)),
        (r"\sin x \cos x", sp.sin(x) * sp.cos(x)),
        (r"\sin x^2", sp.sin(x**2)),
        (r"\arcsin x + \arccos x + \arctan x", sp.asin(x) + sp.acos(x) + sp.atan(x)),
        (r"\exp(x) + \exp x", 2 * sp.exp(x)),
        (r"\log x", sp.log(x)),
        (r"\log(x)", sp.log(x)),
        (r"\log{x}", sp.log(x)),
        (r"\log 2x", sp.log(2 * x)),
        (r"\log x + 1", sp.log(x) + 1),
        (r"\log x \cdot y", sp.log(x) * y),
        (r"\log x (y)", sp.log(x) * y),
        (r"\log{\left(x \right)}^{2}", sp.log(x) ** 2),
        (r"\log(x)^2", sp.log(x) ** 2),
        (r"\ln x", sp.log(x)),
        (r"\log \sigma(x)", sp.log(sigmoid(x))),
        (r"\log \frac{a}{b}", sp.log(a / b)),
        (r"\log |x|", sp.log(sp.Abs(x))),
        (r"\log \log x", sp.log(sp.log(x))),
        (r"\max(x, 0)", sp.Max(x, 0)),
        (r"\max\left(0, x\right)", sp.Max(x, 0)),
        (r"\min(a, b, c)", sp.Min(a, b, c)),
        (r"\operatorname{softplus}(x)", softplus(x)),
        (r"\operatorname{ReLU}(x) + \operatorname{relu}(y)", relu(x) + relu(y)),
        (r"\operatorname{GELU}\!\left(x\right)", gelu(x)),
        (r"\operatorname{erf}{\left(x \right)}", sp.erf(x)),
        (r"\operatorname{atan}{\left(x \right)}", sp.atan(x)),
        (r"\mathrm{softplus}(x)", softplus(x)),
        (
            r"\exp\left(-\frac{(x-\mu)^2}{2\sigma^2}\right)",
            sp.exp(-((x - mu) ** 2) / (2 * sigma**2)),
        ),
    ],
)
def test_functions(tex: str, expected: sp.Basic) -> None:
    assert parse_latex(tex) == expected


@pytest.mark.parametrize(
    "tex, expected",
    [
        (r"\frac{d}{dx} x^2", sp.Derivative(x**2, x)),
        (r"\frac{d}{d x} \sigma(x^2)", sp.Derivative(sigmoid(x**2), x)),
        (r"\frac{d}{dx}\left(x^2 + 1\right)", sp.Derivative(x**2 + 1, x)),
        (r"\frac{d}{dx} x^2 + 1", sp.Derivative(x**2, x) + 1),
        (r"\frac{\partial}{\partial w} (w x + b)^2", sp.Derivative((w * x + b) ** 2, w)),
        (r"\frac{\partial}{\partial x}\left[x^{3}\right]", sp.Derivative(x**3, x)),
        (r"\frac{\mathrm{d}}{\mathrm{d}x} x", sp.Derivative(x, x)),
        (r"\dfrac{d}{d\theta} \log \theta", sp.Derivative(sp.log(theta), theta)),
        (r"\frac{\partial}{\partial w_1} w_1^2", sp.Derivative(w1**2, w1)),
        (r"\frac{\partial}{\partial x_i} x_i^2", sp.Derivative(xs[i] ** 2, xs[i])),
        (r"2 \frac{d}{dx} x", 2 * sp.Derivative(x, x)),
        (r"d/dx \sigma(x)", sp.Derivative(sigmoid(x), x)),
    ],
)
def test_derivatives_stay_unevaluated(tex: str, expected: sp.Basic) -> None:
    result = parse_latex(tex)
    assert result == expected
    assert result.atoms(sp.Derivative)


@pytest.mark.parametrize(
    "tex, expected",
    [
        (r"\sum_{i=1}^{N} x_i", sp.Sum(xs[i], (i, 1, N))),
        (r"\sum_{i=1}^N x_i", sp.Sum(xs[i], (i, 1, N))),
        (r"\sum^{N}_{i=1} x_i", sp.Sum(xs[i], (i, 1, N))),
        (r"\sum_{i=1}^{n} x_i", sp.Sum(xs[i], (i, 1, n))),
        (r"\sum_{i = 0}^{N-1} x_i", sp.Sum(xs[i], (i, 0, N - 1))),
        (r"\sum_i x_i", sp.Sum(xs[i], (i, 1, N))),
        (r"\sum_{k=1}^{M} k", sp.Sum(k, (k, 1, M))),
        (r"\sum\limits_{i=1}^N x_i", sp.Sum(xs[i], (i, 1, N))),
        (r"\frac{1}{N} \sum_{i=1}^{N} x_i", sp.Sum(xs[i], (i, 1, N)) / N),
        (r"\sum_{i=1}^{N} x_i y + 1", sp.Sum(xs[i] * y, (i, 1, N)) + 1),
        (r"\sum_{i=1}^{N} (x_i - \mu)^2", sp.Sum((xs[i] - mu) ** 2, (i, 1, N))),
        (r"-\sum_{i=1}^{N} \log p_i", -sp.Sum(sp.log(ps[i]), (i, 1, N))),
        (
            r"\sum_{t=1}^{N} x_t",
            sp.Sum(
                sp.Indexed(xs, sp.Symbol("t", integer=True)), (sp.Symbol("t", integer=True), 1, N)
            ),
        ),
        (r"\sum_{i=1}^N \sum_{j=1}^M w_{ij}", sp.Sum(sp.Sum(ws[i, j], (j, 1, M)), (i, 1, N))),
        (r"\prod_{i=1}^{N} p_i", sp.Product(ps[i], (i, 1, N))),
        (r"\log \prod_{i=1}^N \sigma(w x_i)", sp.log(sp.Product(sigmoid(w * xs[i]), (i, 1, N)))),
    ],
)
def test_sums_and_products(tex: str, expected: sp.Basic) -> None:
    assert parse_latex(tex) == expected


SHAPES = {"W": ("m", "n"), "x": ("n", 1), "b": ("m", 1), "A": ("n", "n"), "B": ("n", "n")}
m_, n_ = sp.Symbol("m", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
W, X, Bv = sp.MatrixSymbol("W", m_, n_), sp.MatrixSymbol("x", n_, 1), sp.MatrixSymbol("b", m_, 1)
A, B = sp.MatrixSymbol("A", n_, n_), sp.MatrixSymbol("B", n_, n_)


@pytest.mark.parametrize(
    "tex, expected",
    [
        (r"W x + b", W * X + Bv),
        (r"x^\top A x", X.T * A * X),
        (r"x^{\top} A x", X.T * A * X),
        (r"x^T A x", X.T * A * X),
        (r"x^{T} A x", X.T * A * X),
        (r"W^\intercal b", W.T * Bv),
        (r"A^{-1} x", sp.Inverse(A) * X),
        (r"\operatorname{tr}(A B)", sp.Trace(A * B)),
        (r"\mathrm{tr}\left(A\right)", sp.Trace(A)),
        (r"\det A", sp.Determinant(A)),
        (r"\log |A|", sp.log(sp.Determinant(A))),
        (r"A \odot B", sp.HadamardProduct(A, B)),
        (r"\mathbf{W} \mathbf{x}", W * X),
        (r"x^\top x + 1", sp.Trace(X.T * X) + 1),
    ],
)
def test_matrices(tex: str, expected: sp.Basic) -> None:
    assert parse_latex(tex, shapes=SHAPES) == expected


def test_elementwise_sigmoid_of_a_matrix() -> None:
    result = parse_latex(r"\sigma(W x + b)", shapes=SHAPES)
    assert result.shape == (m_, 1)
    assert result.function.expr == sigmoid(result.function.variables[0])


def test_shape_error_in_latex() -> None:
    with pytest.raises(ShapeError, match=r"shape mismatch: W \(m x n\) @ b \(m x 1\)"):
        parse_latex(r"W b", shapes=SHAPES)


def test_scalar_transpose_is_the_scalar() -> None:
    assert parse_latex(r"w^\top x") == w * x


def test_sizes_are_one_symbol_everywhere() -> None:
    result = parse_latex(r"\frac{1}{N} \sum_{i=1}^{N} x_i")
    assert {s for s in result.free_symbols if s.name == "N"} == {N}


@pytest.mark.parametrize(
    "tex, message, column",
    [
        (r"\foo x", r"unknown command '\foo'", 1),
        (r"x + \breve{x}", r"unknown command '\breve' (did you mean rvert?)", 5),
        (r"\fraction", r"unknown command '\fraction' (did you mean frac, tfrac, dfrac?)", 1),
        (r"\operatorname{foo}(x)", "unknown function 'foo'", 1),
        (r"\frac{a}", "unexpected end of input", 9),
        (r"\frac{a}{b", "unexpected end of input", 11),
        (r"x^23", "put an exponent of more than one digit in braces: {23}", 3),
        (r"\sum_{i=1}^10 x_i", "put an upper bound of more than one digit in braces: {10}", 12),
        (r"x 2", "unexpected '2'", 3),
        (r"\partial x", r"unexpected '\partial'", 1),
        (r"\frac{d}{d\pi} x", r"'\pi' is a constant, not a variable", 11),
        (r"\sin^{-1} x", r"'\sin^{-1}' is ambiguous: write it as 1/... or arc...", 7),
        (r"{x+1}_i", "only a name can have a subscript", 1),
        (r"(x+1)_i", "unexpected '_'", 6),
        (r"x_{\text{a-b}}", "a subscript must be letters and digits: 'a-b'", 4),
    ],
)
def test_errors(tex: str, message: str, column: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse_latex(tex)
    assert caught.value.message == message
    assert caught.value.column == column


def _printers():
    from derive.printing import latex as derive_latex

    return [pytest.param(sp.latex, id="sympy"), pytest.param(derive_latex, id="derive")]


ROUND_TRIP = [
    x**2 + 3 * x,
    sigmoid(x) * (1 - sigmoid(x)),
    softplus(w * x + b),
    relu(x) + gelu(x),
    normal_cdf(x) * normal_pdf(x),
    sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi),
    sp.log(1 + sp.exp(x)),
    1 - sp.tanh(x) ** 2,
    sp.Abs(x),
    sp.Max(x, 0),
    sp.sqrt(x**2 + 1),
    sp.cbrt(x),
    sp.Derivative(sigmoid(x**2), x),
    sp.Derivative(sp.exp(x) * sp.log(x), x),
    sp.Sum(xs[i], (i, 1, N)) / N,
    sp.Sum((xs[i] - mu) ** 2, (i, 1, N)),
    sp.Product(sigmoid(w * xs[i]), (i, 1, N)),
    -sp.log(sigma) - (x - mu) ** 2 / (2 * sigma**2),
    lam * sp.exp(-lam * x),
    sp.erf(x / sp.sqrt(2)),
    sp.sin(x) * sp.cos(y) + sp.atan(x) + sp.asin(y),
    w1 * x + mu0,
    sigmoid(x) ** 2,
    sp.log(sigmoid(x)),
    sp.Min(x, y),
]


@pytest.mark.parametrize("printer", _printers())
@pytest.mark.parametrize("expr", ROUND_TRIP, ids=str)
def test_round_trip_through_printers(printer, expr: sp.Basic) -> None:
    assert same(parse_latex(printer(expr)), expr)


@pytest.mark.parametrize(
    "text,expected",
    [
        (r"(1 - \sigma(x)) 2x", 2 * x * (1 - sigmoid(x))),
        (r"\left(a + b\right) 3", 3 * (a + b)),
        (r"[a] 2^2", 4 * a),
    ],
)
def test_a_number_after_a_bracket_multiplies(text, expected):
    assert sp.expand(parse_latex(text) - expected) == 0


@pytest.mark.parametrize(
    "text,expected",
    [
        (r"\sigma^2(x)", sigmoid(x) ** 2),
        (r"\sigma^{2}\left(x\right)", sigmoid(x) ** 2),
        (r"\sigma^2 (x + 1)", sigma**2 * (x + 1)),
        (r"\sigma^2 x", sigma**2 * x),
    ],
)
def test_sigma_squared_of_a_bracket_is_the_sigmoid_squared(text, expected):
    assert sp.expand(parse_latex(text) - expected) == 0
