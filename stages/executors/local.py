"""The default executor: a pool of local worker processes (`common.executor: local`, `common.workers`)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from stages.common import CommonParams
from stages.executors.base import Executor


class LocalExecutor(Executor[Future]):
    name = "local"

    def __init__(self, common: CommonParams) -> None:
        super().__init__(common, common.workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Future:
        if self._pool is None:
            # forkserver: workers start from a small clean process, not a fork of a parent that may hold a
            # model, threads or open files.
            ctx = multiprocessing.get_context("forkserver")
            # The server imports the task's module once, so each worker forks with it loaded instead of
            # importing it itself (~50 ms a worker for the sandbox's). Only the first pool of a process starts
            # the server: later ones find it running and their preload changes nothing.
            ctx.set_forkserver_preload(
                ["__main__", getattr(getattr(fn, "func", fn), "__module__", "__main__")]
            )
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self._pool.submit(fn, item)

    def _result(self, handle: Future) -> Any:
        return handle.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
