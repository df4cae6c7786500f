"""Linear algebra on the lecturer's matrices: products, determinants, eigenpairs, composition.

The matrices come from the entry; the engine writes every scalar equality a
student would write (one entry of a product, one cofactor, one row of A v =
lambda v), so each line is a checkable equality of numbers or polynomials.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.kinds.base import Kind, derivation_of
from derive.kinds.linalg.fields import FIELDS
from derive.model import Derivation, Result, Section, Step
from derive.notation import Notated
from derive.printing import Label
from derive.prose import Prose, Tex, math, tex

LAMBDA = sp.Symbol("lambda")


def _matrix(spec: Spec, name: str) -> sp.ImmutableMatrix:
    rows = spec.require(name, list)
    if not rows or not all(isinstance(r, list) and r for r in rows):
        raise spec.error(name, "expected a list of rows, e.g. [[1, 2], [3, 4]]")
    if len({len(r) for r in rows}) != 1:
        raise spec.error(name, "rows of different lengths")
    if len(rows) > 4 or len(rows[0]) > 4:
        raise spec.error(name, "at most 4 x 4")
    if not all(isinstance(v, int) and not isinstance(v, bool) for r in rows for v in r):
        raise spec.error(name, "entries must be integers")
    return sp.ImmutableMatrix(rows)


_A, _B, _AB, _BA = sp.symbols("A B AB BA")
TIMES = tex(r"$\times$", "x")


def _product_entry(a: sp.Matrix, b: sp.Matrix, i: int, j: int) -> sp.Expr:
    """sum_k A_ik B_kj with the numbers in place, not yet added up."""
    return sp.Add(*(sp.Mul(a[i, k], b[k, j], evaluate=False) for k in range(a.cols)),
                  evaluate=False)


def _entry_sections(a: sp.Matrix, b: sp.Matrix, left: str, right: str) -> list[Section]:
    sections = []
    for i in range(a.rows):
        for j in range(b.cols):
            written = _product_entry(a, b, i, j)
            label = Notated("product entry", left + right, i + 1, j + 1)
            sections.append(Section(Prose.of("" if sections else "Entry by entry"), written,
                                    (Step(written, (a * b)[i, j], "evaluate"),), lhs=label))
    return sections


def _matmul(spec: Spec, a: sp.Matrix, b: sp.Matrix) -> dict[str, Any]:
    if a.cols != b.rows:
        raise spec.error("B", f"shapes {a.rows}x{a.cols} and {b.rows}x{b.cols} do not fit")
    return {
        "sections": _entry_sections(a, b, "A", "B"),
        "results": [Result("AB", sp.Symbol("AB"), sp.ImmutableMatrix(a * b))],
        "question": Prose.of(
            "Let ", math(_A, a), f" ({a.rows}", TIMES, f"{a.cols}) and ", math(_B, b),
            f" ({b.rows}", TIMES, f"{b.cols}). The product ", math(_AB), f" is {a.rows}", TIMES,
            f"{b.cols}; compute it with ",
            tex(r"$(AB)_{ij} = \sum_k A_{ik}B_{kj}$", "(AB)_ij = sum_k A_ik B_kj"), "."),
    }


def _det2(m: sp.Matrix) -> sp.Expr:
    return sp.Add(sp.Mul(m[0, 0], m[1, 1], evaluate=False),
                  sp.Mul(-1, m[0, 1], m[1, 0], evaluate=False), evaluate=False)


def determinant_steps(m: sp.Matrix) -> list[Step]:
    """det by the 2x2 formula, or by cofactor expansion along the first row."""
    start = sp.Determinant(m)
    if m.shape == (2, 2):
        written = _det2(m)
        return [Step(start, written, "determinant of a 2x2"), Step(written, m.det(), "evaluate")]
    minors = [m.minor_submatrix(0, j) for j in range(m.cols)]

    def signed(j: int, minor: Any) -> sp.Expr:  # the sign apart from the entry: - (-1) det(..)
        return sp.Mul(*([-1] if j % 2 else []), m[0, j], minor, evaluate=False)

    expansion = sp.Add(*(signed(j, sp.Determinant(minors[j])) for j in range(m.cols)),
                       evaluate=False)
    steps = [Step(start, expansion, "cofactor expansion", Prose.of("along the first row"))]
    values = sp.Add(*(signed(j, minors[j].det()) for j in range(m.cols)), evaluate=False)
    rule = "determinant of a 2x2" if m.shape == (3, 3) else "cofactor expansion"
    steps.append(Step(expansion, values, rule))
    steps.append(Step(values, m.det(), "evaluate"))
    return steps


def _determinant(spec: Spec, a: sp.Matrix, _: Any) -> dict[str, Any]:
    if a.rows != a.cols:
        raise spec.error("A", "a determinant needs a square matrix")
    label = Label(r"\det A", "det A")
    return {
        "sections": [Section(Prose.of("Determinant"), sp.Determinant(a),
                             tuple(determinant_steps(a)))],
        "results": [Result("det", label, a.det())],
        "question": Prose.of("Compute the determinant of ", math(_A, a), "."),
    }


def _eigen(spec: Spec, a: sp.Matrix, _: Any) -> dict[str, Any]:
    if a.shape != (2, 2):
        raise spec.error("A", "eigenpairs are derived for 2x2 matrices")
    shifted = a - LAMBDA * sp.eye(2)
    char = sp.Determinant(shifted)
    written = _det2(shifted)
    poly = sp.expand(shifted.det())
    roots = sorted(sp.roots(sp.Poly(poly, LAMBDA)).keys(), key=sp.default_sort_key)
    if len(roots) != 2 or not all(r.is_real for r in roots):
        raise spec.error("A", "choose a matrix with two distinct real eigenvalues")
    factored = sp.Mul(*(LAMBDA - r for r in roots), evaluate=False)
    title = Prose.of("Characteristic polynomial ",
                     Tex(r"$\det(A - \lambda I) = 0$", "det(A - lambda I) = 0"))
    sections = [Section(title, char, (
        Step(char, written, "determinant of a 2x2"),
        Step(written, poly, "expand"),
        Step(poly, factored, "factor",
             Prose.of("roots ", math(LAMBDA, roots[0]), ", ", math(roots[1]))),
    ))]
    results = [Result(f"lambda{k + 1}", Notated("eigenvalue", k + 1), r)
               for k, r in enumerate(roots)]
    vectors = []
    for k, lam in enumerate(roots):
        m = a - lam * sp.eye(2)
        v = sp.ImmutableMatrix([m[0, 1], -m[0, 0]]) if m[0, :] != sp.zeros(1, 2) else \
            sp.ImmutableMatrix([m[1, 1], -m[1, 0]])
        v = v / sp.gcd(list(v)) if any(v) else v
        steps = []
        for row in range(2):
            lhs = sp.Add(*(sp.Mul(m[row, c], v[c], evaluate=False) for c in range(2)),
                         evaluate=False)
            steps.append(Step(lhs, sp.S.Zero, "null space", Prose.of(
                f"row {row + 1} of ", tex(r"$(A - \lambda I)v$", "(A - lambda I) v"))))
        for row in range(2):
            av = _product_entry(a, v, row, 0)
            steps.append(Step(av, lam * v[row], "evaluate", Prose.of(
                f"row {row + 1}: ", math(Notated("eigen row", row + 1)))))
        title = Prose.of("Eigenvector for ", math(sp.Symbol(f"lambda_{k + 1}"), lam),
                         ": ", math(sp.Symbol(f"v_{k + 1}"), v))
        sections.append(Section(title, steps[0].before, (steps[0],)))
        for step in steps[1:]:
            sections.append(Section(Prose(), step.before, (step,)))
        vectors.append(v)
        results.append(Result(f"v{k + 1}", sp.Symbol(f"v_{k + 1}"), v))
    return {
        "sections": sections,
        "results": results,
        "question": Prose.of("Find the eigenvalues and eigenvectors of ", math(_A, a), "."),
        "details": {"eigenvalues": [float(r) for r in roots],
                    "eigenvectors": [[float(c) for c in v] for v in vectors]},
    }


def _composition(spec: Spec, a: sp.Matrix, b: sp.Matrix) -> dict[str, Any]:
    if b.cols != a.rows:
        raise spec.error("B", "g must take the outputs of f: B needs as many columns as A has rows")
    x = sp.ImmutableMatrix(spec.get("x", [1] * a.cols))
    sections = _entry_sections(b, a, "B", "A")
    ax, bax = a * x, b * (a * x)
    for i in range(b.rows):
        written = _product_entry(b, ax, i, 0)
        via_product = _product_entry(b * a, x, i, 0)
        sections.append(Section(
            Prose.of("Check on ", math(sp.Symbol("x"), x), f", component {i + 1}: ",
                     Tex("$g(f(x))$", "g(f(x))"), " and ", Tex("$(BA)x$", "(BA)x")) if i == 0
            else Prose(), written, (Step(written, via_product, "composition",
                                    Prose.of(tex("$B(Ax) = (BA)x$", "B(Ax) = (BA)x"),
                                             " written out")),
                               Step(via_product, bax[i], "evaluate"))))
    return {
        "sections": sections,
        "results": [Result("BA", Label(r"g \circ f", "g o f"), sp.ImmutableMatrix(b * a))],
        "question": Prose.of(
            "Let ", tex("$f(x) = Ax$", "f(x) = Ax"), " with ", math(_A, a), " and ",
            tex("$g(y) = By$", "g(y) = By"), " with ", math(_B, b), ". Show that ",
            tex(r"$g \circ f$", "g o f"), " is the linear map with matrix ", math(_BA),
            " (first ", math(_A), ", then ", math(_B), ": the order reverses)."),
        "details": {"x": [int(c) for c in x]},
    }


TASKS = {"matmul": _matmul, "determinant": _determinant, "eigen": _eigen,
         "composition": _composition}


@dataclass(frozen=True)
class Matrices:
    """What a linear-algebra task adds: the task, the lecturer's matrices, the eigenpairs."""

    task: str
    A: tuple[tuple[int, ...], ...]
    B: tuple[tuple[int, ...], ...] | None = None
    eigenvalues: list[float] | None = None  # eigen: as floats, for the check
    eigenvectors: list[list[float]] | None = None
    x: list[int] | None = None  # composition: the vector the two routes are compared on


