"""Nesting costs polynomially, every command keeps its CPU budget, and the check code
cannot be wrong in its own way (precedence of expanded functions, large powers).

No wall-clock assertion here: an exponential regression shows as a command that runs
past its CPU budget (exit 2) where it must succeed; speed itself is measured in
benchmarks/nesting.py.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derive import api
from derive.cli import main
from derive.engine.calculus.expansion import cancel_size, expansion_size
from derive.functions import DL_FUNCTIONS, sigmoid
from derive.numpyprint import numpy_code

SAFETY_NET = 300  # seconds: a hung subprocess fails the test instead of hanging the suite


def nest(function: str, depth: int) -> str:
    text = "x"
    for _ in range(depth):
        text = f"{function}({text})"
    return text


def derive_cli(*args: str, budget: str | None = None) -> subprocess.CompletedProcess:
    """The real command in a fresh process (its CPU budget is that process's)."""
    env = dict(os.environ)
    env.pop("DERIVE_CPU_SECONDS", None)
    if budget:
        env["DERIVE_CPU_SECONDS"] = budget
    return subprocess.run([sys.executable, "-m", "derive.cli", *args], capture_output=True,
                          text=True, env=env, timeout=SAFETY_NET)


# --- nesting: polynomial in the depth, textbook results -----------------------------------


@pytest.mark.parametrize("function", ["tanh", "sigmoid", "gelu", "softplus"])
def test_a_nest_30_deep_derives_within_the_budget(function):
    # at 2x per level (before), depth 30 needs ~10^8 s; the budget is 12 s of CPU
    done = derive_cli("grad", nest(function, 30), "--wrt", "x")
    assert done.returncode == 0, done.stderr
    assert "numeric check: passed" in done.stdout


@pytest.mark.parametrize("function, factor", [
    ("tanh", lambda u: 1 - sp.tanh(u) ** 2),
    ("sigmoid", lambda u: sigmoid(u) * (1 - sigmoid(u))),
])
def test_a_nest_reads_like_a_textbook(function, factor):
    derivation = api.grad(nest(function, 12), "x")
    steps = derivation.sections[0].steps
    assert all(s.verified in ("symbolic", "numeric") for s in steps)
    result = derivation.results[0].expr
    assert not result.has(sp.exp)  # no exp-soup
    inner, x = derivation.function.args[0], derivation.symbols[0]
    assert result.has(factor(inner)) and result.has(factor(x))


@pytest.mark.parametrize("text, expected", [
    (" * ".join(f"(x + {j})" for j in range(1, 41)), None),
    # distinct coefficients: multiplied out, its 20-digit coefficients cancel (found by hand)
    (" * ".join(f"({k}*x + {k + 1})" for k in range(1, 31)), None),
    ("1/(1 + " * 12 + "x" + ")" * 12, "(144·x + 233)^(-2)"),
])
def test_long_products_and_continued_fractions_derive(text, expected):
    done = derive_cli("grad", text, "--wrt", "x")
    assert done.returncode == 0, done.stderr
    if expected:
        assert f"df/dx = {expected}" in done.stdout


def test_expansion_bounds_follow_the_real_size():
    x, y = sp.symbols("x y")
    assert expansion_size((x + 1) ** 1000) <= 3 * 1001  # a polynomial: its monomials
    product = sp.Mul(*[(a + 1) for a in sp.symbols("a0:12")])
    assert expansion_size(product) > 4000  # 2^12 distinct monomials
    assert expansion_size(sp.Mul(*[(x + k) * (y - k) for k in range(1, 13)])) <= 2000
    nested = (x + 1 / (x + 1 / (x + 1 / (x + 1)))) ** 10
    assert expansion_size(nested) > sp.count_ops(sp.expand(nested))
    assert cancel_size(nested) < 4000  # over one denominator it is a small polynomial


# --- the CPU budget ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["grad", nest("gelu", 60), "--wrt", "x"],
    ["grad", " * ".join(f"({j}*x + {151 - j})" for j in range(1, 151)), "--wrt", "x"],
])
def test_past_the_budget_one_line_and_exit_2(args):
    # inputs that genuinely take seconds of CPU, against a budget of one second
    done = derive_cli(*args, budget="1")
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "CPU budget of 1 s" in lines[0], lines
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr


