"""The project's printers: LaTeX in DL notation and NumPy code for check scripts.

Both extend sympy's printers by type (``_print_<Class>``); nothing here edits
printed strings after the fact.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.codeprinter import PrintMethodNotImplementedError
from sympy.printing.latex import LatexPrinter
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from derive.errors import NotSupported
from derive.functions import as_expr
from derive.prose import Printers, Prose


def _negative(expr: sp.MatMul) -> bool:
    """``expr.could_extract_minus_sign()`` without building ``-expr``: for a matrix product
    sympy canonicalises the whole negated product to do so, which dominated the printing
    of long matrix chains. A product is negative when its numeric coefficient is."""
    coefficient = expr.args[0]
    return bool(coefficient.is_Number and coefficient.is_extended_negative)


def _matmul_precedence(expr: sp.MatMul) -> int:
    """sympy's precedence of a product (precedence_Mul), with the cheap sign test."""
    if any(isinstance(a, sp.Function) and getattr(a, "precedence", PRECEDENCE["Mul"])
           < PRECEDENCE["Mul"] for a in expr.args):
        return PRECEDENCE["Mul"]
    return PRECEDENCE["Add"] if _negative(expr) else PRECEDENCE["Mul"]


class DeriveLatexPrinter(LatexPrinter):
    """LaTeX for lecture notes: sigma, f'(u), indicator functions, partial derivatives."""

    _default_settings = {**LatexPrinter._default_settings, "partial": True}

    def _d(self) -> str:
        return r"\partial" if self._settings["partial"] else "d"

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        d = self._d()
        wrt = "".join(
            rf"{d} {self._print(v)}" + (f"^{{{n}}}" if n != 1 else "")
            for v, n in expr.variable_count
        )
        order = sum(n for _, n in expr.variable_count)
        top = d if order == 1 else f"{d}^{{{order}}}"
        inner = expr.expr
        if isinstance(inner, sp.Symbol | sp.Indexed | sp.MatrixSymbol):
            return rf"\frac{{{top} {self._print(inner)}}}{{{wrt}}}"
        return rf"\frac{{{top}}}{{{wrt}}}\left[{self._print(inner)}\right]"

    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        # Textbook order: positive terms first, higher degree first (wx + b - y, 1 - sigma).
        tex = ""
        for i, term in enumerate(sorted(expr.args, key=_term_key)):
            if i == 0:
                pass
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex

    def _print_Mul(self, expr: sp.Mul) -> str:
        # Pending derivatives go last: sigma'(u) \cdot d/dw[u], as written on a board.
        if not isinstance(expr, sp.Mul):  # sympy prints u^-1 through _print_Mul(Pow)
            return super()._print_Mul(expr)
        pending = [f for f in expr.args if isinstance(f, sp.Derivative)]
        if not pending or len(pending) == len(expr.args):
            return self._print_ordered_Mul(expr)
        others = [f for f in expr.args if not isinstance(f, sp.Derivative)]
        rest = others[0] if len(others) == 1 else sp.Mul(*others, evaluate=False)
        head = self._print(rest)
        if isinstance(rest, sp.Add):
            head = rf"\left({head}\right)"
        elif rest == -1:
            head = "-"
        factors = [self._print(f) for f in pending]
        return head + (" " if head == "-" else r" \cdot ") + r" \cdot ".join(factors)

    def _print_ordered_Mul(self, expr: sp.Mul) -> str:
        # Coefficient, sums, then sigma(u) beside 1 - sigma(u), symbols last: 2(p - y) s(1 - s) x.
        if any(f.is_Pow and f.exp.is_negative for f in expr.args) or expr.args[0] == -1:
            return super()._print_Mul(expr)
        ordered = sp.Mul(*sorted(expr.args, key=_factor_key), evaluate=False)
        saved = self._settings["order"]
        self._settings["order"] = "none"
        try:
            return super()._print_Mul(ordered)
        finally:
            self._settings["order"] = saved

    def _print_Subs(self, expr: sp.Subs) -> str:
        # Subs(Derivative(f(u), u), u, g) is f'(g): the chain rule's outer derivative.
        if len(expr.variables) != 1:
            return super()._print_Subs(expr)
        inner, (old,), (new,) = expr.expr, expr.variables, expr.point
        if isinstance(inner, sp.Derivative) and len(inner.variables) == 1:
            func = inner.expr
            if isinstance(func, sp.Function) and func.args == (old,):
                head = self._print(func.func(sp.Symbol("u"))).split(r"\left(")[0]
                return rf"{head}'\left({self._print(new)}\right)"
        return super()._print_Subs(expr)

    def _print_Heaviside(self, expr: sp.Heaviside, exp: str | None = None) -> str:
        tex = rf"\mathbb{{1}}\left[{self._print(expr.args[0])} > 0\right]"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_sign(self, expr: sp.sign, exp: str | None = None) -> str:
        tex = rf"\operatorname{{sign}}\left({self._print(expr.args[0])}\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        arg = expr.arg
        if isinstance(arg, sp.Inverse) and isinstance(arg.arg, sp.MatrixSymbol):
            return rf"{self._print(arg.arg)}^{{-\top}}"
        base = self._print(arg)
        if not isinstance(arg, sp.MatrixSymbol) and not getattr(arg, "is_named", False):
            base = rf"\left({base}\right)"
        return rf"{base}^{{\top}}"

    # --- matrix notation: odot, bold 1, det, sigma(X) applied entrywise -----------------------

    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        parts = []
        for arg in _companions_last(expr.args):
            tex = self._print(arg)
            parts.append(rf"\left({tex}\right)" if isinstance(arg, sp.MatAdd | sp.MatMul) else tex)
        return r" \odot ".join(parts)

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        # 1^T M 1 for sum(M): a trailing 1 x 1 all-ones factor is the number 1 and is not shown;
        # a scalar denominator is written as a fraction: e^z / (1^T e^z).
        args = [a for a in expr.args if not _unit_ones(a)] or list(expr.args)
        scalars = [a for a in args if not isinstance(a, sp.MatrixExpr)]
        mats = [a for a in args if isinstance(a, sp.MatrixExpr)]
        numerator, denominator = sp.fraction(sp.Mul(*scalars))
        if denominator != 1 and mats:
            top = self._print(sp.MatMul(numerator, *mats) if numerator != 1 else
                              (mats[0] if len(mats) == 1 else sp.MatMul(*mats)))
            return rf"\frac{{{top}}}{{{self._print(denominator)}}}"
        if any(isinstance(a, sp.HadamardProduct) or _full_ones(a) for a in args):
            # A (B odot C): the Hadamard factor in brackets, whatever sympy's precedence says;
            # an all-ones matrix inside a product is the outer product 1 1^T
            sign = "- " if args[0] == -1 else ""
            shown = [
                rf"\left({self._print(a)}\right)"
                if isinstance(a, sp.HadamardProduct | sp.MatAdd)
                else r"\mathbf{1}\mathbf{1}^{\top}" if _full_ones(a) else self._print(a)
                for a in (args[1:] if sign else args)
            ]
            return sign + " ".join(shown)
        if len(args) == len(expr.args):
            return self._print_signed_MatMul(expr)
        return self._print(args[0] if len(args) == 1 else sp.MatMul(*args))

    def _print_signed_MatMul(self, expr: sp.MatMul) -> str:
        """sympy's MatMul layout, with the sign read off the coefficient (see _negative)."""
        level = _matmul_precedence(expr)

        def factor(arg: Any) -> str:
            if isinstance(arg, sp.Mul) and not isinstance(arg, sp.MatMul):
                return self._print(arg)
            return self.parenthesize(arg, level, False)

        args = list(expr.args)
        if not _negative(expr):
            return " ".join(map(factor, args))
        args = args[1:] if args[0] == -1 else [-args[0], *args[1:]]
        return "- " + " ".join(map(factor, args))

    def parenthesize(self, item: Any, level: int, is_neg: bool = False,
                     strict: bool = False) -> str:
        if not isinstance(item, sp.MatMul):
            return super().parenthesize(item, level, is_neg, strict)
        value = _matmul_precedence(item)
        if (is_neg and strict) or value < level or (not strict and value <= level):
            return self._add_parens(self._print(item))
        return self._print(item)

    def _print_HadamardPower(self, expr: Any) -> str:
        base = self._print(expr.base)
        atom = sp.MatrixSymbol | Verbatim | ElementwiseApplyFunction
        if not isinstance(expr.base, atom) and not getattr(
            expr.base, "is_named", False
        ):
            base = rf"\left({base}\right)"
        return rf"{base}^{{\circ {self._print(expr.exp)}}}"

    def _print_Trace(self, expr: sp.Trace) -> str:
        # a 1 x 1 matrix is a number (c^T c, 1^T M 1 for sum(M)); only where it holds a direction
        # dX does tr() stay, since 'a scalar is its own trace' is a step a lecturer shows
        arg = expr.arg
        if arg.shape == (1, 1) and not _holds_direction(arg):
            return self._print(expr.arg)
        return rf"\operatorname{{tr}}\left({self._print(expr.arg)} \right)"

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        row = expr.shape[0] == 1 and expr.shape[1] != 1
        return r"\mathbf{1}^{\top}" if row else r"\mathbf{1}"

    def _print_Determinant(self, expr: sp.Determinant, exp: str | None = None) -> str:
        arg = expr.arg
        inner = self._print(arg)
        tex = rf"\det {inner}" if isinstance(arg, sp.MatrixSymbol) else rf"\det\left({inner}\right)"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex

    def _print_DiagMatrix(self, expr: Any) -> str:
        return rf"\operatorname{{diag}}\left({self._print(expr.args[0])}\right)"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        (u,), body = expr.function.args
        shown = self._print(expr.expr)
        if _needs_brackets(expr.expr, body, u):
            shown = rf"\left({shown}\right)"
        return self._print(body.xreplace({u: Verbatim(shown)}))


