"""CPU budgets: a function run in a forked child with CPU-time and memory limits, and
the budget of a whole command (or of one entry of a build).

Symbolic simplification can run for minutes or eat all memory on an
innocent-looking input; a child process with ``RLIMIT_CPU``/``RLIMIT_AS`` is
the one robust way to bound it (``signal.alarm`` only works in the main
thread). The parent also keeps a wall-clock deadline and kills the child.
A command's budget (``cpu_budget``) counts its own CPU time and its children's:
a child gets at most what is left, and past the budget the command stops with
``OutOfBudget`` (a soft ``RLIMIT_CPU`` whose ``SIGXCPU`` raises it).
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import resource
import select
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from derive.errors import BudgetExceeded, OutOfBudget
from derive.lifeline import STOPS, die_with_parent

T = TypeVar("T")

DEFAULT_SECONDS = 4.0
DEFAULT_MEMORY_MB = 2048
#: The budget is CPU time (RLIMIT_CPU), which a loaded machine does not shrink; the wall
#: deadline only catches a child that stopped using the CPU, so it is generous: a budget
#: measured in wall time would let machine load decide whether a step is proved
#: symbolically, and so change the bytes of a worksheet.
WALL_FACTOR = 8
#: CPU seconds one command (or one entry of a build) may take; DERIVE_CPU_SECONDS overrides
COMMAND_SECONDS = 12.0


def _cpu_used() -> tuple[float, float]:
    """CPU seconds used so far: by this process, and by it and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = own.ru_utime + own.ru_stime
    return mine, mine + children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class _Budget:
    seconds: float
    deadline: float  # in the total CPU time of _cpu_used()
    what: str

    def left(self) -> float:
        return self.deadline - _cpu_used()[1]

    def exceeded(self) -> OutOfBudget:
        return OutOfBudget(
            f"{self.what} ran past its CPU budget of {self.seconds:g} s "
            "(DERIVE_CPU_SECONDS sets it)")


_budgets: list[_Budget] = []


def _configured(variable: str, default: float) -> float:
    """A positive, finite number of seconds from the environment variable, else ``default``."""
    try:
        chosen = float(os.environ.get(variable, default))
    except ValueError:
        return default
    return chosen if math.isfinite(chosen) and chosen > 0 else default


def command_seconds() -> float:
    """The configured budget of one command: DERIVE_CPU_SECONDS, else COMMAND_SECONDS."""
    return _configured("DERIVE_CPU_SECONDS", COMMAND_SECONDS)


def _arm() -> None:
    """Set the soft CPU limit of this process to the tightest budget's remainder."""
    if not _budgets:
        return
    tightest = min(_budgets, key=_Budget.left)
    mine = _cpu_used()[0]
    soft = max(1, math.ceil(mine + max(tightest.left(), 0.0)))
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _on_sigxcpu(signum: int, frame: Any) -> None:
    # Raised again once a second while the process runs on, so a broad 'except' in a
    # library cannot swallow it for long.
    if _budgets:
        raise min(_budgets, key=_Budget.left).exceeded()


@contextlib.contextmanager
def _budget_signals_in_finalizers_dropped() -> Iterator[None]:
    """Drop an ``OutOfBudget`` raised where Python cannot propagate it (a gc callback, a
    ``__del__``): it would print "Exception ignored in ..." and is raised again within a
    second anyway (SIGXCPU repeats, the wall timer is periodic)."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, OutOfBudget):
            previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        sys.unraisablehook = previous


@contextlib.contextmanager
def cpu_budget(seconds: float | None = None, what: str = "the command") -> Iterator[None]:
    """Bound the CPU time of the work inside (this process's and its children's).

    Past it, ``OutOfBudget`` names the budget. Nested budgets take the tighter one. The
    soft limit works in the main thread only; elsewhere only children are bounded.
    """
    budget = _Budget(seconds or command_seconds(), 0.0, what)
    budget = _Budget(budget.seconds, _cpu_used()[1] + budget.seconds, what)
    main = _is_main_thread()
    previous_limit = resource.getrlimit(resource.RLIMIT_CPU)
    previous_handler = signal.signal(signal.SIGXCPU, _on_sigxcpu) if main else None
    _budgets.append(budget)
    try:
        if main:
            _arm()
        with _budget_signals_in_finalizers_dropped():
            yield
        if budget.left() < 0:
            raise budget.exceeded()
    finally:
        _budgets.remove(budget)
        if main:
            resource.setrlimit(resource.RLIMIT_CPU, previous_limit)
            _arm()
            signal.signal(signal.SIGXCPU, previous_handler)


#: wall-clock seconds one command may take (a blocked or starved one too); DERIVE_WALL_SECONDS
WALL_SECONDS = 20.0


def wall_seconds() -> float:
    """The configured wall-clock budget of one command: DERIVE_WALL_SECONDS, else 20 s."""
    return _configured("DERIVE_WALL_SECONDS", WALL_SECONDS)


@contextlib.contextmanager
def wall_budget(seconds: float | None = None, what: str = "the command") -> Iterator[None]:
    """Past ``seconds`` of wall-clock time, ``OutOfBudget`` names the budget (main thread only).

    The CPU budget cannot end a process that waits or is starved of CPU; this one can. The
    timer fires again each second, so a broad ``except`` cannot swallow it for long.
    """
    if not _is_main_thread():
        yield
        return
    seconds = seconds or wall_seconds()

    def expired(signum: int, frame: Any) -> None:
        raise OutOfBudget(f"{what} ran past its wall-clock budget of {seconds:g} s "
                          "(DERIVE_WALL_SECONDS sets it)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        with _budget_signals_in_finalizers_dropped():
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _within_budget(seconds: float) -> float:
    """``seconds`` cut to what the active budgets leave; OutOfBudget when nothing is left."""
    for budget in _budgets:
        left = budget.left()
        if left <= 0.05:
            raise budget.exceeded()
        seconds = min(seconds, left)
    return seconds


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
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)  # the child dies at its limit
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
    """Return ``fn(*args)`` computed in a child; raise BudgetExceeded past the limits.

    The child gets at most what the active ``cpu_budget`` leaves; with nothing left,
    OutOfBudget.
    """
    allowed = _within_budget(seconds)
    try:
        return _run_child(fn, args, allowed, memory_mb)
    except BudgetExceeded:
        if allowed < seconds:  # cut short by the command's budget: the command is out of it
            _within_budget(seconds)
        raise
    finally:
        _arm()  # the child's CPU time now counts against this process's own limit


def _run_child(fn: Callable[..., T], args: tuple, seconds: float, memory_mb: int) -> T:
    read_fd, write_fd = os.pipe()
    # No interrupt inside fork's own bookkeeping: it arrives once the child is ours to kill.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # child
        die_with_parent(parent)  # a blocked child has no CPU limit to end it
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
