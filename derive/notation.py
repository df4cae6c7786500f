"""Notation a sheet writes around its maths (``p(x | θ)``, ``∂L/∂w``, ``θ_new``): one table
of forms, each printed late by the target's own printer (LaTeX, plain text, Unicode).

Kinds and engines write ``Notated("posterior mean", theta)`` instead of building LaTeX
themselves; the project's printers print it (``_print_Notated``), each part by the printer
that prints the whole: the worksheet shows ``\\mathbb{E}[\\theta \\mid x]``, JSON
``E[theta | x]`` and the terminal ``E[θ | x]``.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

#: name -> (LaTeX, plain text[, Unicode]: the plain form where none is given); ``{0}``, ``{1}``,
#: ... are the parts, each printed by the target's printer (a tuple of parts is a list, ", "
#: between each two).
FORMS: dict[str, tuple[str, ...]] = {
    # probability
    "density": (r"p({0} \mid {1})", "p({0} | {1})", "p({0} | {1})"),
    "prior": (r"p({0})", "p({0})"),
    "proportional": (r"{0} \propto {1}", "{0} ~ {1}", "{0} ∝ {1}"),
    "posterior": (r"p({0} \mid x_1, \dots, x_N)", "p({0} | x_1, ..., x_N)", "p({0} | x₁, …, x_N)"),
    "log posterior": (r"\log p({0} \mid x_{{1:N}})", "log p({0} | x_1:N)", "log p({0} | x_1:N)"),
    "posterior mean": (r"\mathbb{{E}}[{0} \mid x]", "E[{0} | x]"),
    "posterior variance": (r"\operatorname{{Var}}[{0} \mid x]", "Var[{0} | x]"),
    "ridge objective": (r"\sum_i ({0} - {1} {2})^2 + \lambda {1}^2",
                        "sum_i ({0} - {1}*{2})^2 + lambda*{1}^2", "∑ᵢ ({0} - {1}·{2})² + λ·{1}²"),
    "count": (r"n_k = \sum_{{{0}}} [{1} = k]", "n_k = sum_{0} [{1} = k]", "n_k = ∑_{0} [{1} = k]"),
    "primed": ("{0}'", "{0}'"),
    "primed square": ("{0}'^{{2}}", "{0}'^2"),
    "Beta": (r"\operatorname{{Beta}}({0})", "Beta({0})"),
    "Gamma": (r"\operatorname{{Gamma}}({0})", "Gamma({0})"),
    "Normal": (r"\mathcal{{N}}({0})", "N({0})", "𝒩({0})"),
    # estimators
    "hat": (r"\hat{{{0}}}", "{0}_hat", "{0}̂"),
    "applied": ("{0}({1})", "{0}({1})"),
    "log-likelihood": (r"\ell({0})", "ell({0})", "ℓ({0})"),
    "map": (r"\hat{{{0}}}_{{\mathrm{{MAP}}}}", "{0}_MAP", "{0}_MAP"),
    "updated": (r"{0}_{{\mathrm{{new}}}}", "{0}_new"),
    "subgradient condition": (r"0 \in \partial\ell/\partial{0}", "0 in d ell/d{0}", "0 ∈ ∂ℓ/∂{0}"),
    "lagrangian": (r"\ell - \lambda\,({0})", "ell - lambda*({0})", "ℓ - λ·({0})"),
    "as written": ("{0}", "{0}"),  # an atom: a tuple of parts is a list
    # calculus
    "differential": ("d{0}", "d{0}"),
    "partial": (r"\partial {0}/\partial {1}", "d{0}/d{1}", "∂{0}/∂{1}"),
    "nabla": (r"\nabla_{{{0}}}", "grad_{0}", "∇_{0}"),
    "gradient of": (r"\nabla_{{{0}}}{1}", "grad_{0} {1}", "∇_{0} {1}"),
    "power rule": ("(u^{{{0}}})'", "(u^{0})'"),
    "substitution": (r"{0}\,d{1}", "({0}) d{1}", "({0}) d{1}"),
    "objective": ("f({0})", "f({0})"),
    "trace against": (r"\operatorname{{tr}}({0}^\top dz)", "tr({0}^T dz)", "tr({0}ᵀ dz)"),
    "ones sum": (r"\mathbf{{1}}^\top {0}", "1^T {0}", "1ᵀ{0}"),
    "partial of softmax": (r"\frac{{\partial {0}}}{{\partial z_{{1}}}}", "d{0}/dz1", "∂{0}/∂z₁"),
    # matrices, kept as written (no reordering of the factors)
    "juxtaposed": (r"{0}\,{1}", "{0}*{1}", "{0}·{1}"),
    "difference": ("{0} - {1}", "{0} - {1}"),
    "quantile": ("{0}_{{{1}}}", "{0}_{1}"),
    # linear algebra
    "product entry": ("({0})_{{{1}{2}}}", "({0})_{1}{2}"),
    "eigenvalue": (r"\lambda_{{{0}}}", "lambda_{0}", "λ_{0}"),
    "eigen row": (r"(Av)_{0} = \lambda v_{0}", "(Av)_{0} = lambda v_{0}", "(Av)_{0} = λ·v_{0}"),
}


TARGETS = ("latex", "text", "unicode")


def _shown(printer: Any, part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, tuple):
        return ", ".join(_shown(printer, p) for p in part)
    return printer._print(part)


class Notated(sp.Symbol):
    """A piece of notation from ``FORMS`` with its parts: one atom to sympy (nothing inside is
    substituted or simplified), printed by each target's printer."""

    def __new__(cls, form: str, *parts: Any, **assumptions: bool) -> Notated:
        if form not in FORMS:
            raise KeyError(f"no notation {form!r}")
        parts = tuple(_part(p) for p in parts)
        notated = sp.Symbol.__xnew__(cls, f"{form}{parts!r}", **assumptions)
        notated.form, notated.parts = form, parts
        return notated

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict]:
        return (self.form, *self.parts), self.assumptions0

    def _hashable_content(self) -> tuple:
        return (*super()._hashable_content(), self.form, self.parts)

    def printed(self, printer: Any, target: str) -> str:
        """The form for ``target`` ("latex", "text" or "unicode"), each part printed by
        ``printer``."""
        forms = FORMS[self.form]
        form = forms[min(TARGETS.index(target), len(forms) - 1)]
        return form.format(*(_shown(printer, p) for p in self.parts))


def _part(part: Any) -> Any:
    if isinstance(part, str):
        return part
    if isinstance(part, tuple | list):
        return tuple(_part(p) for p in part)
    return sp.Integer(part) if isinstance(part, int) else part
