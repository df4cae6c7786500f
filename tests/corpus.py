"""A corpus of student files from the catalogue's verified derivations, with one mistake each.

Each scalar gradient, matrix gradient and likelihood entry is written as a hand
derivation in LaTeX (our printer) and, where the plain syntax can say it, in
plain syntax; each copy then gets one typical mistake at one line (a dropped
transpose, a missing 1 - sigma, a sum for a mean, a sign, a lost factor 2, a
quotient rule's sign, a log of a sum split).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.str import StrPrinter

from derive.functions import sigmoid
from derive.textprint import prose_text

KINDS = ("gradient", "backprop", "mle")

#: Entries a student file cannot say, and why (each is a limit of the notation, named).
NOT_WRITABLE = {
    "mle-categorical": "the entry's data are categories 1..3 (p1^((x_i - 2)(x_i - 3)/2) is "
                       "complex at random real data) and its N = n_1 + n_2 + n_3 is implicit; "
                       "the indexed form students write (a multiplier times 1 - sum_k p_k) is "
                       "tested in tests/test_check_constrained.py",
}


@dataclass(frozen=True)
class Line:
    """One line of a student file: ``head`` (a definition or a derivative, or '=') and its body."""

    head: str
    expr: Any


@dataclass(frozen=True)
class Copy:
    """A student file: its id, syntax, mistake (or 'clean'), text and the line the mistake is on."""

    id: str
    syntax: str
    mistake: str
    text: str
    line: int | None


# --- printing ---------------------------------------------------------------------------------


#: sympy classes the plain syntax writes as a call of one argument, by name.
PLAIN_CALLS = {"Abs": "abs", "DiagMatrix": "diag", "Trace": "tr", "Determinant": "det",
               "Inverse": "inv"}


class PlainPrinter(StrPrinter):
    """The plain syntax of DESIGN's CLI contract; None-raising for what it cannot say."""

    def _print_Derivative(self, expr: sp.Derivative) -> str:
        (variable, count), = expr.variable_count
        if count != 1:
            raise ValueError("higher derivative")
        return f"(d/d{variable} ({self._print(expr.expr)}))"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Named(self, expr: Any) -> str:
        name = expr.args[0] if getattr(expr, "is_named", False) else expr.args[1]
        return self._print(name) if not hasattr(name, "name") else name.name

    def _print_HadamardPower(self, expr: Any) -> str:
        return f"({self._print(expr.base)}).^{self._print(expr.exp)}"

    def _print_OneMatrix(self, expr: Any) -> str:
        return f"ones({self._print(expr.shape[0])}, {self._print(expr.shape[1])})"

    def _call(self, expr: Any) -> str:
        """A one-argument function of the plain syntax (``tr(X)``, ``abs(x)``)."""
        return f"{PLAIN_CALLS[type(expr).__name__]}({self._print(expr.args[0])})"

    _print_Abs = _print_DiagMatrix = _print_Trace = _print_Determinant = _call
    _print_Inverse = _call

    def _print_Max(self, expr: Any) -> str:
        return "max(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Min(self, expr: Any) -> str:
        return "min(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_Transpose(self, expr: Any) -> str:
        return f"({self._print(expr.arg)}).T"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return " .* ".join(f"({self._print(a)})" for a in expr.args)

    def _print_ElementwiseApplyFunction(self, expr: ElementwiseApplyFunction) -> str:
        body = expr.function.expr.xreplace({expr.function.variables[0]: sp.Symbol("ARG")})
        return self._print(body).replace("ARG", f"({self._print(expr.expr)})")

    def _unsupported(self, expr: Any) -> str:
        raise ValueError(f"no plain syntax for {type(expr).__name__}")

    _print_Sum = _print_Product = _print_Indexed = _print_Subs = _unsupported
    _print_Piecewise = _print_Heaviside = _print_Identity = _unsupported
    _print_KroneckerDelta = _print_MatPow = _print_sign = _unsupported
    _print_binomial = _print_factorial = _unsupported


def plain(expr: Any) -> str:
    return PlainPrinter().doprint(expr)


def latex_of(expr: Any) -> str:
    return _student_latex_printer().doprint(expr)


