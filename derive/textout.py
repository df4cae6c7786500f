"""Derivations as readable Unicode maths for a terminal: σ(w·x + b)·(1 - σ(w·x + b)), ∑ᵢ xᵢ.

Expressions go through a StrPrinter subclass (Greek letters, σ, √, ^, sums and products
over the sample as ∑ᵢ and ∏ᵢ, x_i for an observation); titles and notes, which hold LaTeX,
are converted by pylatexenc (a maintained LaTeX-to-Unicode converter). Never sympy's repr.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pretty.pretty_symbology import greek_unicode, sub, sup

from derive.model import Derivation
from derive.notation import Notated
from derive.printing import as_read, greek_name, inverse_transposed, latex, negative_matrix_term
from derive.prose import Math, Printers, Prose
from derive.termorder import ordered_factors, ordered_terms
from derive.textprint import DeriveStrPrinter

MARK = {"symbolic": "proved symbolically", "numeric": "proved numerically"}
RELATIONS = {"=": "=", "<=": "≤", ">=": "≥", "!=": "≠", "<": "<", ">": ">"}
_LETTERS = {"ell": "ℓ"}
_FUNCTIONS = {"sigmoid": "σ", "normal_cdf": "Φ", "normal_pdf": "φ", "Heaviside": "𝟙"}


class UnicodePrinter(DeriveStrPrinter):
    """One-line Unicode maths in the notation of the worksheets."""

    product, transposed = "·", "ᵀ"

    def _print_Notated(self, expr: Notated) -> str:
        return expr.printed(self, "unicode")

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if "\\" in expr.name:  # a name given in LaTeX (\alpha'): as Unicode, α'
            return unicode_text(f"${expr.name}$")
        head, sep, tail = greek_name(expr.name).partition("_")
        head = _LETTERS.get(head) or greek_unicode.get(head, head)
        hat = tail == "hat" or tail.startswith("hat_")
        if hat and len(head) == 1:  # mu_hat -> μ̂, p_hat_1 -> p̂_1, lam_hat -> λ̂
            head, tail = head + "\u0302", tail[4:]
            sep = "_" if tail else ""
        return head + sep + tail

    _print_Dummy = _print_Symbol
    _print_MatrixSymbol = _print_Symbol  # delta -> δ, Sigma -> Σ

    def _print_Inverse(self, expr: sp.Inverse) -> str:
        if isinstance(expr.arg, sp.MatrixSymbol):
            return f"{self._print(expr.arg)}⁻¹"
        if (symbol := inverse_transposed(expr)) is not None:
            return f"{self._print(symbol)}⁻ᵀ"
        return f"({self._print(expr.arg)})⁻¹"

    def _print_Transpose(self, expr: sp.Transpose) -> str:
        if (symbol := inverse_transposed(expr)) is not None:
            return f"{self._print(symbol)}⁻ᵀ"
        if isinstance(expr.arg, sp.Inverse) and (symbol := inverse_transposed(expr.arg)):
            return f"{self._print(symbol)}⁻¹"
        return super()._print_Transpose(expr)

    def _print_Verbatim(self, expr: sp.Symbol) -> str:
        return unicode_text(expr.name)  # notation given as LaTeX (max_z a'(z))

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Indexed):  # sympy's own _sympystr would print x[i]
            return self._indexed(expr)
        if _latex_only(expr) and not hasattr(self, f"_print_{type(expr).__name__}"):
            # E[X̄], μ_X: a notation derive writes only in LaTeX
            return unicode_text(f"${latex(expr)}$")
        return super()._print(expr, **kwargs)

    def _as_ordered_terms(self, expr: sp.Expr, order: str | None = None) -> list[sp.Expr]:
        if isinstance(expr, sp.MatAdd):  # as on the sheet: X·w - y, its negative terms last
            return sorted(expr.args, key=negative_matrix_term)
        if isinstance(expr, sp.Add):  # positive terms first: x_i - μ, σ(z) - y
            return ordered_terms(expr.args)
        return super()._as_ordered_terms(expr, order)

    def _indexed(self, expr: sp.Indexed) -> str:
        indices = ",".join(self._print(i) for i in expr.indices)
        base = self._print(expr.base.label)
        small = "".join(sub.get(c, "") for c in indices)
        return base + small if len(small) == len(indices) else f"{base}_{indices}"

    def _print_Function(self, expr: sp.Function) -> str:
        name = _FUNCTIONS.get(type(expr).__name__)
        if name is None:
            return super()._print_Function(expr)
        return f"{name}({self.stringify(expr.args[:1], ', ')})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp in (sp.S.Half, -sp.S.Half):  # √N, √2 and √(2·π·v): brackets where needed
            base = self._print(expr.base)
            root = f"√{base}" if expr.base.is_Atom else f"√({base})"
            return root if expr.exp > 0 else f"1/{root}"
        if isinstance(expr.base, sp.Sum | sp.Product) or getattr(expr.base, "is_moment", False):
            base = self._print(expr.base)  # (∑ᵢ xᵢ)^2, not ∑ᵢ xᵢ^2; (𝔼[X])^2, not 𝔼[X]^2
            if isinstance(expr.base, sp.Sum | sp.Product) or base.endswith("]"):
                return f"({base})^{self.parenthesize(expr.exp, PRECEDENCE['Pow'])}"
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        # ∂²ℓ/∂μ∂v for a named function of several variables, dℓ/dμ for one
        inner, wrt = expr.expr, expr.variable_count
        if not isinstance(inner, sp.Symbol) or sum(n for _, n in wrt) < 2:
            return super()._print_Derivative(expr)
        order = "".join(sup[c] for c in str(sum(n for _, n in wrt)))
        below = "".join(f"∂{self._print(v)}" + ("".join(sup[c] for c in str(n)) if n > 1 else "")
                        for v, n in wrt)
        return f"∂{order}{self._print(inner)}/{below}"

    def _print_Mul(self, expr: sp.Mul) -> str:
        # the worksheet's order (coefficient, sums, sigma(u) beside 1 - sigma(u), symbols), with ·
        coefficient, rest = expr.as_coeff_Mul()
        if not coefficient.is_Rational:  # a decimal: 0.5·λ·x^2, as a rational one reads
            shown = self._print(abs(coefficient))
            if rest != 1:
                shown += "·" + self.parenthesize(rest, PRECEDENCE["Mul"], strict=True)
            return ("-" if coefficient < 0 else "") + shown
        coefficient, rest = _one_root(coefficient, rest)
        factors = sp.Mul.make_args(rest)
        above = [f for f in factors if not (f.is_Pow and f.exp.is_negative)]
        below = [f.base if f.exp == -1 else sp.Pow(f.base, -f.exp, evaluate=False)
                 for f in factors if f.is_Pow and f.exp.is_negative]
        top = [self.parenthesize(f, PRECEDENCE["Mul"], strict=False)
               for f in ordered_factors(above)]
        if abs(coefficient.p) != 1 or not top:
            top.insert(0, str(abs(coefficient.p)))
        bottom = [self.parenthesize(f, PRECEDENCE["Mul"], strict=False)
                  for f in ordered_factors(below)]
        if coefficient.q != 1:
            bottom.insert(0, str(coefficient.q))
        shown = _product(top)
        if bottom:
            under = _product(bottom)
            shown += f"/({under})" if len(bottom) > 1 else f"/{under}"
        return ("-" if coefficient < 0 else "") + shown

    def _print_MatPow(self, expr: sp.MatPow) -> str:
        base = self._print(expr.base)
        atomic = isinstance(expr.base, sp.MatrixSymbol) or (
            isinstance(expr.base, sp.Transpose) and isinstance(expr.base.arg, sp.MatrixSymbol))
        exponent = self.parenthesize(expr.exp, PRECEDENCE["Pow"], strict=True)
        return f"{base if atomic else f'({base})'}^{exponent}"

    def _print_OneMatrix(self, expr: sp.OneMatrix) -> str:
        return f"1{self.transposed}" if expr.shape[0] == 1 and expr.shape[1] != 1 else "1"

    def _print_Heaviside(self, expr: sp.Heaviside) -> str:
        """As the sheets print it: 1[u > 0], 1[u >= 0], or H(u) with H(0) = 1/2."""
        argument, at_zero = self._print(expr.args[0]), expr.args[1]
        if at_zero in (0, 1):
            return f"𝟙[{argument} {'>' if at_zero == 0 else '≥'} 0]"
        return f"H({argument})"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Pi(self, expr: Any) -> str:
        return "π"

    def big_operator(self, symbol: str, expr: Any) -> str:
        """An operator over the sample (∑ᵢ, ∏ᵢ, maxᵢ) written before its body."""
        body = self.parenthesize(expr.function, PRECEDENCE["Mul"], strict=True)
        for index, low, high in reversed(expr.limits):
            small = sub.get(str(index), "")
            if low == 1 and str(high) == "N" and small:
                body = f"{symbol}{small} {body}"
            else:
                span = f"{self._print(index)}={self._print(low)}..{self._print(high)}"
                body = f"{symbol}_({span}) {body}"
        return body

    def _print_E(self, expr: Any) -> str:
        return f"𝔼[{self._print(expr.args[0])}]"  # the model's symbols it carries stay unshown

    def sample_sum(self, body: Any, index: str = "i") -> str:
        """∑ᵢ body: a sum over the whole sample, as the sheet's sum_{i=1}^N."""
        shown = self.parenthesize(body, PRECEDENCE["Mul"], strict=True)
        return f"∑{sub.get(index, '_' + index)} {shown}"

    def _print_SampleSum(self, expr: Any) -> str:
        return self.sample_sum(expr.args[0], str(expr.args[1]))

    def _print_Sum(self, expr: sp.Sum) -> str:
        return self.big_operator("∑", expr)

    def _print_Product(self, expr: sp.Product) -> str:
        return self.big_operator("∏", expr)

    def _print_Subs(self, expr: sp.Subs) -> str:
        at = ", ".join(f"{self._print(v)} = {self._print(p)}"
                       for v, p in zip(expr.variables, expr.point, strict=True))
        return f"[{self._print(expr.expr)}] at {at}"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # {(p - y)^2/2 if |p - y| ≤ δ; δ·(|p - y| - δ/2) otherwise}, as the cases are read
        cases = [f"{self._print(e)} " + ("otherwise" if c == sp.true else f"if {self._print(c)}")
                 for e, c in expr.args]
        return "{" + "; ".join(cases) + "}"

    def _print_Relational(self, expr: sp.core.relational.Relational) -> str:
        expr = as_read(expr)
        relation = RELATIONS.get(expr.rel_op, expr.rel_op)
        return f"{self._print(expr.lhs)} {relation} {self._print(expr.rhs)}"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"|{self._print(expr.args[0])}|"


