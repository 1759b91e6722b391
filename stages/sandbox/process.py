"""Start one process under limits, read its output capped, and end it and everything it started.

Limits and the uid are set from outside the program by an exec chain of maintained tools, so the program never
runs a line as root nor without its limits:

    [bwrap ...] prlimit --cpu= --as= --nproc= ... -- setpriv --reuid=U --regid=U --clear-groups
        --inh-caps=-all --ambient-caps=-all --bounding-set=-all --no-new-privs -- env -i -- NAME=VALUE... argv

`prlimit` (util-linux) sets every resource limit, `setpriv` (util-linux) drops to the leased uid with no
supplementary group, no capability in any set (the bounding set included) and no_new_privs, and `env -i`
(coreutils) gives the program its environment only after the drop: everything that runs privileged (bwrap,
prlimit, setpriv) gets a fixed minimal environment, so no LD_PRELOAD or LD_LIBRARY_PATH a caller passes can
reach a privileged process. Each stage execs the next in the same process, so the wait status is the program's.
The uid is unprivileged before the program can fork: RLIMIT_NPROC binds it.

Because no Python code runs between fork and exec (no `preexec_fn`, no `user=`), CPython starts the chain with
vfork, which costs the same from a large, multi-threaded parent (a Ray worker) as from a small one, and is safe
there. Output is read without blocking from both pipes at once (a program that fills stderr while we wait on
stdout cannot deadlock us), keeping the first `cap` bytes of each and counting the rest. The wall clock is
watched through a pidfd, so a run ends the moment its process does, not at the next poll.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import re
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

MIB = 1024 * 1024
READ_CHUNK = 1 << 16
# After the program exits: how long its pipes may stay open before whatever holds them is killed, and how long
# the run then keeps reading what is left.
STRAGGLE_S = 0.02
DRAIN_S = 0.5
# Where the chain's tools are looked up, and the whole environment of its privileged stages.
TOOL_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
PRIVILEGED_ENV = {"PATH": TOOL_PATH, "LANG": "C"}
# Tool -> the Debian package that ships it (both are Essential: every Debian system has them).
TOOLS = {"prlimit": "util-linux", "setpriv": "util-linux", "env": "coreutils", "bash": "bash"}


@dataclasses.dataclass(frozen=True)
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
    oom: bool = False  # the kernel killed a process of the run for lack of memory (its cgroup was full)


@dataclasses.dataclass(frozen=True)
class ProcessLimits:
    wall_s: float
    cpu_s: int
    address_space_mb: int
    nproc: int
    fsize_mb: int
    nofile: int
    output_cap: int
    output_limit_bytes: int
    memory_mb: int = 0  # the whole run's memory (its cgroup's limit; 0: none); not an rlimit


@dataclasses.dataclass(frozen=True)
class Tools:
    prlimit: str
    setpriv: str
    env: str
    bash: str


@functools.cache
def tools() -> Tools:
    """Absolute paths of the chain's tools (they lie in system dirs, so bwrap shows them too)."""
    found = {name: shutil.which(name, path=TOOL_PATH) for name in TOOLS}
    missing = [f"{name} (Debian package {TOOLS[name]})" for name, path in found.items() if path is None]
    if missing:
        raise FileNotFoundError(f"the sandbox needs {', '.join(missing)} on {TOOL_PATH}")
    return Tools(**{name: os.path.realpath(path) for name, path in found.items() if path is not None})


def rlimits(lim: ProcessLimits) -> dict[str, tuple[int, int]]:
    """(soft, hard) of every resource limit a run gets, by prlimit's option names; the CPU limit's hard value is
    a second later, so the program first gets SIGXCPU."""
    return {
        "cpu": (lim.cpu_s, lim.cpu_s + 1),
        "as": (lim.address_space_mb * MIB,) * 2,
        "nproc": (lim.nproc,) * 2,
        "fsize": (lim.fsize_mb * MIB,) * 2,
        "nofile": (lim.nofile,) * 2,
        "core": (0, 0),
    }


