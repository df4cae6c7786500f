"""A pool of forked worker processes that an interrupt stops at once, leaving nothing behind.

Ctrl-C reaches the whole process group and SIGTERM perhaps only the parent; either
way the parent asks every worker to stop (SIGTERM), a worker unwinds its current
build (TeX killed, staging and temporary folders removed) and exits, and one that
does not within ``GRACE`` seconds is killed. A parent that dies without asking
(SIGKILL) still stops its workers the same way: the kernel sends them SIGTERM
(derive.lifeline), and a worker that has not unwound within ``GRACE`` ends itself.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from typing import Any, TypeVar

from derive.lifeline import STOPS, die_with_parent

T = TypeVar("T")
GRACE = 1.5  # seconds a worker has to clean up after SIGTERM
INTERRUPTED = 130  # exit status of an interrupted worker (128 + SIGINT)


class Interrupted(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so that every ``finally`` and ``with`` cleans up."""


def raise_interrupted(signum: int, frame: Any) -> None:
    raise Interrupted(signal.Signals(signum).name)


def stop_on_sigterm() -> Any:
    """Make SIGTERM unwind this process (cleanups run) instead of killing it outright.

    Returns the previous handler.
    """
    return signal.signal(signal.SIGTERM, raise_interrupted)


_busy = False  # in a worker: whether it is running a call (else it waits for one)


def _worker_stop(signum: int, frame: Any) -> None:
    # Past the grace, SIGALRM's default action ends the worker even if its cleanup hangs.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(math.ceil(GRACE))
    if not _busy:
        os._exit(INTERRUPTED)  # waiting for work: nothing to clean up, nothing to print
    raise_interrupted(signum, frame)


def _worker_start(parent: int) -> None:
    # The parent handles Ctrl-C and then stops the workers itself, with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPS)  # forked while the parent blocked them
    die_with_parent(parent, signal.SIGTERM)


def _call(fn: Callable[..., T], *args: Any) -> T:
    global _busy
    _busy = True
    try:
        return fn(*args)
    except (Interrupted, KeyboardInterrupt):
        os._exit(INTERRUPTED)  # the build has unwound; a quiet exit, no traceback
    finally:
        _busy = False


def _started_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool whose workers are forked and whose threads run, all with the stops blocked.

    The kernel then hands Ctrl-C and SIGTERM to the parent's main thread: one delivered to a
    pool thread would not wake the main thread from its wait, and CPython might not run
    the handler before the build ends (it did, once: an interrupted build exited 0).
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                   initializer=_worker_start, initargs=(os.getpid(),))
        try:
            pool.submit(int).result()  # forks the workers, starts the pool's threads
        except BaseException:
            _stop(pool)
            raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a stop sent meanwhile arrives now
    return pool


@contextmanager
def worker_pool(jobs: int) -> Iterator[Callable[..., Future]]:
    """A ``submit(fn, *args)`` for forked workers; any exception here stops them all first."""
    pool = _started_pool(jobs)
    try:
        yield lambda fn, *args: pool.submit(_call, fn, *args)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def run_parallel(fn: Callable[[Any], T], items: list[Any], jobs: int) -> Iterator[T]:
    """``fn(item)`` for every item in ``jobs`` forked workers, results as they finish."""
    with worker_pool(jobs) as submit:
        futures = [submit(fn, item) for item in items]
        for future in as_completed(futures):
            yield future.result()


def _stop(pool: ProcessPoolExecutor) -> None:
    """End every worker: SIGTERM, a short grace, then SIGKILL."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    for process in processes:
        process.join(GRACE)
        if process.is_alive():
            process.kill()
            process.join(GRACE)
    pool.shutdown(wait=False, cancel_futures=True)
