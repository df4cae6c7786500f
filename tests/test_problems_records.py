"""The manifest's pieces: the tolerance rule, expressions stored without process-dependent parts."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.problems.families import Mistake, graded
from derive.problems.manifest import canonical_srepr
from derive.problems.tolerance import Tolerance, from_record, tolerance_for


@pytest.mark.parametrize("value, mode, margin", [
    (0.5333, "relative", 0.005333), (-2.0, "relative", 0.02), (1234.5, "relative", 12.345),
    (0.05, "relative", 5e-4), (0.0499, "absolute", 5e-4), (-0.003, "absolute", 5e-4),
])
def test_relative_tolerance_absolute_near_zero(value, mode, margin):
    rule = tolerance_for(value)
    assert rule.mode == mode and rule.margin(value) == pytest.approx(margin)
    assert rule.accepts(value, value + 0.999 * margin) and rule.accepts(value, value - margin)
    assert not rule.accepts(value, value + 1.01 * margin)
    assert from_record(rule.record(value)) == rule


def test_a_mistake_the_tolerance_accepts_is_no_distractor():
    kept = graded("w", sp.Symbol("w"), sp.Integer(1), 2.0, {"w": "1"},
                  mistake=Mistake(2.01, "close"))
    assert kept.mistake is None and kept.tolerance == Tolerance("relative", 0.01)
    kept = graded("w", sp.Symbol("w"), sp.Integer(1), 2.0, {"w": "1"}, mistake=Mistake(1.0, "x"))
    assert kept.mistake == Mistake(1.0, "x")
    assert graded("w", 0, 0, 2.0, None, mistake=Mistake(float("inf"), "x")).mistake is None


def test_dummies_are_stored_by_their_place():
    def layer() -> tuple[sp.Basic, sp.Dummy]:
        d = sp.Dummy("d")
        return sp.Lambda(d, sp.tanh(d) + sp.Symbol("x")), d

    (first, d1), (second, d2) = layer(), layer()
    assert d1 != d2 and sp.srepr(first) != sp.srepr(second)
    assert canonical_srepr(first) == canonical_srepr(second)
    assert "Dummy" not in canonical_srepr(first) and "_d0" in canonical_srepr(first)
    assert canonical_srepr(sp.Symbol("x") + 1) == sp.srepr(sp.Symbol("x") + 1)


def test_a_derivation_prints_alike_whichever_worker_derived_it():
    """Derived here, loaded from another worker's pickle, or with one job: the same sheet.

    Unpickling rebuilt a product of seed 2026's geometric MLE (version 13 of a 30-student
    set) as ``1/(p (1 - p)) * sum`` where the deriving worker printed ``sum/(p (1 - p))``,
    so --jobs 1 and --jobs 2 wrote different answer keys.
    """
    import json

    from derive.problems import solve
    from derive.problems.draw import draw_versions
    from derive.problems.families import plan
    from derive.worksheet import worksheet_context

    variants = list(draw_versions(plan(6, None), 2026, 13))[12]
    variant = next(v for v in variants if v.spec.kind == "mle")
    spec = variant.spec
    key = solve.entry_key(spec)

    def printed(derived) -> str:
        sheet = worksheet_context(derived.derivation, "", "c.py")
        assert {k: sheet[k] for k in derived.lines} == derived.lines  # printed from this one
        return json.dumps(sheet, default=str)

    alone = printed(solve._pooled(key, spec))
    with solve.shared_derivations():
        derived_here = printed(solve._pooled(key, spec))
        loaded = printed(solve._pooled(key, spec))
    assert alone == derived_here == loaded
