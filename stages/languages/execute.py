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
from typing import TYPE_CHECKING

from stages.languages.base import CompileError, Language, RuntimeUnavailable, Status

if TYPE_CHECKING:
    from stages.sandbox import Limits, RawResult, Sandbox


@dataclass(frozen=True)
class Execution:
    status: Status
    raw: RawResult


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