def _companions_last(args: tuple[Any, ...]) -> list[Any]:
    """sigma(Z) odot (1 - sigma(Z)): each 1 - A right after the A it belongs to."""
    def companion_of(arg: Any) -> Any:
        if isinstance(arg, sp.MatAdd) and len(arg.args) == 2:
            ones = [a for a in arg.args if isinstance(a, sp.OneMatrix)]
            rest = [a for a in arg.args if not isinstance(a, sp.OneMatrix)]
            if ones and rest and isinstance(rest[0], sp.MatMul) and rest[0].args[0] == -1:
                return sp.MatMul(*rest[0].args[1:]) if len(rest[0].args) > 2 else rest[0].args[1]
        return None

    owners = {companion_of(a): a for a in args if companion_of(a) is not None}
    out: list[Any] = []
    for arg in args:
        if companion_of(arg) in args:
            continue
        out.append(arg)
        if arg in owners:
            out.append(owners[arg])
    return out + [a for a in args if a not in out]


def _holds_direction(expr: Any) -> bool:
    """Whether a differential or a direction dX occurs (the engine marks them by attribute)."""
    return any(
        getattr(node, "is_direction", False) or getattr(node, "is_differential", False)
        for node in sp.preorder_traversal(expr)
    )


def _full_ones(arg: Any) -> bool:
    return isinstance(arg, sp.OneMatrix) and 1 not in arg.shape


