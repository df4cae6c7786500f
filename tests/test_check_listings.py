"""Every catalogue check script reads as a person would write it, and still runs and passes."""

from __future__ import annotations

import ast

import pytest

from derive import catalogue
from derive.checkrun import run_check
from derive.kinds import check_script
from derive.render import python_literal
from tests.derived import derived

IDS = [s.id for s in catalogue.entries()]
#: the script's title, kept as data for a reader of the listing (the docstring names it)
METADATA = {"_TITLE"}


def unused_constants(source: str) -> set[str]:
    """Module-level names assigned and never read."""
    tree = ast.parse(source)
    assigned = {target.id for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    read = {node.id for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return assigned - read - METADATA


@pytest.mark.parametrize("entry", IDS)
def test_check_script_reads_like_a_person_wrote_it_and_passes(entry, tmp_path):
    source = check_script(derived(entry))
    assert "+ 0.0 *" not in source
    long = [line for line in source.splitlines() if len(line) > 88]
    assert long == []
    assert unused_constants(source) == set()
    assert source.count("np.logaddexp(0.0, -z)") <= 1  # the sigmoid helper's body, once
    path = tmp_path / f"check_{entry}.py"
    path.write_text(source)
    outcome = run_check(path)
    assert outcome.passed, outcome.line


def test_unused_constants_are_found():
    assert unused_constants("A = 1\nB = 2\nprint(A)\n_TITLE = 'x'\n") == {"B"}


@pytest.mark.parametrize("text", [
    "Categorical with three outcomes: a Lagrange multiplier for probabilities that sum to one",
    "x" * 150, "é" * 70, "a b " * 40, "short", "quote ' and \" and \\ " * 5,
])
def test_long_strings_are_split_into_adjacent_literals_of_the_same_value(text):
    code = python_literal(text)
    assert ast.literal_eval(code) == text
    assert all(len(piece) <= 72 for piece in code.split("' '"))