@cache
def _student_latex_printer() -> Any:
    """Our printer, with what a student spells out: det(X) in brackets (``\\det X X^{-1}``
    reads as det(X X^{-1})), a multi-letter name in \\mathrm (\\mathbf for one named like a
    function) and a column of ones with its length (``\\mathbf{1}_{N}``, where no neighbour
    gives it)."""
    from derive.parse.tables import GREEK, LATEX_FUNCTIONS
    from derive.printing import DeriveLatexPrinter

    class StudentLatex(DeriveLatexPrinter):
        def _print_Determinant(self, expr: Any) -> str:
            return rf"\det\left({self._print(expr.arg)}\right)"

        def _print_MatrixSymbol(self, expr: Any) -> str:
            if expr.name in LATEX_FUNCTIONS:  # \mathrm{ones} b would be the call ones(b)
                return rf"\mathbf{{{expr.name}}}"
            if len(expr.name) > 1 and expr.name not in GREEK:
                return rf"\mathrm{{{expr.name}}}"
            return super()._print_MatrixSymbol(expr)

        def _print_OneMatrix(self, expr: Any) -> str:
            rows, cols = expr.shape
            if cols == 1:
                return rf"\mathbf{{1}}_{{{self._print(rows)}}}"
            return super()._print_OneMatrix(expr)

    return StudentLatex()


# --- the student files --------------------------------------------------------------------------


def directives(derivation: Any) -> list[str]:
    """``% assume`` and ``% shape`` lines for what the entry states and the matrices it uses."""
    a = derivation.assumptions
    lines = [f"% assume {n} > 0" for n in sorted(a.positive)]
    lines += [f"% assume {n} >= 0" for n in sorted(a.nonnegative)]
    lines += [f"% assume 0 < {n} < 1" for n in sorted(a.unit_interval)]
    lines += [f"% assume {n} integer" for n in sorted(a.integer)]
    matrices = sorted(derivation.function.atoms(sp.MatrixSymbol), key=str) if hasattr(
        derivation.function, "atoms") else []
    lines += [f"% shape {m.name} = {m.shape[0]}, {m.shape[1]}" for m in matrices]
    lines += [f"% assume 1^T {name} = 1" for name in _simplex(derivation)]
    return lines


def _simplex(derivation: Any) -> tuple[str, ...]:
    """The probability vectors the entry states (``simplex = ["y"]``: 1^T y = 1)."""
    from derive import catalogue

    try:
        return tuple(catalogue.get(derivation.id).names("simplex", ()))
    except Exception:  # noqa: BLE001 - an entry without the field states none
        return ()


def is_matrix_entry(derivation: Any) -> bool:
    function = derivation.function
    return bool(getattr(function, "atoms", None)) and bool(function.atoms(sp.MatrixSymbol))


def student_lines(derivation: Any) -> list[Line]:
    """The derivation as a student writes it (head, expression), or [] if it is not one."""
    if derivation.kind == "mle":
        return _likelihood(derivation)
    if is_matrix_entry(derivation):
        lines = [Line("L", derivation.function)]
        for result in derivation.results:
            label = result.label
            if not (isinstance(label, sp.Derivative) and len(label.variables) == 1):
                return []
            head = f"nabla:{label.variables[0].name}"
            simplified = _simplified(derivation, result.expr)
            if simplified is None:
                lines.append(Line(head, result.expr))
            else:
                lines.append(Line(head, simplified.start))
                lines += [Line("=", step.after) for step in simplified.steps]
        return _matrices_named_first(derivation, lines)
    lines = []
    for section in derivation.sections:
        if not isinstance(section.start, sp.Derivative) or section.start.has(sp.MatrixExpr):
            return []
        lines.append(Line("start", section.start))
        lines += [Line("=", step.after) for step in section.steps]
    return _named_first(lines)


def _named_first(lines: list[Line]) -> list[Line]:
    """The values a sheet names (softmax outputs p_1, p_2, ...) defined on lines before the
    derivation, as a student writes ``p_1 = e^{z_1} / (...)`` first."""
    from derive.engine.calculus.shape import Named

    named = {n.args[1]: n.args[0] for line in lines for n in line.expr.atoms(Named)}
    definitions = [Line(f"name:{symbol.name}", named[symbol]) for symbol in
                   sorted(named, key=lambda s: s.name)]
    return definitions + lines


def _simplified(derivation: Any, result: Any) -> Any:
    """The section that simplifies a gradient to ``result`` (a student writes those lines
    too), for entries whose result names a forward value (p = softmax(z)); else None."""
    from derive.engine.matrix.expressions import Named

    if not derivation.function.atoms(Named):
        return None
    for section in derivation.sections:
        if (_title(section.title).startswith("Simplify") and section.steps
                and section.steps[-1].after == result):
            return section
    return None


