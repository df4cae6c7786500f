"""Every file a user names (spec, roster, check file, manifest, answers CSV) is read only
when it is a regular file: a named pipe, a device or a folder is one line, never a hang.

Real ``derive`` processes under a timeout: a read that waits for a writer fails the test
by its timeout instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DERIVE = str(Path(sys.executable).with_name("derive"))
MANIFEST = '{"versions": [{"version": 1, "problems": []}]}'
COMMANDS = {  # the command, with FILE where the hostile path goes
    "spec": ["build", "--spec", "FILE", "--to", "tex"],
    "check file": ["check", "FILE"],
    "roster": ["problems", "--count", "1", "--seed", "1", "--to", "tex", "--roster", "FILE"],
    "manifest": ["grade", "FILE", "ANSWERS"],
    "answers CSV": ["grade", "MANIFEST", "FILE"],
}
KINDS = {"named pipe": "a named pipe", "device": "a device", "folder": "a folder"}


def hostile(tmp_path: Path, kind: str) -> str:
    if kind == "named pipe":
        os.mkfifo(tmp_path / "fifo")  # nobody ever writes: opening it for reading would wait
        return str(tmp_path / "fifo")
    if kind == "device":
        return "/dev/zero"
    (tmp_path / "folder").mkdir()
    return str(tmp_path / "folder")


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("what", list(COMMANDS))
def test_a_file_that_is_not_a_regular_file_is_one_line(tmp_path, what, kind):
    (tmp_path / "manifest.json").write_text(MANIFEST)
    (tmp_path / "answers.csv").write_text("name,version\n")
    path = hostile(tmp_path, kind)
    names = {"FILE": path, "MANIFEST": str(tmp_path / "manifest.json"),
             "ANSWERS": str(tmp_path / "answers.csv")}
    args = [names.get(a, a) for a in COMMANDS[what]] + ["--out", str(tmp_path / "out")]
    done = subprocess.run([DERIVE, *args], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and path in lines[0], done.stderr
    assert f"{KINDS[kind]}, not a regular file" in lines[0] or (
        kind == "folder" and "is a directory" in lines[0]), done.stderr  # click's own check
