"""Output files: written atomically with the umask's permissions, an entry's set replaced together.

A file appears under its name only complete (a temporary file beside it, then
a rename), so an interrupted or failed build leaves the previous file. An
entry's files are made in a private staging folder inside the output folder
and renamed into place one after another; the caller writes its cache marker last.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from derive.errors import InputError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Output files get the permissions the umask gives (0644 under 022), not mkstemp's 0600.
FILE_MODE = 0o666 & ~_umask()
#: The process that leads a build (forked workers inherit it): its temporary folders carry it,
#: so that after an interrupt it can remove what a worker killed mid-cleanup left.
LEADER = os.getpid()


def cache_root() -> Path:
    """The user's cache of derive (grammars, TeX formats, the server's sheets): $DERIVE_CACHE,
    else $XDG_CACHE_HOME/derive, else ~/.cache/derive."""
    if os.environ.get("DERIVE_CACHE"):
        return Path(os.environ["DERIVE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "derive"


def private_prefix(what: str) -> str:
    """The name prefix of a temporary folder of this build: ``derive-<what>-<leader>-``."""
    return f"derive-{what}-{LEADER}-"


def sweep(out: Path | None = None) -> None:
    """Remove this build's temporary folders (after its workers have ended)."""
    places = [(Path(tempfile.gettempdir()), f"derive-*-{LEADER}-*")]
    if out is not None:
        places.append((Path(out), f".{private_prefix('staging')}*"))
    for folder, pattern in places:
        for path in folder.glob(pattern):
            shutil.rmtree(path, ignore_errors=True)


_LEADER_OF = re.compile(r"\.?derive-[a-z]+-(\d+)-")


def sweep_stale(out: Path | None = None) -> None:
    """Remove the temporary folders (and ``out``'s staging folders) of builds that died
    without their cleanup (SIGKILL, a power cut): those whose leading process is gone."""
    places = [(Path(tempfile.gettempdir()), "derive-*-*-*")]
    if out is not None:
        places.append((Path(out), ".derive-staging-*-*"))
    for folder, pattern in places:
        for path in folder.glob(pattern):
            match = _LEADER_OF.match(path.name)
            if match and int(match.group(1)) != LEADER and _stale(path, int(match.group(1))):
                shutil.rmtree(path, ignore_errors=True)


def _stale(path: Path, pid: int) -> bool:
    """True when ``path`` is ours and process ``pid`` is gone, or started after the folder
    was last changed (its number was reused by another process)."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    started = _start_time(pid)
    return started is None or started > info.st_mtime + 2  # /proc/stat's btime is whole seconds


def _start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch; 0 where /proc cannot tell), or
    None when there is no such process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # another user's process: alive
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text()
                    .splitlines() if line.startswith("btime "))
    except (OSError, StopIteration, IndexError, ValueError):
        return 0.0
    return boot + int(after_name[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime


def write_atomically(target: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside the target, then rename it over the target."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomically(target: Path, text: str) -> None:
    write_atomically(target, text.encode("utf-8"))


def output_folder(path: Path, option: str = "--out") -> Path:
    """The output folder, created if need be and writable; else an InputError naming it."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(f"{option} {path}: exists and is not a folder") from None
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot create the folder ({exc.strerror})") from None
    if not path.is_dir():
        raise InputError(f"{option} {path}: not a folder")
    try:
        handle, probe = tempfile.mkstemp(dir=path, prefix=".derive-probe-")
        os.close(handle)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write there ({exc.strerror})") from None
    return path


_NOT_FILES = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
              (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _regular(path: str | Path, mode: int) -> None:
    """OSError unless ``mode`` is a regular file's: reading anything else may never end."""
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _NOT_FILES if test(mode)), "not a file")
        raise OSError(errno.EINVAL, f"{kind}, not a regular file", str(path))


def read_bounded(path: str | Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file; OSError as usual (also for a named pipe, a
    device or a folder), ValueError when it holds more.

    A bounded read: a path such as /dev/zero, /dev/tty or a fifo must not hang or fill memory.
    """
    _regular(path, os.stat(path).st_mode)  # before opening: opening a device can act
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a fifo: no wait
    with open(descriptor, "rb") as handle:
        _regular(path, os.fstat(descriptor).st_mode)  # it may have been swapped meanwhile
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit:,} bytes")
    return data


#: Byte-order marks and their encodings, UTF-32's before UTF-16's (FF FE 00 00 starts both).
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def marked_text(data: bytes, where: str) -> str:
    """A file's text: in the encoding its byte-order mark names (Notepad's UTF-8 with a mark,
    PowerShell's UTF-16), else UTF-8; else an InputError naming ``where`` and the byte."""
    encoding = next((name for mark, name in BOMS if data.startswith(mark)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if encoding.startswith("utf-8") else encoding.upper()
        raise InputError(f"{where}: not {shown} text (byte {exc.start + 1})") from None
    return text.removeprefix("\ufeff")


def digest(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A private folder inside ``out`` (same file system: renames are atomic), removed after."""
    folder = Path(tempfile.mkdtemp(dir=out, prefix="." + private_prefix("staging")))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def replace_together(staged: Path, targets: list[Path]) -> None:
    """Move ``staged/<name>`` over each target, in order, each rename atomic."""
    for target in targets:
        source = staged / target.name
        os.chmod(source, FILE_MODE)
        os.replace(source, target)


def describe(exc: OSError) -> str:
    """An OSError as one line: what could not be done with which file."""
    name = f"{exc.filename}: " if exc.filename else ""
    return f"{name}{exc.strerror or exc}"
