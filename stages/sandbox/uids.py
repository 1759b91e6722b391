"""Unprivileged uids for sandboxed programs, leased one per concurrent run across every process on the host.

RLIMIT_NPROC counts the processes and threads of a uid and never binds root, so a program must run under a uid
of its own: then the limit counts exactly that run's processes, a fork bomb stops at it, and after the run every
process left under the uid can be killed without touching anything else. A lease is an exclusive `flock` on a
per-uid lock file in a root-only directory; the kernel drops it when the holding process dies, so a crashed
worker never strands a uid. A process keeps the uids it leased (idle ones are reused by its next runs), which
makes "one uid per worker" the steady state.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class NoFreeUid(RuntimeError):
    """Every uid of the configured range is leased by a running sandbox."""


class UidPool:
    def __init__(self, base: int, count: int, lock_dir: Path) -> None:
        self.base, self.count, self.lock_dir = base, count, lock_dir
        self._held: dict[int, int] = {}  # uid -> fd of its lock file, held by this process
        self._idle: list[int] = []
        self._mutex = threading.Lock()
        self._pid = os.getpid()
        self._finalizer = weakref.finalize(self, _release, self._held)

    def close(self) -> None:
        """Give back every uid this process leased (the pool must not be in use)."""
        with self._mutex:
            if self._pid == os.getpid():
                _release(self._held)
            self._held.clear()
            self._idle.clear()

    @contextmanager
    def lease(self) -> Iterator[int]:
        uid = self._acquire()
        try:
            yield uid
        finally:
            with self._mutex:
                self._idle.append(uid)

    def _acquire(self) -> int:
        with self._mutex:
            if self._pid != os.getpid():  # a forked child must not share its parent's leases
                self._held, self._idle, self._pid = {}, [], os.getpid()
                self._finalizer.detach()  # the inherited fds stay open: the parent's locks are the parent's
                self._finalizer = weakref.finalize(self, _release, self._held)
            if self._idle:
                return self._idle.pop()
            self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            for uid in range(self.base, self.base + self.count):
                if uid in self._held:
                    continue
                fd = os.open(self.lock_dir / f"uid-{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._held[uid] = fd
                return uid
        raise NoFreeUid(
            f"all {self.count} sandbox uids {self.base}..{self.base + self.count - 1} are in use; "
            "raise sandbox.uid_count or run fewer workers"
        )


def _release(held: dict[int, int]) -> None:
    for fd in held.values():
        try:
            os.close(fd)
        except OSError:
            continue
    held.clear()
