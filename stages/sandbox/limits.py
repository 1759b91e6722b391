"""Resource limits for one sandboxed run. Defaults are params (`sandbox.*`); a language may override them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from stages.params import check_range


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
    # Processes and threads of the run's uid (RLIMIT_NPROC); binds because programs never run as root.
    nproc: int = 64
    # Largest file the program may write, MiB (RLIMIT_FSIZE).
    fsize_mb: int = 64
    # Open file descriptors (RLIMIT_NOFILE).
    nofile: int = 256
    # Bytes of stdout and of stderr kept in the result (the totals are always counted).
    output_cap: int = 2048

    def __post_init__(self) -> None:
        for name in ("wall_s", "compile_wall_s", "cpu_s", "address_space_mb", "nproc", "fsize_mb", "nofile"):
            check_range(f"sandbox.{name}", getattr(self, name), 1e-3)
        check_range("sandbox.output_cap", self.output_cap, 0)

    def override(self, **changes: float | int) -> Limits:
        return dataclasses.replace(self, **changes)