def _unit_ones(arg: Any) -> bool:
    return isinstance(arg, sp.OneMatrix) and arg.shape == (1, 1)


class Verbatim(sp.Symbol):
    """A placeholder printed as given text: the matrix inside sigma(.) applied entrywise."""

    def _latex(self, printer: Any) -> str:
        return self.name

    def _numpycode(self, printer: Any) -> str:
        return f"({self.name})"


def _needs_brackets(arg: Any, body: Any, u: Any) -> bool:
    """Whether the matrix put in place of u must be bracketed: in sigma(u) no, in c - u yes."""
    from derive.matrixfunctions import reads_as_call

    alone = (isinstance(body, sp.Function) and body.args[0] == u
             and not any(a.has(u) for a in body.args[1:]))  # sigma(u), H(u, 0)
    return not (alone or reads_as_call(arg))


class _Code(Verbatim):
    """A placeholder for NumPy code printed as is (already bracketed where it must be)."""

    def _numpycode(self, printer: Any) -> str:
        return self.name


def _ones_multiple(term: Any) -> Any:
    """s for the broadcast s 1 1^T (1 itself for 1 1^T), else None."""
    if isinstance(term, sp.OneMatrix):
        return sp.S.One
    if isinstance(term, sp.MatMul):
        mats = [a for a in term.args if isinstance(a, sp.MatrixExpr)]
        if len(mats) == 1 and isinstance(mats[0], sp.OneMatrix):
            return sp.Mul(*[a for a in term.args if not isinstance(a, sp.MatrixExpr)])
    return None