_EXPONENT = re.compile(r"\^(\w+|\(.*\))$")


def _latex_only(expr: Any) -> bool:
    """An expression of derive's own whose notation is given only as LaTeX (``_latex``, no
    ``_sympystr``): the moments and sample notation of the probability sheets."""
    cls = type(expr)  # functions print as calls (σ(w·x), relu(z)), with their own names
    return (cls.__module__.startswith("derive.") and hasattr(cls, "_latex")
            and not hasattr(cls, "_sympystr") and not isinstance(expr, sp.Function))


def _product(factors: list[str]) -> str:
    """Printed factors joined as on the sheet: a bracket follows its factor directly,
    q(1 - q), 2(p - y), σ(u)(1 - σ(u)); other factors with a dot, 2·x·y, and a bracket after
    a power too (μ^2·(N - 1), not an exponent 2(N - 1))."""
    return "".join(
        ("" if k == 0 or f.startswith("(") and not _EXPONENT.search(factors[k - 1]) else "·")
        + f for k, f in enumerate(factors))


def _one_root(coefficient: sp.Rational, rest: sp.Expr) -> tuple[sp.Rational, sp.Expr]:
    """√2/(2 √π √v) as 1/√(2πv): the square roots of a denominator under one sign, as on the
    worksheet (sympy splits them apart)."""
    half = sp.Rational(1, 2)
    factors = list(sp.Mul.make_args(rest))
    inside = [f.base for f in factors if f.is_Pow and f.exp == -half and f.base.is_positive]
    kept = [f for f in factors if not (f.is_Pow and f.exp == -half and f.base in inside)]
    for f in list(kept):  # √2/2 = 1/√2
        if f.is_Pow and f.exp == half and f.base.is_Integer and coefficient.q % f.base == 0:
            coefficient *= f.base
            inside.append(f.base)
            kept.remove(f)
    if len(inside) < 2:
        return coefficient, rest
    radicand = sp.Mul(*inside, evaluate=False)
    return coefficient, sp.Mul(*kept, sp.Pow(radicand, -half, evaluate=False), evaluate=False)


