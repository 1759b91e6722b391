"""Run programs of one language through the sandbox and classify each result.

`execute_many` runs several programs concurrently (each one is a separate sandboxed process, so threads are
enough) and returns results in input order.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stages.languages.base import CompileError, Language, RuntimeUnavailable, Status

if TYPE_CHECKING:
    from stages.sandbox import Limits, RawResult, Sandbox

# Bytes of stdout and stderr a result keeps (MultiPL-E keeps 2048 of each; the sandbox caps at output_cap).
OUTPUT_KEPT = 2048


@dataclass(frozen=True)
class Execution:
    status: Status
    raw: RawResult


def run_program(item: dict[str, Any], sandbox: dict[str, Any], fast: bool = True) -> dict[str, Any]:
    """The one function executors map over programs: translation's candidates and oracles, evaluation's
    completions (cached by program text). item: language, program, and optionally wall_s (a wall limit of its
    own, with CPU-time headroom); sandbox: SandboxParams as a dict (bound with functools.partial, so it is part
    of every cached result's key); `fast`: the language's cheaper build (same verdicts), False: each program
    compiled alone in the sandbox. Returns the status and the facts worth keeping: exit code, whether it timed
    out, the wall time, the start of stdout and stderr.

    Only status OK counts as passing, never exit code 0 alone: Racket's rackunit exits 0 after a failed check,
    and each language's `classify` knows its runtime's real behaviour."""
    from stages import languages
    from stages.params import build
    from stages.sandbox import SandboxParams, sandbox_for

    sb = sandbox_for(build(SandboxParams, sandbox, where="sandbox"))
    limits = sb.params.limits
    if item.get("wall_s"):
        limits = limits.override(wall_s=item["wall_s"], cpu_s=max(limits.cpu_s, int(2 * item["wall_s"]) + 1))
    result = execute(languages.get(item["language"]), item["program"], limits=limits, sandbox=sb, fast=fast)
    return {
        "status": result.status.value,
        "exit_code": result.raw.exit_code,
        "timed_out": result.raw.timed_out,
        "wall_s": round(result.raw.wall_s, 3),
        "stdout": result.raw.stdout[:OUTPUT_KEPT],
        "stderr": result.raw.stderr[:OUTPUT_KEPT],
    }


def execute(
    lang: Language,
    program: str,
    *,
    limits: Limits | None = None,
    sandbox: Sandbox | None = None,
    fast: bool = True,
) -> Execution:
    """Run one complete program (prompt + completion + harness) in `lang`'s runtime and classify it.
    `sandbox` defaults to one with the default params; `limits` to the sandbox's, adjusted by the language.
    `fast`: the language's cheaper build where it has one (`Language.build`, same verdicts); False: the
    reference build, the program alone compiled inside the sandbox."""
    from stages.languages.builds import reference, showing
    from stages.sandbox import sandbox_for

    sb = sandbox or sandbox_for()
    run_limits = lang.limits(limits or sb.params.limits)
    try:
        build = lang.build(program, sb, run_limits) if fast else reference(lang, program)
    except CompileError as exc:
        return Execution(Status.SYNTAX_ERROR, _rejected(lang, exc.message, run_limits, exc.exit_code))
    except RuntimeUnavailable as exc:
        raw = dataclasses.replace(
            _rejected(lang, str(exc), run_limits, 1), exit_code=None, runtime_missing=True
        )
        return Execution(Status.RUNTIME_MISSING, raw)
    raw = showing(sb, build.ro_paths).run(
        lang.run_argv(lang.program_file),
        files=build.files,
        limits=run_limits,
        env=lang.env(),
        compile_argv=build.compile_argv,
        runtime=lang.runtime,
    )
    return Execution(lang.classify(raw), raw)


def _rejected(lang: Language, message: str, limits: Limits, exit_code: int) -> RawResult:
    """The raw result of a program rejected before it reached the sandbox (a compile-phase failure)."""
    from stages.sandbox import RawResult

    data = message.encode()
    return RawResult(
        argv=tuple(lang.compile_argv(lang.program_file) or lang.run_argv(lang.program_file)),
        exit_code=exit_code,
        signal=None,
        timed_out=False,
        wall_s=0.0,
        cpu_s=0.0,
        stdout="",
        stderr=data[: limits.output_cap].decode(errors="replace"),
        stdout_bytes=0,
        stderr_bytes=len(data),
        limits=dataclasses.asdict(limits),
        phase="compile",
    )


def execute_many(
    lang: Language,
    programs: Sequence[str],
    *,
    limits: Limits | None = None,
    sandbox: Sandbox | None = None,
    workers: int = 0,
    fast: bool = True,
) -> list[Execution]:
    """`execute` for each program, `workers` at a time (0: one per CPU core), in input order."""
    workers = workers or os.cpu_count() or 1
    if len(programs) <= 1 or workers == 1:
        return [execute(lang, p, limits=limits, sandbox=sandbox, fast=fast) for p in programs]
    with ThreadPoolExecutor(max_workers=min(workers, len(programs))) as pool:
        return list(pool.map(lambda p: execute(lang, p, limits=limits, sandbox=sandbox, fast=fast), programs))
