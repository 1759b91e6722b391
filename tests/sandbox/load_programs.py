"""The sandbox under load: a mix of benign and hostile programs run across worker processes, and a host probe.

Shared by tests/sandbox/test_load.py (300 programs, CI) and benchmarks/bench_sandbox.py (a longer run). The
benign programs include "lookers" that report every kind of state a run could have left for the next one (files
in /tmp and /dev/shm, POSIX and System V IPC objects, keys, processes): alone and under load, beside the hostile
programs that plant exactly that state, they must print the same thing.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from stages.sandbox import Limits, RawResult, SandboxParams, sandbox_for

PY = "/usr/bin/python3"
LIMITS = Limits(
    wall_s=3.0,
    cpu_s=2,
    address_space_mb=512,
    memory_mb=192,
    nproc=32,
    fsize_mb=4,
    nofile=64,
    output_limit_mb=1,
)
HOSTILE_LIMITS = LIMITS.override(wall_s=0.5, cpu_s=1)  # for the programs that never end by themselves
ENDLESS = ("fork_bomb", "sleep_forever", "busy_loop")
WORK_MB = 16  # the work dir cap of the load's sandbox: the disk filler reaches it in four files

# Reports what a previous run could have left: run alone it prints the clean state, and so must it under load.
LOOKER = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def ls(path):
    try:
        return sorted(os.listdir(path))
    except OSError as exc:
        return type(exc).__name__
def sysv(kind):
    with open("/proc/sysvipc/" + kind) as fh:
        return len(fh.read().splitlines()) - 1
KEYCTL_READ, KEY_SPEC_USER_KEYRING = 11, -4
buf = ctypes.create_string_buffer(256)
keys = libc.syscall({keyctl}, KEYCTL_READ, KEY_SPEC_USER_KEYRING, buf, 256)
keys_errno = ctypes.get_errno()
queue = libc.mq_open(b"/planted", os.O_RDONLY)
queue_errno = ctypes.get_errno()
procs = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid())
print("tmp", ls("/tmp"), "shm", ls("/dev/shm"), "mq", ls("/dev/mqueue"))
print("sysv", sysv("shm"), sysv("msg"), sysv("sem"))
print("key", keys, keys_errno, "mq_open", queue, queue_errno, "variant", {i})
print("own processes", [p for p in procs if os.stat(f"/proc/{{p}}").st_uid == os.getuid()])
"""

# Issue 29's pairs (tests/sandbox/test_run_to_run.py): what a run could leave in the network stack, the PID
# counter, the tmpfs inode counters or an abstract unix socket, and what the next run would read of it.
# Closes loopback connections client-first, so that the server's port sits in TIME_WAIT for 60 s.
SQUAT = """
import socket
try:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 8080))
    server.listen()
    for _ in range(3):
        client = socket.create_connection(("127.0.0.1", 8080))
        conn, _ = server.accept()
        conn.close()
        client.close()
    print("left TIME_WAIT")
except OSError as exc:
    print("refused", exc.errno)
"""
# Harmless: binds the port, as a program with a small server in its tests would.
BIND = """
import socket
try:
    s = socket.socket()
    s.bind(("127.0.0.1", 8080))
    s.listen()
    print("bound")
except OSError as exc:
    print("no socket", exc.errno)
"""
# Encodes bytes in TIME_WAIT peers' addresses (127.0.0.x), for the next run to read in /proc/net/tcp.
TIME_WAIT_WRITER = """
import socket
sent = 0
try:
    server = socket.socket()
    server.bind(("127.0.0.1", 8081))
    server.listen()
    for byte in b"secret":
        client = socket.socket()
        client.bind(("127.0.0." + str(byte), 0))
        client.connect(("127.0.0.1", 8081))
        conn, _ = server.accept()
        client.close()
        conn.close()
        sent += 1
except OSError as exc:
    print("refused", exc.errno)
print("sent", sent)
"""
NET_READER = """
for table in ("tcp", "tcp6", "udp", "udp6", "unix"):
    with open("/proc/net/" + table) as fh:
        print(table, len(fh.read().splitlines()) - 1)
"""
# An abstract unix socket kept alive in flight (an unreachable cycle of sockets each queued in the other)
# after every process of the run has exited.
ABSTRACT_WRITER = """
import socket
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind("\\0polyforge-planted")
listener.listen()
a, b = socket.socketpair()
socket.send_fds(a, [b"x"], [listener.fileno(), a.fileno(), b.fileno()])
socket.send_fds(b, [b"x"], [a.fileno(), b.fileno()])
print("planted")
"""
ABSTRACT_READER = """
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect("\\0polyforge-planted")
    print("found")
except OSError as exc:
    print("none", exc.errno)
with open("/proc/net/unix") as fh:
    print("sockets", len(fh.read().splitlines()) - 1)
"""
PID_WRITER = """
import os
for _ in range(200):  # moves the PID namespace's counter on by 200
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
print("forked")
"""
PID_READER = """
import os
child = os.fork()
if child == 0:
    os._exit(0)
os.waitpid(child, 0)
print(os.getpid(), child)
"""
# Makes and removes files in every tmpfs the run can write: the work dir, /tmp, /dev/shm.
INODE_WRITER = """
import os
for base in (".", "/tmp", "/dev/shm"):
    for i in range(200):
        path = os.path.join(base, f"f{i}")
        open(path, "w").close()
        os.unlink(path)
print("made 600")
"""
INODE_READER = """
import os
for base in (".", "/tmp", "/dev/shm"):
    path = os.path.join(base, "mine")
    open(path, "w").close()
    print(base, os.stat(path).st_ino)
    os.unlink(path)
"""

