"""Layer families: backpropagation through one dense layer with given shapes.

Two engines: the 'backprop' kind walks a forward pass that ends in a loss;
the 'gradient' kind (matrix engine) takes the upstream gradient of the
layer's output as given. Random choices: the activation, the loss, which
gradients are asked for, and symbolic or concrete sizes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import sympy as sp

from derive.catalogue.spec import Spec
from derive.functions import relu, sigmoid, softplus
from derive.model import Derivation
from derive.printing import latex
from derive.problems.families import Choices, Family
from derive.prose import Printed, Prose, displayed

ACTIVATIONS = {"sigmoid": sigmoid, "tanh": sp.tanh, "softplus": softplus, "relu": relu}


@dataclass(frozen=True)
class LayerLoss:
    """A loss of the layer's output a against a target y, in the parser's syntax."""

    text: str
    words: str
    scale: sp.Rational  # L = scale * ||a - y||^2


LOSSES = {
    "half-squared": LayerLoss("(a - y)^T*(a - y)/2", "half the squared error", sp.Rational(1, 2)),
    "squared": LayerLoss("(a - y)^T*(a - y)", "the squared error", sp.Integer(1)),
}
SOFTMAX = "softmax-cross-entropy"  # the output layer with softmax and cross-entropy
FORMS = ("loss", "upstream")  # a forward pass ending in a loss, or the upstream gradient given
GRADIENTS = (("W",), ("b",), ("x",), ("W", "b"), ("W", "x"), ("b", "x"))
SIZES = (None, (2, 3), (3, 2), (3, 4), (4, 3), (2, 5))  # None: symbolic m x n


def _shape_text(rows: Any, cols: Any) -> str:
    return f"{rows},{cols}"


class LayerBackprop(Family):
    """dL/dW, dL/db or dL/dx for a = act(W x + b): a loss given, or the upstream delta given."""

    name = "layer-backprop"
    title = "Backpropagation through a dense layer"
    topic = "layers"
    engine = "derive.kinds.backprop"

    def draw(self, rng: random.Random) -> dict[str, Any]:
        form = rng.choice(FORMS)
        activation = rng.choice(sorted(ACTIVATIONS) + ([SOFTMAX] if form == "loss" else []))
        loss = SOFTMAX if activation == SOFTMAX else (
            rng.choice(sorted(LOSSES)) if form == "loss" else None)
        sizes = rng.choice(SIZES)
        return {
            "form": form,
            "activation": activation,
            "loss": loss,
            "wrt": list(rng.choice(GRADIENTS)),
            "sizes": None if sizes is None else list(sizes),
        }

    def _dims(self, c: Choices) -> tuple[Any, Any]:
        return ("m", "n") if c["sizes"] is None else tuple(c["sizes"])

    def spec(self, choices: Choices, ident: str) -> Spec:
        m, n = self._dims(choices)
        shapes = {"W": _shape_text(m, n), "x": _shape_text(n, 1), "b": _shape_text(m, 1)}
        act = choices["activation"]
        if choices["form"] == "upstream":
            shapes["delta"] = _shape_text(m, 1)
            fields = {"expr": f"{act}(W*x + b)", "upstream": "delta", "wrt": list(choices["wrt"]),
                      "name": "L", "shapes": shapes}
            return Spec(id=ident, title=self.title, topic=self.topic, kind="gradient",
                        fields=fields)
        shapes["y"] = _shape_text(m, 1)
        if act == SOFTMAX:
            forward = ["z = W*x + b", "p = softmax(z)", "L = -y^T*log(p)"]
            extra: dict[str, Any] = {"simplex": ["y"], "inline": ["p"]}
        else:
            forward = ["z = W*x + b", f"a = {act}(z)", f"L = {LOSSES[choices['loss']].text}"]
            extra = {}
        fields = {"forward": forward, "wrt": list(choices["wrt"]), "shapes": shapes, **extra}
        return Spec(id=ident, title=self.title, topic=self.topic, kind="backprop", fields=fields)

    def _symbols(self, c: Choices) -> dict[str, Any]:
        m, n = (sp.Symbol(d, integer=True, positive=True) if isinstance(d, str) else d
                for d in self._dims(c))
        return {"m": m, "n": n, "W": sp.MatrixSymbol("W", m, n), "x": sp.MatrixSymbol("x", n, 1),
                "b": sp.MatrixSymbol("b", m, 1)}

    def _shapes(self, s: dict[str, Any]) -> list:
        def space(rows: Any, cols: Any = 1) -> str:
            dims = latex(rows) if cols == 1 else rf"{latex(rows)} \times {latex(cols)}"
            return rf"\mathbb{{R}}^{{{dims}}}"

        return [Printed(rf"W \in {space(s['m'], s['n'])}"), ", ",
                Printed(rf"x \in {space(s['n'])}"), " and ", Printed(rf"b \in {space(s['m'])}")]

    def question(self, choices: Choices, derivation: Derivation) -> Prose:
        s = self._symbols(choices)
        z = sp.Symbol("z")
        act = choices["activation"]
        wanted = [Printed(rf"\partial L / \partial {name}") for name in choices["wrt"]]
        wanted_prose: list = [wanted[0]] if len(wanted) == 1 else [wanted[0], " and ", wanted[1]]
        head = ["A dense layer with weights ", *self._shapes(s), " computes ",
                Printed(f"z = {latex(s['W'] * s['x'] + s['b'])}")]
        if choices["form"] == "upstream":
            a = latex(ACTIVATIONS[act](z))
            return Prose.of(
                *head, " and outputs ", Printed(f"h = {a}"),
                " entry by entry. The upstream gradient ",
                Printed(r"\delta = \partial L / \partial h"),
                f" (a column of {latex(s['m'])} numbers)"
                " is given. Find ", *wanted_prose, " in terms of ", Printed(r"\delta"), ", ",
                Printed("W"), ", ", Printed("x"), " and ", Printed("b"), ", in matrix form.")
        if act == SOFTMAX:
            return Prose.of(
                *head, ", the probabilities ", Printed(r"p = \operatorname{softmax}(z)"),
                " and, against a target ", Printed("y"),
                " whose entries sum to 1, the cross-entropy",
                displayed(r"L = -y^{\top} \log p."),
                "Find ", *wanted_prose, " in matrix form.")
        a_sym, y_sym = sp.MatrixSymbol("a", s["m"], 1), sp.MatrixSymbol("y", s["m"], 1)
        scale = LOSSES[choices["loss"]].scale
        factor = "" if scale == 1 else latex(scale)
        return Prose.of(
            *head, " and ", Printed(f"a = {latex(ACTIVATIONS[act](z))}"),
            " entry by entry. Against a target ", Printed("y"),
            f" the loss is {LOSSES[choices['loss']].words},",
            displayed(rf"L = {factor}\lVert {latex(a_sym - y_sym)} \rVert^{{2}}."),
            "Find ", *wanted_prose, " in matrix form, by walking the forward pass backwards.")
