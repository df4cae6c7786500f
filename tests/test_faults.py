"""Faults survived: interrupted builds, missing TeX, closed pipes, full disks, read-only folders.

Real ``derive`` processes, real signals: waits are bounded, never timed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from derive import catalogue, pipeline
from derive.files import digest

DERIVE = str(Path(sys.executable).with_name("derive"))
#: derive as started from a terminal: Ctrl-C at its default. A test run started in the
#: background of a shell (``./.ci/run &``) inherits SIGINT ignored, and an exec keeps it so:
#: derive would then rightly ignore the Ctrl-C these tests send.
AT_A_TERMINAL = [sys.executable, "-c", "import os, signal, sys; signal.signal(signal.SIGINT, "
                 "signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])", DERIVE]
SPEC = """[[entry]]
id = "cubic"
title = "A cubic"
topic = "faults"
kind = "gradient"
expr = "{expr}"
wrt = "x"
"""


def environment(tmp: Path, marker: str = "") -> dict[str, str]:
    """A private temporary folder and format cache; a marker to find every child process."""
    (tmp / "tmp").mkdir(exist_ok=True)
    env = dict(os.environ, TMPDIR=str(tmp / "tmp"), DERIVE_CACHE=str(tmp / "cache"))
    env["DERIVE_TEST_RUN"] = marker or uuid.uuid4().hex
    return env


def processes_with(marker: str) -> list[int]:
    """Live processes whose environment carries the marker (latexmk in its own session too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if f"DERIVE_TEST_RUN={marker}".encode() in (entry / "environ").read_bytes():
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
    return found


def wait_for(condition, seconds: float = 300.0) -> bool:
    """Poll until the condition holds (a bounded wait, not a timing assertion)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def consistent_cache(out: Path) -> None:
    """Every cache marker names files whose bytes are the ones it recorded."""
    for marker in (out / pipeline.CACHE_FOLDER).glob("*.json"):
        saved = json.loads(marker.read_text())
        for name, expected in saved["files"].items():
            assert digest(out / name) == expected, f"{marker.name}: {name} does not belong"


def leftovers(tmp: Path, out: Path) -> list[Path]:
    """Temporary folders and half-written files an interrupted build might leave."""
    left = list((tmp / "tmp").iterdir())
    left += [p for p in out.iterdir() if p.name.startswith(".") and p.name != pipeline.CACHE_FOLDER]
    left += list((tmp / "cache").glob("**/.fmt-*")) if (tmp / "cache").exists() else []
    return left


def send(process: subprocess.Popen, how: str) -> None:
    """``how`` is "SIGINT to the group", "SIGTERM to the parent", ...: send it."""
    name, _, whom = how.split(" ", 2)
    (os.killpg if whom == "group" else os.kill)(process.pid, signal.Signals[name])


def stopped(process: subprocess.Popen, how: str, log, tmp_path: Path) -> None:
    """Send the signal, wait (bounded) for the exit; exit 2, one line, a quiet stderr."""
    send(process, how)
    code = process.wait(timeout=60)
    log.close()
    errors = (tmp_path / "stderr").read_text()
    assert code == 2, errors  # the contract's codes are 0, 1 and 2 only
    assert errors.splitlines()[-1:] == ["derive: interrupted"], errors
    assert "Traceback" not in errors and "internal error" not in errors, errors


@pytest.mark.tex
@pytest.mark.parametrize("how,jobs", [("SIGINT to the group", 2), ("SIGTERM to the parent", 2),
                                      ("SIGTERM to the parent", 1), ("SIGINT to the parent", 2),
                                      ("SIGTERM to the group", 2)])
def test_an_interrupted_build_stops_cleanly_and_keeps_the_previous_files(tmp_path, how, jobs):
    out = tmp_path / "out"
    env = environment(tmp_path)
    done = subprocess.run([DERIVE, "build", "sigmoid", "tanh", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    log = (tmp_path / "stderr").open("w")
    build = busy_build(tmp_path, env, jobs, stderr=log)  # interrupted while building entries
    stopped(build, how, log, tmp_path)
    assert wait_for(lambda: not processes_with(env["DERIVE_TEST_RUN"]), 30)
    assert leftovers(tmp_path, out) == []
    consistent_cache(out)
    for name, data in before.items():  # intact: the same bytes (a rebuild makes the same ones)
        assert (out / name).read_bytes() == data, name


def busy_build(tmp_path: Path, env: dict[str, str], jobs: int, **options) -> subprocess.Popen:
    """``derive build --all`` in its own session, once it is building (a TeX or staging folder)."""
    out = tmp_path / "out"
    build = subprocess.Popen(
        [*AT_A_TERMINAL, "build", "--all", "--no-cache", "--jobs", str(jobs), "--out", str(out)],
        env=env, stdout=subprocess.DEVNULL, start_new_session=True, **options)
    assert wait_for(lambda: any(out.glob(".derive-staging-*"))
                    or any((tmp_path / "tmp").glob("derive-tex-*")))
    assert build.poll() is None
    return build


@pytest.mark.tex
@pytest.mark.parametrize("jobs", [2, 1])
def test_a_killed_build_leaves_no_process_behind(tmp_path, jobs):
    """SIGKILL gives the parent no chance to stop anything: its workers, their bounded
    children and TeX still end (the kernel's parent-death signal)."""
    env = environment(tmp_path)
    build = busy_build(tmp_path, env, jobs, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: len(processes_with(env["DERIVE_TEST_RUN"])) > 1)  # not alone
    os.kill(build.pid, signal.SIGKILL)
    build.wait(timeout=60)
    assert wait_for(lambda: not processes_with(env["DERIVE_TEST_RUN"]), 60), [
        (Path("/proc") / str(pid) / "cmdline").read_bytes()[:80]
        for pid in processes_with(env["DERIVE_TEST_RUN"])]
    if jobs > 1:  # the workers unwound their builds: staging and TeX folders removed
        assert wait_for(lambda: leftovers(tmp_path, tmp_path / "out") == [], 30)


def test_a_file_that_no_longer_belongs_is_not_served_from_the_cache(tmp_path):
    spec = catalogue.get("sigmoid")
    out = tmp_path / "out"
    first = pipeline.build(spec, out, to="tex")
    assert first.ok and not first.cached
    original = first.check.read_text()
    first.check.write_text("# replaced by a half-finished build of another version\n")
    again = pipeline.build(spec, out, to="tex")
    assert again.ok and not again.cached
    assert again.check.read_text() == original
    assert pipeline.build(spec, out, to="tex").cached


def test_a_build_interrupted_while_replacing_files_leaves_no_cache_marker(tmp_path, monkeypatch):
    from derive import files

    spec = catalogue.get("sigmoid")
    out = tmp_path / "out"
    assert pipeline.build(spec, out, to="tex").ok

    def interrupted(staged: Path, targets: list[Path]) -> None:
        files.replace_together(staged, targets[:1])
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "replace_together", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(spec, out, to="tex", use_cache=False)
    monkeypatch.undo()
    assert not (out / pipeline.CACHE_FOLDER / "sigmoid.json").exists()
    assert not list(out.glob(".derive-staging-*"))
    assert not pipeline.build(spec, out, to="tex").cached


@pytest.mark.tex
@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o027, 0o640)])
def test_output_files_get_the_permissions_of_the_umask(tmp_path, umask, mode):
    out = tmp_path / "out"
    done = subprocess.run([DERIVE, "build", "sigmoid", "--out", str(out)],
                          env=environment(tmp_path), capture_output=True, text=True,
                          timeout=600, preexec_fn=lambda: os.umask(umask))
    assert done.returncode == 0, done.stderr
    written = [out / "sigmoid.tex", out / "sigmoid.pdf", out / "check_sigmoid.py",
               out / pipeline.CACHE_FOLDER / "sigmoid.json"]
    for path in written:
        assert path.stat().st_mode & 0o777 == mode, path


