"""Calculus, optimisation and vanishing-gradient entries: derive, verify, check; engine tables."""

from __future__ import annotations

import pytest
import sympy as sp

from derive import catalogue
from derive.checkrun import run_check
from derive.engine.calculus.integration import integrate_steps
from derive.kinds import check_script
from derive.verify import compare
from tests.derived import derived

IDS = [s.id for s in catalogue.entries()
       if s.kind in {"integral", "descent", "vanishing"} or s.topic == "calculus"]
x = sp.Symbol("x", real=True)


@pytest.mark.parametrize("entry", IDS)
def test_entry_verifies_and_its_check_passes(entry, tmp_path):
    derivation = derived(entry)
    assert derivation.steps and all(s.verified in {"symbolic", "numeric"} for s in derivation.steps)
    path = tmp_path / f"check_{entry}.py"
    path.write_text(check_script(derivation))
    outcome = run_check(path)
    assert outcome.passed, outcome.line


@pytest.mark.parametrize("integral,rules,value", [
    (sp.Integral(3 * x**2 + 2 * x, (x, 0, 2)), {"sum rule", "power rule"}, 12),
    (sp.Integral(sp.exp(2 * x), (x, 0, 1)), {"exponential rule"}, (sp.E**2 - 1) / 2),
    (sp.Integral(2 * x * sp.exp(x**2), (x, 0, 1)), {"substitution"}, sp.E - 1),
    (sp.Integral(x * sp.exp(-x), (x, 0, sp.oo)), {"integration by parts"}, 1),
    (sp.Integral(1 / x, (x, 1, 2)), {"power rule"}, sp.log(2)),
])
def test_integration_rules_reach_the_value(integral, rules, value):
    steps = integrate_steps(integral)
    assert rules <= {s.rule for s in steps}
    assert sp.simplify(steps[-1].after - value) == 0
    assert all(compare(s.before, s.after).equal for s in steps)


def test_gd_step_limit_is_two_over_curvature():
    derivation = derived("gd-quadratic")
    a = next(s for s in derivation.symbols if s.name == "a")
    assert sp.simplify(derivation.result("step limit").expr - 2 / a) == 0


def test_sigmoid_layers_bound_is_a_quarter_per_layer():
    derivation = derived("vanishing-sigmoid")
    assert derivation.result("peak").expr == sp.Rational(1, 4)
    weights = [s for s in derivation.symbols if s.name.startswith("w")]
    assert sp.simplify(derivation.result("bound").expr
                       - sp.Rational(1, 64) * sp.Abs(sp.Mul(*weights))) == 0


def test_wrong_integral_step_is_refuted():
    integral = sp.Integral(x**2, (x, 0, 1))
    assert compare(integral, sp.Rational(1, 2)).equal is False