def limited_command(
    argv: Sequence[str],
    env: Mapping[str, str],
    uid: int | None,
    lim: ProcessLimits,
    report_fd: int | None = None,
) -> list[str]:
    """The chain that runs `argv` with environment `env` under `lim`, as `uid` (None: as we are, not root).

    With `report_fd`, a shell before the uid drop (it keeps the fixed privileged environment and runs nothing but
    its own script) waits for the program and writes its CPU times there (bash's `times`): inside bwrap's PID
    namespace the program's rusage never reaches our wait4."""
    if "=" in argv[0]:
        raise ValueError(f"sandbox: program name {argv[0]!r} contains '=': env would read it as a variable")
    t = tools()
    cmd = [t.prlimit, *(f"--{name}={soft}:{hard}" for name, (soft, hard) in rlimits(lim).items()), "--"]
    if report_fd is not None:
        # Before the uid drop: the program cannot signal its waiter (another uid), so it cannot end the run early.
        cmd += [t.bash, "-c", CPU_REPORT.format(fd=report_fd, err=report_fd + 1), "cpu-report"]
    if uid is not None:
        cmd += [
            t.setpriv,
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--ambient-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--pdeathsig=KILL",  # set after the uid change (which clears it): the program dies with its parent
            "--",
        ]
    for name, value in env.items():
        if not name or "=" in name or "\0" in name or "\0" in value:
            raise ValueError(f"sandbox: bad environment variable {name!r}={value!r}")
    return [*cmd, t.env, "-i", "--", *(f"{k}={v}" for k, v in env.items()), *argv]


# Runs the program with the report fd closed, writes the CPU times of its children (the program), then ends the
# way the program ended: by the same signal (re-raised at itself) or with the same exit code.
# Its own stderr goes to /dev/null (the program keeps the real one), so bash's "Segmentation fault" notices never
# reach the program's stderr.
CPU_REPORT = (
    'exec {err}>&2 2>/dev/null; "$@" 2>&{err} {err}>&- {fd}>&-; s=$?; times >&{fd}; exec {fd}>&-; '
    "if [ $s -gt 128 ] && [ $s -le 192 ]; then trap - $((s - 128)) 2>/dev/null; kill -$((s - 128)) $$; fi; "
    "exit $s"
)
TIMES_LINE = re.compile(r"(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s")


def read_cpu_report(fd: int) -> float | None:
    """Children's user + system seconds from bash's `times` output (its second line); None if absent."""
    os.set_blocking(fd, False)
    try:
        text = os.read(fd, 4096).decode("ascii", errors="replace")
    except (BlockingIOError, OSError):
        return None
    lines = [TIMES_LINE.search(line) for line in text.splitlines()]
    if len(lines) < 2 or lines[1] is None:
        return None
    um, us, sm, ss = lines[1].groups()
    return int(um) * 60 + float(us) + int(sm) * 60 + float(ss)


def sweep_command(uid: int) -> list[str]:
    """Kills every process of `uid`: a shell dropped to `uid` calls kill(-1), which reaches all processes of its
    uid but itself, and nothing else."""
    return [
        tools().setpriv,
        f"--reuid={uid}",
        f"--regid={uid}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
        "/bin/sh",
        "-c",
        "kill -9 -1 2>/dev/null; exit 0",  # no such process is fine: nothing was left
    ]