def maths(expr: Any) -> str:
    """An expression as one line of Unicode maths."""
    return UnicodePrinter().doprint(expr)


#: a numerator or denominator that reads unambiguously without brackets: 2, N, σ_1, x^2, (a + b)
_ALONE = re.compile(r"\d+(\.\d+)?|[^\W\d_](_\w+)?('|\^\w+)?|\(.*\)(\^\w+)?")


def _fraction(node: Any, l2tobj: Any) -> str:  # pylatexenc passes the converter by this name
    """\\frac{a}{b} as a/b, bracketing a part that is more than one name or number;
    \\frac{\\partial}{\\partial q} as ∂/∂q."""
    top, bottom = (l2tobj.nodelist_to_text([arg]).strip()
                   for arg in node.nodeargd.argnlist[-2:])
    if top in ("∂", "d") and bottom.startswith(top):
        return f"{top}/{top}{bottom[len(top):].strip()}"
    return "/".join(_alone(p) or f"({p})" for p in (top, bottom))


def _alone(part: str) -> str | None:
    """The part as it reads without brackets (2, σ_1, ∂q_k), else None."""
    if _ALONE.fullmatch(part):
        return part
    operator, _, rest = part.partition(" ")
    return f"{operator}{rest}" if operator == "∂" and _ALONE.fullmatch(rest) else None


