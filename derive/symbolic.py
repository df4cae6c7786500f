"""The symbolic half of verification: a bounded proof that two expressions are equal.

Cheap tests first (the DL functions kept as opaque symbols, expand and cancel),
then, inside the stated domain, log expansion, sum linearity, cancelled function
arguments and the exponential form, and only then sympy's ``simplify``, all in
a child process with a time budget (``derive.bounded``). ``derive.verify`` adds
the numeric identity test and decides.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from derive.assumptions import stated_facts
from derive.bounded import run_bounded
from derive.engine.calculus import expansion
from derive.engine.calculus.expansion import cancels_small, expands_small
from derive.engine.matrix.expressions import is_matrix
from derive.errors import BudgetExceeded
from derive.functions import as_expr, fold_reflections, to_closed_form
from derive.model import Assumptions

SMALL_OPS = 60
PROOF_NODES = 40000  # the bounded proof expands nothing larger (engine.calculus.expansion)
NO_ASSUMPTIONS = Assumptions()


def _doit(expr: Any) -> Any:
    """``doit``, except that sums and products over a symbolic range stay as they are.

    sympy would try to sum them in closed form (slowly, and needlessly: the numeric
    test expands them at concrete N); derivatives, substitutions and display wrappers
    (a class with ``transparent = True``, such as the 'const' of a log-posterior) are
    still done.
    Remembered: a line is the 'after' of one step and the 'before' of the next.
    """
    try:
        return _doit_once(expr)
    except TypeError:  # unhashable (a mutable matrix)
        return _doit_uncached(expr)


@functools.lru_cache(maxsize=512)
def _doit_once(expr: Any) -> Any:
    return _doit_uncached(expr)


def _doit_uncached(expr: Any) -> Any:
    if not hasattr(expr, "doit"):
        return expr
    if not expr.has(sp.Sum, sp.Product):
        return expr.doit()
    return expr.replace(
        lambda e: isinstance(e, sp.Derivative | sp.Subs) or getattr(e, "transparent", False),
        lambda e: e.doit(deep=False))


def _difference(before: Any, after: Any) -> Any:
    """before - after, sigmoid and friends kept (the closed form is ``to_closed_form`` of it)."""
    diff = _doit(before) - _doit(after) if hasattr(before, "doit") else before - after
    if isinstance(diff, sp.MatrixExpr) or getattr(diff, "is_Matrix", False):
        return diff
    return as_expr(diff)


def _functions_kept(expr: Any) -> Any:
    """sigmoid, softplus, tanh, ... kept (opaque to cancel): one sign per argument, tanh =
    sinh/cosh.

    Cheap where the closed form is not: sigmoid(-3 softplus(u)) against
    1 - sigmoid(3 softplus(u)) is a polynomial identity in exponentials of high degree.
    """
    return fold_reflections(expr).replace(sp.tanh, lambda u: sp.sinh(u) / sp.cosh(u))


def _cancelled(expr: Any) -> Any:
    """Expanded and cancelled; only cancelled when the expansion would be large (a product
    of k sums has 2^k terms, which cancelling the fraction it forms may not need), and left
    as it is when cancelling would be large too."""
    common = sp.factor_terms(expr)  # cheap, and enough when the terms share large powers
    if common == 0:
        return common
    if expands_small(expr, PROOF_NODES):
        return sp.cancel(expansion.expand(expr))
    return expansion.cancel(expr) if cancels_small(expr, PROOF_NODES) else expr


def _logs_expanded(expr: Any) -> Any:
    """log(a b) = log a + log b, log(a^k) = k log a where the assumptions allow (no force)."""
    return _cancelled(sp.expand_log(expr))


def _split_sum(total: sp.Sum) -> sp.Expr:
    """Linearity of a sum over one index: term by term, constants out, sum of c = (count) c."""
    if len(total.limits) != 1:
        return total
    index, low, high = total.limits[0]
    out = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(total.function)):
        constant, rest = term.as_independent(index, as_Add=False)
        out += constant * (high - low + 1) if rest == 1 else constant * sp.Sum(rest, total.limits)
    return out


def _sums_split(expr: Any) -> Any:
    """Every sum written term by term (what sympy's simplify does slowly, via sum_simplify)."""
    if not expr.has(sp.Sum):
        return expr  # nothing to split: the other rungs have done the rest
    logs = sp.expand_log(expr)
    if not expands_small(logs, PROOF_NODES):
        return expr
    split = sp.expand(logs).replace(lambda e: isinstance(e, sp.Sum), _split_sum)
    return _cancelled(split)


def _exp_rewritten(expr: Any) -> Any:
    """Hyperbolic functions (tanh = sinh/cosh, ...) written with exponentials, then cancelled."""
    return _cancelled(expr.rewrite(sp.exp))


def _arguments_cancelled(expr: Any) -> Any:
    """Each function's argument as one cancelled fraction (innermost first), then cancelled.

    In closed form, tanh(1/(1 + e^(3w+2))) and -tanh(1/(1 + e^(-3w-2)) - 1) hold the
    same argument up to sign, which only cancelling it shows.
    """
    def plain(e: Any) -> bool:
        return isinstance(e, sp.Function) and all(isinstance(a, sp.Expr) for a in e.args)

    tidy = expr.replace(plain, lambda f: f.func(*(sp.cancel(a) for a in f.args)))
    return _cancelled(tidy)


#: Cheap, sound rewritings of the closed form inside the stated domain (``_within_domain``:
#: p in (0, 1), the sample's signs), tried in turn before sympy's simplify (which is slow
#: when it fails).
WITHIN_DOMAIN = (_logs_expanded, _sums_split, _arguments_cancelled, _exp_rewritten, sp.simplify)


def _symbolic_zero(diff: Any, assumptions: Assumptions) -> bool:
    """The proof itself (run bounded): a rational identity with the DL functions kept, then
    in closed form (both for every value), then the ladder inside the domain."""
    if diff == 0:
        return True
    if is_matrix(diff):
        return False
    kept = _functions_kept(diff)
    if _cancelled(kept) == 0:
        return True
    closed = to_closed_form(diff)
    if closed != kept and _cancelled(closed) == 0:  # the same work when nothing was kept
        return True
    inside = to_closed_form(_within_domain(diff, assumptions))
    return any(rewrite(inside) == 0 for rewrite in WITHIN_DOMAIN)


def quickly_equal(before: Any, after: Any) -> bool:
    """A cheap in-process symbolic test: the difference is 0 after expansion; for symbolic
    matrices, the two sides the same after ``doit`` (sympy's canonical form), which is
    all their difference could show (it is cancelled only when the sides are equal), at a
    fraction of its cost (the difference is another deep ``doit``)."""
    if _holds_matrices(before) or _holds_matrices(after):
        if _holds_differential(before) or _holds_differential(after):
            return before == after  # d(.) is opaque to doit: a step moving d is tested
        return _doit(before) == _doit(after)
    diff = _difference(before, after)
    if diff == 0:
        return True
    if is_matrix(diff):
        return False
    if diff.has(sp.MatMul):  # expand cannot reorder matrix products: the numeric test can
        return False
    closed = to_closed_form(diff)
    return closed == 0 or (sp.count_ops(closed) <= SMALL_OPS and expands_small(closed)
                           and sp.expand(closed) == 0)


def _holds_matrices(expr: Any) -> bool:
    """Symbolic matrices (explicit ones, det of a 2 x 2, expand as numbers do)."""
    return isinstance(expr, sp.Basic) and expr.has(sp.MatrixSymbol)


def _holds_differential(expr: Any) -> bool:
    from derive.engine.matrix.sizes import distinct_nodes

    return isinstance(expr, sp.Basic) and any(getattr(node, "is_differential", False)
                                              for node in distinct_nodes(expr))


def _within_domain(diff: Any, assumptions: Assumptions) -> Any:
    """Each symbol stated to lie in (0, 1) written as 1/(1 + q) with q > 0; the sample's
    entries x_i given the signs stated for x; factorials as Gamma functions.

    A bijection of the domains, so the difference vanishes for every p in (0, 1) exactly
    when it vanishes for every q > 0; sympy then knows that p and 1 - p = q/(1 + q) are
    positive, and may split log(p^a (1 - p)^b) without being forced.
    """
    unit = {s for s in diff.free_symbols
            if isinstance(s, sp.Symbol) and s.name in assumptions.unit_interval}
    inside = {s: 1 / (1 + sp.Dummy(f"q_{s.name}", positive=True)) for s in unit}
    for base in diff.atoms(sp.IndexedBase):  # the sample x_i: what is stated of x
        facts = stated_facts(base.name, assumptions)
        if facts:
            inside[base] = sp.IndexedBase(base.name, **facts)
    diff = diff.xreplace(inside) if inside else diff
    # x! = Gamma(x + 1): sympy knows Gamma positive for x > 0, x! only for integers
    return diff.replace(sp.factorial, lambda u: sp.gamma(u + 1))


#: per process: a difference the bounded proof settled (proved, or found no proof for), so
#: a step that recurs (the same line in another variant of a problem) is not proved again.
#: A proof cut short by its budget is not kept: a later budget may be larger.
_SETTLED: dict[tuple[Any, Assumptions, float], bool] = {}
SETTLED_MAX = 20000


def symbolically_equal(
    before: Any, after: Any, seconds: float = 4.0, assumptions: Assumptions = NO_ASSUMPTIONS
) -> bool:
    """True when a bounded symbolic simplification proves ``before == after``."""
    diff = _difference(before, after)
    if diff == 0:
        return True
    key = (diff, assumptions, seconds) if isinstance(diff, sp.Basic) else None  # hashable
    if key in _SETTLED:
        return _SETTLED[key]
    try:
        proved = run_bounded(_symbolic_zero, diff, assumptions, seconds=seconds)
    except BudgetExceeded:
        return False
    if key is not None and len(_SETTLED) < SETTLED_MAX:
        _SETTLED[key] = proved
    return proved
