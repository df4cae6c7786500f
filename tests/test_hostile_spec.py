"""Hostile values for every field of every kind, drawn from the spec reader's own schema.

The strategies are looked up by field type (``STRATEGIES``), so a field added to
``derive.catalogue.spec`` is attacked without touching this file. Every draw is
either refused with one line naming the file, the entry and the field, or read
into a value of the right type; what is read is then built, and nothing runs,
nothing outside the output folder is written, and no file outside it is typeset.
"""

from __future__ import annotations

import ast
import datetime
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from derive import catalogue, pipeline
from derive.catalogue import fields as f
from derive.catalogue.read import read_specs, schema, spec_from_table
from derive.catalogue.spec import COMMON
from derive.errors import InputError
from derive.kinds import KINDS

from .conftest import pdf_text

MARK = "PWNED"
#: Text that would run, read or break out if it reached Python or TeX unquoted.
PAYLOADS = [
    f'"""; open("{MARK}", "w"); """',
    f"'''; open('{MARK}', 'w'); '''",
    f"{{open('{MARK}', 'w')}}",
    f"__import__('os').system('touch {MARK}')",
    f"x\n__import__('os').system('touch {MARK}')\n",
    f"\\input{{/etc/passwd}} \\immediate\\write18{{touch {MARK}}}",
    f"\\def\\x{{\\openout1={MARK}\\write1{{}}\\closeout1}}\\x",
    "$(touch PWNED) `touch PWNED`",
    "../../../../etc/passwd",
    "a\u200bb\u202ec\u2066d\ufeff",
    "}\\end{document}",
    "x\\end{lstlisting}\\input{/etc/passwd}\\begin{lstlisting}",
    "%%\\BLOCK{ x }\\VAR{ y }{{ z }}{% w %}",
]
WRONG_TYPES = [
    datetime.date(1979, 5, 27),
    datetime.datetime(1979, 5, 27, 7, 32),
    datetime.time(7, 32),
    True,
    False,
    [],
    {},
    [[1, 2], "x"],
    {"a": 1},
    math.nan,
    math.inf,
    -math.inf,
    10**18,
    -1,
    0,
    1e308,
    "",
    "   ",
]
NAMES = ["x\\input", "__import__", "1x", "x y", "x-y", "λ", "x" * 40, "_x", "x;", "x\n"]

anything = st.sampled_from(WRONG_TYPES + PAYLOADS + NAMES)


def _list(reader: f.ListOf) -> st.SearchStrategy:
    inner = strategy(reader.item)
    return st.one_of(
        st.lists(inner, max_size=4),
        st.lists(st.just("x"), min_size=reader.length + 1, max_size=reader.length + 1),
        anything,
    )


def _table(reader: f.Table) -> st.SearchStrategy:
    keys = list(reader.fields) + ["unknown", "__class__"]
    return st.one_of(
        st.dictionaries(st.sampled_from(keys), anything, max_size=3),
        st.sampled_from(keys).flatmap(
            lambda k: strategy(reader.fields[k]).map(lambda v: {k: v})
            if k in reader.fields else st.just({k: 1})),
        anything,
    )


def _name_table(reader: f.NameTable) -> st.SearchStrategy:
    return st.one_of(
        st.dictionaries(st.sampled_from(NAMES + ["W"]), strategy(reader.value), max_size=3),
        anything,
    )


def _any_of(reader: f.AnyOf) -> st.SearchStrategy:
    return st.one_of(*(strategy(t) for t in reader.types))


