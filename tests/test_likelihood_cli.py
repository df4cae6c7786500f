"""`derive mle` as a user runs it: the JSON contract and the exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import sympy as sp

from derive.cli import main

RAYLEIGH = "x/s^2*exp(-x^2/(2*s^2))"


def test_mle_json_follows_the_contract(runner):
    done = runner.invoke(main, ["mle", RAYLEIGH, "--var", "x", "--param", "s", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["kind"] == "mle"
    assert data["maximum"] == "verified"
    assert data["steps"] and all(set(s) >= {"rule", "latex", "verified"} for s in data["steps"])
    assert all(s["verified"] in ("symbolic", "numeric") for s in data["steps"])
    fields = data["estimator"]["s"]
    assert set(fields) >= {"latex", "sympy", "text", "numpy"}
    sample = np.array([0.3, 1.2, 2.5, 0.8, 1.1])
    from_numpy = eval(fields["numpy"], {"np": np, "x": sample})  # noqa: S307 - our printer's output
    assert from_numpy == pytest.approx(np.sqrt(np.sum(sample**2) / (2 * sample.size)))
    # the sympy form uses the contract's IndexedBase('x'), i and N: evaluate it at N = 5
    estimator = sp.parse_expr(fields["sympy"], {k: getattr(sp, k) for k in dir(sp)})
    x, i, n = (
        sp.IndexedBase("x"),
        sp.Symbol("i", integer=True),
        sp.Symbol("N", integer=True, positive=True),
    )
    value = estimator.subs(n, 5).doit().subs({x[k + 1]: v for k, v in enumerate(sample)})
    assert float(value) == pytest.approx(from_numpy)
    assert data["check"]["passed"] is True
    assert i in estimator.atoms(sp.Symbol) or estimator.has(sp.Sum)


def test_mle_text_output_names_the_rules(runner):
    done = runner.invoke(main, ["mle", "lam*exp(-lam*x)", "--param", "lam"])
    assert done.exit_code == 0, done.output
    for words in ("log of a product", "score", "solve", "λ̂ = N/∑ᵢ xᵢ"):
        assert words in done.output
    assert "Sum(" not in done.output and "x[i]" not in done.output  # Unicode maths, no repr


@pytest.mark.parametrize(
    "args,message",
    [
        (["lam*exp(-lam*x)", "--param", "mu"], "'mu' does not occur"),
        (["lam*exp(-lam)", "--param", "lam"], "does not involve 'x'"),
        (["lam*exp(-lam*x", "--param", "lam"], "line 1, column"),
        (["lam*x", "--param", "lam"], "not a density"),
        (
            ["lam*exp(-lam*x)", "--param", "lam", "--assume", "lam is tall"],
            "cannot read the assumption",
        ),
    ],
    ids=["absent-param", "no-variable", "unparseable", "not-a-density", "bad-assumption"],
)
def test_bad_input_exits_2_with_one_line(runner, args, message):
    done = runner.invoke(main, ["mle", *args])
    assert done.exit_code == 2
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_mle_out_writes_worksheet_and_check(runner, tmp_path):
    done = runner.invoke(
        main, ["mle", "a*x^(a - 1)", "--param", "a", "--out", str(tmp_path), "--json"]
    )
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert data["check"]["passed"] is True
    assert (tmp_path / "density.pdf").exists() and (tmp_path / "check_density.py").exists()