def _companion(factor: sp.Expr) -> sp.Expr | None:
    """The function a factor is about: f(u) itself, f(u)^n, or 1 - f(u)."""
    if isinstance(factor, sp.Pow):
        factor = factor.base
    if isinstance(factor, sp.Function):
        return factor
    if isinstance(factor, sp.Add) and len(factor.args) == 2 and sp.S.One in factor.args:
        other = factor - 1
        if other.could_extract_minus_sign() and isinstance(-other, sp.Function):
            return -other
    return None


def _factor_key(factor: sp.Expr) -> tuple[int, str, int]:
    if factor.is_Number:
        return (0, "", 0)
    core = _companion(factor)
    if core is not None:
        plain = factor == core or (factor.is_Pow and factor.base == core)
        return (2, str(sp.default_sort_key(core)), 0 if plain else 1)
    if isinstance(factor, sp.Add):
        return (1, str(sp.default_sort_key(factor)), 0)
    return (3, str(sp.default_sort_key(factor)), 0)


def _term_key(term: sp.Expr) -> tuple[bool, int, str]:
    coeff, rest = term.as_coeff_Mul()
    degree = 0
    for factor in sp.Mul.make_args(rest):
        _, power = factor.as_base_exp()
        degree += int(power) if power.is_Integer and power > 0 else (0 if factor.is_number else 1)
    return (bool(term.could_extract_minus_sign()), -degree, sp.default_sort_key(term).__str__())


def latex(expr: Any, **settings: Any) -> str:
    """Print an expression in the project's LaTeX notation."""
    return DeriveLatexPrinter(settings).doprint(expr)


