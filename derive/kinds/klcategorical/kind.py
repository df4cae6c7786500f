"""KL(p || q) between categorical distributions, q the softmax of logits: the gradient in z_1.

The sheet writes what a textbook writes: D = sum_k p_k log(p_k/q_k) with the softmax
outputs q_k named (``Named``: printed as q_k, proved through their definition), the
chain rule through q_k with dD/dq_k = -p_k/q_k, the softmax derivative
q_k(delta_k1 - q_1), and sum_k p_k = 1. Every line is proved like any other step.
"""

from __future__ import annotations

import sympy as sp

from derive.catalogue.spec import Spec
from derive.engine.calculus.shape import Named
from derive.kinds.base import Kind, derivation_of
from derive.kinds.gradient.check import check_recipe
from derive.kinds.gradient.kind import gradient_json
from derive.kinds.klcategorical.fields import FIELDS
from derive.model import Assumptions, Derivation, Result, Section, Step
from derive.notation import Notated
from derive.printing import Label
from derive.prose import Prose, math, tex


def derive_kl_categorical(spec: Spec) -> Derivation:
    """dD/dz_1 for D = KL(p || softmax(z)) with K categories, p_K = 1 - p_1 - ... - p_{K-1}."""
    count = spec.get("categories", 3)  # the schema reads 2 to 6
    ks = range(1, count + 1)
    free = [sp.Symbol(f"p{k}", positive=True) for k in ks[:-1]]
    p = [*free, Named(1 - sp.Add(*free), sp.Symbol(f"p{count}", positive=True))]
    z = [sp.Symbol(f"z{k}", real=True) for k in ks]
    total = sp.Add(*(sp.exp(v) for v in z))
    q = [Named(sp.exp(v) / total, sp.Symbol(f"q_{k}", positive=True))
         for k, v in zip(ks, z, strict=True)]
    divergence = sp.Add(*(pk * sp.log(pk / qk) for pk, qk in zip(p, q, strict=True)))
    name = spec.get("name", "D_KL")
    z1, q1 = z[0], q[0]
    start = sp.Derivative(divergence, z1)
    chain = sp.Add(*(-pk / qk * sp.Derivative(qk, z1) for pk, qk in zip(p, q, strict=True)))
    jacobian = [qk * ((1 if k == 1 else 0) - q1) for k, qk in zip(ks, q, strict=True)]
    softmax = sp.Add(*(-pk / qk * dq for pk, qk, dq in zip(p, q, jacobian, strict=True)))
    collected = q1 * sp.Add(*p) - p[0]
    result = q1 - p[0]
    steps = (
        Step(start, chain, "chain rule", Prose.of(
            "through ", math(Label("q_k", "q_k")), ": ",
            tex(r"$\frac{\partial}{\partial q_k}\, p_k \log\frac{p_k}{q_k} = -\frac{p_k}{q_k}$",
                "d/dq_k p_k log(p_k/q_k) = -p_k/q_k"))),
        Step(chain, softmax, "softmax derivative", Prose.of(
            tex(r"$\frac{\partial q_k}{\partial z_1} = q_k(\delta_{k1} - q_1)$",
                "dq_k/dz_1 = q_k (delta_k1 - q_1)"), "; ",
            tex("$q_k$", "q_k"), " cancels")),
        Step(softmax, collected, "collect", Prose.of("the terms in ", math(q1))),
        Step(collected, result, "probabilities sum to one"),
    )
    section = Section(Prose.of("With respect to ", math(z1)), start, steps,
                      lhs=sp.Derivative(sp.Symbol(name), z1))
    last = p[-1].args[1]
    return derivation_of(
        spec,
        input=f"sum_k p_k log(p_k/q_k), q = softmax(z1, ..., z{count})",
        function=divergence,
        sections=(section,),
        results=(Result("z1", sp.Derivative(sp.Symbol(name), z1), result),),
        symbols=(*free, *z),
        assumptions=Assumptions(unit_interval=frozenset(s.name for s in free),
                                sentences=tuple(f"0 < {s.name} < 1" for s in free)),
        independent={"z1": sp.diff(divergence, z1)},
        name=name,
        statement=divergence,
        question=Prose.of(
            "For the softmax outputs ", math(q1.args[1], q1.args[0]), " and so on, and ",
            math(last, p[-1].args[0]), ", find ",
            math(Notated("partial of softmax", sp.Symbol(name))), "."),
    )


KIND = Kind("kl-categorical", FIELDS, derive_kl_categorical, check_recipe, gradient_json)
