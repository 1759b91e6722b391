"""Candidates run on the real runtimes: only status OK passes; a missing runtime fails with a clear message."""

from __future__ import annotations

import dataclasses

import pytest

from stages import languages
from stages.languages.lua import Lua
from stages.sandbox import SandboxParams
from stages.translation.runner import RuntimeMissing, check_runtime, run_program
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
