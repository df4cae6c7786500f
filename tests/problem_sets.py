"""A released problem set for the LMS tests: built once per module through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from click.testing import CliRunner

from derive.cli import main

#: a roster as Moodle exports it, with a formula-injection name
ROSTER = ("First name,Surname,Email address\nAna,García,ana@example.org\n"
          "=cmd|' /C calc'!A0,Smith,eve@example.org\nKurt,Gödel,kg@example.org\n")


def build_set(folder: Path, seed: str, *extra: str) -> Path:
    """Six problems (every family), one version per roster student, TeX sources only."""
    roster = folder / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(main, ["problems", "--count", "6", "--seed", seed, "--roster",
                                       str(roster), "--to", "tex", "--jobs", "2", "--out",
                                       str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def graded(problem: dict) -> list[dict]:
    """The answers of a problem record that are graded (released with a tolerance)."""
    return [a for a in problem["answers"] if "tolerance_mode" in a.get("numeric", {})]


def variants(manifest: Path) -> Iterator[tuple[dict, dict, list[dict]]]:
    """Every (version, problem, graded answers) of a manifest."""
    for version in json.loads(manifest.read_text(encoding="utf-8"))["versions"]:
        for problem in version["problems"]:
            yield version, problem, graded(problem)
