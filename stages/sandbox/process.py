"""Start one process under limits, read its output capped, and end it and everything it started.

Limits are set from outside the program: the uid switch and the resource limits happen in the forked child before
`exec`, so the program never runs a line as root nor without its limits. Output is read without blocking from
both pipes at once (a program that fills stderr while we wait on stdout cannot deadlock us), keeping the first
`cap` bytes of each and counting the rest. The wall clock is watched through a pidfd, so a run ends the moment
its process does, not at the next poll.
"""

from __future__ import annotations

import contextlib
import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MIB = 1024 * 1024
READ_CHUNK = 1 << 16
# After the program exits: how long its pipes may stay open before whatever holds them is killed, and how long
# the run then keeps reading what is left.
STRAGGLE_S = 0.02
DRAIN_S = 0.5


@dataclass(frozen=True)
class Outcome:
    status: int | None  # raw wait status; None when the process could not be started
    timed_out: bool
    output_exceeded: bool
    wall_s: float
    cpu_s: float
    stdout: bytes
    stderr: bytes
    stdout_bytes: int
    stderr_bytes: int


@dataclass(frozen=True)
class ProcessLimits:
    wall_s: float
    cpu_s: int
    address_space_mb: int
    nproc: int
    fsize_mb: int
    nofile: int
    output_cap: int
    output_limit_bytes: int


def _rlimit_setter(lim: ProcessLimits) -> Callable[[], None]:
    # Everything is computed here, in the parent: the child between fork and exec only makes system calls.
    pairs = (
        (resource.RLIMIT_CPU, (lim.cpu_s, lim.cpu_s + 1)),
        (resource.RLIMIT_AS, (lim.address_space_mb * MIB,) * 2),
        (resource.RLIMIT_NPROC, (lim.nproc,) * 2),
        (resource.RLIMIT_FSIZE, (lim.fsize_mb * MIB,) * 2),
        (resource.RLIMIT_NOFILE, (lim.nofile,) * 2),
        (resource.RLIMIT_CORE, (0, 0)),
    )
    setrlimit = resource.setrlimit

    def apply() -> None:
        for which, value in pairs:
            setrlimit(which, value)

    return apply


def execute(
    cmd: Sequence[str],
    *,
    cwd: str,
    env: dict[str, str],
    uid: int | None,
    limits: ProcessLimits,
    sweep: Callable[[], None],
) -> Outcome:
    """Run `cmd` to completion or to its wall limit. `sweep` kills whatever the run left behind."""
    switch = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
        preexec_fn=_rlimit_setter(limits),
        **switch,
    )
    try:
        return _collect(proc, start, limits, sweep)
    finally:
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _collect(
    proc: subprocess.Popen[bytes], start: float, lim: ProcessLimits, sweep: Callable[[], None]
) -> Outcome:
    deadline = start + lim.wall_s
    kept = {1: bytearray(), 2: bytearray()}
    total = {1: 0, 2: 0}
    sel = selectors.DefaultSelector()
    for key, stream in ((1, proc.stdout), (2, proc.stderr)):
        fd = stream.fileno()  # type: ignore[union-attr]  # both are pipes: Popen was given PIPE
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, key)
    try:
        pidfd: int | None = os.pidfd_open(proc.pid)
        sel.register(pidfd, selectors.EVENT_READ, 0)
    except (AttributeError, OSError):  # no pidfd (old kernel): fall back to short polls
        pidfd = None
    status: int | None = None
    rusage = None
    timed_out = exceeded = False
    exited_at: float | None = None
    swept = False
    open_pipes = 2
    try:
        while open_pipes or status is None:
            now = time.monotonic()
            if exited_at is not None and not swept and now >= exited_at + STRAGGLE_S:
                sweep()  # the program is gone; whatever still holds its pipes is a straggler
                swept = True
            limit_at = deadline if exited_at is None else min(deadline, exited_at + DRAIN_S)
            if now >= limit_at:
                if status is None:
                    timed_out = True
                break
            wait = limit_at - now
            if pidfd is None and status is None:
                wait = min(wait, 0.005)
            if exited_at is not None and not swept:
                wait = min(wait, max(0.0, exited_at + STRAGGLE_S - now))
            for key, _ in sel.select(wait):
                if key.data == 0:
                    sel.unregister(key.fd)
                    continue
                try:
                    chunk = os.read(key.fd, READ_CHUNK)
                except BlockingIOError:
                    continue
                if not chunk:
                    sel.unregister(key.fd)
                    open_pipes -= 1
                    continue
                room = lim.output_cap - len(kept[key.data])
                if room > 0:
                    kept[key.data] += chunk[:room]
                total[key.data] += len(chunk)
                if total[1] + total[2] > lim.output_limit_bytes:
                    exceeded = True
            if exceeded:
                break
            if status is None:
                pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    status, rusage, exited_at = st, ru, time.monotonic()
                    proc.returncode = -1  # reaped here; keeps Popen from waiting on a recycled pid
    finally:
        sel.close()
        if pidfd is not None:
            os.close(pidfd)
    wall = (exited_at or time.monotonic()) - start
    if status is None:
        _kill_group(proc.pid)
        sweep()
        _, status, rusage = os.wait4(proc.pid, 0)
        proc.returncode = -1
    cpu = rusage.ru_utime + rusage.ru_stime if rusage is not None else 0.0
    return Outcome(
        status=status,
        timed_out=timed_out,
        output_exceeded=exceeded,
        wall_s=wall,
        cpu_s=cpu,
        stdout=bytes(kept[1]),
        stderr=bytes(kept[2]),
        stdout_bytes=total[1],
        stderr_bytes=total[2],
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