#: Field type -> hostile values for it (dispatch by type, as the readers are looked up).
STRATEGIES: dict[type, Any] = {
    f.Text: lambda r: st.one_of(anything, st.text(max_size=50)),
    f.Expr: lambda r: st.one_of(anything, st.text(max_size=50)),
    f.Assumption: lambda r: st.one_of(anything, st.sampled_from(["x\\y > 0", "x > 0; rm"])),
    f.Name: lambda r: st.one_of(anything, st.sampled_from(NAMES)),
    f.Key: lambda r: st.one_of(anything, st.sampled_from(NAMES)),
    f.Choice: lambda r: st.one_of(anything, st.sampled_from([o.upper() for o in r.options])),
    f.Integer: lambda r: st.one_of(anything, st.integers(r.high + 1, 10**30),
                                   st.integers(-(10**30), r.low - 1)),
    f.Number: lambda r: st.one_of(anything, st.floats(allow_nan=True, allow_infinity=True)),
    f.Flag: lambda r: anything,
    f.Shape: lambda r: st.one_of(anything, st.sampled_from(["3", "3,4,5", "0,3", "x\\y,3",
                                                            "99999999,1", "-1,2"])),
    f.ListOf: _list,
    f.NameTable: _name_table,
    f.Table: _table,
    f.Plot: _table,
    f.AnyOf: _any_of,
}


def strategy(reader: f.FieldType) -> st.SearchStrategy:
    for kind in type(reader).__mro__:
        if kind in STRATEGIES:
            return STRATEGIES[kind](reader)
    raise AssertionError(f"no hostile strategy for {type(reader).__name__}")


def base_table(kind: str) -> dict[str, Any]:
    """A valid table of this kind: its first catalogue entry, as written."""
    spec = next(s for s in catalogue.entries() if s.kind == kind)
    table = {"id": spec.id, "title": spec.title, "topic": spec.topic, "kind": kind,
             **spec.fields}
    if spec.notes:
        table["notes"] = list(spec.notes)
    if spec.assume:
        table["assume"] = list(spec.assume)
    if spec.plot:
        table["plot"] = dict(spec.plot)
    return table


FIELDS = [(kind, name) for kind in sorted(KINDS) for name in schema(kind) if name != "id"]


def test_every_field_type_has_a_strategy():
    for kind in KINDS:
        for reader in schema(kind).values():
            strategy(reader)


def test_every_kind_reads_its_fields_from_its_own_record():
    from derive.kinds import fields, kind

    for name in KINDS:
        assert isinstance(fields(name), f.KindFields)
        assert kind(name).fields is fields(name), name


