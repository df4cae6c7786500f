"""Command lines drawn from what users could type: every one ends in a result or one line.

Options get names, shapes, assumptions and numbers from pools of ordinary and
hostile values; whatever the draw, the exit code is 0, 1 or 2, nothing is a
traceback or an "internal error", an error is a single line, and nothing runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive.cli import main

from .test_hostile_spec import MARK, NAMES, PAYLOADS

EXPRESSIONS = ["x^2", "-log(sigmoid(z))", "x!", "factorial(n)", "sigmoid(w*x + b)",
               "tr(W.T*W)", "x +* 2", "9^9^9^9", "(" * 80 + "x" + ")" * 80, "", " ",
               "lam*exp(-lam*x)", "1/theta", "alpha*xm^alpha/x^(alpha+1)", "-x", "--x",
               *PAYLOADS]
WORDS = ["x", "z", "w", "W", "lam", "theta", "alpha", "lambda", *NAMES, *PAYLOADS]
SHAPES = ["W=3,4", "W=m,n", "W=3", "W=0,3", "W=99999999,1", "=3,3", "W", "W=a\\b,3", "x=1,1"]
ASSUMPTIONS = ["x > 0", "0 < p < 1", "x > xm", "mu real", "x\\y > 0", "", "x >", *PAYLOADS[:3]]
NUMBERS = ["1", "0", "-1", "3", "1e9", "nan", "inf", "99999999999999999999", "1.5", "x", ""]

word = st.sampled_from(WORDS) | st.text(max_size=12)


def options(name: str, values: st.SearchStrategy, most: int = 2) -> st.SearchStrategy:
    return st.lists(values, max_size=most).map(lambda vs: [a for v in vs for a in (name, v)])


grad = st.tuples(st.just(["grad"]), st.sampled_from(EXPRESSIONS).map(lambda e: [e]),
                 options("--wrt", word, 3), options("--shape", st.sampled_from(SHAPES)),
                 options("--assume", st.sampled_from(ASSUMPTIONS)),
                 st.sampled_from([[], ["--json"]]))
mle = st.tuples(st.just(["mle"]), st.sampled_from(EXPRESSIONS).map(lambda e: [e]),
                options("--param", word, 2), options("--var", word, 1),
                options("--assume", st.sampled_from(ASSUMPTIONS)),
                options("--support", st.sampled_from(["naturals", "xm,inf", "nonsense", "0,",
                                                      *PAYLOADS[:2]]), 1),
                st.sampled_from([[], ["--json"]]))
show = st.tuples(st.sampled_from([["show"], ["show", "--json"]]),
                 (word | st.sampled_from(["sigmoid", "bce-logit", "Sigmoid"])).map(lambda w: [w]))
listing = st.tuples(st.just(["list"]), options("--topic", word, 1),
                    st.sampled_from([[], ["--json"]]))
problems = st.tuples(st.just(["problems", "--to", "tex"]),
                     options("--count", st.sampled_from(NUMBERS), 1),
                     options("--seed", st.sampled_from(NUMBERS), 1),
                     options("--versions", st.sampled_from(NUMBERS[:4] + ["10001"]), 1),
                     options("--jobs", st.sampled_from(["0", "-3", "true", "1"]), 1))
# What a user most often types: an expression and its own variables, perhaps a domain.
PLAUSIBLE_GRAD = [("-log(sigmoid(z))", ["z"]), ("x!", ["x"]), ("sigmoid(w*x + b)^2", ["w", "b"]),
                  ("tanh(tanh(x))", ["x"]), ("x^x", ["x"]), ("log(1 + exp(-y*w*x))", ["w"]),
                  ("abs(x) + max(x, 0)", ["x"]), ("1/(1 + 1/(1 + x))", ["x"])]
PLAUSIBLE_MLE = [("lam^x*exp(-lam)/x!", ["lam"], []), ("alpha*xm^alpha/x^(alpha+1)", ["alpha"],
                  ["--assume", "x > xm"]), ("1/theta", ["theta"], ["--support", "0,theta"]),
                 ("p^x*(1-p)^(1-x)", ["p"], ["--support", "binary"])]
plausible = (
    st.tuples(st.sampled_from(PLAUSIBLE_GRAD), options("--assume", st.sampled_from(ASSUMPTIONS), 1))
    .map(lambda t: [["grad", t[0][0]], [a for w in t[0][1] for a in ("--wrt", w)], t[1]])
    | st.sampled_from(PLAUSIBLE_MLE).map(
        lambda m: [["mle", m[0]], [a for p in m[1] for a in ("--param", p)], m[2]])
)
command_lines = (plausible | grad | mle | show | listing | problems).map(
    lambda parts: sum(parts, []))


def _run(tmp: Path, args: list[str]):
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        return runner.invoke(main, [*args, *(["--out", "out"] if args[0] == "problems" else [])])
    finally:
        os.chdir(cwd)


def _assert_clean(result, args: list[str], tmp: Path) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.output, (
        args, result.output)
    if result.exit_code == 2:
        errors = [ln for ln in result.output.splitlines() if "error" in ln]
        assert errors and all(ln.startswith(("derive: error:", '{"error":')) for ln in errors), (
            args, result.output)
    assert not list(tmp.rglob(MARK + "*")) and not Path(MARK).exists()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(args=command_lines)
def test_a_drawn_command_line_ends_in_a_result_or_one_line(tmp_path, args):
    _assert_clean(_run(tmp_path, args), args, tmp_path)


@pytest.mark.slow
@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(args=command_lines)
def test_many_drawn_command_lines(tmp_path, args):
    _assert_clean(_run(tmp_path, args), args, tmp_path)
