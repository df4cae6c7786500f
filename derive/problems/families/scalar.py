"""Scalar families: one neuron's loss, its value at a point, two neurons in a chain."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.functions import sigmoid, softplus, to_closed_form
from derive.model import Derivation
from derive.printing import latex
from derive.problems.families import Answer, Choices, Family, Mistake, graded, label_tex
from derive.prose import Printed, Prose, displayed

W = sp.Symbol("w", real=True)
LOSS_NAME = sp.Symbol("L")


@dataclass(frozen=True)
class Activation:
    function: Callable[[sp.Expr], sp.Expr]
    targets: tuple[str, ...]  # targets that suit the activation's range


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(sigmoid, ("0", "1/4", "1/2", "3/4", "1")),
    "tanh": Activation(sp.tanh, ("-1", "-1/2", "0", "1/2", "1")),
    "softplus": Activation(softplus, ("1/2", "1", "2", "3")),
}


@dataclass(frozen=True)
class Loss:
    words: str
    function: Callable[[sp.Expr, sp.Expr], sp.Expr]
    activations: tuple[str, ...]  # activations whose output the loss accepts


LOSSES: dict[str, Loss] = {
    "squared": Loss("squared error", lambda a, y: (a - y) ** 2, tuple(ACTIVATIONS)),
    "half-squared": Loss("half squared error", lambda a, y: (a - y) ** 2 / 2, tuple(ACTIVATIONS)),
    "log-cosh": Loss("log-cosh loss", lambda a, y: sp.log(sp.cosh(a - y)), tuple(ACTIVATIONS)),
    "cross-entropy": Loss(
        "binary cross-entropy",
        lambda a, y: -(y * sp.log(a) + (1 - y) * sp.log(1 - a)),
        ("sigmoid",),
    ),
}

INPUTS = (-3, -2, -1, 1, 2, 3)
BIASES = (-3, -2, -1, 0, 1, 2, 3)
OUTER_WEIGHTS = (-3, -2, -1, 1, 2, 3)
BOUNDED = ("sigmoid", "tanh")  # activations with a bounded output
POINTS = ("-2", "-3/2", "-1", "-1/2", "1/2", "1", "3/2", "2")
GRADING_POINT = {"w": "1/3"}
SCREEN_POINTS = (-1.3, 0.4, 1.7)
SMALLEST_VALUE = 1e-3  # numeric answers smaller than this are too close to 0 to be asked for
INNER_HINT = ("This is the derivative with respect to z: the chain rule also multiplies by "
              "the inner derivative dz/dw = x.")


def _number(text: str) -> sp.Rational:
    return sp.Rational(text)


def _finite(value: sp.Expr) -> bool:
    try:
        number = complex(to_closed_form(value).evalf(30))
    except (TypeError, ValueError):
        return False
    return number.imag == 0 and math.isfinite(number.real)


def _value(expr: sp.Expr, at: dict[str, str]) -> sp.Expr:
    point = {s: _number(at[s.name]) for s in expr.free_symbols if s.name in at}
    return to_closed_form(expr.subs(point)).evalf(30)


def _affine(x: int, b: int) -> sp.Expr:
    return x * W + b


class NeuronGradient(Family):
    """dL/dw for loss(activation(x w + b), y) with random activation, loss and numbers."""

    name = "neuron-gradient"
    title = "Gradient of one neuron's loss"
    topic = "gradients"
    engine = "derive.kinds.gradient"

    def draw(self, rng: random.Random) -> dict[str, Any]:
        loss = rng.choice(sorted(LOSSES))
        activation = rng.choice(LOSSES[loss].activations)
        return {
            "loss": loss,
            "activation": activation,
            "x": rng.choice(INPUTS),
            "b": rng.choice(BIASES),
            "y": rng.choice(ACTIVATIONS[activation].targets),
        }

    def function(self, c: Choices) -> sp.Expr:
        a = ACTIVATIONS[c["activation"]].function(_affine(c["x"], c["b"]))
        return LOSSES[c["loss"]].function(a, _number(c["y"]))

    def spec(self, choices: Choices, ident: str) -> Spec:
        fields = {"expr": sp.sstr(self.function(choices)), "wrt": "w", "name": "L"}
        return Spec(id=ident, title=self.title, topic=self.topic, kind="gradient", fields=fields)

    def screen(self, choices: Choices) -> str | None:
        gradient = sp.diff(self.function(choices), W)
        if gradient == 0:
            return "the gradient is zero"
        if not all(_finite(gradient.subs(W, p)) for p in SCREEN_POINTS):
            return "the gradient is undefined somewhere"
        return None

    def _setting(self, c: Choices) -> list:
        a = ACTIVATIONS[c["activation"]].function(sp.Symbol("z"))
        return [
            "A neuron with weight ", Printed("w"), ", input ", Printed(f"x = {c['x']}"),
            " and bias ",
            Printed(f"b = {c['b']}"), " computes ",
            Printed(f"z = {latex(_affine(c['x'], c['b']))}"),
            " and outputs ", Printed(f"a = {latex(a)}"), ". Against the target ",
            Printed(f"y = {latex(_number(c['y']))}"), f" its {LOSSES[c['loss']].words} is",
        ]

    def question(self, choices: Choices, derivation: Derivation) -> Prose:
        return Prose.of(
            *self._setting(choices),
            displayed(f"L(w) = {latex(derivation.function)}."),
            "Find ", Printed(label_tex(derivation, derivation.results[0].label)),
            " as a function of ", Printed("w"), ".",
        )

    def answers(self, choices: Choices, derivation: Derivation) -> tuple[Answer, ...]:
        return tuple(Answer(r.name, r.label, r.expr, at=GRADING_POINT) for r in derivation.results)


class GradientValue(NeuronGradient):
    """The numeric instance: the value of one neuron's dL/dw at a given weight."""

    name = "gradient-value"
    title = "Value of a gradient at a point"
    numeric = True

    def draw(self, rng: random.Random) -> dict[str, Any]:
        choices = super().draw(rng)
        choices["w"] = rng.choice(POINTS)
        return choices

    def screen(self, choices: Choices) -> str | None:
        # The key is the loss alone (inherited): the same loss at another point is the same problem.
        value = _value(sp.diff(self.function(choices), W), {"w": choices["w"]})
        if not _finite(value):
            return "the gradient is undefined at the point"
        if abs(float(value)) < SMALLEST_VALUE:
            return "the gradient is (nearly) zero at the point"
        return None

    def question(self, choices: Choices, derivation: Derivation) -> Prose:
        label = label_tex(derivation, derivation.results[0].label)
        return Prose.of(
            *self._setting(choices),
            displayed(f"L(w) = {latex(derivation.function)}."),
            "Compute the number ", Printed(label), " at ",
            Printed(f"w = {latex(_number(choices['w']))}"),
            " to three significant figures.",
        )

    def answers(self, choices: Choices, derivation: Derivation) -> tuple[Answer, ...]:
        at = {"w": choices["w"]}
        answers = []
        for r in derivation.results:
            value = float(_value(r.expr, at))
            answers.append(graded(r.name, r.label, r.expr, value, at,
                                  mistake=Mistake(value / choices["x"], INNER_HINT)))
        return tuple(answers)


