"""What the sandbox reports about one run: facts only. Languages turn it into a Status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RawResult:
    argv: tuple[str, ...]
    exit_code: int | None  # None when killed by a signal or never started
    signal: int | None  # the signal that ended the program, if any
    timed_out: bool  # the wall-clock limit fired and the whole process group was killed
    wall_s: float
    cpu_s: float  # user + system CPU of the program and its reaped children
    stdout: str  # the first `output_cap` bytes, decoded with replacement
    stderr: str
    stdout_bytes: int  # total bytes the program wrote, kept or not
    stderr_bytes: int
    runtime_missing: bool = False  # the program's interpreter/compiler is not installed
    runtime_versions: dict[str, str] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)  # the limits this run had, recorded for audit
    isolation: str = ""  # "bwrap" or "rlimits" (bwrap unavailable)
    phase: str = "run"  # "compile" when a compile step failed and the program never ran
    output_limit_exceeded: bool = False  # killed for writing more than limits.output_limit_mb in total
    oom: bool = False  # the kernel killed a process of the run: the run's memory (limits.memory_mb) was full
    disk_full: bool = False  # the work dir's tmpfs (sandbox.work_mb) had no space left when the run ended

    @property
    def ok_exit(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.runtime_missing
