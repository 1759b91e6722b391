"""The faster builds of compiled languages (stages/languages/builds.py): each gives exactly the verdict (status
and exit code) of compiling the program alone in the sandbox, on right, wrong, uncompilable and crashing
programs, and each is really taken (not silently the reference)."""

from __future__ import annotations

import pytest
from language_helpers import compiled, program, read_fixtures, require_runtime

from stages.languages import Status
from stages.languages.base import CompileError
from stages.languages.builds import showing
from stages.languages.execute import execute_many
from stages.sandbox import sandbox_for

pytestmark = [pytest.mark.runtime]

# A statement that fails at run time when put first in the body.
CRASH = {
    "c": "    abort();\n",
    "cpp": "    abort();\n",
    "java": '        if (true) throw new RuntimeException("boom");\n',
    "go": '\tpanic("boom")\n',
    "typescript": '  throw new Error("boom");\n',
}


def sample(name: str) -> list[str]:
    """Two problems' right and wrong programs, one that does not compile, one that crashes."""
    fixtures = read_fixtures(name)
    keys = sorted({key for key, _ in fixtures})[:2]
    programs = [
        program(compiled(name, key), fixtures[key, kind]) for key in keys for kind in ("right", "wrong")
    ]
    row, right = compiled(name, keys[0]), fixtures[keys[0], "right"]
    return [*programs, program(row, "@@ not code\n" + right), program(row, CRASH[name] + right)]


@pytest.mark.parametrize("name", sorted(CRASH))
def test_fast_build_gives_the_verdict_of_compiling_alone(name: str) -> None:
    lang = require_runtime(name)
    programs = sample(name)
    fast = execute_many(lang, programs, workers=2)
    alone = execute_many(lang, programs, workers=2, fast=False)
    assert [(r.status, r.raw.exit_code) for r in fast] == [(r.status, r.raw.exit_code) for r in alone]
    assert [r.status for r in fast] == [
        Status.OK,
        Status.ASSERTION_ERROR,
        Status.OK,
        Status.ASSERTION_ERROR,
        Status.SYNTAX_ERROR,
        Status.EXCEPTION,
    ]
    assert fast[4].raw.phase == alone[4].raw.phase == "compile"


@pytest.mark.parametrize("name", ["c", "cpp"])
def test_the_precompiled_header_is_used_and_only_for_the_prompt_headers(name: str) -> None:
    lang = require_runtime(name)
    sb = sandbox_for()
    build = lang.build(sample(name)[0], sb, sb.params.limits)
    assert build.compile_argv is not None and "-include" in build.compile_argv
    # -H lists what the compile reads: "!" marks a precompiled header GCC accepted (a rejected one reads the
    # header text instead, correct but slow).
    raw = showing(sb, build.ro_paths).run(
        [*build.compile_argv, "-H"], files=build.files, limits=lang.limits(sb.params.limits)
    )
    assert raw.exit_code == 0, raw.stderr
    assert raw.stderr.startswith("! ") and ".gch" in raw.stderr.splitlines()[0]
    other = lang.build(lang.probe_program, sb, sb.params.limits)  # does not start with the prompt's block
    assert other.compile_argv == lang.compile_argv(lang.program_file) and not other.ro_paths


def test_java_compiles_outside_the_sandbox_and_only_runs_inside() -> None:
    lang = require_runtime("java")
    sb = sandbox_for()
    right, _, _, _, broken, _ = sample("java")
    build = lang.build(right, sb, sb.params.limits)
    assert build.compile_argv is None
    assert "Problem.class" in build.files and build.files["Problem.java"] == right.encode()
    with pytest.raises(CompileError) as error:
        lang.build(broken, sb, sb.params.limits)
    assert error.value.message.startswith("Problem.java:")  # as javac prints it in the work dir


def test_go_tools_build_the_program_without_the_fallback() -> None:
    from stages.languages.gobuild import SHELL, toolchain_for, tools_script

    lang = require_runtime("go")
    sb = sandbox_for()
    right = sample("go")[0]
    build = lang.build(right, sb, sb.params.limits)
    assert build.compile_argv is not None and build.compile_argv[0] == SHELL
    script = build.compile_argv[2]
    fast = script[script.index("{ ") + 2 : script.index("; }")]
    assert fast == tools_script(toolchain_for(lang, sb), lang.program_file)
    raw = sb.run(
        lang.run_argv(lang.program_file),
        files=build.files,
        limits=lang.limits(sb.params.limits),
        env=lang.env(),
        compile_argv=[SHELL, "-c", fast],
    )
    assert (raw.phase, raw.exit_code) == ("run", 0), raw.stderr
