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
    cmd = [
        t.prlimit,
        f"--cpu={lim.cpu_s}:{lim.cpu_s + 1}",
        f"--as={lim.address_space_mb * MIB}",
        f"--nproc={lim.nproc}",
        f"--fsize={lim.fsize_mb * MIB}",
        f"--nofile={lim.nofile}",
        "--core=0",
        "--",
    ]
    if report_fd is not None:
        # Before the uid drop: the program cannot signal its waiter (another uid), so it cannot end the run early.
        cmd += [t.bash, "-c", CPU_REPORT.format(fd=report_fd), "cpu-report"]
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
CPU_REPORT = (
    '"$@" {fd}>&-; s=$?; times >&{fd}; exec {fd}>&-; '
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
) -> Outcome:
    """Run `cmd` (a `limited_command`, maybe inside bwrap) to completion or to its wall limit, in a session of
    its own. `sweep` kills whatever the run left behind. `report` is the (read, write) pipe the command's CPU
    report goes to: the write end is handed to the command and closed here."""
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
            pass_fds=(report[1],) if report else (),
        )
    except BaseException:
        if report:
            os.close(report[0])
        raise
    finally:
        if report:
            os.close(report[1])  # the command holds its own copy
    try:
        outcome = _collect(proc, start, limits, sweep)
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
