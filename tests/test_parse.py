"""The plain syntax, matrices, and the parser's public helpers (detect_syntax, split_line)."""

from __future__ import annotations

import pytest
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from derive.errors import InputError, LimitError, ParseError, ShapeError
from derive.functions import gelu, relu, sigmoid, softplus
from derive.parse import detect_syntax, parse_expression, parse_plain, split_line

x, y, z, w, b, t = (sp.Symbol(n, real=True) for n in "xyzwbt")
alpha, lam = sp.Symbol("alpha", real=True), sp.Symbol("lambda", real=True)
m, n = (sp.Symbol(d, integer=True, positive=True) for d in "mn")

SHAPES = {"W": ("m", "n"), "x": ("n", 1), "y": ("m", 1), "A": ("n", "n"), "B": ("n", "n")}
W, X, Y = sp.MatrixSymbol("W", m, n), sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("y", m, 1)
A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)


def same(a: sp.Basic, b: sp.Basic) -> bool:
    return a == b or sp.simplify(a - b) == 0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("x + y * z", x + y * z),
        ("(x + y) * z", (x + y) * z),
        ("x - y - z", x - y - z),
        ("x / y / z", x / (y * z)),
        ("x / y * z", x * z / y),
        ("x^2", x**2),
        ("x**2", x**2),
        ("x^y^z", x ** (y**z)),
        ("x**y**z", x ** (y**z)),
        ("-x^2", -(x**2)),
        ("-x**2", -(x**2)),
        ("(-x)^2", x**2),
        ("2^-1", sp.Rational(1, 2)),
        ("x^-1", 1 / x),
        ("x - -y", x + y),
        ("--x", x),
        ("+x", x),
        ("2*-x", -2 * x),
        ("2x", 2 * x),
        ("2 x", 2 * x),
        ("2x^2", 2 * x**2),
        ("2(x + 1)", 2 * (x + 1)),
        ("3sin(x)", 3 * sp.sin(x)),
        ("0.5", sp.Rational(1, 2)),
        ("0.25x", x / 4),
        (".5", sp.Rational(1, 2)),
        ("1.125", sp.Rational(9, 8)),
        ("1e-3", sp.Rational(1, 1000)),
        ("2.5E2", sp.Integer(250)),
        ("e", sp.E),
        ("e^x", sp.exp(x)),
        ("e^(-x^2)", sp.exp(-(x**2))),
        ("pi", sp.pi),
        ("2pi", 2 * sp.pi),
        ("alpha * x + lambda", alpha * x + lam),
        ("w_1 * x1", sp.Symbol("w_1", real=True) * sp.Symbol("x1", real=True)),
    ],
)
def test_arithmetic(text: str, expected: sp.Basic) -> None:
    assert parse_plain(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("exp(x)", sp.exp(x)),
        ("log(x)", sp.log(x)),
        ("ln(x)", sp.log(x)),
        ("sqrt(x)", sp.sqrt(x)),
        ("abs(x)", sp.Abs(x)),
        ("|x - y|", sp.Abs(x - y)),
        ("|x| * |y|", sp.Abs(x) * sp.Abs(y)),
        ("sin(x) + cos(x) + tan(x)", sp.sin(x) + sp.cos(x) + sp.tan(x)),
        ("asin(x) + acos(x) + atan(x)", sp.asin(x) + sp.acos(x) + sp.atan(x)),
        ("sinh(x) * cosh(x) / tanh(x)", sp.sinh(x) * sp.cosh(x) / sp.tanh(x)),
        ("sigmoid(w*x + b)", sigmoid(w * x + b)),
        ("softplus(x) + relu(x) + gelu(x)", softplus(x) + relu(x) + gelu(x)),
        ("erf(x)", sp.erf(x)),
        ("max(x, 0)", sp.Max(x, 0)),
        ("min(x, y, z)", sp.Min(x, y, z)),
        ("sigmoid(x)^2", sigmoid(x) ** 2),
        ("log(1 + exp(-x))", sp.log(1 + sp.exp(-x))),
    ],
)
def test_functions(text: str, expected: sp.Basic) -> None:
    assert parse_plain(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("d/dx x^2", sp.Derivative(x**2, x)),
        ("d/dx(x^2)", sp.Derivative(x**2, x)),
        ("d/dx sigmoid(x^2)", sp.Derivative(sigmoid(x**2), x)),
        ("d/dw (w*x + b)^2", sp.Derivative((w * x + b) ** 2, w)),
        ("d/dx x^2 + 1", sp.Derivative(x**2, x) + 1),
        ("2 * d/dx x^3", 2 * sp.Derivative(x**3, x)),
        ("d/dt d/dt t^3", sp.Derivative(sp.Derivative(t**3, t), t)),
        ("diff(x^2, x)", sp.Derivative(x**2, x)),
        ("Derivative(sin(x), x)", sp.Derivative(sp.sin(x), x)),
        ("diff(x*y, x, y)", sp.Derivative(x * y, x, y)),
    ],
)
def test_derivatives_stay_unevaluated(text: str, expected: sp.Basic) -> None:
    result = parse_plain(text)
    assert result == expected
    assert result.atoms(sp.Derivative), "the derivative was evaluated"


