"""The check that a language's runtime is installed before anything is generated for it. The programs
themselves run through `stages.languages.execute.run_program`, the worker evaluation maps too.
"""

from __future__ import annotations

from typing import Any

from stages.languages.base import Language, Param, Signature, Status
from stages.languages.types import PyType
from stages.sandbox import SandboxParams


class RuntimeMissing(RuntimeError):
    """A target language's runtime is not installed: the message names it and says how to install it."""


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