def execute(
    cmd: Sequence[str],
    *,
    cwd: str,
    limits: ProcessLimits,
    sweep: Callable[[], None],
    report: tuple[int, int] | None = None,
    handed: Sequence[int] = (),
    uid: int | None = None,
) -> Outcome:
    """Run `cmd` (a `limited_command`, maybe inside bwrap) to completion or to its wall limit, in a session of
    its own. `sweep` kills whatever the run left behind. `report` is the (read, write) pipe the command's CPU
    report goes to: the write end is handed to the command and closed here. `handed`: more fds the command
    inherits (bwrap's seccomp filter), closed here once it has started. `uid`: the run's, whose processes' CPU
    time is read before a kill (else the session's)."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=PRIVILEGED_ENV,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # keeps CPython's vfork path, as does everything else here
            close_fds=True,
            pass_fds=((report[1],) if report else ()) + tuple(handed),
        )
    except BaseException:
        if report:
            os.close(report[0])
        raise
    finally:
        if report:
            os.close(report[1])  # the command holds its own copy
        for fd in handed:
            os.close(fd)
    try:
        waiter = _ProcessWaiter(proc, sweep, uid)
        try:
            outcome = collect(waiter, proc.stdout.fileno(), proc.stderr.fileno(), start, limits, sweep)  # type: ignore[union-attr]  # both are pipes: Popen was given PIPE
        finally:
            waiter.close()
        if report:
            reported = read_cpu_report(report[0])
            if reported is not None:
                outcome = dataclasses.replace(outcome, cpu_s=reported)
        return outcome
    finally:
        if report:
            os.close(report[0])
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


class Waiter(Protocol):
    """How `collect` learns that a program ended, and ends one that must not go on."""

    fd: int | None  # readable once the program may have ended (None: poll every few ms)

    def poll(self) -> tuple[int, float] | None:
        """(wait status, CPU seconds) once the program has ended, else None."""

    def kill(self) -> tuple[int, float]:
        """End the program and everything it started; its (wait status, CPU seconds)."""


class _ProcessWaiter:
    """A child process of ours, watched through a pidfd and reaped with its rusage."""

    def __init__(self, proc: subprocess.Popen[bytes], sweep: Callable[[], None], uid: int | None) -> None:
        self.proc, self.sweep, self.uid = proc, sweep, uid
        try:
            self.fd: int | None = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):  # no pidfd (old kernel): short polls
            self.fd = None

    def poll(self) -> tuple[int, float] | None:
        pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if not pid:
            return None
        self.proc.returncode = -1  # reaped here; keeps Popen from waiting on a recycled pid
        return status, usage.ru_utime + usage.ru_stime

    def kill(self) -> tuple[int, float]:
        # read first: inside bwrap's PID namespace the program's time never reaches our wait4
        used = cpu_of(uid=self.uid) if self.uid is not None else cpu_of(session=self.proc.pid)
        _kill_group(self.proc.pid)
        self.sweep()
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = -1
        return status, max(used, usage.ru_utime + usage.ru_stime)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def collect(
    waiter: Waiter,
    stdout_fd: int,
    stderr_fd: int,
    start: float,
    lim: ProcessLimits,
    sweep: Callable[[], None],
) -> Outcome:
    """Read both pipes without blocking until the program has ended and its pipes are closed, or until its wall
    or output limit (then `waiter.kill()`). Keeps the first `output_cap` bytes of each pipe, counts them all."""
    deadline = start + lim.wall_s
    kept = {1: bytearray(), 2: bytearray()}
    total = {1: 0, 2: 0}
    sel = selectors.DefaultSelector()
    for key, fd in ((1, stdout_fd), (2, stderr_fd)):
        os.set_blocking(fd, False)
        sel.register(fd, selectors.EVENT_READ, key)
    if waiter.fd is not None:
        sel.register(waiter.fd, selectors.EVENT_READ, 0)
    ended: tuple[int, float] | None = None
    timed_out = exceeded = False
    exited_at: float | None = None
    swept = False
    open_pipes = 2
    try:
        while open_pipes or ended is None:
            now = time.monotonic()
            if exited_at is not None and not swept and now >= exited_at + STRAGGLE_S:
                sweep()  # the program is gone; whatever still holds its pipes is a straggler
                swept = True
            limit_at = deadline if exited_at is None else min(deadline, exited_at + DRAIN_S)
            if now >= limit_at:
                if ended is None:
                    timed_out = True
                break
            wait = limit_at - now
            if waiter.fd is None and ended is None:
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
            if ended is None:
                ended = waiter.poll()
                if ended is not None:
                    exited_at = time.monotonic()
    finally:
        sel.close()
    wall = (exited_at or time.monotonic()) - start
    if ended is None:
        ended = waiter.kill()
    return Outcome(
        status=ended[0],
        timed_out=timed_out,
        output_exceeded=exceeded,
        wall_s=wall,
        cpu_s=ended[1],
        stdout=bytes(kept[1]),
        stderr=bytes(kept[2]),
        stdout_bytes=total[1],
        stderr_bytes=total[2],
    )


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_of(*, uid: int | None = None, session: int | None = None) -> float:
    """CPU seconds of the live processes of `uid` (or of `session`) and of the children they reaped: what a run
    the host is about to kill has used (its wait status will carry none of it). Each process counts its own time
    and its reaped children's, so nothing is counted twice."""
    ticks = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if uid is not None and os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if session is not None and int(fields[3]) != session:
            continue
        ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / CLOCK_TICKS


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
