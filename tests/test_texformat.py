"""The precompiled preamble: pages as plain pdfLaTeX, same bytes fresh or reused, self-healing."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from derive import catalogue, pipeline, texformat
from derive.pdf import compile_pdf

from .conftest import pdf_text

SMALL = (
    "\\documentclass{article}\n\\usepackage{amsmath}\n" + texformat.MARKER + "\n"
    "\\pdftrailerid{}\n\\begin{document}\nSmall $\\frac{a}{b}$ sheet.\n\\end{document}\n"
)


@pytest.fixture(scope="module")
def worksheet() -> str:
    tex, _ = pipeline.render(pipeline.derive(catalogue.get("relu")))
    return tex


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DERIVE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "tex-formats"


def _pages(pdf: Path, folder: Path) -> list[bytes]:
    folder.mkdir()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(folder / "page")], check=True)
    return [p.read_bytes() for p in sorted(folder.glob("page-*.png"))]


def test_the_preamble_is_everything_up_to_the_marker(worksheet):
    preamble = texformat.dumpable_preamble(worksheet)
    assert preamble is not None and preamble.endswith(texformat.MARKER + "\n")
    assert "\\usepackage{pgfplots}" in preamble
    assert "\\pdftrailerid" not in preamble and "\\rhead" not in preamble  # read on every run
    assert texformat.dumpable_preamble("\\documentclass{article}\n\\begin{document}x") is None
    late = "\\documentclass{article}\n\\begin{document}\n" + texformat.MARKER + "\n"
    assert texformat.dumpable_preamble(late) is None


def test_a_worksheet_from_the_format_looks_like_a_plain_compile(worksheet, own_cache, tmp_path):
    compile_pdf(worksheet, tmp_path / "format.pdf")
    assert len(list(own_cache.glob("*.fmt"))) == 1
    compile_pdf(worksheet.replace(texformat.MARKER + "\n", ""), tmp_path / "plain.pdf")
    assert _pages(tmp_path / "format.pdf", tmp_path / "a") == _pages(
        tmp_path / "plain.pdf", tmp_path / "b")
    assert "Result" in pdf_text(tmp_path / "format.pdf")


def test_a_fresh_and_a_reused_format_give_the_same_bytes(own_cache, tmp_path):
    compile_pdf(SMALL, tmp_path / "fresh.pdf")
    (fmt,) = own_cache.glob("*.fmt")
    dumped = fmt.stat().st_ino
    compile_pdf(SMALL, tmp_path / "reused.pdf")
    assert fmt.stat().st_ino == dumped  # not dumped again (a dump replaces the file)
    assert (tmp_path / "fresh.pdf").read_bytes() == (tmp_path / "reused.pdf").read_bytes()
    assert b"/ID" not in (tmp_path / "fresh.pdf").read_bytes()


def test_a_format_pdftex_cannot_load_is_replaced(own_cache, tmp_path):
    compile_pdf(SMALL, tmp_path / "first.pdf")
    (fmt,) = own_cache.glob("*.fmt")
    fmt.write_bytes(b"not a format")
    compile_pdf(SMALL, tmp_path / "second.pdf")
    assert "Small" in pdf_text(tmp_path / "second.pdf")
    compile_pdf(SMALL, tmp_path / "third.pdf")
    assert fmt.exists() and fmt.stat().st_size > 100_000  # dumped afresh
    assert (tmp_path / "third.pdf").read_bytes() == (tmp_path / "first.pdf").read_bytes()


def test_without_a_writable_cache_documents_compile_plainly(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("DERIVE_CACHE", str(blocked))
    compile_pdf(SMALL, tmp_path / "plain.pdf")
    assert "Small" in pdf_text(tmp_path / "plain.pdf")


def test_formats_unused_for_a_month_are_removed_when_another_is_dumped(own_cache, tmp_path):
    own_cache.mkdir(parents=True)
    stale, recent = own_cache / "derive-stale.fmt", own_cache / "derive-recent.fmt"
    for old in (stale, recent):
        old.write_bytes(b"an old format")
    month_ago = time.time() - (texformat.STALE_DAYS + 1) * 86400
    os.utime(stale, (month_ago, month_ago))
    compile_pdf(SMALL, tmp_path / "small.pdf")
    assert not stale.exists() and recent.exists()
    assert len(list(own_cache.glob("derive-*.fmt"))) == 2
