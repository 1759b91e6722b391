"""TypeScript's checker service (`typescript._checker`) gives what MultiPL-E's `tsc --target esnext main.ts` in an
empty directory gives: the same verdict (any error is a SyntaxError) and, for a program that compiles, the same
JavaScript, byte for byte. The cases are the ones where checking the program alone could differ from checking it
with the whole library: names the DOM library declares, an augmented global interface, a module's `declare
global`, a reference to a host file, top-level await."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from language_helpers import compiled, program, read_fixtures, require_runtime

from stages.languages import get, typescript
from stages.languages.base import Status
from stages.languages.execute import execute
from stages.languages.typescript import TSC_OPTIONS, _checker, typescript_dir

pytestmark = [pytest.mark.runtime]

CASES = {
    "plain": "function add(x: number, y: number): number {\n  return x + y;\n}\nconsole.log(add(1, 2));\n",
    "ill_typed": 'function f(x: number): number {\n  return "x";\n}\n',
    "syntax": "const x: number = (1;\n",
    "unknown_name": "undeclared(1);\n",
    "clashes_with_dom": "const name = 3;\n",
    "shadows_a_dom_function": "function close(n: number): number {\n  return n;\n}\nclose(1);\n",
    "augments_array": "interface Array<T> {\n  extra: number;\n}\nconst a: number[] = [];\n",
    "module_declares_global": "export {};\ndeclare global {\n  interface Window {\n    extra: number;\n  }\n}\n",
    "host_file_reference": '/// <reference path="/etc/hostname" />\nlet x = 1;\n',
    "top_level_await": "await Promise.resolve(1);\n",
    "import": "import * as fs from 'fs';\nfs.readFileSync('/etc/hostname');\n",
}


def tsc_alone(source: str, work: Path) -> tuple[int, str | None]:
    """MultiPL-E's command, outside any sandbox (these are our own programs): exit code and main.js."""
    work.mkdir()
    (work / "main.ts").write_text(source)
    tsc = typescript_dir() / "lib" / "tsc.js"  # type: ignore[operator]
    proc = subprocess.run(
        ["node", str(tsc), *TSC_OPTIONS, "main.ts"], cwd=work, capture_output=True, text=True, timeout=120
    )
    js = work / "main.js"
    return proc.returncode, js.read_text() if js.exists() else None


def test_the_checker_gives_tscs_verdict_and_javascript(tmp_path: Path) -> None:
    require_runtime("typescript")
    fixtures = read_fixtures("typescript")
    key = sorted(k for k, kind in fixtures if kind == "right")[0]
    cases = {**CASES, "fixture_right": program(compiled("typescript", key), fixtures[key, "right"])}
    with ThreadPoolExecutor(2) as pool:
        alone = dict(zip(cases, pool.map(lambda c: tsc_alone(cases[c], tmp_path / c), cases), strict=True))
    for name, source in cases.items():
        js, errors = _checker.check(source)
        rc, tsc_js = alone[name]
        assert bool(errors) == (rc != 0), (name, errors, rc)
        if rc == 0:
            assert js == tsc_js, name
        else:  # tsc still writes the JavaScript when it reports errors, and exits 2 (`build` keeps that code)
            assert rc == 2 and js is not None, name
    # the cases mean what they say: tsc rejects these and accepts the rest
    rejected = {name for name, (rc, _) in alone.items() if rc != 0}
    assert {"ill_typed", "syntax", "unknown_name", "clashes_with_dom", "host_file_reference"} <= rejected
    assert {"plain", "fixture_right"}.isdisjoint(rejected)


def test_errors_are_written_as_tsc_writes_them() -> None:
    require_runtime("typescript")
    _, errors = _checker.check(CASES["ill_typed"])
    assert errors == ["main.ts(2,3): error TS2322: Type 'string' is not assignable to type 'number'."]
    # a clash is reported in the program and in the library file that declares the name
    _, errors = _checker.check(CASES["clashes_with_dom"])
    assert any(e.startswith("main.ts(1,7): error TS2451") for e in errors)
    assert any(e.startswith("lib.dom.d.ts(") for e in errors)


class _SlowStart(typescript._Checker):
    """A checker whose process sleeps before it loads the compiler: a loaded machine's start, made longer."""

    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s

    def argv(self) -> list[str]:
        return ["sh", "-c", f'sleep {self.delay_s:g}; exec "$@"', "sh", *super().argv()]


def test_the_checkers_start_never_counts_against_a_program(monkeypatch: pytest.MonkeyPatch) -> None:
    require_runtime("typescript")
    fixtures = read_fixtures("typescript")
    key = sorted(k for k, kind in fixtures if kind == "right")[0]
    right = program(compiled("typescript", key), fixtures[key, "right"])
    wrong = program(compiled("typescript", key), fixtures[key, "wrong"])
    lang = get("typescript")
    verdicts = {p: execute(lang, p).status for p in (right, wrong)}
    assert verdicts[right] is Status.OK and verdicts[wrong] is not Status.OK
    # a start twice as long as a program's limit: the first program is judged as it was
    monkeypatch.setattr(typescript, "CHECK_TIMEOUT_S", 2.0)
    monkeypatch.setattr(typescript, "_checker", _SlowStart(4.0))
    started = time.monotonic()
    assert execute(lang, right).status is Status.OK
    assert time.monotonic() - started >= 4.0
    assert execute(lang, wrong).status is verdicts[wrong]


def test_a_checker_that_never_starts_is_a_missing_runtime_not_a_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_runtime("typescript")
    monkeypatch.setattr(typescript, "START_TIMEOUT_S", 1.0)
    monkeypatch.setattr(typescript, "_checker", _SlowStart(30.0))
    result = execute(get("typescript"), "const x: number = 1;\n")
    assert result.status is Status.RUNTIME_MISSING
    assert "did not start within 1 s" in result.raw.stderr
