"""The resident launcher: runs inside one long-lived bwrap and starts each program of one uid in it.

Started as `python3 -I -S -c <this file> CONTROL_FD UID LAST_PID_FD` by `resident.py`; stdlib only, because it runs under
the system interpreter inside the sandbox's filesystem view, not the project's venv. It keeps the capabilities
bwrap leaves it (setuid, setgid, setpcap, sys_resource, checkpoint_restore for ns_last_pid) and runs nothing untrusted itself.

Each request on the control socket (SOCK_SEQPACKET: one JSON message, with the program's stdout and stderr pipe
ends attached) starts one program: fork; in the child, a session of its own, stdin from /dev/null, the resource
limits, every capability dropped from every set (the bounding set first, while we may), no supplementary group,
the run's uid and gid, no_new_privs, death with the launcher, default signal dispositions, then exec with only
the environment the request gives. The launcher waits for it, then kills whatever of the run's uid is left (a
process dropped to that uid calls kill(-1): atomic, and it reaches nothing else) and replies with the wait
status, the CPU time of the program and its reaped descendants, and whether the sandbox is back to its initial
state: no process but init and the launcher, nothing made or removed in /tmp or /dev/shm (their change time
unchanged: a tmpfs numbers its inodes in order, so one that made and removed N files would tell the next run N;
O_TMPFILE, which makes an inode without touching a dir, the seccomp filter refuses), no System V IPC object and
no POSIX message queue (the whole state of the IPC namespace; what the kernel keeps per
uid outside every namespace, the keyrings, the seccomp filter denies), and no socket in the network namespace (a
unix socket kept alive in flight after its processes exited keeps its abstract name; IP sockets the filter
denies). When it is not, the host replaces the whole bwrap rather than reuse it. Before each fork the PID
namespace's counter is set back to the launcher's own pid (ns_last_pid, through an fd the host opened: bwrap's
/proc/sys is read-only), so every run's first process gets the same pid whatever the last run forked.
The program's OOM score is raised to the maximum (the launcher's, set by the host, is the minimum): when its
run's memory cgroup is full, or the host's memory, the kernel kills the program, not the launcher. The host also enforces the wall limit and the output
limit, by killing the whole bwrap: nothing here has to be trusted to stop a program.
"""

import ctypes
import json
import os
import resource
import signal
import socket
import sys
import time

PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
CAPABILITY_VERSION_3 = 0x20080522
LIMITS = {
    "cpu": resource.RLIMIT_CPU,
    "as": resource.RLIMIT_AS,
    "nproc": resource.RLIMIT_NPROC,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}
SCRATCH_DIRS = ("/tmp", "/dev/shm", "/dev/mqueue")  # /dev/mqueue lists the namespace's POSIX message queues
# tmpfs of this sandbox: every inode made in them changes a writable dir, and the only one at the start is each
# root (bwrap's dirs on the way to the work root are root-owned 0711), so their change time says whether one was
CHANGE_TIMED = ("/tmp", "/dev/shm")
SYSV_IPC = ("/proc/sysvipc/shm", "/proc/sysvipc/sem", "/proc/sysvipc/msg")
UNIX_TABLE = "/proc/net/unix"  # the namespace's unix sockets, abstract names included
# The namespace's own counts of sockets, in use and in TIME_WAIT (the other figures there are host-wide). Not
# /proc/net/tcp: reading it walks the host's whole TCP hash, ~10 ms each time.
SOCKSTAT, SOCKSTAT_OWN = "/proc/net/sockstat", ("used", "inuse", "tw")
LEFTOVER_WAIT_S = 1.0  # how long killed leftovers may take to be reaped by bwrap's init
PROGRAM_OOM_SCORE_ADJ = "1000"  # the first process any OOM killer picks

PR_CAPBSET_READ = 23
# CAP_SETGID, CAP_SETUID, CAP_SETPCAP, CAP_SYS_RESOURCE (bwrap's CHAIN_CAPS), CAP_CHECKPOINT_RESTORE
LAUNCHER_CAPS = (6, 7, 8, 24, 40)
GLIBC_SIGNALS = (32, 33)  # glibc's own (SIGCANCEL, SIGSETXID): Python cannot set them, only the raw syscall