def test_a_command_that_waits_is_ended_by_the_wall_clock_budget():
    import time

    from derive.bounded import wall_budget
    from derive.errors import OutOfBudget

    # a process blocked (or starved of CPU) uses no CPU time: only the wall clock ends it
    with pytest.raises(OutOfBudget, match="wall-clock budget of 0.2 s"), wall_budget(0.2, "it"):
        time.sleep(60)


def test_past_the_wall_clock_budget_one_line_and_exit_2(monkeypatch):
    monkeypatch.setenv("DERIVE_WALL_SECONDS", "1")
    done = derive_cli("grad", " * ".join(f"({j}*x + {61 - j})" for j in range(1, 61)),
                      "--wrt", "x", "--json", budget="600")
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    error = json.loads(done.stdout)["error"]
    assert "'derive grad' ran past its wall-clock budget of 1 s" in error, error
    assert done.stderr == ""


def test_the_budget_ends_with_the_command():
    import resource

    from derive.bounded import _budgets, cpu_budget

    before = resource.getrlimit(resource.RLIMIT_CPU)
    with cpu_budget(30):
        assert _budgets
    assert not _budgets and resource.getrlimit(resource.RLIMIT_CPU) == before


def test_a_child_gets_no_more_than_the_budget_leaves():
    from derive.bounded import cpu_budget, run_bounded
    from derive.errors import OutOfBudget

    def spin() -> int:
        total = 0
        while True:
            total += 1

    with pytest.raises(OutOfBudget, match="CPU budget of 1 s"), cpu_budget(1, "the test"):
        run_bounded(spin, seconds=60)


def test_a_budget_signal_inside_a_finalizer_is_dropped_silently(monkeypatch):
    """SIGXCPU landing in a gc callback or ``__del__`` cannot propagate: within a budget it
    prints no "Exception ignored" (it repeats each second, and one outside ends the work),
    while any other exception in a finalizer still reaches the previous hook."""
    from derive.bounded import cpu_budget
    from derive.errors import OutOfBudget

    reported: list[type] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(type(u.exc_value)))

    class Finalized:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def __del__(self) -> None:
            raise self.error

    with cpu_budget(30, "the test"):
        Finalized(OutOfBudget("the test ran past its CPU budget"))
        Finalized(ValueError("a real bug"))
    assert reported == [ValueError]
    Finalized(OutOfBudget("outside any budget"))
    assert reported == [ValueError, OutOfBudget]


# --- the NumPy printer keeps precedence --------------------------------------------------------

X = sp.Symbol("x", real=True)
Y = sp.Symbol("y", real=True)
CONTEXTS = {
    "square": lambda f: f**2,
    "cube": lambda f: f**3,
    "reciprocal": lambda f: 1 / f,
    "negation": lambda f: -f,
    "negated square": lambda f: -(f**2),
    "product": lambda f: 3 * f * Y,
    "quotient": lambda f: Y / f,
    "divided": lambda f: f / (Y + 2),
    "power of a power": lambda f: (f**2) ** 3,
    "exponent": lambda f: 2**f,
    "difference": lambda f: Y - f,
}
ARGUMENTS = {"x": X, "2x+1": 2 * X + 1, "x^2": X**2}


@pytest.mark.parametrize("context", CONTEXTS, ids=str)
@pytest.mark.parametrize("function", [*DL_FUNCTIONS, sp.tanh, sp.erf], ids=lambda f: f.__name__)
@pytest.mark.parametrize("argument", ARGUMENTS, ids=str)
def test_numpy_code_keeps_precedence(function, context, argument):
    import numpy as np

    expr = CONTEXTS[context](function(ARGUMENTS[argument]))
    code = numpy_code(expr)
    for x, y in [(0.7, 1.3), (-1.1, 0.4), (1.9, -2.2)]:
        expected = sp.N(expr.subs({X: x, Y: y}), 30)
        if not expected.is_real:
            continue
        got = eval(code, {"np": np, "x": x, "y": y})  # noqa: S307 - our printer's output
        assert math.isclose(float(got), float(expected), rel_tol=1e-9, abs_tol=1e-12), code


