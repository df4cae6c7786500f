"""The 'vanishing' kind: how much gradient survives L layers of an activation.

The activation's derivative and its maximum come from the scalar step engine
(the derivative of sigma' is zero where sigma = 1/2, i.e. at z = 0); the
gradient through the layers is the chain rule's product, again from the
engine. The bound |da_L/dx| <= (max act')^L |w_1 ... w_L| follows factor by
factor; the check script tests it at random networks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.assumptions import parse_assumptions
from derive.catalogue.spec import Spec
from derive.checkcode import along, code
from derive.engine.calculus.scalar import gradient_section
from derive.functions import relu, sigmoid
from derive.kinds.base import Kind, derivation_of
from derive.kinds.vanishing.fields import FIELDS
from derive.model import Derivation, Result, Section, Step
from derive.printing import Label
from derive.prose import Prose, Tex, math, tex

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": sp.tanh, "relu": relu}


@dataclass(frozen=True)
class Layers:
    """What a chain of layers adds: the activation and its derivative's peak, the bound."""

    activation: sp.Expr  # a(z)
    derivative: sp.Expr  # a'(z)
    z: sp.Symbol
    peak: sp.Expr  # max_z a'(z)
    gradient: sp.Expr  # d a_L / d x through the layers
    bound: sp.Expr  # peak^L |w_1 ... w_L|
    input: sp.Symbol  # x = a_0
    weights: tuple[sp.Symbol, ...]


def derive_vanishing(spec: Spec) -> Derivation:
    """Derivative, its maximum, and the gradient through ``layers`` layers."""
    name = spec.get("activation", "sigmoid")
    if name not in ACTIVATIONS:
        raise spec.error("activation", f"expected one of {', '.join(ACTIVATIONS)}")
    layers = spec.get("layers", 3)
    if not isinstance(layers, int) or not 1 <= layers <= 6:
        raise spec.error("layers", "expected an integer from 1 to 6")
    act = ACTIVATIONS[name]
    z, x = sp.Symbol("z", real=True), sp.Symbol("x", real=True)
    weights = [sp.Symbol(f"w{k}", real=True) for k in range(1, layers + 1)]
    sections = []
    first = gradient_section(act(z), z)
    derivative = first.steps[-1].after
    sections.append(Section(Prose.of("The activation's derivative"), first.start, first.steps,
                            sp.Derivative(sp.Symbol("a"), z)))
    if name == "relu":
        peak = sp.S.One
    else:
        second = gradient_section(derivative, z)
        sections.append(Section(Prose.of("Where the derivative is largest"), second.start,
                                second.steps))
        peak_at = sp.Subs(derivative, z, 0)
        peak = derivative.subs(z, 0)
        sections.append(Section(Prose.of("Its value at ", Tex("$z = 0$", "z = 0")), peak_at, (
            Step(peak_at, peak, "evaluate", Prose.of(
                "the derivative above vanishes only at ", math(z, 0), ", where ", math(act(z)),
                " is at its midpoint")),)))
    network = x
    for w in weights:
        network = act(w * network)
    chain = gradient_section(network, x)
    gradient = chain.steps[-1].after
    label = sp.Derivative(sp.Symbol(f"a_{layers}"), x)
    sections.append(Section(Prose.of(f"Through {layers} layers"), chain.start, chain.steps, label))
    bound = peak**layers * sp.Abs(sp.Mul(*weights))
    results = (
        Result("derivative", sp.Derivative(sp.Symbol("a"), z), derivative),
        Result("peak", Label(r"\max_z a'(z)", "max_z a'(z)"), peak),
        Result("gradient", label, gradient),
        Result("bound", sp.Abs(label), bound, relation="<="),
    )
    return derivation_of(
        spec,
        input=f"{name} network with {layers} layers",
        function=network,
        sections=tuple(sections),
        results=results,
        symbols=(x, *weights),
        assumptions=parse_assumptions(spec.assume),
        independent={"gradient": sp.diff(network, x), "derivative": sp.diff(act(z), z)},
        details=Layers(act(z), derivative, z, peak, gradient, bound, x, tuple(weights)),
        question=Prose.of(
            f"A chain of {layers} one-unit layers ", math(sp.Symbol("a_l"), act(sp.Symbol("u"))),
            " with ", tex("$u = w_l a_{l-1}$", "u = w_l a_(l-1)"), " and ",
            math(sp.Symbol("a_0"), x), ": how large can ", math(label), " be?"),
    )


def bound_context(derivation: Derivation) -> dict[str, Any]:
    """Vanishing gradients: the network, its derived gradient and the bound."""
    details: Layers = derivation.details
    return {
        "activation": code(details.activation),
        "derivative": along(details.derivative, details.z, code(details.derivative)),
        "z": details.z.name,
        "peak": code(details.peak),
        "network": code(derivation.function),
        "gradient": along(details.gradient, details.input, code(details.gradient)),
        "bound": along(details.bound, details.input, code(details.bound)),
        "args": ", ".join(s.name for s in derivation.symbols),
        "input": details.input.name,
        "weights": [s.name for s in details.weights],
    }


def check_recipe(derivation: Derivation) -> tuple[str, dict[str, Any]]:
    """The derived gradient and bound against finite differences of the network."""
    return "check_vanishing.py.j2", bound_context(derivation)


KIND = Kind("vanishing", FIELDS, derive_vanishing, check_recipe)