def derive_linalg(spec: Spec) -> Derivation:
    """Every step of the task on the entry's matrices."""
    task = spec.require("task")
    if task not in TASKS:
        raise spec.error("task", f"unknown task {task!r} (known: {', '.join(TASKS)})")
    a = _matrix(spec, "A")
    b = _matrix(spec, "B") if "B" in spec.fields else None
    if task in ("matmul", "composition") and b is None:
        raise spec.error("B", "missing")
    made = TASKS[task](spec, a, b)
    return derivation_of(
        spec,
        input=task,
        function=a,
        sections=tuple(made["sections"]),
        results=tuple(made["results"]),
        question=made["question"],
        details=Matrices(
            task=task,
            A=tuple(tuple(int(v) for v in row) for row in a.tolist()),
            B=tuple(tuple(int(v) for v in row) for row in b.tolist()) if b is not None else None,
            **made.get("details", {}),
        ),
    )


def linalg_context(derivation: Derivation) -> dict[str, Any]:
    """Template values for ``check_linalg.py.j2``: the matrices and the derived values."""
    details: Matrices = derivation.details
    derived: dict[str, Any] = {}
    for r in derivation.results:
        value = r.expr
        derived[r.name] = value.tolist() if hasattr(value, "tolist") else value
    derived = {k: [[float(c) for c in row] for row in v] if isinstance(v, list) else float(v)
               for k, v in derived.items()}
    if details.task == "eigen":
        derived = {"eigenvalues": details.eigenvalues, "eigenvectors": details.eigenvectors}
    return {"task": details.task, "A": json.dumps(_lists(details.A)),
            "B": json.dumps(_lists(details.B)) if details.B else "", "derived": repr(derived)}


def _lists(rows: tuple[tuple[int, ...], ...]) -> list[list[int]]:
    return [list(row) for row in rows]


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The derived values against numpy.linalg on the same matrices."""
    return "check_linalg.py.j2", linalg_context(derivation)


KIND = Kind("linalg", FIELDS, derive_linalg, check_recipe)
