"""Run programs of one language through the sandbox and classify each result.

`execute_many` runs several programs concurrently (each one is a separate sandboxed process, so threads are
enough) and returns results in input order.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stages.languages.base import Language, Status

if TYPE_CHECKING:
    from stages.sandbox import Limits, RawResult, Sandbox


@dataclass(frozen=True)
class Execution:
    status: Status
    raw: RawResult


def execute(
    lang: Language, program: str, *, limits: Limits | None = None, sandbox: Sandbox | None = None
) -> Execution:
    """Run one complete program (prompt + completion + harness) in `lang`'s runtime and classify it.
    `limits` default to the sandbox's configured ones, adjusted by the language."""
    from stages.sandbox import default_sandbox

    sb = sandbox or default_sandbox()
    path = lang.program_file
    compile_argv = lang.compile_argv(path)
    raw = sb.run(
        lang.run_argv(path),
        files={path: program},
        limits=lang.limits(limits or sb.params.limits),
        env=lang.env(),
        compile_argv=compile_argv,
        runtime=lang.runtime,
    )
    return Execution(lang.classify(raw), raw)


def execute_many(
    lang: Language,
    programs: Sequence[str],
    *,
    limits: Limits | None = None,
    sandbox: Sandbox | None = None,
    workers: int = 0,
) -> list[Execution]:
    """`execute` for each program, `workers` at a time (0: one per CPU core), in input order."""
    workers = workers or os.cpu_count() or 1
    if len(programs) <= 1 or workers == 1:
        return [execute(lang, p, limits=limits, sandbox=sandbox) for p in programs]
    with ThreadPoolExecutor(max_workers=min(workers, len(programs))) as pool:
        return list(pool.map(lambda p: execute(lang, p, limits=limits, sandbox=sandbox), programs))