@pytest.mark.parametrize(
    "text, message, column",
    [
        ("foo(x)", "unknown function 'foo'", 1),
        ("x + bar(2)", "unknown function 'bar'", 5),
        ("sin(x, y)", "sin takes 1 argument (2 given)", 1),
        ("sigmoid()", "sigmoid takes 1 argument (0 given)", 1),
        ("max(x)", "max takes at least 2 arguments (1 given)", 1),
        ("hadamard(x)", "hadamard takes 2 arguments (1 given)", 1),
        ("x + )", "unexpected ')'", 5),
        ("(x + 1", "unexpected end of input", 7),
        ("x +", "unexpected end of input", 4),
        ("", "unexpected end of input", 1),
        ("x $ y", "unexpected character '$'", 3),
        ("2 3", "unexpected '3'", 3),
        ("x y", "unexpected 'y'", 3),
        ("d/de e^2", "'e' is a constant, not a variable", 4),
        ("d/dpi x", "'pi' is a constant, not a variable", 4),
        ("diff(x^2, 2)", "'2' is not a variable", 1),
        ("diff(x^2)", "diff takes an expression and a variable", 1),
        ("x = 1", "unexpected character '='", 3),
        ("1/0", "division by zero", 3),
        ("x/(y - y)", "division by zero", 4),
        ("2 + log(0)", "'log(0)' is undefined", 5),
        ("0^-1", "'0^-1' is undefined", 1),
    ],
)
def test_errors_name_the_place(text: str, message: str, column: int) -> None:
    with pytest.raises(ParseError) as caught:
        parse_plain(text)
    assert caught.value.message == message
    assert (caught.value.line, caught.value.column) == (1, column)
    assert caught.value.text == text


def test_error_on_a_later_line_has_its_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_plain("x +\n  * y")
    assert (caught.value.line, caught.value.column) == (2, 3)


def test_same_name_same_symbol() -> None:
    first, second = parse_plain("x + 1"), parse_plain("2*x")
    (a,), (c,) = first.free_symbols, second.free_symbols
    # equal, not identical: identity is sympy's cache, which may evict between calls
    assert a == c and a.assumptions0 == c.assumptions0
    assert a.is_real


def test_given_symbols_are_used() -> None:
    p = sp.Symbol("p", positive=True)
    assert parse_plain("log(p) + q", symbols={"p": p}) == sp.log(p) + sp.Symbol("q", real=True)


def test_e_and_pi_cannot_be_replaced() -> None:
    assert parse_plain("e + pi", symbols={"e": x, "pi": y}) == sp.E + sp.pi