#: \log\frac{p}{q}: a function name before an argument that is no bracket keeps a space
#: after it (pylatexenc writes logp/q)
_NAMED_FUNCTION = re.compile(r"\\(log|ln|exp|det|tr|sin|cos|tan|tanh)(?![A-Za-z])\s*"
                             r"(?=[^\s(\\]|\\(?!left|[bB]igg?l?|!))")


_FRACTIONS = ("frac", "tfrac", "dfrac")


@cache
def _converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    context.add_context_category("derive", prepend=True, macros=[
        MacroTextSpec(name, simplify_repl=_fraction) for name in _FRACTIONS])
    return LatexNodes2Text(latex_context=context, math_mode="text")


@cache
def _walker_context() -> Any:
    """The parser's macros: \\tfrac and \\dfrac take two arguments, as \\frac does."""
    from pylatexenc.latexwalker import get_default_latex_context_db
    from pylatexenc.macrospec import std_macro

    context = get_default_latex_context_db()
    context.add_context_category("derive", prepend=True,
                                 macros=[std_macro(name, False, 2) for name in _FRACTIONS])
    return context


def unicode_text(tex: str) -> str:
    """Text holding LaTeX ($\\hat{\\mu} = ...$) as Unicode text on one line."""
    from pylatexenc.latexwalker import LatexWalker

    spaced = _NAMED_FUNCTION.sub(lambda m: f"\\{m.group(1)}\\ ", tex)
    nodes, _, _ = LatexWalker(spaced, latex_context=_walker_context(),
                              tolerant_parsing=True).get_latex_nodes()
    return " ".join(_converter().nodelist_to_text(nodes).split())


def _unicode_math(m: Math) -> str:
    return " = ".join(maths(e) for e in m.exprs)


#: Prose on a terminal: Unicode maths, hand-written LaTeX through pylatexenc.
UNICODE_PROSE = Printers(
    words=str,
    math=_unicode_math,
    display=lambda d: d.joined(_unicode_math),
    printed=lambda p: unicode_text(f"${p.tex}$"),
    tex=lambda t: unicode_text(t.latex),
    formula=lambda f: f.render(maths, RELATIONS),
    code=str,
)


def unicode_prose(prose: Prose) -> str:
    """A heading (words and maths) as one line of Unicode text."""
    return " ".join(prose.render(UNICODE_PROSE).split())


def derivation_text(derivation: Derivation, check: dict[str, Any] | None = None) -> str:
    """Each section's chain of equalities with the rule and how it was verified."""
    lines = [derivation.title.render(UNICODE_PROSE), ""]
    for section in derivation.sections:
        lines.append(unicode_prose(section.title) + ":")
        shown = maths(section.start)
        lines.append(f"    {shown}")
        rules: list[str] = []  # a step printing like the line before adds its rule to that line
        for step in section.steps:
            how = MARK.get(step.verified, "not verified")
            note = f": {unicode_prose(step.note)}" if step.note else ""
            after = maths(step.after)
            if after == shown:
                if rules:
                    rules.insert(-1, f"{step.rule}{note}")
                    lines[-1] = f"        [{'; '.join(rules)}]"
                else:  # the first step prints like the start: its rule under the start
                    rules = [f"{step.rule}{note}", how]
                    lines.append(f"        [{'; '.join(rules)}]")
                continue
            shown, rules = after, [f"{step.rule}{note}", how]
            lines.append(f"  = {after}")
            lines.append(f"        [{'; '.join(rules)}]")
        lines.append("")
    for result in derivation.results:
        relation = RELATIONS.get(result.relation, result.relation)
        lines.append(f"{maths(result.label)} {relation} {maths(result.expr)}")
    if check and check.get("passed") is not None:
        verdict = "passed" if check["passed"] else "FAILED"
        lines.append(
            f"numeric check: {verdict}" + (f" ({check['script']})" if check.get("script") else "")
        )
    elif check and check.get("line"):
        lines.append(f"numeric check: undecided ({check['line']})")
    return "\n".join(lines)
