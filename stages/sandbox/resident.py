"""A resident sandbox: one long-lived bwrap per leased uid, whose launcher starts every run of that uid.

A fresh bwrap and exec chain per run cost ~12 ms (bwrap's namespaces and mounts ~5 ms, prlimit + waiter +
setpriv + env ~6.5 ms) over a bare spawn; here they are paid once per worker, and a run costs a fork and an exec
inside the sandbox. Isolation from the host is bwrap's, unchanged. Isolation between consecutive runs of one
uid comes from the launcher (`launcher.py`): each run gets a fresh work dir (a tmpfs of its own, `workfs.py`) and
the same first pid (the PID namespace's counter set back), its leftovers are killed, and the sandbox is reused
only when it is back to its initial state (nothing made in /tmp or /dev/shm, no IPC object or message queue, no
socket, no process); otherwise it is replaced before the next run. The whole bwrap lives in its uid's cgroup
(`cgroups.py`), whose memory and task limits therefore bound each run together with the launcher's ~10 MB. Timeouts and output floods end the whole bwrap, as a
per-run sandbox would end: nothing inside has to cooperate.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import select
import signal
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stages.sandbox import bwrap, seccomp
from stages.sandbox.process import PRIVILEGED_ENV, Outcome, ProcessLimits, collect, cpu_of, rlimits

LAUNCHER_SOURCE = Path(__file__).with_name("launcher.py").read_text()
START_TIMEOUT_S = 20.0
KILLED = signal.SIGKILL.value  # the wait status of a process killed by SIGKILL
LAST_PID = "/proc/sys/kernel/ns_last_pid"


class ResidentError(RuntimeError):
    """The resident launcher could not be started, or broke its protocol."""


@dataclasses.dataclass(frozen=True)
class ResidentConfig:
    """What is fixed when a resident bwrap starts; a run needing another config gets a new one."""

    python: str
    slot_dir: str  # the work dirs' parent, bound read-write
    ro_paths: tuple[str, ...]
    tmp_mb: int
    seccomp: bytes | None = None  # the filter every process in the bwrap runs under (`seccomp.py`)
    join_prefix: tuple[str, ...] = ()  # what moves the bwrap into its uid's cgroup (`UidCgroup.join_prefix`)


class Resident:
    """One bwrap running the launcher for `uid`. Not thread-safe: the uid lease makes its runs sequential."""

    def __init__(self, uid: int, config: ResidentConfig) -> None:
        self.uid, self.config = uid, config
        self.clean = True  # the launcher's verdict after the last run
        self._owner = os.getpid()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # The PID namespace's counter, which the launcher sets back before each run: bwrap's /proc/sys is
        # read-only, and a write through this fd acts on the writer's own PID namespace.
        last_pid = os.open(LAST_PID, os.O_WRONLY | os.O_CLOEXEC)
        argv = [
            config.python, "-I", "-S", "-c", LAUNCHER_SOURCE, str(theirs.fileno()), str(uid), str(last_pid)
        ]  # fmt: skip
        filter_fd = seccomp.program_fd(config.seccomp) if config.seccomp else None
        cmd = [
            *config.join_prefix,
            *bwrap.command(
                argv,
                config.slot_dir,
                config.ro_paths,
                as_root=True,
                tmp_mb=config.tmp_mb,
                seccomp_fd=filter_fd,
                mqueue=True,
                extra_caps=("CAP_CHECKPOINT_RESTORE",),
            ),
        ]
        handed = (theirs.fileno(), last_pid) + (() if filter_fd is None else (filter_fd,))
        try:
            self.proc = _spawn(
                lambda: subprocess.Popen(
                    cmd,
                    cwd=config.slot_dir,
                    env=PRIVILEGED_ENV,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                    close_fds=True,
                    pass_fds=handed,
                )
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
            os.close(last_pid)
            if filter_fd is not None:
                os.close(filter_fd)
        self.sock = ours
        # A dropped Resident (its Sandbox collected, or the interpreter exiting) ends its bwrap too.
        self._finalizer = weakref.finalize(self, _end, self.proc, ours, self._owner)
        ready, _, _ = select.select([ours], [], [], START_TIMEOUT_S)
        message = ours.recv(4096) if ready else b""
        if b"ready" not in message:
            why = self._stderr() or (f"no answer in {START_TIMEOUT_S:.0f} s" if not ready else "it exited")
            self.close()
            raise ResidentError(f"the resident sandbox launcher did not start: {why}")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def execute(
        self,
        argv: Sequence[str],
        cwd: str,
        env: Mapping[str, str],
        lim: ProcessLimits,
        sweep: Callable[[], None],
    ) -> Outcome:
        """Run `argv` in `cwd` (a dir under the slot dir) with exactly `env`, under `lim`, as the uid."""
        request = {
            "argv": list(argv),
            "env": dict(env),
            "cwd": cwd,
            "limits": rlimits(lim),
        }
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        start = time.monotonic()
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], [out_w, err_w])
        except OSError:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            os.close(out_w)  # the launcher holds its own copies
            os.close(err_w)
        waiter = _LauncherWaiter(self, sweep)
        try:
            outcome = collect(waiter, out_r, err_r, start, lim, sweep)
        finally:
            os.close(out_r)
            os.close(err_r)
        if waiter.wall_s is not None:  # measured inside, from fork to exit: no reply latency in it
            outcome = dataclasses.replace(outcome, wall_s=waiter.wall_s)
        return outcome

    def close(self) -> None:
        """End the bwrap and everything in it (its PID namespace dies with its init)."""
        self._finalizer()

    def _stderr(self) -> str:
        if self.proc.stderr is None or self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace").strip()[-500:]


_spawners: dict[int, ThreadPoolExecutor] = {}  # pid -> the thread that starts this process's resident bwraps
_spawners_lock = threading.Lock()


def _spawn(start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
    """Run `start` on a thread that lives as long as this process. bwrap's --die-with-parent is a parent-death
    signal, which fires when the *thread* that started bwrap exits: a resident started by a pool's worker
    thread (`execute_many`, an executor) would die when that pool shuts down, killing the run another thread
    had just started in it."""
    with _spawners_lock:
        spawner = _spawners.get(os.getpid())
        if spawner is None:  # first use, or a forked child (the parent's thread does not exist here)
            spawner = _spawners[os.getpid()] = ThreadPoolExecutor(1, thread_name_prefix="sandbox-spawner")
    return spawner.submit(start).result()


def _end(proc: subprocess.Popen[bytes], sock: socket.socket, owner: int) -> None:
    if owner != os.getpid():  # a forked copy: the bwrap belongs to our parent
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    sock.close()
    if proc.stderr is not None:
        proc.stderr.close()


class _LauncherWaiter:
    """`collect`'s view of a run in the launcher: its reply says the program ended."""

    def __init__(self, resident: Resident, sweep: Callable[[], None]) -> None:
        self.resident, self.sweep = resident, sweep
        self.fd: int | None = resident.sock.fileno()
        self.wall_s: float | None = None

    def poll(self) -> tuple[int, float] | None:
        try:
            message = self.resident.sock.recv(1 << 16, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return None
        if not message:  # the launcher died under the run: as if the program had been killed
            self.resident.clean = False
            return KILLED, 0.0
        reply = json.loads(message)
        if "error" in reply:
            self.resident.clean = False
            raise ResidentError(f"the resident sandbox launcher refused a run: {reply['error']}")
        self.resident.clean = bool(reply["clean"])
        self.wall_s = float(reply["wall"])
        return int(reply["status"]), float(reply["cpu"])

    def kill(self) -> tuple[int, float]:
        used = cpu_of(uid=self.resident.uid)  # read first: the launcher's reply never comes
        self.resident.clean = False
        self.resident.close()
        self.sweep()
        return KILLED, used