libc = ctypes.CDLL(None, use_errno=True)
# Looked up once here: a forked child that first touches `libc.NAME` pays a symbol lookup (~0.1 ms each).
libc_prctl, libc_capset, libc_syscall = libc.prctl, libc.capset, libc.syscall
RT_SIGACTION = {"x86_64": 13, "aarch64": 134}.get(os.uname().machine)  # the raw syscall's number
with open("/proc/sys/kernel/cap_last_cap") as _fh:
    LAST_CAP = int(_fh.read())


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


DEFAULT_SIGACTION = ctypes.create_string_buffer(64)  # an all-zero kernel sigaction: SIG_DFL, no flags
CapDataPair = CapData * 2  # capset's two 32-bit halves (made once: a ctypes array type costs ~0.1 ms)


def prctl(option: int, arg: int) -> None:
    if libc_prctl(option, ctypes.c_ulong(arg), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}, {arg})")


def narrow_bounding_set() -> list[int]:
    """Drop from the launcher's own bounding set every capability it does not hold (bwrap clears the others
    from its effective and permitted sets only), once; return what is left, for each program to drop. Each drop
    costs ~8 us: forty of them per run were a tenth of a Lua program's time."""
    kept = []
    for cap in range(LAST_CAP + 1):
        if libc_prctl(PR_CAPBSET_READ, ctypes.c_ulong(cap), 0, 0, 0) != 1:
            continue
        if cap in LAUNCHER_CAPS:
            kept.append(cap)
        else:
            prctl(PR_CAPBSET_DROP, cap)
    return kept


def ignored_signals() -> list[int]:
    """The signals this process ignores: the only dispositions exec keeps (a handler is reset to the default).
    Python ignores SIGPIPE and SIGXFSZ; whoever started us may have ignored others."""
    ignored = []
    for sig in range(1, signal.NSIG):
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            if signal.getsignal(sig) == signal.SIG_IGN:
                ignored.append(sig)
        except (OSError, ValueError):  # glibc's own: reset by the raw syscall in every child
            continue
    return ignored