def _without_tex(tmp_path: Path) -> dict[str, str]:
    """PATH holding only this Python's scripts (and python itself): no latexmk, no pdflatex."""
    env = environment(tmp_path)
    env["PATH"] = str(Path(sys.executable).parent)
    return env


@pytest.mark.parametrize("args", [
    ["build", "sigmoid"],
    ["build", "--spec", "SPEC"],
    ["grad", "x^2", "--wrt", "x", "--out", "OUT"],
    ["mle", "lam*exp(-lam*x)", "--param", "lam", "--out", "OUT"],
    ["check", "HW", "--out", "OUT"],
    ["problems", "--count", "1", "--seed", "1"],
], ids=["build", "build-spec", "grad", "mle", "check", "problems"])
def test_missing_tex_is_one_line_for_every_command(tmp_path, args):
    (tmp_path / "spec.toml").write_text(SPEC.format(expr="x^3"))
    (tmp_path / "hw.txt").write_text("d/dx x^2\n= 2x\n")
    names = {"SPEC": str(tmp_path / "spec.toml"), "HW": str(tmp_path / "hw.txt"),
             "OUT": str(tmp_path / "feedback")}
    args = [names.get(a, a) for a in args]
    if "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    done = subprocess.run([DERIVE, *args], env=_without_tex(tmp_path), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "is not installed" in lines[0], done.stderr


