"""Running candidate programs: the function the executor maps over programs, and the check that a language's
runtime is installed before anything is generated for it.

Only status OK counts as passing, never exit code 0 alone: Racket's rackunit exits 0 after a failed check, and
each language's `classify` knows its runtime's real behaviour.
"""

from __future__ import annotations

from typing import Any

from stages import languages
from stages.languages.base import Language, Param, Signature, Status
from stages.languages.types import PyType
from stages.sandbox import SandboxParams

STDERR_KEPT = 400


class RuntimeMissing(RuntimeError):
    """A target language's runtime is not installed: the message names it and says how to install it."""


def run_program(item: dict[str, Any], sandbox: dict[str, Any]) -> dict[str, Any]:
    """item: language, program, wall_s (0: the sandbox's limit); sandbox: SandboxParams as a dict (the executor
    maps a functools.partial binding it). Returns the status and the facts worth keeping (exit code, wall time,
    the start of stderr)."""
    from stages.languages.execute import execute
    from stages.params import build
    from stages.sandbox import sandbox_for

    sb = sandbox_for(build(SandboxParams, sandbox, where="sandbox"))
    limits = sb.params.limits
    if item.get("wall_s"):
        limits = limits.override(wall_s=item["wall_s"], cpu_s=max(limits.cpu_s, int(2 * item["wall_s"]) + 1))
    result = execute(languages.get(item["language"]), item["program"], limits=limits, sandbox=sb)
    return {
        "status": result.status.value,
        "exit_code": result.raw.exit_code,
        "timed_out": result.raw.timed_out,
        "wall_s": round(result.raw.wall_s, 3),
        "stderr": result.raw.stderr[:STDERR_KEPT],
    }


def check_runtime(lang: Language, sandbox: SandboxParams) -> dict[str, Any]:
    """Run a trivial complete program in `lang` (its prompt plus placeholder body); raise RuntimeMissing when the
    runtime is not installed. Returns the run's facts (with the runtime's version) otherwise."""
    sig = Signature("probe", (Param("x", PyType("int")),), PyType("int"))
    program = lang.prompt(sig, ["runtime check"]) + lang.placeholder_body(sig)
    from stages.languages.execute import execute
    from stages.sandbox import sandbox_for

    result = execute(lang, program, sandbox=sandbox_for(sandbox))
    if result.status is Status.RUNTIME_MISSING:
        detail = result.raw.stderr.strip() or f"{lang.runtime} not found on PATH"
        raise RuntimeMissing(
            f"translate@{lang.name}: the {lang.name} runtime `{lang.runtime}` is not available ({detail}); "
            f"{lang.install_hint}, or remove {lang.name!r} from translate.languages"
        )
    return {"status": result.status.value, "versions": dict(result.raw.runtime_versions)}
