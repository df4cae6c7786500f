"""Which scripts pdfLaTeX can typeset here, and user text as LaTeX runs per script.

Latin text is T1; Greek (LGR) and Cyrillic (T2A) runs switch the font
encoding, when this TeX installation has the encoding and its fonts (Debian:
texlive-lang-greek, texlive-lang-cyrillic, cm-super). What each encoding can
typeset is read off LaTeX's own Unicode tables (``*.dfu``). A letter no
installed encoding has is written in Latin transliteration (anyascii), with a
warning, so an unusual name never fails a build.
"""

from __future__ import annotations

import functools
import re
import subprocess
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from derive.errors import ScriptFallback

#: Encoding -> (the files it needs: definitions, a font family; its Unicode table).
SCRIPTS: dict[str, tuple[tuple[str, ...], str]] = {
    "T2A": (("t2aenc.def", "t2acmr.fd"), "t2aenc.dfu"),
    "LGR": (("lgrenc.def", "lgrcmr.fd"), "lgrenc.dfu"),
}
BASE_TABLES = ("t1enc.dfu", "ts1enc.dfu")
_DECLARED = re.compile(r"\\DeclareUnicodeCharacter\{([0-9A-Fa-f]{4,6})\}")
_SPECIALS = re.compile(r"[\\&%$#_{}~^<>]")
_REPLACEMENTS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


@dataclass(frozen=True)
class Coverage:
    """The code points T1 text can hold, and those of each other available encoding."""

    base: frozenset[int]
    scripts: dict[str, frozenset[int]]

    @property
    def encodings(self) -> str:
        """The fontenc option: the available encodings, T1 (the default) last."""
        return ",".join([*self.scripts, "T1"])


def _located(names: list[str]) -> dict[str, str]:
    try:
        found = subprocess.run(["kpsewhich", *names], capture_output=True, text=True,
                               timeout=30, stdin=subprocess.DEVNULL).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return {}
    return {path.rsplit("/", 1)[-1]: path for path in found}


def _declared(path: str | None) -> frozenset[int]:
    if path is None:
        return frozenset()
    try:
        with open(path, encoding="latin-1") as table:
            return frozenset(int(code, 16) for code in _DECLARED.findall(table.read()))
    except OSError:
        return frozenset()


@functools.lru_cache(maxsize=1)
def coverage() -> Coverage:
    """What this installation typesets (one kpsewhich call per process)."""
    wanted = [*BASE_TABLES, *(f for files, table in SCRIPTS.values() for f in (*files, table))]
    paths = _located(wanted)
    base = frozenset(range(0x20, 0x7F)) | frozenset().union(
        *(_declared(paths.get(t)) for t in BASE_TABLES))
    scripts = {}
    for encoding, (files, table) in SCRIPTS.items():
        if all(f in paths for f in files):
            scripts[encoding] = _declared(paths.get(table)) - base
    return Coverage(base, scripts)


def _classify(char: str, cover: Coverage) -> str:
    code = ord(char)
    if code < 0x80 or code in cover.base:
        return "T1"
    for encoding, codes in cover.scripts.items():
        if code in codes:
            return encoding
    return "fallback"


def _runs(text: str, cover: Coverage) -> Iterator[tuple[str, str]]:
    """(class, text) runs; a space between two letters of one script stays in their run."""
    classes = [_classify(c, cover) for c in text]
    for k, char in enumerate(text):
        if char == " " and 0 < k < len(text) - 1 and classes[k - 1] == classes[k + 1]:
            classes[k] = classes[k - 1]
    start = 0
    for k in range(1, len(text) + 1):
        if k == len(text) or classes[k] != classes[start]:
            yield classes[start], text[start:k]
            start = k


def _fallback(text: str) -> str:
    from anyascii import anyascii

    written = anyascii(text)
    script = unicodedata.name(text[0], "UNKNOWN").split()[0].title()
    warnings.warn(ScriptFallback(f"the installed fonts lack {script} letters: "
                                 f"'{text}' is written as '{written}'"), stacklevel=4)
    return _SPECIALS.sub(lambda m: _REPLACEMENTS[m.group(0)], written)


def escape_latex(text: str) -> str:
    """Text as LaTeX in one pass: specials escaped, each script in an encoding that has it."""
    if text.isascii():
        return _SPECIALS.sub(lambda m: _REPLACEMENTS[m.group(0)], text)
    cover = coverage()
    out = []
    for kind, run in _runs(text, cover):
        if kind == "T1":
            out.append(_SPECIALS.sub(lambda m: _REPLACEMENTS[m.group(0)], run))
        elif kind == "fallback":
            out.append(_fallback(run))
        else:
            out.append(rf"{{\fontencoding{{{kind}}}\selectfont {run}}}")
    return "".join(out)
