"""A child process that dies with its parent: Linux's parent-death signal (prctl).

A worker, a bounded child or a TeX run must never outlive the ``derive`` that
started it, however that one ended (SIGKILL and the OOM killer included): the
kernel sends the child ``signum`` the moment its parent goes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal

_PR_SET_PDEATHSIG = 1
#: the signals that stop a command (Ctrl-C, SIGTERM): blocked around forks and in helper threads
STOPS = frozenset({signal.SIGINT, signal.SIGTERM})


def _prctl() -> ctypes._CFuncPtr | None:
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    return None


_PRCTL = _prctl()  # looked up once, before any fork: a child only calls it


def die_with_parent(parent: int, signum: int = signal.SIGKILL) -> None:
    """Ask the kernel for ``signum`` when the parent ends; if it already has, act now.

    ``parent`` is the pid the caller expects as its parent: one that died before the
    request took effect has left this process with another parent already. The signal
    follows the parent *thread* that forked this process, so fork from a thread that
    outlives the child (the main thread, or the one waiting for it).
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
    if os.getppid() != parent:
        os.kill(os.getpid(), signum)