class DeriveNumPyPrinter(NumPyPrinter):
    """NumPy code over ``np``: stable sigmoid and softplus, erf without scipy."""

    # sample_size: the code for the sample size N (e.g. "x.size") in estimators.
    _default_settings = {**NumPyPrinter._default_settings, "sample_size": None}

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        # An observation x[i] inside a sum over the sample is the whole 1-D array x.
        return self._print(expr.base.label)

    def _print_factorial(self, expr: sp.Expr) -> str:
        gamma = f"{self._np('vectorize')}(__import__('math').gamma, otypes=[float])"
        return f"{gamma}({self._print(expr.args[0])} + 1.0)"

    def _print_polygamma(self, expr: sp.Expr) -> str:
        # d/dx x! = Gamma(x + 1) polygamma(0, x + 1): scipy has it, numpy does not.
        order, arg = (self._print(a) for a in expr.args)
        return f"__import__('scipy.special', fromlist=['polygamma']).polygamma({order}, {arg})"

    def _print_gamma(self, expr: sp.Expr) -> str:
        gamma = f"{self._np('vectorize')}(__import__('math').gamma, otypes=[float])"
        return f"{gamma}({self._print(expr.args[0])})"

    def _print_log(self, expr: sp.Expr) -> str:
        # log(n!) as lgamma(n + 1): the factorial itself overflows for large counts.
        arg = expr.args[0]
        if isinstance(arg, sp.factorial):
            lgamma = f"{self._np('vectorize')}(__import__('math').lgamma, otypes=[float])"
            return f"{lgamma}({self._print(arg.args[0])} + 1.0)"
        return super()._print_log(expr)

    def _print_Sum(self, expr: sp.Sum) -> str:
        ((index, low, high),) = expr.limits
        if not expr.function.has(index):
            return f"({self._print(high - low + 1)})*({self._print(expr.function)})"
        return f"{self._np('sum')}({self._print(expr.function)})"

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        size = self._settings.get("sample_size")
        if size and expr.name == "N" and expr.is_integer:
            return size
        if expr in self.dimensions:  # a matrix size: m -> W.shape[0]
            return self.dimensions[expr]
        return super()._print_Symbol(expr)

    def _module_format(self, fqn: str, register: bool = True) -> str:
        if fqn.startswith("numpy."):
            fqn = "np." + fqn[len("numpy.") :]
        return super()._module_format(fqn, register)

    def _np(self, name: str) -> str:
        return self._module_format(f"numpy.{name}")

    def _print_sigmoid(self, expr: sp.Expr) -> str:
        # 0.5 (1 + tanh(x/2)) equals 1/(1 + e^-x) and never overflows.
        arg = self._print(expr.args[0])
        arg = arg if isinstance(expr.args[0], _Code | sp.Symbol) else f"({arg})"
        return f"(0.5 + 0.5*{self._np('tanh')}(0.5*{arg}))"

    def _print_softplus(self, expr: sp.Expr) -> str:
        return f"{self._np('logaddexp')}(0, {self._print(expr.args[0])})"

    def _print_relu(self, expr: sp.Expr) -> str:
        return f"{self._np('maximum')}({self._print(expr.args[0])}, 0)"

    def _print_gelu(self, expr: sp.Expr) -> str:
        return f"({self._print(expr._closed_form())})"  # bracketed: it reads as a call

    def _print_normal_cdf(self, expr: sp.Expr) -> str:
        return f"({self._print(expr._closed_form())})"  # bracketed: it reads as a call

    def _print_normal_pdf(self, expr: sp.Expr) -> str:
        return f"({self._print(expr._closed_form())})"  # bracketed: it reads as a call

    def _print_erf(self, expr: sp.Expr) -> str:
        erf = f"{self._np('vectorize')}(__import__('math').erf, otypes=[float])"
        return f"{erf}({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sp.Expr) -> str:
        at_zero = self._print(expr.args[1]) if len(expr.args) > 1 else "0.5"  # sympy's H(0)
        return f"{self._np('heaviside')}({self._print(expr.args[0])}, {at_zero})"

    def _print_Max(self, expr: sp.Expr) -> str:
        return self._fold("maximum", expr.args)

    def _print_Min(self, expr: sp.Expr) -> str:
        return self._fold("minimum", expr.args)

    def _fold(self, name: str, args: tuple[sp.Expr, ...]) -> str:
        code = self._print(args[0])
        for arg in args[1:]:
            code = f"{self._np(name)}({code}, {self._print(arg)})"
        return code

    # --- matrices: @, .T, np.trace, np.linalg, entrywise functions, np.ones ----------------------

    dimensions: dict = {}

    def _size(self, dim: Any) -> str:
        dim = as_expr(dim)
        return self._print(dim.xreplace({k: _Code(v) for k, v in self.dimensions.items()}))

    def _wrap(self, arg: Any, level: int) -> str:
        """``arg`` in brackets when it binds less tightly than ``level`` (@ and * bind alike)."""
        code = self._print(arg)
        return f"({code})" if _code_precedence(arg) < level else code

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        # (W @ x - y) @ x.T: a scalar coefficient first, then the factors joined by @
        args = expr.args
        if (len(args) == 3 and isinstance(args[0], sp.OneMatrix) and args[0].shape[0] == 1
                and isinstance(args[2], sp.OneMatrix) and args[2].shape[1] == 1):
            return f"{self._np('sum')}({self._print(args[1])}, keepdims=True)"  # 1^T M 1
        scalars = [a for a in expr.args if not (isinstance(a, sp.MatrixExpr) or a.is_Matrix)]
        mats = [a for a in expr.args if isinstance(a, sp.MatrixExpr)]
        level = PRECEDENCE["Mul"]
        code = " @ ".join([self._wrap(mats[0], level)]
                          + [self._wrap(a, level + 1) for a in mats[1:]])
        coefficient = sp.Mul(*scalars)
        if coefficient == 1:
            return code
        if coefficient == -1:
            return f"-{code}"
        return f"{self._wrap(coefficient, level)}*{code}"

    def _print_MatAdd(self, expr: sp.MatAdd) -> str:
        # W @ x - y: positive terms first; s 1 1^T beside a full matrix is the scalar s
        # (numpy broadcasts it, the rule the expression was written with)
        terms = sorted(expr.args, key=lambda t: isinstance(t, sp.MatMul) and _negative(t))
        spread = not all(_ones_multiple(t) is not None for t in terms)
        parts = []
        for k, term in enumerate(terms):
            scalar = _ones_multiple(term) if spread else None
            code = self._print(term) if scalar is None else self._wrap(scalar, PRECEDENCE["Add"])
            if code.startswith("-") and k:
                parts.append(f"- {code[1:]}")
            else:
                parts.append(f"+ {code}" if k else code)
        return " ".join(parts)

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        return f"{self._wrap(expr.arg, PRECEDENCE['Atom'])}.T"

    def _print_Trace(self, expr: sp.Trace) -> str:
        if expr.arg.shape == (1, 1):  # a 1 x 1 matrix read as a number
            return f"{self._wrap(expr.arg, PRECEDENCE['Atom'])}.item()"
        return f"{self._np('trace')}({self._print(expr.arg)})"

    def _print_Determinant(self, expr: sp.Determinant) -> str:
        return f"{self._np('linalg.det')}({self._print(expr.arg)})"

    def _print_Inverse(self, expr: sp.Inverse) -> str:
        return f"{self._np('linalg.inv')}({self._print(expr.arg)})"

    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        level = PRECEDENCE["Mul"] + 1  # a product of matrices inside: (A @ B)*C
        return "*".join(self._wrap(a, level) for a in expr.args)

    def _print_HadamardPower(self, expr: Any) -> str:
        atom = PRECEDENCE["Atom"]
        return f"{self._wrap(expr.base, atom)}**{self._wrap(expr.exp, atom)}"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        (u,), body = expr.function.args
        return self._print(body.xreplace({u: _Code(self._wrap(expr.expr, PRECEDENCE["Atom"]))}))

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        rows, cols = (self._size(d) for d in expr.shape)
        return f"{self._np('ones')}(({rows}, {cols}))"

    def _print_ZeroMatrix(self, expr: sp.ZeroMatrix) -> str:
        rows, cols = (self._size(d) for d in expr.shape)
        return f"{self._np('zeros')}(({rows}, {cols}))"

    def _print_Identity(self, expr: sp.Identity) -> str:
        return f"{self._np('eye')}({self._size(expr.shape[0])})"

    def _print_DiagMatrix(self, expr: Any) -> str:
        return f"{self._np('diagflat')}({self._print(expr.args[0])})"


