"""Derivation + its kind's recipe -> standalone numeric check script (numpy only, exits 0 or 1).

The helpers here print, with the project's NumPy printer, the same sympy
expressions the derivation proved; each kind's recipe (``derive.kinds``) picks
its template and the values it needs.
"""

from __future__ import annotations

import ast
import keyword
from pathlib import Path
from typing import Any

import sympy as sp

from derive.model import Derivation
from derive.numpyprint import numpy_code
from derive.render import environment
from derive.textprint import prose_text

SEED = 20261121


def py_name(name: str) -> str:
    """A symbol's name as a Python identifier (``lambda`` becomes ``lambda_``)."""
    return name + "_" if keyword.iskeyword(name) else name


def code(expr: Any, inputs: Any = None) -> str:
    """NumPy code with keyword-named symbols renamed; sizes read off ``inputs``' arrays."""
    renamed = {s: sp.Symbol(py_name(s.name), **s.assumptions0)
               for s in expr.free_symbols if isinstance(s, sp.Symbol) and keyword.iskeyword(s.name)}
    return numpy_code(expr.xreplace(renamed) if renamed else expr, inputs, helpers=True)


def along(expr: Any, var: Any, text: str) -> str:
    """Code for ``expr`` that returns an array shaped like ``var`` even when ``expr`` does not
    involve it (a constant density 1/theta evaluated on a grid of x): ``np.full`` only then."""
    if isinstance(expr, sp.Basic) and expr.has(var):
        return text
    return f"np.full(np.shape({py_name(str(var))}), {text})"


def symbol_domains(derivation: Derivation, symbols: Any) -> list[dict[str, str]]:
    """Sampling intervals for the check's random points, from the stated assumptions."""
    return [{"name": name, "low": repr(low), "high": repr(high)}
            for name, (low, high) in domain_table(derivation, symbols).items()]


def domain_table(derivation: Derivation, symbols: Any) -> dict[str, tuple[float, float]]:
    """The same intervals as a table ``name -> (low, high)``."""
    return {py_name(s.name): derivation.assumptions.interval(s.name, bool(s.is_positive),
                                                              bool(s.is_nonnegative))
            for s in symbols}


def render_check(derivation: Derivation, recipe: tuple[str, dict[str, Any]],
                 templates: Path | None = None, layout: bool = True) -> str:
    """The source of ``check_<id>.py`` from a kind's recipe (template name, context); laid
    out by black unless ``layout`` is false (a script that is run, never shown)."""
    template, context = recipe
    values = {"id": derivation.id or "expr", "title": prose_text(derivation.title), "seed": SEED}
    values.update(context)
    source = environment(templates, latex_syntax=False).get_template(template).render(values)
    return formatted(with_helpers(source)) if layout else with_helpers(source)


def formatted(source: str) -> str:
    """Python source laid out as a person would (black, 88 columns): generated expressions
    wrapped at their operators rather than at whatever column the template reached."""
    import black

    try:
        return black.format_str(source, mode=black.Mode(line_length=88))
    except black.InvalidInput:  # a user's own template that is not Python: leave it alone
        return source


#: Small functions a check script defines when it calls them (``code`` prints the calls).
HELPERS = {
    "sigmoid": (
        "def sigmoid(z):\n"
        '    """The logistic sigmoid 1/(1 + e^-z) as exp(-log(1 + e^-z)): it never overflows,\n'
        "    and keeps its relative precision in both tails (sigmoid(-30) = 9.4e-14).\"\"\"\n"
        "    return np.exp(-np.logaddexp(0.0, -z))\n"
    ),
    "erf": (
        "def erf(z):\n"
        '    """The error function entry by entry (math.erf: no scipy needed)."""\n'
        "    return np.vectorize(math.erf, otypes=[float])(z)\n"
    ),
    "factorial": (
        "def factorial(n):\n"
        '    """n! entry by entry, through the gamma function: n! = Gamma(n + 1)."""\n'
        "    return np.vectorize(math.gamma, otypes=[float])(n + 1.0)\n"
    ),
    "log_factorial": (
        "def log_factorial(n):\n"
        '    """log(n!) entry by entry, without computing n! (which overflows)."""\n'
        "    return np.vectorize(math.lgamma, otypes=[float])(n + 1.0)\n"
    ),
    "softplus": (
        "def softplus(z):\n"
        '    """log(1 + e^z), computed without overflow."""\n'
        "    return np.logaddexp(0.0, z)\n"
    ),
    "softmax": (
        "def softmax(z, axis=0):\n"
        '    """e^z / 1^T e^z along an axis (each column by default), shifted by the maximum."""\n'
        "    e = np.exp(z - np.max(z, axis=axis, keepdims=True))\n"
        "    return e / np.sum(e, axis=axis, keepdims=True)\n"
    ),
    "logsumexp": (
        "def logsumexp(z):\n"
        '    """log of the sum of e^z over all entries, shifted by the maximum."""\n'
        "    top = np.max(z)\n"
        "    return top + np.log(np.sum(np.exp(z - top)))\n"
    ),
}


#: the helpers that call the math module
MATH_HELPERS = {"erf", "factorial", "log_factorial"}


def with_helpers(source: str) -> str:
    """The script with the helpers it calls but does not define, placed after its imports."""
    tree = ast.parse(source)
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    called = {node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    missing = [name for name in HELPERS if name in called and name not in defined]
    imports = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    if not missing or not imports:
        return source
    lines = source.splitlines(keepends=True)
    at = imports[-1].end_lineno or 0
    block = "".join("\n\n" + HELPERS[name] for name in missing)
    first = imports[0].lineno - 1
    extra = ["import math\n"] if set(missing) & MATH_HELPERS else []
    return "".join(lines[:first] + extra + lines[first:at]) + block + "".join(lines[at:])