BENIGN = {
    "py_compute": lambda i: ("py", f"print(sum(k * k for k in range({i} * 1000)))\n"),
    "py_assert": lambda i: ("py", f"assert {i} % 3 != 1, 'wrong'\nprint('passed {i}')\n"),
    "py_exception": lambda i: ("py", f"print('before')\nprint({{}}[{i}])\n"),
    "py_subprocess": lambda i: (
        "py",
        "import subprocess, threading\n"
        "out = []\nts = [threading.Thread(target=lambda: out.append(1)) for _ in range(4)]\n"
        "[t.start() for t in ts]\n[t.join() for t in ts]\n"
        f"print(len(out), subprocess.run(['/bin/echo', '{i}'], capture_output=True, text=True).stdout.strip())\n",
    ),
    "sh_exit": lambda i: ("sh", f"echo $(({i} * 3)); ls; exit $(({i} % 4))\n"),
    "looker": lambda i: ("py", LOOKER.format(i=i, keyctl=250)),
    "port_binder": lambda i: ("py", BIND),
    "net_looker": lambda i: ("py", NET_READER + ABSTRACT_READER),
    "pid_looker": lambda i: ("py", PID_READER),
    "inode_looker": lambda i: ("py", INODE_READER),
}

HOSTILE = {
    "fork_bomb": (
        "py",
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
    ),
    "sleep_forever": ("sh", "sleep 1000\n"),
    "busy_loop": ("py", "while True:\n    pass\n"),
    "output_flood": ("sh", "yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"),
    # four children of 96 MB each: within RLIMIT_AS (512), over the run's 192 MB together
    "memory_children": (
        "py",
        "import os, time\nkids = []\nfor _ in range(4):\n    pid = os.fork()\n    if pid == 0:\n"
        "        b = b'x' * (96 << 20)\n        time.sleep(0.2)\n        os._exit(0)\n    kids.append(pid)\n"
        "print([os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in kids])\n",
    ),
    "disk_fill": (
        "sh",
        "i=0; while head -c 4000000 /dev/zero > f$i; do i=$((i + 1)); done; echo full after $i\n",
    ),
    "tmp_plant": ("sh", "echo x > /tmp/planted; echo x > /dev/shm/planted; mkdir /tmp/d; chmod 000 /tmp/d\n"),
    "mqueue_plant": (
        "py",
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "q = libc.mq_open(b'/planted', os.O_CREAT | os.O_WRONLY, 0o666, None)\n"
        "print(q, libc.mq_send(q, b'secret', 6, 0))\n",
    ),
    "sysv_plant": ("sh", "ipcmk -M 4096; ipcmk -Q; ipcmk -S 1\n"),
    "key_plant": (
        "py",
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "print(libc.syscall(248, b'user', b'planted', b'secret', 6, -4), ctypes.get_errno())\n",
    ),
    "daemon": ("sh", "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo started\n"),
    "port_squat": ("py", SQUAT),
    "time_wait_writer": ("py", TIME_WAIT_WRITER),
    "abstract_plant": ("py", ABSTRACT_WRITER),
    "pid_burner": ("py", PID_WRITER),
    "inode_burner": ("py", INODE_WRITER),
}