def _code_precedence(expr: Any) -> int:
    """How tightly the NumPy code of ``expr`` binds (an entrywise function: as its body)."""
    if isinstance(expr, sp.MatMul):
        scalars = [a for a in expr.args if not isinstance(a, sp.MatrixExpr)]
        return PRECEDENCE["Add"] if _negative(expr) else (
            PRECEDENCE["Mul"] if scalars or len(expr.args) > 1 else PRECEDENCE["Atom"])
    if isinstance(expr, ElementwiseApplyFunction):
        return _code_precedence(expr.function.args[1])
    if isinstance(expr, sp.Transpose | sp.MatrixSymbol):
        return PRECEDENCE["Atom"]
    if isinstance(expr, sp.Mul) and _negative(expr):
        return PRECEDENCE["Add"]
    return precedence(expr)


def numpy_code(expr: Any, inputs: Any = None, **settings: Any) -> str:
    """One Python expression over the input names and ``np``; a symbolic size is read off
    an input array (n -> ``W.shape[1]``) of ``expr`` or of ``inputs`` (the function)."""
    printer = DeriveNumPyPrinter({"fully_qualified_modules": True, "strict": True, **settings})
    printer.dimensions = {**_dimension_code(inputs), **_dimension_code(expr)}
    try:
        return printer.doprint(expr)
    except PrintMethodNotImplementedError as exc:
        what = str(exc).split(": ", 1)[-1].split()[0]
        raise NotSupported(f"not supported: numeric check code for {what}") from None


def _dimension_code(expr: Any) -> dict[sp.Symbol, str]:
    """Each symbolic size as code reading it off an input array: n -> 'W.shape[1]'."""
    found: dict[sp.Symbol, str] = {}
    if not isinstance(expr, sp.Basic):
        return found
    for m in sorted(expr.atoms(sp.MatrixSymbol), key=str):
        for axis, dim in enumerate(m.shape):
            if isinstance(dim, sp.Symbol):
                found.setdefault(dim, f"{m.name}.shape[{axis}]")
    return found