def _matrices_named_first(derivation: Any, lines: list[Line]) -> list[Line]:
    """A named forward value (p = softmax(z)) defined on the line before the loss."""
    from derive.engine.matrix.expressions import Named

    simplex = _simplex(derivation)  # y = u / 1^T u: how the engine says 1^T y = 1
    named = sorted((n for n in derivation.function.atoms(Named) if n.name not in simplex),
                   key=lambda n: n.name)
    return [Line(f"name:{n.name}", n.definition) for n in named] + lines


def _likelihood(derivation: Any) -> list[Line]:
    sections = derivation.sections
    if not sections or sections[0].start.has(sp.MatrixExpr):
        return []
    params = [r.name for r in derivation.results]
    lines = [Line("define", sections[0].start)]
    lines += [Line("=", step.after) for step in sections[0].steps]
    loglik = lines[-1].expr
    results = {r.name: r for r in derivation.results}
    titles = [_title(section.title) for section in sections]
    for section in sections[1:]:
        start = section.start
        if not (isinstance(start, sp.Derivative) and len(start.variable_count) == 1):
            continue
        (variable, count), = start.variable_count
        if count != 1 or variable.name not in results or start.expr != loglik:
            continue  # not a score (a second derivative, a check of the solution)
        lines.append(Line(f"score:{variable.name}", section.steps[-1].after if section.steps
                          else start))
        if any(t.startswith("Setting the score to zero") for t in titles):
            # the estimate solves the score = 0 (not a boundary maximum, a Lagrangian,
            # a subgradient or a Newton step)
            lines.append(Line("zero", sp.S.Zero))
            lines.append(Line(f"hat:{variable.name}", results[variable.name].expr))
    return lines if len(lines) > len(sections[0].steps) + 1 and params else []


def _title(title: Any) -> str:
    """A section heading as plain text (a Prose, or a string)."""
    return title if isinstance(title, str) else prose_text(title)


def render(lines: list[Line], syntax: str, derivation: Any) -> str | None:
    """The text of the student file, or None when the syntax cannot write a line."""
    write = latex_of if syntax == "latex" else plain
    out = directives(derivation)
    try:
        for line in lines:
            out.append(_head(line, syntax, derivation) + write(line.expr))
    except (ValueError, TypeError, AttributeError, NotImplementedError):
        return None
    return "\n".join(out) + "\n"


def _head(line: Line, syntax: str, derivation: Any) -> str:
    kind, _, name = line.head.partition(":")
    named = {s.name: s for s in derivation.function.atoms(sp.Symbol, sp.MatrixSymbol)}
    tex_name = latex_of(named.get(name, sp.Symbol(name))) if name else ""
    params = ", ".join(latex_of(sp.Symbol(r.name)) for r in derivation.results)
    heads = {
        ("start", "latex"): "", ("start", "plain"): "",
        ("=", "latex"): "= ", ("=", "plain"): "= ",
        ("zero", "latex"): "= ", ("zero", "plain"): "= ",
        ("L", "latex"): "L = ", ("L", "plain"): "L = ",
        ("name", "latex"): f"{tex_name} = ", ("name", "plain"): f"{name} = ",
        ("define", "latex"): rf"\ell({params}) = ",
        ("nabla", "latex"): rf"\nabla_{{{tex_name}}} L = ",
        ("nabla", "plain"): f"dL/d{name} = ",
        ("score", "latex"): rf"\frac{{\partial \ell}}{{\partial {tex_name}}} = ",
        ("hat", "latex"): rf"\Rightarrow \hat{{{tex_name}}} = ",
    }
    if (kind, syntax) not in heads:
        raise ValueError(f"no {syntax} head for {kind}")
    return heads[(kind, syntax)]


# --- mistakes -----------------------------------------------------------------------------------


def _first(expr: Any, test: Callable[[Any], bool]) -> Any:
    return next((n for n in sp.preorder_traversal(expr) if test(n)), None)


def drop_transpose(expr: Any) -> Any:
    node = _first(expr, lambda n: isinstance(n, sp.Transpose))
    return None if node is None else expr.xreplace({node: node.arg})


def missing_one_minus_sigma(expr: Any) -> Any:
    node = _first(expr, lambda n: isinstance(n, sp.Add) and sp.S.One in n.args
                  and any(isinstance(-a, sigmoid) for a in n.args))
    return None if node is None else expr.xreplace({node: sp.S.One})


def sum_instead_of_mean(expr: Any) -> Any:
    node = _first(expr, lambda n: isinstance(n, sp.Pow) and n.exp == -1
                  and isinstance(n.base, sp.Symbol) and n.base.name in ("N", "n"))
    return None if node is None else expr.xreplace({node: sp.S.One})