@dataclass(frozen=True)
class Program:
    index: int
    name: str
    hostile: bool
    kind: str  # "py" or "sh"
    source: str
    limits: Limits
    params: SandboxParams = field(default_factory=SandboxParams)

    @property
    def argv(self) -> list[str]:
        return [PY, "prog.py"] if self.kind == "py" else ["/bin/sh", "prog.sh"]


def mix(total: int, params: SandboxParams, *, hostile_share: float = 0.2, variants: int = 7, seed: int = 0):
    """`total` programs, about `hostile_share` of them hostile (each kind in turn), in a fixed shuffled order.
    Benign programs come in `variants` variants per kind, so running each distinct one alone stays cheap."""
    rng = random.Random(seed)
    n_hostile = round(total * hostile_share)
    programs: list[Program] = []
    hostile_names = sorted(HOSTILE)
    for k in range(n_hostile):
        name = hostile_names[k % len(hostile_names)]
        kind, source = HOSTILE[name]
        limits = HOSTILE_LIMITS if name in ENDLESS else LIMITS
        programs.append(Program(0, name, True, kind, source, limits, params))
    benign_names = sorted(BENIGN)
    for k in range(total - n_hostile):
        name = benign_names[k % len(benign_names)]
        kind, source = BENIGN[name](rng.randrange(variants))
        programs.append(Program(0, name, False, kind, source, LIMITS, params))
    rng.shuffle(programs)
    return [
        Program(i, p.name, p.hostile, p.kind, p.source, p.limits, p.params) for i, p in enumerate(programs)
    ]


def verdict(raw: RawResult) -> tuple[Any, ...]:
    """What must not depend on what else runs: the ending, the facts and the output (stderr names the work dir,
    which differs run to run: its last line, the error, is kept)."""
    last_err = raw.stderr.strip().splitlines()[-1] if raw.stderr.strip() else ""
    return (raw.exit_code, raw.signal, raw.timed_out, raw.oom, raw.disk_full, raw.stdout, last_err)


def run_program(program: Program) -> tuple[int, tuple[Any, ...]]:
    """One program in this process's sandbox (a worker's): its index and verdict."""
    ext = "py" if program.kind == "py" else "sh"
    raw = sandbox_for(program.params).run(
        program.argv, files={f"prog.{ext}": program.source}, limits=program.limits
    )
    return program.index, verdict(raw)


# --- the host's view -------------------------------------------------------------------------------------


class Probe:
    """The host probe (`host_probe.py`) as a process of its own, so it shares no GIL with the load's driver."""

    def __enter__(self) -> Probe:
        script = os.path.join(os.path.dirname(__file__), "host_probe.py")
        self.proc = subprocess.Popen(
            [sys.executable, script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.latency_ms: list[float] = []
        self.mem_available_mb: list[int] = []
        return self

    def __exit__(self, *exc: object) -> None:
        out, _ = self.proc.communicate(timeout=30)
        data = json.loads(out)
        self.latency_ms, self.mem_available_mb = data["latency_ms"], data["mem_available_mb"]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latency_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def mem_available_mb() -> int:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 0


def key_users() -> dict[int, str]:
    """/proc/key-users: uid -> its line (keys and quota use), for every uid holding keys."""
    try:
        with open("/proc/key-users") as fh:
            return {int(line.split(":")[0]): line.strip() for line in fh}
    except OSError:
        return {}
