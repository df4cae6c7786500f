"""Inputs a user produces without meaning harm, tried from the command line: files saved by
Windows tools (a byte-order mark, UTF-16, CRLF, a lone CR), digits that are not ASCII, very
long lines, deep nesting. Each ends in a result or one line naming the place, exit 2.

Real ``derive`` processes; each row was once an internal error or a wrong refusal, or is a
limit that must stay one line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DERIVE = str(Path(sys.executable).with_name("derive"))
SPEC = ('[[entry]]\nid = "windows"\ntitle = "Saved on Windows"\ntopic = "t"\nkind = "gradient"\n'
        'expr = "x^3"\nwrt = "x"\n')
CHECK = "d/dx x^2\n= 2*x\n"
MANIFEST_ROWS = "name,version,p1,p2\nAnn,³,5,1\nBob,1,2,2\n"

#: id -> (files to write, the command, exit code, text in stderr (or stdout when exit 0))
CASES = {
    "spec with a UTF-8 byte-order mark and CRLF": (
        {"s.toml": b"\xef\xbb\xbf" + SPEC.replace("\n", "\r\n").encode()},
        ["build", "--spec", "s.toml", "--to", "tex", "--out", "o"], 0, "built 1 of 1"),
    "spec saved as UTF-16 (PowerShell's >)": (
        {"s.toml": SPEC.encode("utf-16")},
        ["build", "--spec", "s.toml", "--to", "tex", "--out", "o"], 0, "built 1 of 1"),
    "spec nested 5000 arrays deep": (
        {"s.toml": b"a = " + b"[" * 5000 + b"]" * 5000},
        ["build", "--spec", "s.toml", "--to", "tex", "--out", "o"], 2,
        "s.toml: not valid TOML (nested too deeply)"),
    "check file saved as UTF-16 with CRLF": (
        {"c.txt": CHECK.replace("\n", "\r\n").encode("utf-16")}, ["check", "c.txt"], 0, "ok"),
    "check file with lone CR line ends (old Mac)": (
        {"c.txt": CHECK.replace("\n", "\r").encode()}, ["check", "c.txt"], 0, "ok"),
    "check file, a UTF-16 mark and a lone surrogate": (
        {"c.txt": b"\xff\xfe\x00\xd8"}, ["check", "c.txt"], 2, "c.txt: not UTF-16 text (byte 3)"),
    "check file, a 40,000-character line": (
        {"c.txt": ("d/dx " + "+".join(["x"] * 20_000) + "\n= 20000\n").encode()},
        ["check", "c.txt"], 2, "line 1, column 4001: input longer than 4000 characters"),
    "check file, a superscript digit in % shape": (
        {"c.txt": "% shape W = ³, 3\ntr(W)\n= tr(W)\n".encode()}, ["check", "c.txt"], 2,
        "line 1: % shape: expected 'NAME = ROWS, COLS'"),
    "--shape with a superscript digit": (
        {}, ["grad", "tr(X)", "--wrt", "X", "--shape", "X=³,3"], 2,
        "--shape X=³,3: '³' is not a name"),
    "--shape with Arabic-Indic digits": (
        {}, ["grad", "tr(X)", "--wrt", "X", "--shape", "X=٣,٣"], 2,
        "--shape X=٣,٣: '٣' is not a name"),
    "--support counts: with a superscript digit": (
        {}, ["mle", "p^x*(1-p)^(1-x)", "--param", "p", "--support", "counts:³"], 2,
        "unknown support 'counts:³'"),
    "--support categories: with a superscript digit": (
        {}, ["mle", "p^x*(1-p)^(1-x)", "--param", "p", "--support", "categories:²"], 2,
        "unknown support 'categories:²'"),
    "roster that is only a byte-order mark": (
        {"r.csv": b"\xef\xbb\xbf"},
        ["problems", "--count", "1", "--seed", "1", "--to", "tex", "--roster", "r.csv",
         "--out", "p"], 2, "--roster r.csv: no names"),
}


def run(tmp_path: Path, files: dict[str, bytes], args: list[str]) -> subprocess.CompletedProcess:
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    return subprocess.run([DERIVE, *args], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("case", list(CASES))
def test_an_odd_input_ends_in_a_result_or_one_line(tmp_path, case):
    files, args, code, text = CASES[case]
    done = run(tmp_path, files, args)
    assert done.returncode == code, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    if code == 2:
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert text in done.stderr, done.stderr
    else:
        assert text in done.stdout + done.stderr, done.stdout


def test_a_version_typed_with_a_superscript_digit_is_no_version(tmp_path):
    """A grade sheet whose version cell holds '³': that row is not graded, the others are."""
    made = run(tmp_path, {}, ["problems", "--count", "2", "--seed", "2026", "--versions", "2",
                              "--topic", "bayes", "--to", "tex", "--out", "ps"])
    assert made.returncode == 0, made.stderr
    done = run(tmp_path, {"answers.csv": MANIFEST_ROWS.encode()},
               ["grade", "ps/manifest.json", "answers.csv", "--out", "g"])
    assert done.returncode == 0, done.stderr
    assert "Ann: no such student or version in the manifest" in done.stdout + done.stderr
    assert "1 of 2 rows graded" in done.stdout + done.stderr
