r"""Named first lines, in the notation students use: ``\sigma(x) = 1/(1 + e^{-x})`` and then
a derivative written in terms of the name itself (``\sigma(x)(1 - \sigma(x))``).

Every head (letters, Greek letters the grammar also knows as functions, calligraphic
letters) is combined with every definition and each derivative notation; the right
line must be right and the changed line wrong (the defined name once read as the sigmoid
applied to the bracket after it).
"""

from __future__ import annotations

import itertools

import pytest

from derive.grade import check_text

HEADS = ["f", "g", r"\sigma", r"\Phi", r"\varphi", r"\ell", r"\mathcal{L}", "J", "h"]
VARIABLES = ["x", "z", r"\theta"]
#: (definition, its derivative in terms of F(v), the same with a slip), F and v filled in
DEFINITIONS = [
    (r"\frac{1}{1 + e^{-@v}}", r"@F(@v)(1 - @F(@v))", r"@F(@v)(1 + @F(@v))"),
    (r"\tanh(@v)", r"1 - @F(@v)^2", r"1 + @F(@v)^2"),
    (r"e^{2 @v}", r"2 @F(@v)", r"@F(@v)"),
    (r"\log(1 + e^{@v})", r"1 - e^{-@F(@v)}", r"1 + e^{-@F(@v)}"),
]
NOTATIONS = [r"@F'(@v)", r"\frac{d@F}{d@v}", r"\frac{\partial @F}{\partial @v}"]


def _file(head: str, variable: str, definition: str, derivative: str, notation: str) -> str:
    def filled(text: str) -> str:
        return text.replace("@F", head).replace("@v", variable)

    return f"{head}({variable}) = {filled(definition)}\n{filled(notation)} = {filled(derivative)}\n"


CASES = list(itertools.product(HEADS, DEFINITIONS, NOTATIONS))


@pytest.mark.parametrize("head,definition,notation", CASES)
def test_a_derivative_written_with_the_defined_name_is_checked(head, definition, notation):
    variable = VARIABLES[(HEADS.index(head) + NOTATIONS.index(notation)) % len(VARIABLES)]
    value, derivative, slip = definition
    right = check_text(_file(head, variable, value, derivative, notation))
    assert [v.status for v in right.steps] == ["ok"], right.text()
    wrong = check_text(_file(head, variable, value, slip, notation))
    assert [v.status for v in wrong.steps] == ["wrong"], wrong.text()
