"""Every file a user names (spec, roster, check file, manifest, answers CSV) is read only
when it is a regular file: a named pipe, a device or a folder is one line, never a hang.

Real ``derive`` processes under a timeout: a read that waits for a writer fails the test
by its timeout instead of hanging the suite.
"""

from __future__ import annotations

import os
import socket
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
KINDS = {"named pipe": "a named pipe", "device": "a device", "folder": "a folder",
         "socket": "a socket"}


def socket_file(path: Path) -> str:
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))  # the file stays after the socket closes
    return str(path)


def hostile(tmp_path: Path, kind: str) -> str:
    if kind == "named pipe":
        os.mkfifo(tmp_path / "fifo")  # nobody ever writes: opening it for reading would wait
        return str(tmp_path / "fifo")
    if kind == "socket":
        return socket_file(tmp_path / "sock")
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


#: What a shared template folder might hold in place of a template, and the reason shown.
TEMPLATE_KINDS = {
    "named pipe": (lambda p: os.mkfifo(p), "cannot read (a named pipe, not a regular file)"),
    "socket": (socket_file, "cannot read (a socket, not a regular file)"),
    "link to a device": (lambda p: p.symlink_to("/dev/zero"),
                         "a symbolic link to /dev/zero, outside the folder"),
    "link to a file outside": (lambda p: p.symlink_to("/etc/passwd"),
                               "a symbolic link to /etc/passwd, outside the folder"),
    "link to a folder outside": (lambda p: p.symlink_to("/etc"),
                                 "a symbolic link to /etc, outside the folder"),
    "link loop": (lambda p: p.symlink_to(p.name), "cannot read (Too many levels of symbolic"),
    "broken link": (lambda p: p.symlink_to("nothing"), "cannot read (No such file"),
    "not UTF-8": (lambda p: p.write_bytes(b"\\section{\xe9t\xe9}"), "not UTF-8 text"),
}
TEMPLATE_COMMANDS = {
    "build": (["build", "sigmoid", "--to", "tex"], "worksheet.tex.j2"),
    "build --to html": (["build", "sigmoid", "--to", "html"], "worksheet.html.j2"),
    "problems": (["problems", "--count", "1", "--seed", "1", "--to", "tex"], "problems.tex.j2"),
    "problems, a template not used": (["problems", "--count", "1", "--seed", "1", "--to", "tex"],
                                      "moodle.xml.j2"),
}


@pytest.mark.parametrize("kind", list(TEMPLATE_KINDS))
@pytest.mark.parametrize("command", list(TEMPLATE_COMMANDS))
def test_a_template_that_is_not_a_regular_file_inside_the_folder_is_one_line(
        tmp_path, command, kind):
    """Refused before any work: nothing opened (a pipe would wait), nothing copied from
    outside the folder into a worksheet, no output written."""
    folder = tmp_path / "shared templates"
    folder.mkdir()
    args, name = TEMPLATE_COMMANDS[command]
    make, reason = TEMPLATE_KINDS[kind]
    make(folder / name)
    out = tmp_path / "out"
    done = subprocess.run([DERIVE, *args, "--templates", str(folder), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"derive: error: --templates {folder}: {name}: {reason}")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not out.exists() or not [p for p in out.iterdir() if p.is_file()]


def test_a_link_inside_the_template_folder_is_followed(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "mine.tex.j2").write_text(
        (Path(__file__).parent.parent / "templates" / "worksheet.tex.j2").read_text()
        .replace("\\BLOCK{block body}\n", "\\BLOCK{block body}\n% MY OWN SHEET\n"))
    (folder / "worksheet.tex.j2").symlink_to("mine.tex.j2")
    done = subprocess.run([DERIVE, "build", "sigmoid", "--to", "tex", "--templates", str(folder),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "% MY OWN SHEET" in (tmp_path / "out" / "sigmoid.tex").read_text()
