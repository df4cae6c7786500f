"""The package's shape: imports point down the floors of DESIGN.md, never in a circle.

Every module's imports of ``derive`` are read from its source (function-local
ones included, ``TYPE_CHECKING`` blocks included), so a new import that goes
back up, or closes a circle, fails here with its name.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "derive"

#: DESIGN.md's floors, top first, by the first part of a module's name below ``derive``.
FLOORS = (
    ("cli", "web", "progress"),
    ("api",),
    ("problems",),
    ("pipeline", "grade", "html"),
    ("kinds",),
    ("checkcode", "render", "verify", "jsonout", "worksheet", "plots", "textout", "checkrun",
     "catalogue", "richtext", "texbreak"),
    ("engine", "numeric", "symbolic", "parse", "printing", "textprint", "matrixcode", "mpmatrix",
     "assumptions", "bounded"),
    ("model", "prose", "functions", "matrixfunctions", "pdf", "texformat", "texscripts",
     "names", "files", "workers", "errors", "rules", ""),
)

#: The one import allowed to point up: Jupyter's display hook, as in sympy's own Basic.
DISPLAY_HOOK = ("derive.model", "derive.printing")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """The derive modules a file imports anywhere in it."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in MODULES else node.module)
    return {m for m in out if m in MODULES}


GRAPH = {name: _imports(path) - {name} for name, path in MODULES.items()}


def floor(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    for height, names in enumerate(reversed(FLOORS)):
        if part in names:
            return height
    raise AssertionError(f"{module} is on no floor of DESIGN.md: place it in FLOORS")


def test_every_module_is_on_a_floor():
    for module in MODULES:
        floor(module)


def test_imports_never_point_up():
    up = [
        f"{a} -> {b}"
        for a, targets in GRAPH.items()
        for b in targets
        if floor(b) > floor(a) and (a, b) != DISPLAY_HOOK
    ]
    assert not up


def test_no_import_circles():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while not component or component[-1] != v:
                component.append(stack.pop())
            if len(component) > 1:
                circles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert not circles


def test_the_engine_takes_no_spec_and_knows_no_kind():
    engine = [m for m in GRAPH if m.startswith("derive.engine")]
    assert engine
    for module in engine:
        wrong = {t for t in GRAPH[module] if t.startswith(("derive.catalogue", "derive.kinds"))}
        assert not wrong, module


def test_every_kind_is_one_record_in_its_own_module():
    from derive.kinds import KINDS, kind

    for name, module in KINDS.items():
        record = kind(name)
        assert record.name == name
        assert record.derive.__module__.startswith(module), name
        source = MODULES[module].read_text(encoding="utf-8").rstrip().splitlines()
        assert source[-1].startswith("KIND = Kind("), module


@pytest.mark.parametrize("folder", ["engine", "kinds"])
def test_modules_stay_small(folder: str):
    long = {p.name: n for p in (PACKAGE / folder).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not long


def test_the_table_of_kinds_does_not_import_sympy():
    code = ("import sys, derive.kinds as k; assert 'sympy' not in sys.modules; "
            "assert 'gradient' in k.KINDS")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