class TwoNeuronChain(NeuronGradient):
    """Backpropagation through two scalar neurons: loss(act2(v act1(x w + b)), y)."""

    name = "two-neuron-chain"
    title = "Backpropagation through two neurons"

    def draw(self, rng: random.Random) -> dict[str, Any]:
        choices = super().draw(rng)
        # Cross-entropy of a sigmoid of an unbounded hidden value loses all precision in
        # floating point (log of a sigmoid near 0), so the check script could not confirm it.
        bounded = choices["loss"] == "cross-entropy"
        choices["inner"] = rng.choice(BOUNDED if bounded else sorted(ACTIVATIONS))
        choices["v"] = rng.choice(OUTER_WEIGHTS)
        return choices

    def function(self, c: Choices) -> sp.Expr:
        hidden = ACTIVATIONS[c["inner"]].function(_affine(c["x"], c["b"]))
        a = ACTIVATIONS[c["activation"]].function(c["v"] * hidden)
        return LOSSES[c["loss"]].function(a, _number(c["y"]))

    def _setting(self, c: Choices) -> list:
        h = ACTIVATIONS[c["inner"]].function(sp.Symbol("z"))
        a = ACTIVATIONS[c["activation"]].function(c["v"] * sp.Symbol("h"))
        return [
            "A hidden neuron with weight ", Printed("w"), ", input ", Printed(f"x = {c['x']}"),
            " and bias ", Printed(f"b = {c['b']}"), " computes ",
            Printed(f"z = {latex(_affine(c['x'], c['b']))}"), " and ", Printed(f"h = {latex(h)}"),
            "; the output neuron has weight ", Printed(f"v = {c['v']}"), " and outputs ",
            Printed(f"a = {latex(a)}"), ". Against the target ",
            Printed(f"y = {latex(_number(c['y']))}"),
            f" the {LOSSES[c['loss']].words} is",
        ]