def drop_privileges(uid: int, bounding: list[int]) -> None:
    """Leave no capability in any set, no group but the uid's own, and no way to gain privileges by exec.
    `bounding`: what is left in the bounding set (read once by the launcher: it never changes)."""
    for cap in bounding:
        prctl(PR_CAPBSET_DROP, cap)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    # from root to non-root: the permitted, effective and ambient sets are cleared
    os.setresuid(uid, uid, uid)
    data = CapDataPair()  # the inheritable set survives a uid change: clear it explicitly
    if libc_capset(ctypes.byref(CapHeader(CAPABILITY_VERSION_3, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after the uid change, which clears it


def default_signals(ignored: list[int]) -> None:
    """Every signal the program could inherit as ignored back to its default action: `ignored` (read once by
    the launcher, which never changes a disposition), and glibc's own two, which only the syscall resets (an
    all-zero kernel sigaction is SIG_DFL)."""
    for sig in ignored:
        signal.signal(sig, signal.SIG_DFL)
    if RT_SIGACTION is not None:
        for sig in GLIBC_SIGNALS:
            libc_syscall(RT_SIGACTION, sig, DEFAULT_SIGACTION, None, 8)


def start_program(
    request: dict, stdout_fd: int, stderr_fd: int, uid: int, bounding: list[int], ignored: list[int]
) -> None:
    """In the forked child: set everything up, then exec the program. Never returns."""
    try:
        os.dup2(stdout_fd, 1)
        os.dup2(stderr_fd, 2)
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.closerange(3, 1 << 20)
        os.setsid()
        os.chdir(request["cwd"])
        for name, (soft, hard) in request["limits"].items():
            resource.setrlimit(LIMITS[name], (soft, hard))
        adj = os.open("/proc/self/oom_score_adj", os.O_WRONLY)
        os.write(adj, PROGRAM_OOM_SCORE_ADJ.encode())
        os.close(adj)
        drop_privileges(uid, bounding)
        default_signals(ignored)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        argv = request["argv"]
        os.execvpe(argv[0], argv, request["env"])
    except FileNotFoundError as exc:
        os.write(2, f"sandbox: {request['argv'][0]}: {exc.strerror}\n".encode())
        os._exit(127)
    except BaseException as exc:  # whatever failed, the program must not run
        os.write(2, f"sandbox: cannot start {request['argv'][0]}: {exc!r}\n".encode())
        os._exit(126)
    os._exit(126)


def others() -> list[int]:
    """Processes in the sandbox's PID namespace besides bwrap's init and the launcher."""
    me = os.getpid()
    return [int(name) for name in os.listdir("/proc") if name.isdigit() and int(name) not in (1, me)]


def kill_uid(uid: int) -> None:
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        except BaseException:  # ProcessLookupError when nothing was left
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def scratch_entries() -> dict[str, set[str]]:
    return {path: set(os.listdir(path)) for path in SCRATCH_DIRS if os.path.isdir(path)}


def change_times() -> dict[str, int]:
    return {path: os.stat(path).st_ctime_ns for path in CHANGE_TIMED if os.path.isdir(path)}


def net_state() -> tuple[str, list[str]]:
    """The network namespace's sockets (the control socket was made on the host: not listed here): its unix
    sockets, and how many sockets of each protocol it holds or keeps in TIME_WAIT."""
    try:
        with open(UNIX_TABLE) as fh:
            unix = fh.read()
        with open(SOCKSTAT) as fh:
            fields = [line.split() for line in fh]
    except OSError:
        return "", []
    counts = [
        f"{words[0]}{words[i]}={words[i + 1]}"
        for words in fields
        for i in range(1, len(words) - 1, 2)
        if words[i] in SOCKSTAT_OWN
    ]
    return unix, counts


def reset_pid_counter(last_pid_fd: int) -> None:
    """The next fork gets the pid after ours (free: the settle check saw no other process)."""
    os.pwrite(last_pid_fd, str(os.getpid()).encode(), 0)


class Initial:
    """What a clean sandbox holds, read when the launcher starts."""

    def __init__(self) -> None:
        self.scratch, self.net, self.changed = scratch_entries(), net_state(), change_times()


def settle(uid: int, initial: Initial) -> bool:
    """Kill the run's leftovers; whether the sandbox is back to its initial state."""
    if others():
        kill_uid(uid)
        deadline = time.monotonic() + LEFTOVER_WAIT_S
        while others():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
    if scratch_entries() != initial.scratch:  # bwrap made the work root's ancestors there, root-owned 0711; a
        # queue left in /dev/mqueue would be opened by name by the next run
        return False
    if change_times() != initial.changed or net_state() != initial.net:
        return False
    for path in SYSV_IPC:
        try:
            with open(path) as fh:
                if len(fh.read().splitlines()) > 1:  # a header line, then one line per object
                    return False
        except OSError:
            continue
    return True


def serve(control: socket.socket, uid: int, last_pid_fd: int) -> None:
    initial = Initial()
    bounding, ignored = narrow_bounding_set(), ignored_signals()  # fixed for the launcher's life
    reset_pid_counter(
        last_pid_fd
    )  # fails here, at start, where it cannot: the host falls back to a bwrap per run
    control.send(json.dumps({"ready": os.getpid()}).encode())
    while True:
        message, fds, _, _ = socket.recv_fds(control, 1 << 22, 2)
        if not message:
            return  # the host closed its end
        request = json.loads(message)
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"error": "a request needs the stdout and stderr pipes"}).encode())
            continue
        start = time.monotonic()
        reset_pid_counter(last_pid_fd)
        pid = os.fork()
        if pid == 0:
            control.close()
            start_program(request, fds[0], fds[1], uid, bounding, ignored)
        for fd in fds:
            os.close(fd)
        _, status, usage = os.wait4(pid, 0)
        wall = time.monotonic() - start
        clean = settle(uid, initial)
        reply = {"status": status, "cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "clean": clean}
        control.send(json.dumps(reply).encode())


if __name__ == "__main__":
    serve(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3]))
