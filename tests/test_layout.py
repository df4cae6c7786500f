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
    ("kinds", "catalogue"),  # entries are read against their kind's fields; kinds derive them
    ("checkcode", "render", "verify", "jsonout", "worksheet", "plots", "textout", "checkrun",
     "richtext", "texbreak", "listing"),
    ("engine", "numeric", "symbolic", "parse", "printing", "numpyprint", "textprint",
     "matrixcode", "mpmatrix", "assumptions", "bounded"),
    ("model", "prose", "notation", "functions", "matrixfunctions", "pdf", "texformat", "texscripts",
     "names", "files", "workers", "lifeline", "termorder", "errors", "rules", "mpkernels", ""),
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


def test_every_kind_is_one_record_in_its_own_package():
    from derive.kinds import KINDS, fields, kind

    for name, package in KINDS.items():
        record = kind(name)
        assert record.name == name and record.fields is fields(name)
        assert record.derive.__module__.startswith(package + "."), name
        source = MODULES[package + ".kind"].read_text(encoding="utf-8").rstrip().splitlines()
        assert source[-1].startswith("KIND = Kind("), package


def _strings(path: Path) -> set[str]:
    """Every string constant in a module's source (docstrings apart)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(n.body[0].value) for n in ast.walk(tree)
            if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef) and n.body
            and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return {n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs}


def _own_field_names() -> dict[str, set[str]]:
    """Each kind's own field names that no other part of the schema (common, plot) has."""
    from derive.catalogue.spec import COMMON, PLOT
    from derive.kinds import KINDS, fields

    shared = set(COMMON) | set(PLOT.fields)
    return {name: set(fields(name).fields) - shared for name in KINDS}


def test_a_kinds_fields_are_declared_only_beside_it():
    """The spec reader and its field types name no kind and no kind's field: a second table
    of kinds (KIND_FIELDS, a per-kind rule) in the catalogue fails here."""
    from derive.catalogue.spec import PLOT
    from derive.kinds import KINDS

    own = set().union(*_own_field_names().values())
    plots = set(PLOT.fields["type"].options)  # plot types share words with kinds ('bayes')
    for path in (PACKAGE / "catalogue").glob("*.py"):
        words = set(KINDS) | own if path.stem in ("spec", "read") else set(KINDS)
        named = _strings(path) - plots & words
        assert not named, (path.name, sorted(named))
    for package in KINDS.values():  # and each kind's FIELDS is in its own fields.py
        path = MODULES[package + ".fields"]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert any(isinstance(n, ast.Assign) and [t.id for t in n.targets
                                                  if isinstance(t, ast.Name)] == ["FIELDS"]
                   for n in tree.body), path


def test_a_kinds_fields_module_imports_no_sympy():
    code = ("import sys; from derive.kinds import KINDS, fields\n"
            "for name in KINDS: fields(name)\n"
            "assert not {'sympy', 'numpy', 'mpmath'} & set(sys.modules), 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def _templates_of(package: str) -> set[str]:
    """The templates a kind's modules name (``check_<x>.py.j2`` and the like)."""
    names = set()
    for module, path in MODULES.items():
        if module == package or module.startswith(package + "."):
            names |= {s for s in _strings(path) if s.endswith(".j2")}
    return names


def test_adding_a_kind_needs_its_package_one_row_and_its_templates():
    """What each kind references, listed: every module that imports a kind's package is in that
    package (or is another kind built on it), the only other mention of its package is its row
    in kinds/__init__.py, and the templates it names exist and are named by no other kind."""
    from derive.kinds import KINDS

    templates = ROOT / "templates"
    owners: dict[str, str] = {}
    for name, package in KINDS.items():
        importers = {m for m, targets in GRAPH.items()
                     if any(t == package or t.startswith(package + ".") for t in targets)}
        outside = {m for m in importers - _users()
                   if not (m == package or m.startswith(package + ".")
                           or m.startswith("derive.kinds."))}
        assert not outside, (name, sorted(outside))
        mentions = {m for m, path in MODULES.items() if package in _strings(path)
                    and not (m == package or m.startswith(package + "."))}
        assert mentions <= {"derive.kinds"} | _users(), (name, sorted(mentions))
        own = _templates_of(package)
        built_on = {t.split(".")[2] for t in GRAPH[package + ".kind"] if t.count(".") >= 3
                    and t.startswith("derive.kinds.") and not t.startswith(package + ".")}
        assert own or any(_templates_of(f"derive.kinds.{k}") for k in built_on), name
        for template in own:
            assert (templates / template).is_file(), (name, template)
            assert owners.setdefault(template, name) == name, (template, name, owners[template])
    rows = [line for line in MODULES["derive.kinds"].read_text(encoding="utf-8").splitlines()
            if line.strip().startswith('"') and '": "derive.kinds.' in line]
    assert len(rows) == len(KINDS)


def _users() -> set[str]:
    """What is built on a kind and so may use it (adding a kind touches none of them): the API
    of the ``grad`` and ``mle`` commands, and problem families (naming the kind they need)."""
    return {"derive.api"} | {m for m in MODULES if m.startswith("derive.problems.families.")}


@pytest.mark.parametrize("folder", ["engine", "kinds"])
def test_modules_stay_small(folder: str):
    long = {p.name: n for p in (PACKAGE / folder).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not long


def test_the_table_of_kinds_does_not_import_sympy():
    code = ("import sys, derive.kinds as k; assert 'sympy' not in sys.modules; "
            "assert 'gradient' in k.KINDS")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