def derivation_latex(derivation: Any) -> str:
    """A compact LaTeX rendering of a ``derive.model.Derivation`` (for Jupyter): each section
    as an aligned chain."""
    parts = []
    for section in derivation.sections:
        lines = [rf"{latex(section.start)}"]
        lines += [rf"&= {latex(step.after)} && \text{{{step.rule}}}" for step in section.steps]
        parts.append(r"\begin{aligned}" + r" \\ ".join(lines) + r"\end{aligned}")
    return "$$" + r" \\[1em] ".join(parts) + "$$"


class Label(sp.Symbol):
    """A name written in LaTeX (``\\ell(\\mu)``, ``\\operatorname{KL}(p\\|q)``) that also says
    itself in plain text; LaTeX prints it as the symbol it is, the terminal as ``plain``."""

    def __new__(cls, tex: str, plain: str) -> Label:
        label = sp.Symbol.__xnew__(cls, tex)
        label.plain = plain
        return label

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict]:
        return (self.name, self.plain), {}

    def _hashable_content(self) -> tuple:
        return (*super()._hashable_content(), self.plain)


class DeriveStrPrinter(StrPrinter):
    """Plain text for a terminal, in the plain input syntax where it has one (X^T, .*, tr, inv)."""

    def _print_Label(self, expr: Label) -> str:
        return expr.plain

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        base = self._print(expr.arg)
        atomic = isinstance(expr.arg, sp.MatrixSymbol) or getattr(expr.arg, "is_named", False)
        return f"{base}^T" if atomic else f"({base})^T"

    def _wrapped(self, arg: Any, kinds: tuple[type, ...]) -> str:
        shown = self._print(arg)
        return f"({shown})" if isinstance(arg, kinds) else shown

    def _print_HadamardProduct(self, expr: sp.HadamardProduct) -> str:
        kinds = (sp.MatMul, sp.MatAdd)  # the Hadamard product is associative: no brackets
        return " .* ".join(self._wrapped(a, kinds) for a in _companions_last(expr.args))

    def _print_HadamardPower(self, expr: Any) -> str:
        return f"{self.parenthesize(expr.base, PRECEDENCE['Pow'], strict=True)}.^{expr.exp}"

    def _print_MatMul(self, expr: sp.MatMul) -> str:
        args = [a for a in expr.args if not _unit_ones(a)] or list(expr.args)
        sign = "-" if args[0] == -1 else ""
        kinds = (sp.MatAdd, sp.HadamardProduct, sp.Add)
        parts = [self._wrapped(a, kinds) for a in (args[1:] if sign else args)]
        return sign + "*".join(parts)

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        return "1^T" if expr.shape[0] == 1 and expr.shape[1] != 1 else "1"

    def _print_ElementwiseApplyFunction(self, expr: Any) -> str:
        (u,), body = expr.function.args
        shown = self._print(expr.expr)
        if _needs_brackets(expr.expr, body, u):
            shown = f"({shown})"
        return self._print(body.xreplace({u: Verbatim(shown)}))

    def _print_Trace(self, expr: sp.Trace) -> str:
        if expr.arg.shape == (1, 1) and not _holds_direction(expr.arg):
            return self._print(expr.arg)
        return f"tr({self._print(expr.arg)})"

    def _print_Inverse(self, expr: sp.Inverse) -> str:
        return f"inv({self._print(expr.arg)})"

    def _print_Determinant(self, expr: sp.Determinant) -> str:
        return f"det({self._print(expr.arg)})"

    def _print_DiagMatrix(self, expr: Any) -> str:
        return f"diag({self._print(expr.args[0])})"

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        wrt = " d".join(self._print(v) for v in expr.variables)
        inner = expr.expr
        if isinstance(inner, sp.Symbol | sp.Indexed | sp.MatrixSymbol):
            return f"d{self._print(inner)}/d{wrt}"
        return f"d/d{wrt}[{self._print(inner)}]"


def text(expr: Any) -> str:
    """An expression as readable plain text (the terminal output of derive)."""
    return DeriveStrPrinter().doprint(expr)


def _text_math(m: Any) -> str:
    return " = ".join(text(e) for e in m.exprs)


#: Prose for a terminal and for JSON: words as they are, maths by the text printer.
TEXT_PROSE = Printers(words=str, math=_text_math, tex=lambda t: t.text)


def prose_text(prose: Prose) -> str:
    """Prose as plain text (terminal, JSON)."""
    return prose.render(TEXT_PROSE)
