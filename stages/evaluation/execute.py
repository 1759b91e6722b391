"""One evaluation program through the sandbox: the function the executor maps (cached by program text)."""

from __future__ import annotations

from typing import Any

from stages.sandbox import SandboxParams

# Bytes of stdout and stderr kept per row (MultiPL-E keeps 2048 of each; the sandbox caps at output_cap).
OUTPUT_KEPT = 2048


def run_program(item: dict[str, Any], sandbox: dict[str, Any], fast: bool = True) -> dict[str, Any]:
    """item: language, program. The facts a row keeps: status, exit code, the start of stdout and stderr; and
    the wall time, which goes to the metrics only (rows stay byte-reproducible). `fast`: the language's cheaper
    build (a precompiled header, the javac service, Go's tools: same verdicts); False: each program compiled
    alone in the sandbox (the benchmark's baseline)."""
    from stages import languages
    from stages.languages.execute import execute
    from stages.params import build
    from stages.sandbox import sandbox_for

    sb = sandbox_for(build(SandboxParams, sandbox, where="sandbox"))
    result = execute(languages.get(item["language"]), item["program"], sandbox=sb, fast=fast)
    return {
        "status": result.status.value,
        "exit_code": result.raw.exit_code,
        "stdout": result.raw.stdout[:OUTPUT_KEPT],
        "stderr": result.raw.stderr[:OUTPUT_KEPT],
        "wall_s": round(result.raw.wall_s, 3),
    }
