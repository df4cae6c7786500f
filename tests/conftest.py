"""Shared fixtures: a CLI runner and a session-wide catalogue build."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def pdf_text(path: Path) -> str:
    """The text of a PDF, read back with poppler's pdftotext."""
    assert shutil.which("pdftotext"), "poppler-utils is required (./run test installs it)"
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True)
    return done.stdout