def sign(expr: Any) -> Any:
    if isinstance(expr, sp.Add):
        first = expr.args[0]
        return expr - 2 * first
    return -expr


def lost_factor_2(expr: Any) -> Any:
    node = _first(expr, lambda n: isinstance(n, sp.Mul | sp.MatMul) and any(
        a in (sp.Integer(2), sp.Integer(-2)) for a in n.args))
    if node is None:
        return None
    args = [a / 2 if a in (sp.Integer(2), sp.Integer(-2)) else a for a in node.args]
    return expr.xreplace({node: type(node)(*args)})


def dropped_term(expr: Any) -> Any:
    """The last term of the outermost sum left out (p for p - y, p_1 for p_1 - 1)."""
    node = _first(expr, lambda n: isinstance(n, sp.Add | sp.MatAdd) and len(n.args) > 1)
    if node is None:
        return None
    kept = node.args[:-1]
    return expr.xreplace({node: kept[0] if len(kept) == 1 else type(node)(*kept)})


def wrong_quotient_rule(expr: Any) -> Any:
    node = _first(expr, lambda n: isinstance(n, sp.Mul) and any(
        isinstance(a, sp.Pow) and a.exp == -2 for a in n.args) and any(
        isinstance(a, sp.Add) and len(a.args) == 2 for a in n.args))
    if node is None:
        return None
    top = next(a for a in node.args if isinstance(a, sp.Add) and len(a.args) == 2)
    return expr.xreplace({top: top.args[0] - top.args[1]})


def log_of_sum_split(expr: Any) -> Any:
    node = _first(expr, lambda n: isinstance(n, sp.log) and isinstance(n.args[0], sp.Add))
    if node is None:
        return None
    return expr.xreplace({node: sp.Add(*[sp.log(t) for t in node.args[0].args])})


def _derivatives(expr: Any) -> list[sp.Derivative]:
    return [d for d in sp.preorder_traversal(expr) if isinstance(d, sp.Derivative)
            and len(d.variable_count) == 1 and d.variable_count[0][1] == 1
            and not d.has(sp.MatrixExpr)]


def _redone(expr: Any, slip: Callable[[Any, Any], Any]) -> Any:
    """``expr`` with its first derivative carried out with ``slip`` (None if it does not apply)."""
    for derivative in _derivatives(expr):
        wrong = slip(derivative.expr, derivative.variable_count[0][0])
        if wrong is not None:
            return expr.xreplace({derivative: wrong})
    return None


def _quotient_slip(f: Any, x: Any) -> Any:
    """(u'v + uv') / v^2 for f = u / v: the quotient rule's sign flipped."""
    u, v = sp.fraction(f)
    if v == 1 or not v.has(x):
        return None
    return (sp.diff(u, x) * v + u * sp.diff(v, x)) / v**2


def _sigmoid_slip(f: Any, x: Any) -> Any:
    """f' with sigma'(u) taken as sigma(u): the factor 1 - sigma(u) left out."""
    if not f.has(sigmoid):
        return None
    g = sp.Function("g")
    plain = f.replace(sigmoid, g)
    derivative = sp.diff(plain, x)
    derivative = derivative.replace(
        lambda e: isinstance(e, sp.Subs | sp.Derivative) and e.has(g),
        lambda e: sigmoid(e.point[0]) if isinstance(e, sp.Subs) else sigmoid(e.expr.args[0]))
    return derivative.replace(g, sigmoid)


def quotient_rule_on_the_next_line(expr: Any) -> Any:
    return _redone(expr, _quotient_slip)


def missing_one_minus_sigma_on_the_next_line(expr: Any) -> Any:
    return _redone(expr, _sigmoid_slip)


def log_of_sum_split_on_the_next_line(expr: Any) -> Any:
    return log_of_sum_split(expr)


#: Mistakes made while going from a line to the next: written as a line inserted after it.
NEXT_LINE_MISTAKES: dict[str, Callable[[Any], Any]] = {
    "wrong quotient rule": quotient_rule_on_the_next_line,
    "missing 1 - sigma": missing_one_minus_sigma_on_the_next_line,
    "log of a sum split": log_of_sum_split_on_the_next_line,
}