def test_a_nest_of_closed_forms_prints_each_argument_once():
    from derive.functions import gelu

    inner = X
    for _ in range(20):
        inner = gelu(inner)
    assert len(numpy_code(inner)) < 20 * 200  # not 2^20 copies of x


# --- large powers: evaluated, or said to be unevaluable; never a false failure --------------


def test_a_large_power_is_checked_without_overflow(runner):
    result = runner.invoke(main, ["grad", "(x + 1)^1000", "--wrt", "x"])
    assert result.exit_code == 0, result.output
    assert "numeric check: passed" in result.output


def test_a_check_that_cannot_evaluate_says_so(runner):
    result = runner.invoke(main, ["grad", "(x + 1)^(10^6)*(x - 1)^(10^6)", "--wrt", "x"])
    assert result.exit_code == 0, result.output
    assert "2000000·x(x - 1)^999999·(x + 1)^999999" in result.output  # terminal maths
    assert "numeric check: undecided" in result.output and "cannot evaluate in float64" in \
        result.output
    json_result = runner.invoke(main, ["grad", "(x + 1)^(10^6)*(x - 1)^(10^6)", "--wrt", "x",
                                       "--json"])
    assert '"passed": null' in json_result.output


# --- the space of expressions: verified and passing, or a clean refusal ----------------------

FUNCTIONS = ["sigmoid", "tanh", "softplus", "gelu", "relu", "exp", "sin", "cos", "atan", "erf",
             "abs"]
POSITIVE = ["log(1 + ({})^2)", "sqrt(softplus({}))", "log(sigmoid({}))", "log({})",
            "sqrt({})"]
LEAVES = st.sampled_from(["x", "x", "y", "2", "3", "0.5", "(-x)", "(2*x - 1)"])


def _applied(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    function = st.sampled_from(FUNCTIONS).map(lambda f: f + "({})")
    positive = st.sampled_from(POSITIVE)
    power = st.sampled_from([2, 3, -1, -2, 5, 1000]).map(lambda n: f"({{}})^{n}")
    binary = st.sampled_from(["+", "-", "*", "/"])
    return st.one_of(
        st.tuples(st.one_of(function, positive, power), inner).map(lambda t: t[0].format(t[1])),
        st.tuples(inner, binary, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]})/(1 + ({t[1]})^2)"),
    )


EXPRESSIONS = st.recursive(LEAVES, _applied, max_leaves=6)
REFUTED = ("FAILED", "refuted", "disagrees", "internal error", "Traceback")


def assert_verified_or_refused(runner, text: str) -> None:
    result = runner.invoke(main, ["grad", text, "--wrt", "x"])
    out, err = result.stdout, result.stderr
    if result.exit_code == 0:
        assert "numeric check: passed" in out or "cannot evaluate in float64" in out, out
        assert not any(word in out for word in REFUTED), out
        return
    lines = err.strip().splitlines()
    assert result.exit_code in (1, 2) and len(lines) == 1, (text, result.exit_code, err, out)
    assert lines[0].startswith("derive: error: "), lines
    assert not any(word in lines[0] for word in REFUTED), (text, lines[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(EXPRESSIONS)
def test_every_expression_is_verified_or_refused(text):
    from click.testing import CliRunner

    assert_verified_or_refused(CliRunner(), text)


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.data_too_large])
@given(st.recursive(LEAVES, _applied, max_leaves=12))
def test_every_deeper_expression_is_verified_or_refused(text):
    from click.testing import CliRunner

    assert_verified_or_refused(CliRunner(), text)


@pytest.mark.parametrize("text", [
    "sin((x)^-2)", "sin((x)^1000)", "gelu(x)^2", "-gelu(x)^2", "1/gelu(x + 2)", "gelu(2*x)^3",
    "(x + 1)^1000", "(x + (y)^1000)", "x*1e-12 + exp(y)^50",
    "(sigmoid(x) - 1)^1000", "tanh(x)^1000", "softplus(x)^-2", "gelu(gelu(gelu(x)))/x",
    "relu(((x + 1))^x)^-1", "relu((x + 1)^(-x))", "x/sigmoid((2*x - 1)^3)",
])
def test_rows_that_failed_once(runner, text):
    """Inputs once reported as failed although correct (a failing draw becomes a row)."""
    assert_verified_or_refused(runner, text)
