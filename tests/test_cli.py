"""The CLI contract: commands, JSON shapes, exit codes, one-line errors, fast --help."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

from derive.cli import main


def test_help_does_not_import_sympy():
    code = (
        "import sys\nfrom derive.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "assert 'sympy' not in sys.modules, 'sympy imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "grad" in done.stdout and "build" in done.stdout


def test_list_json(runner):
    result = runner.invoke(main, ["list", "--json"])
    assert result.exit_code == 0
    entries = json.loads(result.output)["entries"]
    assert {"id", "title", "topic"} == set(entries[0])
    assert "bce-logits" in {e["id"] for e in entries}


def test_list_topic_filter_and_unknown_topic(runner):
    result = runner.invoke(main, ["list", "--topic", "activations"])
    assert (
        result.exit_code == 0 and "sigmoid" in result.output and "bce-logits" not in result.output
    )
    bad = runner.invoke(main, ["list", "--topic", "nope"])
    assert bad.exit_code == 2 and "no such topic" in bad.output


def test_grad_json_contract(runner):
    result = runner.invoke(main, ["grad", "tanh(w*x + b)^2", "--wrt", "w", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "gradient" and data["input"] == "tanh(w*x + b)^2"
    assert all(s["verified"] in ("symbolic", "numeric") for s in data["steps"])
    assert {s["rule"] for s in data["steps"]} >= {"chain rule"}
    g = data["gradient"]["w"]
    assert set(g) == {"latex", "sympy", "text", "numpy"}
    assert data["check"] == {"script": None, "passed": True}
    # The numpy field is one expression over the input names and np.
    value = eval(g["numpy"], {"np": np, "w": 0.3, "x": -1.2, "b": 0.5})  # noqa: S307 - our output
    w, x, b = sp.symbols("w x b", real=True)
    exact = sp.diff(sp.tanh(w * x + b) ** 2, w).subs({w: 0.3, x: -1.2, b: 0.5})
    assert value == pytest.approx(float(exact), rel=1e-12)


def test_grad_with_several_variables_and_text_output(runner):
    result = runner.invoke(main, ["grad", "softplus(a*x) * exp(-b)", "--wrt", "a", "--wrt", "b"])
    assert result.exit_code == 0, result.output
    assert "With respect to a" in result.output and "With respect to b" in result.output
    assert "proved symbolically" in result.output


def test_grad_out_writes_files(runner, tmp_path):
    result = runner.invoke(
        main, ["grad", "x^2*sin(x)", "--wrt", "x", "--json", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["check"]["passed"] is True
    assert (tmp_path / "check_expr.py").exists() and (tmp_path / "expr.pdf").exists()


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["grad", "x +* 2", "--wrt", "x"], "column"),
        (["grad", "foo(x)", "--wrt", "x"], "unknown function 'foo'"),
        (["grad", "x^2", "--wrt", "y"], "'y' does not occur"),
        (["grad", "9^9^9^9", "--wrt", "x"], "line 1"),
        (["grad", "(" * 5000 + "x" + ")" * 5000, "--wrt", "x"], "line 1"),
        (["show", "no-such-entry"], "unknown entry"),
        (["build"], "name entries"),
    ],
    ids=["syntax", "function", "absent", "exponent", "nesting", "entry", "nothing"],
)
def test_bad_input_is_one_line_exit_2(runner, args, fragment):
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("derive: error:"), result.output
    assert fragment in lines[0]
    assert "Traceback" not in result.output


def test_show_json_has_the_grad_shape(runner):
    result = runner.invoke(main, ["show", "sigmoid-known", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "gradient" and "x" in data["gradient"]


def test_build_reports_and_exit_codes(runner, tmp_path):
    result = runner.invoke(main, ["build", "relu", "tanh", "--to", "tex", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "built 2 of 2" in result.output
    assert (tmp_path / "relu.tex").exists() and (tmp_path / "check_tanh.py").exists()


@pytest.mark.parametrize("args", [
    ["grad", "x", "--wrt", "q" * 5000],
    ["show", "q" * 5000],
    ["problems", "--topic", "q" * 100_000, "--count", "1", "--seed", "1", "--versions", "1"],
    ["grad", "x" + "+x" * 3000, "--wrt", "y"],
])
def test_a_huge_value_is_echoed_shortened_in_its_one_line_error(runner, args, tmp_path):
    done = runner.invoke(main, [*args, "--out", str(tmp_path / "out")] if args[0] == "problems"
                         else args)
    assert done.exit_code == 2, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) < 600, lines[0][:800]


@pytest.mark.parametrize("expr,wrt,shapes,stated", [
    ("x.T*inv(S)*x + log(det(S))", "S", ["S=n,n,symmetric", "x=n,1"], "S symmetric"),
    ("x.T*inv(S)*x + log(det(S))", "S", ["S=n,n,spd", "x=n,1"], "S positive definite"),
    ("x.T*S*x", "x", ["S=3,3,positive-definite", "x=3,1"], "S positive definite"),
    ("tr(D*A)", "D", ["D=n,n,diagonal", "A=n,n"], "D diagonal"),
    ("norm(Q*x - y)^2", "x", ["Q=n,n,orthogonal", "x=n,1", "y=n,1"], "Q orthogonal"),
    ("sum(T*x)", "x", ["T=m,n,column-stochastic", "x=n,1"], "T column-stochastic"),
])
def test_a_structure_after_a_shape_means_the_assumption(runner, expr, wrt, shapes, stated):
    def run(*options: str) -> dict:
        result = runner.invoke(main, ["grad", expr, "--wrt", wrt, "--json", *options])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    written = run(*(a for s in shapes for a in ("--shape", s)))
    plain = [",".join(s.split(",")[:2]) for s in shapes]
    assumed = run(*(a for s in plain for a in ("--shape", s)), "--assume", stated)
    assert written["gradient"] == assumed["gradient"]
    assert [s["rule"] for s in written["steps"]] == [s["rule"] for s in assumed["steps"]]
    assert written["check"]["passed"] is True


@pytest.mark.parametrize("shape,message", [
    ("S=m,n,symmetric", "--shape S=m,n,symmetric: a symmetric matrix is square "
                        "(--shape S=m,m,symmetric)"),
    ("S=2,3,orthogonal", "--shape S=2,3,orthogonal: an orthogonal matrix is square"),
    ("S=n,n,hermitian", "--shape S=n,n,hermitian: unknown structure 'hermitian' (use symmetric"),
    ("S=n,n,", "--shape S=n,n,: expected 'ROWS,COLS'"),
    ("S=n,n,spd,x", "--shape S=n,n,spd,x: expected 'ROWS,COLS'"),
])
def test_a_wrong_structure_after_a_shape_is_one_line(runner, shape, message):
    result = runner.invoke(main, ["grad", "x.T*S*x", "--wrt", "x", "--shape", shape,
                                  "--shape", "x=n,1"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output, result.output
    as_json = runner.invoke(main, ["grad", "x.T*S*x", "--wrt", "x", "--shape", shape,
                                   "--shape", "x=n,1", "--json"])
    assert as_json.exit_code == 2 and message in json.loads(as_json.output)["error"]
