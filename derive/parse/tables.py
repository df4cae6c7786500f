"""The parser's allow-lists: every name the grammar may turn into a sympy object.

Nothing outside these tables can be built; the builder looks names up here
instead of branching on them.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from derive import model
from derive.functions import FUNCTION_NAMES, normal_cdf, normal_pdf

#: Scalar functions by name: the plain syntax's list plus the two the printer writes as Φ, φ.
SCALAR_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    **FUNCTION_NAMES,
    "normal_cdf": normal_cdf,
    "normal_pdf": normal_pdf,
}

#: Functions LaTeX writes that the plain syntax does not list (``\operatorname{sech}``, ``\cot``).
LATEX_ONLY_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "sech": sp.sech, "csch": sp.csch, "coth": sp.coth, "sec": sp.sec, "csc": sp.csc,
    "cot": sp.cot, "arsinh": sp.asinh, "arcosh": sp.acosh, "artanh": sp.atanh,
    "asinh": sp.asinh, "acosh": sp.acosh, "atanh": sp.atanh, "sign": sp.sign, "sgn": sp.sign,
}
SCALAR_FUNCTIONS.update(LATEX_ONLY_FUNCTIONS)

#: Functions that take two or more arguments; every other scalar function takes one.
VARIADIC = frozenset({"max", "min", "ones"})

#: Matrix functions by name and their number of arguments.
MATRIX_FUNCTIONS: dict[str, int] = {
    "tr": 1, "det": 1, "logdet": 1, "inv": 1, "sum": 1, "hadamard": 2,
    "softmax": 1, "logsumexp": 1, "norm": 1, "diag": 1, "mean": 1, "ones": 1,
}

#: Names that write an unevaluated derivative: ``diff(f, x)``, ``Derivative(f, x)``.
DERIVATIVE_FUNCTIONS = frozenset({"diff", "Derivative"})

#: The plain syntax's callable names (DESIGN "CLI — contract").
PLAIN_CALLABLES = frozenset(FUNCTION_NAMES) | frozenset(MATRIX_FUNCTIONS) | DERIVATIVE_FUNCTIONS

#: Names that are constants, never variables.
CONSTANTS: dict[str, sp.Basic] = {"e": sp.E, "pi": sp.pi}

#: LaTeX-only constants, written as commands.
LATEX_CONSTANTS: dict[str, sp.Basic] = {"pi": sp.pi, "infty": sp.oo}

#: Greek letter commands and the symbol name each stands for (variants share a name).
_LETTERS = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi rho sigma"
    " tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi"
    " Omega ell"
)
GREEK: dict[str, str] = {name: name for name in _LETTERS.split()} | {
    "varepsilon": "epsilon",
    "vartheta": "theta",
    "varrho": "rho",
    "varsigma": "sigma",
    "varphi": "phi",
    "varpi": "pi",
}

#: LaTeX function commands (``\log``) and ``\operatorname{...}`` names, to a function name above.
LATEX_FUNCTIONS: dict[str, str] = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "ln": "log",
    "max": "max",
    "min": "min",
    "det": "det",
    "tr": "tr",
    "Tr": "tr",
    "trace": "tr",
    "erf": "erf",
    "softplus": "softplus",
    "relu": "relu",
    "ReLU": "relu",
    "gelu": "gelu",
    "GELU": "gelu",
    "sigmoid": "sigmoid",
    "sigma": "sigmoid",
    "Phi": "normal_cdf",
    "varphi": "normal_pdf",
    "abs": "abs",
    "sqrt": "sqrt",
    **{name: name for name in LATEX_ONLY_FUNCTIONS},
    **{name: name for name in MATRIX_FUNCTIONS if name != "hadamard"},
    "LSE": "logsumexp",
}

#: Function commands of LaTeX itself; the others are written ``\operatorname{softplus}``.
_BARE = ("sin cos tan arcsin arccos arctan sinh cosh tanh exp log ln max min det tr"
         " sec csc cot coth")
BARE_FUNCTION_COMMANDS = frozenset(_BARE.split())


#: LaTeX operators written as commands, to the operation they mean.
LATEX_OPERATORS: dict[str, str] = {
    "cdot": "*",
    "times": "*",
    "div": "/",
    "odot": ".*",
    "circ": ".*",
    "oslash": "./",
}

#: Every operation a product may hold, by its written form.
PRODUCT_OPERATIONS: dict[str, str] = {
    "*": "mul",
    "@": "mul",
    "/": "div",
    ".*": "hadamard",
    "./": "ediv",
}

#: Commands the lexer drops: spacing and layout that carry no mathematics.
LATEX_IGNORED = frozenset(
    {"quad", "qquad", "displaystyle", "textstyle", "limits", "nolimits", "left", "right"}
)

#: Wrappers around a name: ``\operatorname{ReLU}``, ``\mathbf{x}``.  Known function names
#: inside become functions, other words become names.
LATEX_WRAPPERS = frozenset(
    {
        "operatorname",
        "mathrm",
        "mathit",
        "mathbf",
        "mathsf",
        "boldsymbol",
        "bm",
        "vec",
        "mathcal",
        "text",
        "textrm",
        "textit",
        "textbf",
        "mbox",
    }
)

#: Token type the postlexer gives each known command; any other command is an error.
#: ``CMD`` marks a command the grammar knows only inside a larger token (``\frac{\partial}{``,
#: ``^\top``): met on its own it is unexpected.
LATEX_COMMAND_TYPES: dict[str, str] = (
    {name: "CMD" for name in LATEX_WRAPPERS}
    | {name: "GREEK" for name in GREEK}
    | {name: "GREEK" for name in LATEX_CONSTANTS}
    | {name: "FUNC" for name in BARE_FUNCTION_COMMANDS}
    | {name: "MULOP" for name in LATEX_OPERATORS}
    | {name: "IGNORE" for name in LATEX_IGNORED}
    | {"frac": "_FRAC", "dfrac": "_FRAC", "tfrac": "_FRAC", "sqrt": "_SQRT"}
    | {"binom": "_BINOM", "dbinom": "_BINOM", "tbinom": "_BINOM"}
    | {"sum": "BIGOP", "prod": "BIGOP", "int": "_INT"}
    | {"lvert": "_ABS_OPEN", "rvert": "_ABS_CLOSE", "vert": "BAR"}
    | {name: "CMD" for name in ("partial", "top", "intercal", "nabla", "lVert", "rVert", "Vert")}
    | {name: "CMD" for name in ("mathbb", "mathds", "mathbbm", "mathcal")}
    | {name: "CMD" for name in ("hat", "widehat", "bar", "overline", "tilde", "widetilde")}
    | {name: "CMD" for name in ("geq", "leq", "ge", "le", "gt", "lt", "geqslant", "leqslant")}
    | {name: "CMD" for name in ("neq", "ne", "begin", "end")}
    | {f"{size}{side}": "CMD" for size in ("big", "Big", "bigg", "Bigg") for side in ("", "l", "r")}
)

#: Single-letter subscripts that are indices even outside a sum.
FREE_INDEX_LETTERS = frozenset("ijkn")

#: LaTeX names that are sizes: ``\sum_{i=1}^{N}`` and ``\frac{1}{N}`` mean the same N; K is
#: the number of classes (``\sum_{k=1}^{K} p_k``), so a free index p_i lies in its range.
SIZE_NAMES = model.SIZE_NAMES | {"K"}
