"""Sandboxed execution of untrusted programs: `run()` returns a `RawResult`; languages classify it."""

from stages.sandbox.engine import Sandbox, SandboxError, configure, default_sandbox, run
from stages.sandbox.limits import Limits, SandboxParams
from stages.sandbox.result import RawResult

__all__ = [
    "Limits",
    "RawResult",
    "Sandbox",
    "SandboxError",
    "SandboxParams",
    "configure",
    "default_sandbox",
    "run",
]
