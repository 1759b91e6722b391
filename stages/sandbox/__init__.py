"""Sandboxed execution of untrusted programs: `Sandbox.run()` returns a `RawResult`; languages classify it.

A stage builds its sandbox from the `sandbox` section (`sandbox_for(params)`, once per process) and passes it,
or the params to build it from, to whatever runs programs."""

from stages.sandbox.engine import PYTHON, Containment, Sandbox, SandboxError, sandbox_for
from stages.sandbox.limits import Limits, SandboxParams
from stages.sandbox.result import RawResult

__all__ = [
    "PYTHON",
    "Containment",
    "Limits",
    "RawResult",
    "Sandbox",
    "SandboxError",
    "SandboxParams",
    "sandbox_for",
]
