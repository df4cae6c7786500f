"""Loss and regulariser entries: derive, verify, check; the scalar engine's new rules."""

from __future__ import annotations

import pytest
import sympy as sp

from derive import catalogue
from derive.checkrun import run_check
from derive.engine.calculus.scalar import differentiate_steps
from derive.kinds import check_script
from derive.verify import compare
from tests.derived import derived

IDS = [s.id for s in catalogue.entries() if s.topic == "losses"]
w, p, y = sp.symbols("w p y", real=True)
delta = sp.Symbol("delta", positive=True)
i = sp.Symbol("i", integer=True)
N = sp.Symbol("N", integer=True, positive=True)
xs = sp.IndexedBase("x")


@pytest.mark.parametrize("entry", IDS)
def test_entry_verifies_and_its_check_passes(entry, tmp_path):
    derivation = derived(entry)
    assert all(s.verified in {"symbolic", "numeric"} for s in derivation.steps)
    path = tmp_path / f"check_{entry}.py"
    path.write_text(check_script(derivation))
    outcome = run_check(path)
    assert outcome.passed, outcome.line


HUBER = sp.Piecewise(((p - y) ** 2 / 2, sp.Abs(p - y) <= delta),
                     (delta * (sp.Abs(p - y) - delta / 2), True))


@pytest.mark.parametrize("f,var,rule,expected", [
    (sp.Sum((w * xs[i]) ** 2, (i, 1, N)), w, "linearity of the sum",
     sp.Sum(2 * w * xs[i] ** 2, (i, 1, N))),
    (HUBER, p, "piecewise",
     sp.Piecewise((p - y, sp.Abs(p - y) <= delta), (delta * sp.sign(p - y), True))),
])
def test_new_scalar_rules(f, var, rule, expected):
    steps = differentiate_steps(f, var)
    assert rule in {s.rule for s in steps}
    assert compare(steps[-1].after, expected).equal
    assert all(compare(s.before, s.after).equal for s in steps)


def test_kl_gaussian_closed_form():
    derivation = derived("kl-gaussian")
    names = {s.name: s for s in derivation.symbols}
    m1, m2, s1, s2 = (names[n] for n in ("mu1", "mu2", "sigma1", "sigma2"))
    expected = sp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - sp.Rational(1, 2)
    assert sp.simplify(derivation.result("value").expr - expected) == 0


def test_weight_decay_shrinks_then_steps():
    derivation = derived("weight-decay")
    shrink = derivation.result("shrink").expr
    eta, lam = sorted(shrink.free_symbols, key=lambda s: s.name)
    assert sp.simplify(shrink - (1 - eta * lam)) == 0