@pytest.mark.parametrize("kind,name", FIELDS, ids=[f"{k}.{n}" for k, n in FIELDS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_hostile_value_is_refused_naming_the_field_or_read_typed(kind, name, data):
    table = base_table(kind)
    value = data.draw(strategy(schema(kind)[name]), label=name)
    # Another valid kind makes other fields wrong: not this test's subject.
    assume(not (name == "kind" and isinstance(value, str) and value in KINDS))
    table[name] = value
    try:
        spec = spec_from_table(table, "course.toml", 3)
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message
        where = f"course.toml: entry '{table['id']}': field '{name}'"
        assert message.startswith(where), message
        return
    # Read: the value has its type, and text is clean of invisible characters.
    read = spec.fields.get(name) if name not in COMMON else getattr(spec, name, None)
    for text in _strings(read):
        assert not any(c in text for c in "\u200b\u202e\u2066\ufeff")
    if isinstance(schema(kind)[name], f.Name):
        assert read.isidentifier() and not read.startswith("_")
    if isinstance(schema(kind)[name], f.NameTable):
        assert all(key.isidentifier() and key.isascii() for key in read)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    return []


@pytest.mark.parametrize("kind", ["id", "title", "kind", "wrt"])
def test_an_unknown_or_missing_field_names_itself(kind):
    table = base_table("gradient")
    if kind == "id":
        table["id"] = "Bad Id"
    elif kind == "kind":
        table["kind"] = "gradiant"
    else:
        del table[kind]
    with pytest.raises(InputError, match=f"field '{kind}'"):
        spec_from_table(table, "course.toml", 1)
    table = base_table("gradient") | {"wrtt": "x"}
    with pytest.raises(InputError, match="field 'wrtt'.*did you mean 'wrt'"):
        spec_from_table(table, "course.toml", 1)


def _toml_value(value: Any) -> str:
    """A TOML value: strings and numbers as JSON writes them, lists and inline tables."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def _toml(table: dict[str, Any]) -> str:
    """A TOML [[entry]] table of strings, numbers, lists and (nested) tables."""
    lines = ["[[entry]]"]
    for key, value in table.items():
        if not isinstance(value, dict):
            lines.append(f"{key} = {_toml_value(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            lines.append(f"[entry.{key}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in value.items()]
    return "\n".join(lines) + "\n"


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


@pytest.mark.tex
@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_hostile_text_in_every_kind_builds_and_runs_nothing(tmp_path, kind, monkeypatch):
    """Every free-text field of one entry of each kind holds every payload; the entry builds."""
    monkeypatch.chdir(tmp_path)
    table = base_table(kind)
    table["id"] = "hostile"
    table["title"] = " ".join(PAYLOADS[:6]).replace("\n", " ")[:200]
    table["topic"] = PAYLOADS[0][:60]
    table["notes"] = PAYLOADS
    spec_file = tmp_path / "course.toml"
    spec_file.write_text(_toml(table))
    specs, errors = read_specs(spec_file)
    assert not errors, errors
    before = _files(tmp_path)
    out = tmp_path / "out"
    outcome = pipeline.build(specs[0], out)
    assert outcome.ok, outcome
    assert not list(tmp_path.rglob(MARK + "*")) and not Path(MARK).exists()
    new = _files(tmp_path) - before
    assert all(out in p.parents or p == out for p in new), sorted(new)
    tex = (out / "hostile.tex").read_text()
    outside_listing = re.sub(r"(?s)\\begin\{lstlisting\}.*?\n\\end\{lstlisting\}", "", tex)
    assert "\\input{/etc/passwd}" not in outside_listing and "\\write18{" not in outside_listing
    text = pdf_text(out / "hostile.pdf")
    assert "root:" not in text
    assert "etc/passwd" in text  # the payload is printed, as text
    script = out / "check_hostile.py"
    code = script.read_text()
    compile(code, str(script), "exec")  # parses: no payload broke out of a string
    title = next(node.value for node in ast.parse(code).body if isinstance(node, ast.Assign)
                 and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["_TITLE"])
    assert ast.literal_eval(title) == specs[0].title  # a long title: adjacent literals
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not Path(MARK).exists()


def test_python_templates_get_text_only_through_the_py_filter():
    """A value that is text (not code the printer made) is written with ``|py`` (repr)."""
    from derive.render import builtin_templates

    text_values = re.compile(r"\{\{-?\s*(?:\w+\.)?(title|id|topic|notes|label|name_text)\b"
                             r"(?![^}]*\|\s*py)[^}]*\}\}")
    for template in sorted(builtin_templates().glob("*.py.j2")):
        source = template.read_text()
        assert not text_values.findall(source), (template.name, text_values.findall(source))
        assert "|tojson" not in source, template.name  # one quoting function: repr


EXPR_FIELDS = [(kind, name) for kind in sorted(KINDS) for name, reader in schema(kind).items()
               if type(reader) is f.Expr]


@pytest.mark.parametrize("kind,name", EXPR_FIELDS, ids=[f"{k}.{n}" for k, n in EXPR_FIELDS])
def test_a_hostile_expression_field_is_refused_by_the_parser_naming_the_field(
        tmp_path, monkeypatch, kind, name):
    monkeypatch.chdir(tmp_path)
    for payload in PAYLOADS:
        table = base_table(kind) | {name: payload}
        spec = spec_from_table(table, "course.toml", 1)
        outcome = pipeline.build(spec, tmp_path / "out", to="tex")
        assert not list(tmp_path.rglob(MARK + "*"))
        if outcome.error is None:  # a field this model does not read, or cleaned text 'abcd'
            assert outcome.ok, outcome
            continue
        assert outcome.error.startswith("course.toml: entry "), (payload, outcome.error)
        assert "internal error" not in outcome.error
