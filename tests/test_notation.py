"""Kinds and engines write no LaTeX themselves: headings, labels and notes are Prose and
``Notated`` values that each target prints late (LaTeX, plain text for JSON, Unicode)."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest
import sympy as sp

from derive.engine.sample.support import NAMED
from derive.notation import FORMS, Notated
from derive.printing import latex
from derive.prose import Prose, display, math
from derive.richtext import LATEX_PROSE
from derive.textout import maths, unicode_prose
from derive.textprint import prose_text, text
from tests.conftest import ROOT

#: a TeX command: a backslash and two or more letters (regexes' \s, \d have one)
TEX_COMMAND = re.compile(r"\\[A-Za-z]{2,}")
#: the methods that print an object for a printer (sympy's protocol and ours)
PRINTER_METHOD = re.compile(r"^(_latex|_tex|_sympystr|_print_\w+)$")
#: segments and labels of fixed notation: hand-written LaTeX with its own plain text
NOTATION_CALLS = {"Tex", "tex", "Label"}
#: tables that printer methods read, beside the class that prints them
PRINTER_TABLES = {
    "derive/engine/sample/statistics.py": "latex_head, read by SampleStatistic._latex",
    "derive/engine/sample/support.py": "_LATEX, read by InSupport._latex",
}
SOURCES = sorted(p for d in ("kinds", "engine") for p in (ROOT / "derive" / d).rglob("*.py"))


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _measured(parents: list[ast.AST]) -> bool:
    """A printed form that is only measured or compared (a tie-break by length), not shown."""
    parent = parents[-1] if parents else None
    return isinstance(parent, ast.Compare) or (
        isinstance(parent, ast.Call) and _name(parent) == "len")


def tex_builders(source: str, tables_allowed: bool = False) -> list[str]:
    """Where a module builds LaTeX text itself: a ``latex()`` call whose text is shown, TeX
    in an f-string or in a literal, hand-written notation of a built string."""
    found: list[str] = []

    def visit(node: ast.AST, parents: list[ast.AST]) -> None:
        if isinstance(node, ast.FunctionDef) and PRINTER_METHOD.match(node.name):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a docstring
        if isinstance(node, ast.Call) and _name(node) in ("latex", "_latex") \
                and not _measured(parents):
            found.append(f"line {node.lineno}: latex() call")
        if isinstance(node, ast.Call) and _name(node) in NOTATION_CALLS:
            for arg in node.args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    found.append(f"line {node.lineno}: {_name(node)}() of a built string")
            return
        if isinstance(node, ast.JoinedStr):
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if TEX_COMMAND.search(literal):
                found.append(f"line {node.lineno}: TeX in an f-string")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and TEX_COMMAND.search(node.value) and not tables_allowed \
                and not isinstance(parents[-1] if parents else None, ast.JoinedStr):
            found.append(f"line {node.lineno}: TeX literal {node.value[:30]!r}")
        for child in ast.iter_child_nodes(node):
            visit(child, [*parents, node])

    visit(ast.parse(source), [])
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_kind_or_engine_module_builds_latex_itself(path: Path):
    where = str(path.relative_to(ROOT))
    found = tex_builders(path.read_text(encoding="utf-8"), where in PRINTER_TABLES)
    assert not found, f"{where} builds LaTeX itself (use Prose, Notated): {found}"


#: (source, whether the check finds LaTeX built by hand in it)
CASES = {
    "label": ('label = Label(rf"\\hat{{{latex(theta)}}}", f"{theta}_hat")', True),
    "built-tex": ('title = Prose.of("Simplify ", Tex(f"$d{name}$", name))', True),
    "latex-call": ("x = latex(expr)", True),
    "literal": ('heading = r"$\\nabla_w$"', True),
    "f-string": ('note = f"\\\\frac{{{a}}}{{2}}"', True),
    "printer": ('class E:\n    def _latex(self, printer):\n'
                '        return rf"\\mathbb{{E}}[{printer._print(x)}]"', False),
    "fixed-notation": ('NOTE = tex(r"$\\mu$", "mu")', False),
    "comparison": ("if latex(a) == latex(b):\n    pass", False),
    "length": ("n = len(latex(expr))", False),
    "regex": ('PATTERN = rf"^\\s*{v}\\s*$"', False),
}


@pytest.mark.parametrize("case", CASES)
def test_the_check_finds_latex_built_by_hand_and_passes_printers_and_measurements(case: str):
    source, built = CASES[case]
    assert bool(tex_builders(source)) is built


theta, x, w = sp.Symbol("theta"), sp.Symbol("x"), sp.MatrixSymbol("W", 2, 3)


@pytest.mark.parametrize("notated,tex,plain,uni", [
    (Notated("posterior mean", theta), r"\mathbb{E}[\theta \mid x]", "E[theta | x]",
     "E[θ | x]"),
    (Notated("partial", "L", w), r"\partial L/\partial W", "dL/dW", "∂L/∂W"),
    (Notated("density", x, (theta, sp.Symbol("mu"))), r"p(x \mid \theta, \mu)",
     "p(x | theta, mu)", "p(x | θ, μ)"),
    (Notated("primed", sp.Symbol("alpha")), r"\alpha'", "alpha'", "α'"),
    (Notated("eigenvalue", 2), r"\lambda_{2}", "lambda_2", "λ_2"),
])
def test_notation_prints_in_each_target(notated, tex, plain, uni):
    assert (latex(notated), text(notated), maths(notated)) == (tex, plain, uni)
    assert "\\" not in text(notated) + maths(notated)


def test_notation_is_one_atom_that_survives_pickling_and_keeps_assumptions():
    primed = Notated("primed", sp.Symbol("beta"), positive=True)
    assert primed.is_positive and primed.free_symbols == {primed}
    assert pickle.loads(pickle.dumps(primed)) == primed
    assert Notated("hat", theta) != Notated("hat", x)
    assert (Notated("updated", theta) * 2).subs(theta, 1) == 2 * Notated("updated", theta)


def test_every_form_has_a_latex_and_a_plain_text_form():
    for name, forms in FORMS.items():
        assert 2 <= len(forms) <= 3, name
        assert not any("\\" in f for f in forms[1:]), f"{name}: TeX in a plain form"


def test_a_displayed_line_prints_for_each_target():
    prose = Prose.of("with density ", display(
        math(Notated("density", x, theta), theta * sp.exp(-theta * x)),
        math(NAMED["positive"].written_as(x)), end="."))
    assert prose.render(LATEX_PROSE) == (
        r"with density \[ p(x \mid \theta) = \theta e^{- \theta x}, \qquad x \ge 0. \]")
    assert prose_text(prose) == "with density p(x | theta) = theta*exp(-theta*x), x >= 0."
    assert "\\" not in unicode_prose(prose)


def test_aligned_rows_are_one_equation_a_row():
    a, b = sp.symbols("a b")
    prose = display(math(a, b + 1), math(b, 2 * a), aligned=True)
    assert prose.render(LATEX_PROSE) == (
        r"\[\begin{aligned} a &= b + 1 \\ b &= 2 a \end{aligned}\]")
    assert prose_text(prose) == "a = b + 1; b = 2*a"