def _inserted(lines: list[Line], mistake: Callable[[Any], Any]) -> Iterator[tuple[int, list[Line]]]:
    """(index of the inserted wrong line, the lines with it), after every scalar line it fits."""
    for k, line in enumerate(lines):
        if line.head not in ("start", "define", "=") or line.expr.has(sp.MatrixExpr):
            continue
        try:
            wrong = mistake(line.expr)
        except (TypeError, ValueError, AttributeError, NotImplementedError):
            continue
        if wrong is not None and _changed(line.expr, wrong):
            yield k + 1, [*lines[: k + 1], Line("=", wrong), *lines[k + 1:]]


MISTAKES: dict[str, Callable[[Any], Any]] = {
    "dropped transpose": drop_transpose,
    "missing 1 - sigma": missing_one_minus_sigma,
    "sum instead of mean": sum_instead_of_mean,
    "sign": sign,
    "lost factor 2": lost_factor_2,
    "dropped term": dropped_term,
    "wrong quotient rule": wrong_quotient_rule,
    "log of a sum split": log_of_sum_split,
}


def _changed(before: Any, after: Any) -> bool:
    """The mutation changes the value (at a few random points), not just the form."""
    from derive.grade.equivalence import judge

    try:
        return judge(before, after).equal is False
    except Exception:  # noqa: BLE001 - a mutation sympy cannot even compare is no mistake
        return False


def _mutated(lines: list[Line], mistake: Callable[[Any], Any]) -> Iterator[tuple[int, list[Line]]]:
    """(index of the line, the lines with that line's expression mutated), for every line
    where the mistake changes the value."""
    for k, line in enumerate(lines):
        if line.head in ("start", "define", "L", "zero") or line.head.startswith("name:"):
            continue
        try:
            wrong = mistake(line.expr)
        except (TypeError, ValueError, AttributeError, sp.ShapeError):
            continue
        if wrong is not None and wrong != line.expr and _changed(line.expr, wrong):
            yield k, [*lines[:k], Line(line.head, wrong), *lines[k + 1:]]


@cache
def derivations(ids: tuple[str, ...] | None = None) -> tuple[tuple[str, Any], ...]:
    """(id, verified derivation) of the scalar, matrix and likelihood entries (or ``ids``)."""
    from derive import catalogue, pipeline

    specs = [catalogue.get(i) for i in ids] if ids else [
        s for s in catalogue.entries() if s.id not in NOT_WRITABLE]
    return tuple((s.id, pipeline.derive(s)) for s in specs if s.kind in KINDS)


def copies(ids: tuple[str, ...] | None = None) -> Iterator[Copy]:
    """Every clean copy and every copy with one mistake, in LaTeX and plain syntax."""
    for entry, derivation in derivations(ids):
        lines = student_lines(derivation)
        if not lines:
            continue
        offset = len(directives(derivation))
        for syntax in ("latex", "plain"):
            text = render(lines, syntax, derivation)
            if text is None:
                continue
            yield Copy(entry, syntax, "clean", text, None)
            for name, mistake in MISTAKES.items():
                for k, wrong_lines in _mutated(lines, mistake):
                    wrong_text = render(wrong_lines, syntax, derivation)
                    if wrong_text is not None:
                        yield Copy(entry, syntax, name, wrong_text, offset + k + 1)
            for name, mistake in NEXT_LINE_MISTAKES.items():
                for k, wrong_lines in _inserted(lines, mistake):
                    wrong_text = render(wrong_lines, syntax, derivation)
                    if wrong_text is not None:
                        yield Copy(entry, syntax, name, wrong_text, offset + k + 1)


def verdict(copy: Copy) -> str:
    """'clean passed', 'caught', 'false alarm', 'missed' (with the line) or 'error: ...'."""
    from derive.errors import DeriveError
    from derive.grade import check_text

    try:
        report = check_text(copy.text)
    except DeriveError as exc:
        return f"error: {exc}"
    if copy.mistake == "clean":
        bad = [v.line.number for v in report.steps if v.status != "ok"]
        return "clean passed" if not bad else f"false alarm at line(s) {bad}"
    if report.first_error == copy.line:
        return "caught"
    return f"missed: first error {report.first_error}, mistake at line {copy.line}"


def main() -> None:
    """Print the counts of the whole corpus (clean passed / mistakes caught / false alarms)."""
    import collections
    import sys

    counts: collections.Counter[str] = collections.Counter()
    for copy in copies():
        outcome = verdict(copy)
        counts[outcome.split(":")[0].split(" at ")[0]] += 1
        if outcome not in ("clean passed", "caught"):
            print(f"{copy.id} ({copy.syntax}, {copy.mistake}): {outcome}", file=sys.stderr)
    print(dict(counts))


if __name__ == "__main__":
    main()
