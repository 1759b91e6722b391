"""Candidates run on the real runtimes: only status OK passes; a missing runtime fails with a clear message."""

from __future__ import annotations

import dataclasses

import pytest

from stages import languages
from stages.languages.execute import run_program
from stages.languages.lua import Lua
from stages.sandbox import SandboxParams
from stages.translation.runner import RuntimeMissing, check_runtime
from stages.translation.tasks import build_task

pytestmark = [pytest.mark.runtime]

SANDBOX = SandboxParams()
ROW = {
    "id": "fn-add",
    "name": "add",
    "code": 'def add(a, b):\n    "Same as a + b."\n    return a + b\n',
    "prompt": 'def add(a, b):\n    "Same as a + b."\n',
    "tests": ["assert add(1, 2) == 3", "assert add(-4, 4) == 0"],
    "param_types": ["int", "int"],
    "return_type": "int",
}
RIGHT = {
    "lua": "    return a + b\nend",
    "racket": "  (+ a b))",
    "r": "  a + b\n}",
    "ocaml": "  a + b",
}
WRONG = {
    "lua": "    return a - b\nend",
    "racket": "  (- a b))",
    "r": "  a - b\n}",
    "ocaml": "  a - b",
}


def runtime(name: str):
    lang = languages.get(name)
    try:
        check_runtime(lang, SANDBOX)
    except RuntimeMissing as exc:
        pytest.skip(str(exc))
    return lang


def status(name: str, completion: str) -> str:
    task = build_task(languages.get(name), ROW)
    item = {"language": name, "program": task.program(completion), "wall_s": 15.0}
    return run_program(item, dataclasses.asdict(SANDBOX))["status"]


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_candidate_passes_and_wrong_one_does_not(name):
    runtime(name)
    assert status(name, RIGHT[name]) == "OK"
    assert status(name, WRONG[name]) != "OK"


def test_racket_failed_check_exits_zero_but_is_not_ok():
    runtime("racket")
    task = build_task(languages.get("racket"), ROW)
    result = run_program(
        {"language": "racket", "program": task.program(WRONG["racket"]), "wall_s": 15.0},
        dataclasses.asdict(SANDBOX),
    )
    assert result["exit_code"] == 0  # rackunit reports the failure on stderr only
    assert result["status"] == "AssertionError"


def test_syntax_error_candidate_is_not_ok():
    runtime("lua")
    assert status("lua", "    return a +\nend") == "SyntaxError"


class MissingLua(Lua):
    """Lua under an interpreter name that is installed nowhere."""

    runtime = "lua-not-installed-anywhere"

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, path]


def test_missing_runtime_raises_with_the_runtime_and_the_fix():
    with pytest.raises(RuntimeMissing) as info:
        check_runtime(MissingLua(), SANDBOX)
    message = str(info.value)
    assert "translate@lua" in message and "lua-not-installed-anywhere" in message
    assert "scripts/setup.sh" in message and "translate.languages" in message


def test_installed_runtime_reports_its_version():
    runtime("lua")
    probe = check_runtime(languages.get("lua"), SANDBOX)
    assert probe["status"] == "OK"
    assert "Lua 5.4" in probe["versions"]["lua5.4"]


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_the_oracle_passes_each_languages_compiled_tests(name):
    runtime(name)
    task = build_task(languages.get(name), ROW)
    item = {"language": name, "program": task.oracle, "wall_s": 15.0}
    assert run_program(item, dataclasses.asdict(SANDBOX))["status"] == "OK", task.oracle


class InProcess:
    """An executor's `map`, in this process."""

    def map(self, fn, items, *, cache=None):
        return [fn(item) for item in items]


def test_a_function_whose_tests_no_program_passes_is_dropped_before_any_draw(tmp_path):
    import functools

    from stages.records import Funnel
    from stages.translation.pipeline import satisfiable

    lang = runtime("lua")
    good = build_task(lang, ROW)
    # a harness no completion can pass: it raises where LuaUnit would report
    unsatisfiable = good.oracle.replace("os.exit(lu.LuaUnit.run())", "error('no program passes this')")
    assert unsatisfiable != good.oracle
    bad = dataclasses.replace(good, name="never", oracle=unsatisfiable)
    settings = type("Settings", (), {"wall_s": 15.0})()
    funnel = Funnel("translate-lua", tmp_path / "funnel.json")
    run = functools.partial(run_program, sandbox=dataclasses.asdict(SANDBOX))
    tasks, parents = satisfiable(
        lang, [good, bad], [ROW, {"id": "never"}], settings, InProcess(), run, funnel
    )
    assert tasks == [good] and parents == [ROW]
    assert funnel.extra["oracle_failed"] == 1
    assert funnel.extra["functions_dropped"]["oracle_failed"] == 1