# -- matrices ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("W", W),
        ("W*x", W * X),
        ("W@x", W * X),
        ("W.T", W.T),
        ("x^T", X.T),
        ("x**T", X.T),
        ("W.T*y", W.T * Y),
        ("x.T*A*x", X.T * A * X),
        ("2*W", 2 * W),
        ("W*2", 2 * W),
        ("W/2", W / 2),
        ("-W*x + y", -W * X + Y),
        ("A + B", A + B),
        ("A - B", A - B),
        ("A*B - B*A", A * B - B * A),
        ("(W*x - y).T", (W * X - Y).T),
        ("A^2", sp.MatPow(A, 2)),
        ("A^-1", sp.Inverse(A)),
        ("inv(A)", sp.Inverse(A)),
        ("inv(A)*x", sp.Inverse(A) * X),
        ("tr(A)", sp.Trace(A)),
        ("tr(W.T*W)", sp.Trace(W.T * W)),
        ("det(A)", sp.Determinant(A)),
        ("|A|", sp.Determinant(A)),
        ("sum(W)", sp.MatMul(sp.OneMatrix(1, m), W, sp.OneMatrix(n, 1))),
        ("hadamard(A, B)", sp.HadamardProduct(A, B)),
        ("A .* B", sp.HadamardProduct(A, B)),
        ("hadamard(2, A)", 2 * A),
        ("x.T*x + 1", sp.Trace(X.T * X) + 1),
        ("x.T*x * W", sp.Trace(X.T * X) * W),
        ("W * (x.T*x)", sp.Trace(X.T * X) * W),
        ("log(x.T*x)", sp.log(sp.Trace(X.T * X))),
        ("t.T", t),
        ("tr(t) + det(t) + sum(t)", 3 * t),
        ("inv(t)", 1 / t),
        ("d/dx (x.T*A*x)", sp.Derivative(X.T * A * X, X)),
    ],
)
def test_matrices(text: str, expected: sp.Basic) -> None:
    assert parse_plain(text, shapes=SHAPES) == expected


@pytest.mark.parametrize(
    "text, function",
    [
        ("sigmoid(W*x)", sigmoid),
        ("exp(A)", sp.exp),
        ("tanh(A + B)", sp.tanh),
        ("relu(W)", relu),
        ("sqrt(A)", sp.sqrt),
        ("abs(A)", sp.Abs),
    ],
)
def test_functions_apply_elementwise(text: str, function) -> None:
    result = parse_plain(text, shapes=SHAPES)
    assert isinstance(result, ElementwiseApplyFunction)
    d = result.function.variables[0]
    assert result.function.expr == function(d)
    assert parse_plain(text, shapes=SHAPES) == result  # the same text gives an equal object


@pytest.mark.parametrize(
    "text, message",
    [
        ("W*y", "shape mismatch: W (m x n) @ y (m x 1)"),
        ("W@y", "shape mismatch: W (m x n) @ y (m x 1)"),
        ("x*W", "shape mismatch: x (n x 1) @ W (m x n)"),
        ("W.T*x", "shape mismatch: W.T (n x m) @ x (n x 1)"),
        ("W + x", "shape mismatch: W (m x n) + x (n x 1)"),
        ("A - W", "shape mismatch: A (n x n) - W (m x n)"),
        ("W + 1 + x", "shape mismatch: W (m x n) + x (n x 1)"),
        ("x ./ y", "shape mismatch: x (n x 1) ./ y (m x 1)"),
        ("x / y", "cannot divide by a matrix: x (n x 1) / y (m x 1) (./ divides elementwise)"),
        ("A .* W", "shape mismatch: A (n x n) .* W (m x n)"),
        ("hadamard(x, y)", "shape mismatch: x (n x 1) .* y (m x 1)"),
        ("inv(W)", "inverse of a non-square matrix: W (m x n)"),
        ("W^-1", "inverse of a non-square matrix: W (m x n)"),
        ("W^2", "power of a non-square matrix: W (m x n) (.^ is the elementwise power)"),
        ("W.^A", "an elementwise power needs a scalar exponent: A (n x n)"),
        ("softmax(t)", "softmax needs a vector or a matrix, got t (scalar)"),
        ("diag(W)", "diag of a non-square matrix: W (m x n)"),
        ("tr(W)", "trace of a non-square matrix: W (m x n)"),
        ("det(W)", "determinant of a non-square matrix: W (m x n)"),
        ("1/A", "cannot divide by a matrix"),
        ("2^A", "a matrix cannot be an exponent: A (n x n)"),
        ("max(A, W)", "max entrywise needs one shape, got A (n x n) and W (m x n)"),
    ],
)
def test_shape_errors_name_both_operands(text: str, message: str) -> None:
    with pytest.raises(ShapeError) as caught:
        parse_plain(text, shapes=SHAPES)
    assert message in str(caught.value)


