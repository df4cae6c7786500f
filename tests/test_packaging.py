"""A non-editable install carries everything the package reads at run time."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_the_wheel_ships_templates_catalogue_and_grammars(tmp_path: Path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    (wheel,) = tmp_path.glob("derive-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_templates = {f"derive/templates/{p.name}" for p in (ROOT / "templates").iterdir()}
    assert shipped_templates <= names
    assert {
        "derive/catalogue/activations.toml",
        "derive/parse/latex.lark",
        "derive/parse/plain.lark",
        "derive/web/static/preview.js",
    } <= names
    assert any(n.endswith("entry_points.txt") for n in names)
