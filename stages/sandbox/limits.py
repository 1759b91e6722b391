"""Resource limits for one sandboxed run. Defaults are params (`sandbox.*`); a language may override them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from stages.checks import check_choice, check_range


@dataclass(frozen=True)
class Limits:
    # Wall-clock limit of a run; on expiry the whole process group is killed (MultiPL-E used 15 s).
    wall_s: float = 10.0
    # Wall-clock limit of a compile step (javac, tsc, go build), kept apart from the run's.
    compile_wall_s: float = 60.0
    # CPU seconds (RLIMIT_CPU), with headroom over the wall limit for multi-threaded runtimes.
    cpu_s: int = 20
    # Address space in MiB (RLIMIT_AS). The JVM and Go's runtime reserve far more than they use: they override.
    address_space_mb: int = 4096
    # Memory of the whole run, MiB: every process, and the files it keeps in /tmp, /dev/shm and its work dir (a
    # cgroup per uid; RLIMIT_AS alone lets N children hold N times the address space). Past it the kernel
    # kills the run's largest process and the result says `oom`. Not enforced where cgroups are not writable.
    memory_mb: int = 4096
    # Processes and threads of the run's uid (RLIMIT_NPROC); binds because programs never run as root.
    nproc: int = 64
    # Largest file the program may write, MiB (RLIMIT_FSIZE).
    fsize_mb: int = 64
    # Open file descriptors (RLIMIT_NOFILE).
    nofile: int = 256
    # Bytes of stdout and of stderr kept in the result (the totals are always counted).
    output_cap: int = 2048
    # Total output (stdout + stderr) after which the run is killed rather than read to its wall limit, MiB.
    output_limit_mb: int = 16

    def __post_init__(self) -> None:
        for name in (
            "wall_s",
            "compile_wall_s",
            "cpu_s",
            "address_space_mb",
            "memory_mb",
            "nproc",
            "fsize_mb",
            "nofile",
            "output_limit_mb",
        ):
            check_range(f"sandbox.{name}", getattr(self, name), 1e-3)
        check_range("sandbox.output_cap", self.output_cap, 0)

    def override(self, **changes: float | int) -> Limits:
        return dataclasses.replace(self, **changes)


ISOLATIONS = ("auto", "bwrap", "rlimits")


@dataclass(frozen=True)
class SandboxParams:
    """The `sandbox` section of params.yaml: default limits and how programs are isolated."""

    # Limits every run gets unless its language overrides some (MultiPL-E: 15 s wall; EvalPlus: CPU-time based).
    limits: Limits = dataclasses.field(default_factory=Limits)
    # "bwrap": bubblewrap namespaces (network, PID, IPC) and a minimal read-only filesystem view, required.
    # "rlimits": limits, an unprivileged uid and a new session only. "auto": bwrap where it works, else rlimits,
    # said once in the log.
    isolation: str = "auto"
    # Programs run under uids [uid_base, uid_base + uid_count), one leased per concurrent run, so RLIMIT_NPROC
    # (which counts per uid and never binds root) counts only that run's processes and threads.
    uid_base: int = 61000
    uid_count: int = 256
    # Where private work dirs are made ("" = the system temp dir). Must be reachable by the unprivileged uids.
    work_root: str = ""
    # Extra host paths shown read-only inside bwrap, for runtimes installed outside /usr (e.g. /opt/julia).
    extra_ro_paths: tuple[str, ...] = ()
    # Interpreter of the Python fast path, of Python programs' version probe and of the resident launcher;
    # must lie in a system dir (a pyenv or venv interpreter under /root is neither readable by the unprivileged
    # uid nor shown by bwrap).
    python: str = "/usr/bin/python3"
    # Keep one bwrap per worker uid alive and start each run in it (a fresh work dir each run, its leftovers
    # killed, the bwrap replaced whenever a run leaves a process, a file in /tmp or an IPC object): ~4 ms a run
    # over a bare spawn instead of ~12. false: a new bwrap and exec chain for every run. Root only.
    resident: bool = True
    # Size cap of each uid's work dirs, MiB: a tmpfs mounted under them (root only), so a run cannot fill the
    # host's disk; a write past it fails with ENOSPC and the result says `disk_full`. Its pages count in the
    # run's memory_mb.
    work_mb: int = 256

    def __post_init__(self) -> None:
        check_choice("sandbox.isolation", self.isolation, ISOLATIONS)
        check_range("sandbox.work_mb", self.work_mb, 1)
        check_range("sandbox.uid_base", self.uid_base, 1000, 2**31 - 2)
        check_range("sandbox.uid_count", self.uid_count, 1, 65536)
