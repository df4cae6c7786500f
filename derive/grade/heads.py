r"""What the left side of a student's line names: a quantity defined there, or a derivative of one.

``L = (w x - y)^2`` and ``\ell(\mu) = \sum_i ...`` define a name;
``dL/dw``, ``\frac{\partial L}{\partial w}``, ``L'(w)`` and ``\nabla_w L`` differentiate
a defined name. Recognised on the text, before parsing: ``\ell(\mu)`` would
otherwise read as the product of ell and mu.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NAME = (r"(?:\\mathcal\s*\{\s*[A-Za-z]\s*\}|\\mathcal\s*[A-Za-z]|\\(?!frac|dfrac|tfrac|partial"
         r"|nabla|mathrm|operatorname|left|sum|prod)[A-Za-z]+|[A-Za-z][A-Za-z0-9_]*)"
         r"(?:_\s*\{\s*[A-Za-z0-9]+\s*\})?")  # p_{1}, as LaTeX writes p_1
_VAR = (r"(?:\\(?:mathbf|mathrm|boldsymbol|bm|vec)\s*\{\s*\\?[A-Za-z][A-Za-z0-9]*\s*\}|\\[A-Za-z]+"
        r"|[A-Za-z][A-Za-z0-9]*)"
        r"(?:_\s*(?:\{\s*[A-Za-z0-9]+\s*\}|[A-Za-z0-9]))?")
_ARGS = r"(?:\(\s*(?P<args>[^()]*?)\s*\)|\\left\s*\(\s*(?P<largs>[^()]*?)\s*\\right\s*\))"
_D = r"(?:d|\\partial|\\mathrm\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\})"
_ORDER = r"(?:\^\s*\{?\s*(?P<order>[1-9])\s*\}?)?"
_VAR_ORDER = r"(?:\^\s*\{?\s*[1-9]\s*\}?)?"

_DEFINE = re.compile(rf"(?P<name>{_NAME})\s*{_ARGS}?")
_DERIVATIVES = (
    re.compile(rf"{_D}\s*{_ORDER}\s*(?P<name>{_NAME})\s*/\s*{_D}\s*(?P<var>{_VAR}){_VAR_ORDER}"),
    re.compile(rf"\\[dt]?frac\s*\{{\s*{_D}\s*{_ORDER}\s*(?P<name>{_NAME})\s*\}}"
               rf"\s*\{{\s*{_D}\s*(?P<var>{_VAR})\s*{_VAR_ORDER}\s*\}}\s*{_ARGS}?"),
    re.compile(rf"\\nabla\s*_\s*(?:\{{\s*(?P<bvar>{_VAR})\s*\}}|(?P<var>{_VAR}))\s*"
               rf"(?P<name>{_NAME})\s*{_ARGS}?"),
    re.compile(rf"(?P<name>{_NAME})\s*(?P<primes>'+)\s*{_ARGS}?"),
)
#: E[X], \mathbb{E}[X^2], \operatorname{Var}(X), \mathbb{E}_{x \sim p}[f(x)]: an expectation,
#: variance or covariance named on the left, whose value the right side starts from.
_OPERATOR = (r"(?:E|Var|Cov|\\mathbb\s*\{\s*E\s*\}|\\(?:operatorname|mathrm|text|mathbf)\s*"
             r"\{\s*(?:E|Var|Cov|V)\s*\}|\\(?:Var|Cov))")
_LABEL = re.compile(rf"(?P<name>{_OPERATOR})\s*(?:_\s*(?:\{{[^{{}}]*\}}|[A-Za-z]))?\s*"
                    r"(?:\[[^\[\]]*\]|\([^()]*\)|\\left\s*[\[(].*\\right\s*[\])])")
_SEPARATOR = re.compile(r"\s*[,;]\s*|\s*\\mid\s*|\s*\|\s*")


@dataclass(frozen=True)
class Head:
    """``kind`` "define" (``name``, its ``params``), "derive" (``name`` by ``variable``) or
    "label" (an expectation or variance whose value the line starts from)."""

    kind: str
    name: str
    params: tuple[str, ...] = ()
    variable: str = ""
    order: int = 1


def read_head(text: str) -> Head | None:
    """The definition or derivative the text (one side of an ``=``) names, else None."""
    text = text.strip()
    for pattern in _DERIVATIVES:
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            order = len(groups.get("primes") or "") or int(groups.get("order") or 1)
            variable = groups.get("var") or groups.get("bvar") or ""
            return Head("derive", groups["name"], _params(groups), variable, order)
    match = _LABEL.fullmatch(text)
    if match and not (match.group("name") == "E" and text.rstrip().endswith(")")):
        return Head("label", match.group("name"))  # E(x) stays a function a student defines
    match = _DEFINE.fullmatch(text)
    if match:
        return Head("define", match.group("name"), _params(match.groupdict()))
    return None


def _params(groups: dict[str, str | None]) -> tuple[str, ...]:
    inner = groups.get("args") or groups.get("largs") or ""
    return tuple(p for p in _SEPARATOR.split(inner.strip()) if p)


def applied(name: str, params: tuple[str, ...]) -> re.Pattern[str]:
    r"""``\ell(\mu)`` as written elsewhere in the file: the defined name at its own arguments."""
    inner = r"\s*[,;]\s*".join(re.escape(p) for p in params)
    return re.compile(rf"{re.escape(name)}(?![A-Za-z])\s*(?:\(\s*{inner}\s*\)"
                      rf"|\\left\s*\(\s*{inner}\s*\\right\s*\))")
