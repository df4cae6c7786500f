"""Run a function in a forked child with CPU-time and memory limits.

Symbolic simplification can run for minutes or eat all memory on an
innocent-looking input; a child process with ``RLIMIT_CPU``/``RLIMIT_AS`` is
the one robust way to bound it (``signal.alarm`` only works in the main
thread). The parent also keeps a wall-clock deadline and kills the child.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import select
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from derive.errors import BudgetExceeded

T = TypeVar("T")

DEFAULT_SECONDS = 4.0
DEFAULT_MEMORY_MB = 2048
#: The budget is CPU time (RLIMIT_CPU), which a loaded machine does not shrink; the wall
#: deadline only catches a child that stopped using the CPU, so it is generous: a budget
#: measured in wall time would let machine load decide whether a step is proved
#: symbolically, and so change the bytes of a worksheet.
WALL_FACTOR = 8
_STOPS = {signal.SIGINT, signal.SIGTERM}


def _current_address_space() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _lower_limit(kind: int, soft: int, hard: int) -> None:
    """Set a limit, never above the one inherited (a bounded call inside a bounded call)."""
    _, inherited = resource.getrlimit(kind)
    if inherited != resource.RLIM_INFINITY:
        hard = min(hard, inherited)
    resource.setrlimit(kind, (min(soft, hard), hard))


def _child(write_fd: int, fn: Callable[..., Any], args: tuple, seconds: float, memory: int) -> None:
    cpu = max(1, int(seconds + 0.999))
    _lower_limit(resource.RLIMIT_CPU, cpu, cpu + 1)
    if memory:
        limit = _current_address_space() + memory * 1024 * 1024
        _lower_limit(resource.RLIMIT_AS, limit, limit)
    try:
        payload = pickle.dumps(("ok", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
    with os.fdopen(write_fd, "wb") as pipe:
        pipe.write(payload)


def run_bounded(
    fn: Callable[..., T],
    *args: Any,
    seconds: float = DEFAULT_SECONDS,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> T:
    """Return ``fn(*args)`` computed in a child; raise BudgetExceeded past the limits."""
    read_fd, write_fd = os.pipe()
    # No interrupt inside fork's own bookkeeping: it arrives once the child is ours to kill.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        code = 0
        try:
            _child(write_fd, fn, args, seconds, memory_mb)
        except BaseException:  # noqa: BLE001
            code = 1
        os._exit(code)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds * WALL_FACTOR + 1
    try:
        os.close(write_fd)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        with os.fdopen(read_fd, "rb") as pipe:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BudgetExceeded(f"gave up after {seconds:g} s")
                ready, _, _ = select.select([pipe], [], [], left)
                if not ready:
                    continue
                chunk = os.read(pipe.fileno(), 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    if not chunks:
        raise BudgetExceeded(f"ran out of its budget ({seconds:g} s, {memory_mb} MB)")
    status, value = pickle.loads(b"".join(chunks))
    if status != "ok":
        raise BudgetExceeded(f"failed: {value}")
    return value