def test_shape_error_names_the_product_so_far() -> None:
    with pytest.raises(ShapeError, match=r"W\.T\*W \(n x n\) @ y \(m x 1\)"):
        parse_plain("W.T*W*y", shapes=SHAPES)


def test_integer_dimensions() -> None:
    v = parse_plain("v.T*M", shapes={"v": (3, 1), "M": (3, 2)})
    assert v.shape == (1, 2)
    with pytest.raises(ShapeError, match=r"v \(3 x 1\) @ M \(3 x 2\)"):
        parse_plain("v*M", shapes={"v": (3, 1), "M": (3, 2)})


@pytest.mark.parametrize(
    "shapes",
    [{"W": ("m",)}, {"W": ("m", 0)}, {"W": ("m", 1.5)}, {"W": ("m", "a b")}, {"1W": (2, 2)}],
)
def test_bad_shapes_are_input_errors(shapes) -> None:
    with pytest.raises(InputError):
        parse_plain("W", shapes=shapes)


# -- limits (the hostile tests probe many more) ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["9^9^9", "2^10001", "x^100000", "1" * 102, "2^(100*100*100)", "(2x)^(9^9)", "1e200"],
)
def test_too_large_is_a_limit_error(text: str) -> None:
    with pytest.raises(LimitError):
        parse_plain(text)


def test_large_but_allowed_numbers() -> None:
    assert parse_plain("2^9999") == sp.Integer(2) ** 9999
    assert parse_plain("x^(100*100*100)") == x**1000000


# -- helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, syntax",
    [
        ("d/dx sigmoid(x^2)", "plain"),
        ("x_1 + w^2", "plain"),
        ("|x|", "plain"),
        (r"\frac{d}{dx} \sigma(x^2)", "latex"),
        ("x^{2}", "latex"),
        ("w_{12}", "latex"),
        (r"x\,y", "latex"),
    ],
)
def test_detect_syntax(text: str, syntax: str) -> None:
    assert detect_syntax(text) == syntax


def test_auto_syntax_reads_both() -> None:
    assert parse_expression("sigmoid(x)^2") == parse_expression(r"\sigma(x)^{2}")


def test_unknown_syntax_is_an_input_error() -> None:
    with pytest.raises(InputError):
        parse_expression("x", syntax="python")


@pytest.mark.parametrize(
    "raw, expression, justification",
    [
        (r"\frac{d}{dx} \sigma(x^2)", r"\frac{d}{dx} \sigma(x^2)", ""),
        ("d/dx sigmoid(x^2)", "d/dx sigmoid(x^2)", ""),
        (r"= 2x \sigma'(x^2) && chain rule", r"2x \sigma'(x^2)", "chain rule"),
        (r"  = x^2 \quad \text{power rule}", "x^2", r"\text{power rule}"),
        (r"= x^2 \qquad by the power rule", "x^2", "by the power rule"),
        ("= 2*x  # power rule", "2*x", "power rule"),
        (r"&= x^2 \\", "x^2", ""),
        (r"=& x^2 && ok \\", "x^2", "ok"),
        ("% a comment", "", ""),
        (r"= 50\% x", r"50\% x", ""),
        (r"= x % trailing TeX comment", "x", ""),
        ("", "", ""),
    ],
)
def test_split_line(raw: str, expression: str, justification: str) -> None:
    assert split_line(raw) == (expression, justification)