def test_a_closed_pipe_is_quiet(tmp_path):
    read, write = os.pipe()
    os.close(read)  # like `derive list | head` once head has gone
    done = subprocess.run([DERIVE, "list"], stdout=write, stderr=subprocess.PIPE, text=True,
                          timeout=60)
    os.close(write)
    assert done.returncode == 0 and done.stderr == ""


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["show", "sigmoid"]])
def test_a_full_disk_on_stdout_is_one_line(args):
    with open("/dev/full", "w") as full:
        done = subprocess.run([DERIVE, *args], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "derive: error: cannot write the output: No space left on device"]


@pytest.mark.parametrize("target", ["a-file", "/dev/full"])
@pytest.mark.parametrize("command", [["build", "sigmoid", "--to", "tex"],
                                     ["grad", "x^2", "--wrt", "x"]])
def test_out_naming_a_file_is_one_line(tmp_path, runner, target, command):
    from derive.cli import main

    (tmp_path / "a-file").write_text("")
    where = str(tmp_path / target) if target == "a-file" else target
    result = runner.invoke(main, [*command, "--out", where])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("derive: error: --out"), result.output


@contextlib.contextmanager
def mounted(kind: str, tmp_path: Path):
    """A read-only folder, or a 64 KiB file system (root only: a mount; else skip)."""
    folder = tmp_path / kind
    folder.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        if kind == "read-only":
            folder.chmod(0o555)
            yield folder
            folder.chmod(0o755)
            return
        pytest.skip("a full file system needs root (mount -t tmpfs)")
    if kind == "read-only":
        command = [["mount", "--bind", str(folder), str(folder)],
                   ["mount", "-o", "remount,ro,bind", str(folder)]]
    else:
        command = [["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]]
    for step in command:
        if subprocess.run(step, capture_output=True).returncode != 0:
            subprocess.run(["umount", str(folder)], capture_output=True)
            pytest.skip(f"cannot mount here: {' '.join(step)}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


@pytest.mark.tex
def test_a_read_only_output_folder_is_one_line(tmp_path):
    with mounted("read-only", tmp_path) as folder:
        for args in (["build", "sigmoid"], ["grad", "x^2", "--wrt", "x"]):
            done = subprocess.run([DERIVE, *args, "--out", str(folder)],
                                  env=environment(tmp_path), capture_output=True, text=True,
                                  timeout=300)
            assert done.returncode == 2, done.stderr
            assert done.stderr.strip().splitlines() == [
                f"derive: error: --out {folder}: cannot write there (Read-only file system)"
            ] or "Permission denied" in done.stderr


@pytest.mark.tex
def test_a_full_disk_fails_the_entry_in_one_line_and_leaves_nothing(tmp_path):
    with mounted("full", tmp_path) as folder:
        done = subprocess.run([DERIVE, "build", "sigmoid", "--out", str(folder)],
                              env=environment(tmp_path), capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 1, done.stderr
        assert "No space left on device" in done.stderr, done.stderr
        assert "internal error" not in done.stderr and "Traceback" not in done.stderr
        assert sorted(p.name for p in folder.iterdir()) in ([], [pipeline.CACHE_FOLDER])


@pytest.mark.tex
def test_the_format_dump_runs_without_shell_escape(tmp_path):
    """Even where texmf.cnf allows shell escape, the preamble cannot run a command."""
    from derive.pdf import tex_environment
    from derive.texformat import _dump

    witness = tmp_path / "ran"
    preamble = ("\\documentclass{article}\n"
                f"\\immediate\\write18{{touch {witness}}}\n\\csname endofdump\\endcsname\n")
    env = dict(tex_environment(), shell_escape="t", TMPDIR=str(tmp_path))
    _dump(preamble, tmp_path / "derive-test.fmt", env)
    assert (tmp_path / "derive-test.fmt").exists()
    assert not witness.exists()


def test_one_bad_entry_never_stops_the_others_with_one_job(tmp_path, runner):
    from derive.cli import main

    spec = tmp_path / "course.toml"
    spec.write_text(SPEC.format(expr="x^3") + SPEC.replace('"cubic"', '"late"').format(
        expr="x^2") .replace('wrt = "x"', "wrt = 1979-05-27"))
    result = runner.invoke(main, ["build", "--spec", str(spec), "--to", "tex", "--jobs", "1",
                                  "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    assert "course.toml: entry 'late': field 'wrt': expected" in result.output
    assert "built 1 of 2 entries" in result.output
    assert (tmp_path / "out" / "cubic.tex").exists()


@pytest.mark.parametrize("args", [["build", "--spec", "/dev/zero", "--to", "tex"],
                                  ["check", "/dev/zero"]],
                         ids=["spec", "check"])
def test_an_endless_input_file_is_one_line(tmp_path, runner, args):
    from derive.cli import main

    result = runner.invoke(main, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "/dev/zero" in lines[0]
    assert "a device, not a regular file" in lines[0]


@pytest.mark.tex
@pytest.mark.parametrize("how", ["SIGINT to the group", "SIGTERM to the parent"])
def test_an_interrupted_problem_set_stops_cleanly(tmp_path, how):
    out = tmp_path / "out"
    env = environment(tmp_path)
    log = (tmp_path / "stderr").open("w")
    run = subprocess.Popen([*AT_A_TERMINAL, "problems", "--count", "3", "--seed", "7",
                            "--versions", "8", "--jobs", "2", "--out", str(out)], env=env,
                           stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    assert wait_for(lambda: any((tmp_path / "tmp").glob("derive-tex-*"))) and run.poll() is None
    stopped(run, how, log, tmp_path)
    assert wait_for(lambda: not processes_with(env["DERIVE_TEST_RUN"]), 30)
    assert leftovers(tmp_path, out) == []


def blocked_signals(status: Path) -> set[signal.Signals]:
    """The signals a thread or process blocks, from its /proc status (SigBlk)."""
    line = next(x for x in status.read_text().splitlines() if x.startswith("SigBlk:"))
    mask = int(line.split()[1], 16)
    return {s for s in signal.Signals if s < 65 and mask >> (s - 1) & 1}


def test_only_the_main_thread_of_a_parallel_build_receives_ctrl_c_and_sigterm():
    """Every pool thread blocks the stops, so the kernel hands them to the main thread,
    which they wake at once (one taken by a pool thread once let a build run to the end);
    the forked workers unblock them again."""
    import threading

    from derive.workers import worker_pool

    tasks = Path("/proc/self/task")
    before = {t.name for t in tasks.iterdir()}  # pytest-xdist's own threads, say
    with worker_pool(2) as submit:
        workers = {submit(os.getpid).result() for _ in range(8)}
        main = threading.main_thread().native_id
        threads = [t for t in tasks.iterdir() if t.name not in before]
        assert threads  # the pool's manager and queue feeder threads
        stops = {signal.SIGINT, signal.SIGTERM}
        for thread in threads:
            assert stops <= blocked_signals(thread / "status"), thread.name
        assert not stops & blocked_signals(Path(f"/proc/self/task/{main}/status"))
        for pid in workers:
            assert not stops & blocked_signals(Path(f"/proc/{pid}/status")), pid
