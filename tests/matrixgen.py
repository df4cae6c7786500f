"""A hypothesis generator of the matrix expressions a DL course writes, in the plain syntax.

Expressions are drawn from the grammar over declared shapes (sizes m and n, both
symbolic): sums, products, transposes, traces, inverses of well-posed products,
log det, elementwise functions, broadcast scalars, Hadamard products and
quotients, softmax and its log (of vectors and matrices), log-sum-exp, norms,
all-ones vectors ``ones(n)``, powers of positive entries, means over a size
``/n`` and scalar coefficients. Every drawn loss is a scalar; ``losses`` pairs it
with the variables to differentiate by (matrices or scalars) and what is stated
(square matrices symmetric, positive definite, diagonal or orthogonal, W
column-stochastic).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

M, N = "m", "n"
Shape = tuple[str, str]  # (rows, cols); "1" for a vector's unit side

#: declared matrices by shape (vectors are columns)
MATRICES: dict[Shape, tuple[str, ...]] = {
    (M, N): ("W", "X"),
    (N, M): ("V",),
    (N, N): ("A",),
    (M, M): ("B",),
    (N, "1"): ("x", "v"),
    (M, "1"): ("y", "z"),
}
SHAPES: dict[str, Shape] = {name: shape for shape, names in MATRICES.items() for name in names}
SCALARS = ("alpha", "c")
ASSUME = ("alpha > 0",)
#: structures a matrix may be stated to have ("" for none, the most frequent draw)
STRUCTURES = {
    "A": ("", "", "", "symmetric", "positive definite", "diagonal", "orthogonal"),
    "B": ("", "", "", "", "symmetric", "orthogonal"),
    "W": ("", "", "", "", "column-stochastic"),
}
ELEMENTWISE = ("sigmoid", "tanh", "softplus", "relu", "gelu", "abs")


@dataclass(frozen=True)
class Loss:
    """A drawn scalar expression and what to differentiate it by."""

    text: str
    wrt: tuple[str, ...]
    assume: tuple[str, ...] = ASSUME

    def shapes(self) -> dict[str, str]:
        return {name: ",".join(SHAPES[name]) for name in SHAPES if mentions(self.text, name)}


def mentions(text: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", text) is not None


def _leaves(shape: Shape) -> list[str]:
    rows, cols = shape
    return [*MATRICES.get(shape, ()), *(f"{n}.T" for n in MATRICES.get((cols, rows), ()))]


def _inner(draw: st.DrawFn) -> str:
    return draw(st.sampled_from((M, N)))


@st.composite
def matrix(draw: st.DrawFn, shape: Shape, depth: int) -> str:
    """A matrix expression of ``shape``."""
    rows, cols = shape
    leaves = _leaves(shape)
    if depth <= 0 and leaves:
        return draw(st.sampled_from(leaves))
    if depth <= 0:  # (1 x n) and the like: a transposed column
        return f"{draw(matrix((cols, rows), 0))}.T"
    sub = depth - 1

    def part(of: Shape = shape) -> str:
        return draw(matrix(of, sub))

    def product() -> str:
        middle = _inner(draw)  # through an inner size
        return f"({part((rows, middle))}*{part((middle, cols))})"

    def inverse() -> str:
        if rows == N:
            return draw(st.sampled_from(("inv(X.T*X)", "inv(A)", f"inv({part()} + 4*A.T*A)",
                                         "inv(W.T*W + alpha*A.T*A)")))
        return draw(st.sampled_from(("inv(B)", "inv(B.T*B)")))

    forms = {
        "leaf": lambda: draw(st.sampled_from(leaves)) if leaves else product(),
        "sum": lambda: f"({part()} {draw(st.sampled_from(('+', '-')))} {part()})",
        "scaled": lambda: f"({draw(scalar(0))}*{part()})",
        "product": product,
        "function": lambda: f"{draw(st.sampled_from(ELEMENTWISE))}({part()})",
        "broadcast": lambda: draw(st.sampled_from(
            (f"(1 - sigmoid({part()}))", f"({draw(scalar(0))} + {part()})",
             f"exp(-({part()}).^2)"))),
        "hadamard": lambda: f"({part()} .* {part()})",
        "power": lambda: f"({part()}).^{draw(st.sampled_from((2, 3)))}",
        "quotient": lambda: f"({part()} ./ (1 + ({part()}).^2))",
        "max": lambda: draw(st.sampled_from((f"max({part()}, 0)", f"max({part()}, {part()})"))),
        "log": lambda: draw(st.sampled_from((f"log(sigmoid({part()}))", f"log(1 + exp({part()}))",
                                             f"sqrt(1 + ({part()}).^2)"))),
    }
    if cols == "1" and rows != "1":
        forms["softmax"] = lambda: f"softmax({part()})"
        forms["ones"] = lambda: f"({part()} - {draw(scalar(0))}*ones({rows}))"
    forms["positive power"] = lambda: draw(st.sampled_from(
        (f"sigmoid({part()}).^{draw(scalar(0))}", f"exp({part()}).^0.5",
         f"(1 + ({part()}).^2).^(-0.5)")))
    if rows == cols and rows != "1":
        forms["inverse"] = inverse
        forms["diag"] = lambda: f"diag({part((rows, '1'))})"
        forms["matrix power"] = lambda: f"({part()})^{draw(st.sampled_from((2, 3, -1, -2)))}"
    return forms[draw(st.sampled_from(sorted(forms)))]()


@st.composite
def scalar(draw: st.DrawFn, depth: int) -> str:
    """A scalar expression: a name or number, or a function of matrices."""
    if depth <= 0:
        return draw(st.sampled_from((*SCALARS, "2", "0.5")))
    sub = depth - 1
    size = _inner(draw)
    forms = {
        "trace": lambda: f"tr({draw(matrix((size, size), sub))})",
        "sum": lambda: f"sum({draw(matrix((size, _inner(draw)), sub))})",
        "mean": lambda: f"mean({draw(matrix((size, _inner(draw)), sub))})",
        "quadratic": lambda: f"{draw(matrix(('1', size), sub))}*{draw(matrix((size, '1'), sub))}",
        "norm2": lambda: f"norm({draw(matrix((size, _inner(draw)), sub))})^2",
        "norm": lambda: f"norm({draw(matrix((size, '1'), sub))} + {draw(matrix((size, '1'), 0))})",
        "logsumexp": lambda: f"logsumexp({draw(matrix((size, '1'), sub))})",
        "logdet": lambda: draw(st.sampled_from(("log(det(X.T*X))", "log(det(A.T*A))",
                                                 "log(det(W.T*B.T*B*W))", "logdet(X.T*X)"))),
        "det": lambda: "det(A)",
        "crossentropy": lambda: f"-y.T*log(softmax({draw(matrix((M, '1'), sub))}))",
        "log-softmax": lambda: draw(st.sampled_from(
            (f"-sum(X .* log(softmax({draw(matrix((M, N), sub))})))/{N}",
             f"-tr(V*log(softmax({draw(matrix((M, N), sub))})))"))),
        "ones": lambda: f"ones({size}).T*{draw(matrix((size, '1'), sub))}",
        "per size": lambda: f"({draw(scalar(sub))})/{size}",
        "coefficient": lambda: f"{draw(scalar(0))}*{draw(scalar(sub))}",
        "function": lambda: f"{draw(st.sampled_from(('sigmoid', 'tanh')))}({draw(scalar(sub))})",
        "logsigmoid": lambda: f"log(sigmoid({draw(scalar(sub))}))",
        "sum2": lambda: f"{draw(scalar(sub))} + {draw(scalar(sub))}",
    }
    return forms[draw(st.sampled_from(sorted(forms)))]()


@st.composite
def losses(draw: st.DrawFn, depth: int = 3) -> Loss:
    """A scalar loss that holds a variable, and one or two variables to differentiate by."""
    text = draw(scalar(depth).filter(lambda t: any(mentions(t, n) for n in (*SHAPES, *SCALARS))))
    present = [n for n in (*SHAPES, *SCALARS) if mentions(text, n)]
    wrt = draw(st.lists(st.sampled_from(present), min_size=1, max_size=2, unique=True))
    stated = tuple(f"{name} {structure}" for name, kinds in STRUCTURES.items()
                   if mentions(text, name) and (structure := draw(st.sampled_from(kinds))))
    return Loss(text, tuple(wrt), ASSUME + stated)
