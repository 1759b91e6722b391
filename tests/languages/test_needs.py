"""HumanEval/162 (md5) on the real runtimes: the oracle runs each problem's runtime-need reference in the sandbox
beside its lookup table. JavaScript and TypeScript meet the need (Node's built-in crypto) and keep the problem;
C++'s reference, right when linked with -lcrypto, cannot link under MultiPL-E's command, and the oracle drops the
problem with the need named where the lookup table alone passed it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from language_helpers import humaneval, require_runtime

from stages.build_benchmark import _oracle_failures
from stages.common import CommonParams
from stages.languages import Status, get
from stages.languages.benchmark import compile_problem
from stages.languages.needs import NEEDS, need_of
from stages.languages.oracle import oracle_program, program, run_programs
from stages.stage import Context

pytestmark = [pytest.mark.runtime]

MD5 = "HumanEval_162"


def md5_problem(name: str):
    return compile_problem(get(name), humaneval()[MD5], doctests="transform", terminology="reworded")


def oracle(name: str) -> dict[str, tuple[str, str]] | None:
    return _oracle_failures(get(name), [md5_problem(name)], Context(common=CommonParams(workers=2)))


@pytest.mark.parametrize("name", ["javascript", "typescript"])
def test_node_meets_md5_in_the_sandbox_and_keeps_the_problem(name: str) -> None:
    require_runtime(name)
    assert oracle(name) == {}
    # an npm package is not a need we meet: programs run with no node_modules
    compiled = md5_problem(name)
    js_md5 = "  return text === '' ? undefined : require('js-md5')(text);\n}\n"
    [verdict] = run_programs(get(name), [(MD5, program(compiled.payload, js_md5))])
    assert verdict.status is Status.EXCEPTION and "MODULE_NOT_FOUND" in verdict.detail


def test_cpp_md5_is_dropped_by_the_oracle_with_its_need_named(tmp_path: Path) -> None:
    lang = require_runtime("cpp")
    compiled = md5_problem("cpp")
    row = compiled.payload["name"]
    # the lookup table alone passes it: that is the class the reference catches
    [lookup] = run_programs(lang, [(row, oracle_program(lang, compiled))])
    assert lookup.status is Status.OK
    assert oracle("cpp") == {row: ("reference_failed", f"SyntaxError ({NEEDS['cpp'][MD5].what})")}
    # the reference is right: linked with libcrypto (outside the sandbox), it passes the compiled tests
    need = need_of("cpp", row)
    assert need is not None
    source = tmp_path / "main.cpp"
    source.write_text(program(compiled.payload, need.completion))
    build = subprocess.run(
        ["g++", *lang.compile_flags, "-o", str(tmp_path / "main"), str(source), "-lcrypto"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if build.returncode != 0 and "-lcrypto" in build.stderr:
        pytest.skip(f"libcrypto is not installed here: {build.stderr[-200:]}")
    assert build.returncode == 0, build.stderr
    assert subprocess.run([str(tmp_path / "main")], timeout=30).returncode == 0
