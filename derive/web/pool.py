"""Worker processes for the server: each request's job runs bounded, in a child of a warm worker.

The server process only parses HTTP. ``N`` worker processes (``--workers``) start
from a fork server that imported sympy and the engines once; each job runs there
through ``derive.bounded.run_bounded``, in a forked child with ``RLIMIT_CPU``,
``RLIMIT_AS`` and a wall deadline, so a hostile request costs at most its budget
and cannot take a worker down. No state lives here that a second server would need.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from derive.bounded import run_bounded
from derive.errors import BudgetExceeded
from derive.web.reply import Reply, error_reply


@dataclass(frozen=True)
class Limits:
    """What one request may use: CPU seconds, memory, and how many may wait for a worker."""

    seconds: float = 20.0
    memory_mb: int = 1536
    sheet_seconds: float = 180.0  # building a worksheet runs its check script too
    queue: int = 1000


def _bounded(job: Callable[..., Reply], args: tuple, seconds: float, memory_mb: int) -> Reply:
    """In a worker: the job in a bounded child; past its limits, a 503."""
    try:
        return run_bounded(job, *args, seconds=seconds, memory_mb=memory_mb)
    except BudgetExceeded as exc:
        return error_reply(f"the work exceeded its budget ({exc})", 503)


class WorkerPool:
    """``workers`` warm processes; ``await pool.run(job, *args)`` gives the job's Reply."""

    def __init__(self, workers: int, limits: Limits) -> None:
        self.workers, self.limits = workers, limits
        self._waiting = 0
        self._executor = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["derive.web.warm", "derive.web.pages"])
        return ProcessPoolExecutor(self.workers, mp_context=context)

    async def start(self) -> None:
        """Start every worker now (and warm it), not on the first requests."""
        await asyncio.gather(*(self.run(_noop) for _ in range(self.workers * 2)))

    async def run(self, job: Callable[..., Reply], *args: Any, seconds: float | None = None
                  ) -> Reply:
        if self._waiting >= self.limits.queue:
            return error_reply("the server is busy; try again in a moment", 503)
        self._waiting += 1
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self._executor, _bounded, job, args, seconds or self.limits.seconds,
                self.limits.memory_mb)
        except BrokenProcessPool:  # a worker died (killed from outside): start new ones
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            return error_reply("a worker stopped; try again", 503)
        finally:
            self._waiting -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _noop() -> Reply:
    return Reply(200, "text/plain", "")
