"""A build killed outright (SIGKILL: no cleanup runs) leaves temporary folders; the next
build sweeps those of dead processes and keeps those of live ones.

Real ``derive`` processes and a real latexmk; waits are bounded, never timed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from derive import files

from .test_faults import DERIVE, busy_build, environment, leftovers, processes_with, wait_for


def _running_latexmk(marker: str) -> bool:
    for pid in processes_with(marker):
        try:
            if b"latexmk" in (Path("/proc") / str(pid) / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


@pytest.mark.tex
def test_the_next_build_sweeps_what_a_killed_build_left(tmp_path):
    env = environment(tmp_path)
    build = busy_build(tmp_path, env, 1, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: _running_latexmk(env["DERIVE_TEST_RUN"]))  # mid-latexmk
    os.kill(build.pid, signal.SIGKILL)
    build.wait(timeout=60)
    assert wait_for(lambda: not processes_with(env["DERIVE_TEST_RUN"]), 60)
    left = leftovers(tmp_path, tmp_path / "out")
    assert any(p.name.startswith(f"derive-tex-{build.pid}-") for p in left), left
    done = subprocess.run([DERIVE, "build", "sigmoid", "--to", "tex", "--jobs", "1",
                           "--out", str(tmp_path / "out")], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert leftovers(tmp_path, tmp_path / "out") == []


def test_folders_of_live_processes_and_of_other_names_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    live = subprocess.Popen(["sleep", "60"])
    try:
        dead = subprocess.Popen(["true"])
        dead.wait()
        kept = [tmp_path / f"derive-tex-{live.pid}-abc", tmp_path / "derive-notes",
                tmp_path / f"other-tex-{dead.pid}-abc", tmp_path / f"derive-tex-{os.getpid()}-x"]
        gone = [tmp_path / f"derive-tex-{dead.pid}-abc", tmp_path / f"derive-check-{dead.pid}-d",
                tmp_path / "out" / f".derive-staging-{dead.pid}-e"]
        for folder in kept + gone:
            (folder / "inner").mkdir(parents=True)
        (tmp_path / f"derive-fmt-{dead.pid}-file").write_text("a file, not a folder")
        files.sweep_stale(tmp_path / "out")
        assert all(p.exists() for p in kept) and not any(p.exists() for p in gone)
        assert (tmp_path / f"derive-fmt-{dead.pid}-file").exists()
    finally:
        live.kill()
        live.wait()


def test_a_folder_older_than_the_process_holding_its_number_is_stale(tmp_path, monkeypatch):
    """A reused process number: the folder was last changed before that process started."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    live = subprocess.Popen(["sleep", "60"])
    try:
        folder = tmp_path / f"derive-tex-{live.pid}-old"
        folder.mkdir()
        os.utime(folder, (1_000_000_000, 1_000_000_000))  # 2001: long before that process
        files.sweep_stale()
        assert not folder.exists()
    finally:
        live.kill()
        live.wait()
