"""Status classification from each runtime's real behaviour: exceptions, syntax (compile) errors, timeouts."""

from __future__ import annotations

import pytest
from language_helpers import require_runtime

from stages.languages import Status, get, names
from stages.languages.execute import execute_many
from stages.sandbox import Limits, RawResult

pytestmark = pytest.mark.runtime

# (language, harness call) -> programs whose status is known: a runtime error, a syntax error, a loop.
PROGRAMS = {
    "python": {
        Status.EXCEPTION: "def f(x):\n    return x.y\n\nassert f(1) == 2\n",
        Status.SYNTAX_ERROR: "def f(x):\n    return (x\n",
        Status.TIMEOUT: "while True:\n    pass\n",
    },
    "lua": {
        Status.EXCEPTION: "local function f(x)\n    return x.y\nend\nlu = require('luaunit')\nfunction test_humaneval()\n"
        "    lu.assertEquals(f(1), 2)\nend\nos.exit(lu.LuaUnit.run())\n",
        Status.SYNTAX_ERROR: "local function f(x)\n    return x +\nend\n",
        Status.TIMEOUT: "while true do end\n",
    },
    "racket": {
        Status.EXCEPTION: "#lang racket\n(define (f x) (car x))\n(require rackunit)\n(check-within (f 1) 2 1e-06)\n",
        Status.SYNTAX_ERROR: "#lang racket\n(define (f x)\n  (+ x 1)\n",
        Status.TIMEOUT: "#lang racket/base\n(let loop () (loop))\n",
    },
    "r": {
        Status.EXCEPTION: 'f <- function(x) {\n  stop("boom")\n}\nstopifnot(isTRUE(all.equal(f(1), 2)))\n',
        Status.SYNTAX_ERROR: "f <- function(x) {\n  x +\n}\n",
        Status.TIMEOUT: "repeat {}\n",
    },
    "ocaml": {
        Status.EXCEPTION: "let f x = List.hd x\nlet assertions =\n  assert (f [] = 1);\n  ()\n",
        Status.SYNTAX_ERROR: "let f x =\n  (x + 1\n",
        Status.TIMEOUT: "let rec loop () = loop ()\nlet () = loop ()\n",
    },
    "julia": {
        Status.EXCEPTION: 'f(x) = error("boom")\nf(1)\n',
        Status.SYNTAX_ERROR: "function f(x)\n  (x + 1\nend\n",
        Status.TIMEOUT: "while true end\n",
    },
    "javascript": {
        Status.EXCEPTION: "function f(x) {\n  return x.y.z;\n}\nf(1);\n",
        Status.SYNTAX_ERROR: "function f(x) {\n  return (x;\n}\n",
        Status.TIMEOUT: "while (true) {}\n",
    },
    "typescript": {
        Status.EXCEPTION: "function f(x: any): number {\n  return x.y.z;\n}\nf(1);\n",
        Status.SYNTAX_ERROR: "function f(x: number): number {\n  return (x;\n}\n",
        Status.TIMEOUT: "while (true) {}\n",
    },
    "c": {
        Status.EXCEPTION: "int main(void) {\n    int *volatile p = 0;\n    return *p;\n}\n",
        Status.SYNTAX_ERROR: "int main(void) {\n    return 0\n}\n",
        Status.TIMEOUT: "int main(void) {\n    volatile int x = 0;\n    for (;;) x++;\n}\n",
    },
    "cpp": {
        Status.EXCEPTION: "#include <vector>\nint main() {\n    std::vector<int> v;\n    return v.at(3);\n}\n",
        Status.SYNTAX_ERROR: "int main() {\n    return 0\n}\n",
        Status.TIMEOUT: "int main() {\n    volatile int x = 0;\n    for (;;) x++;\n}\n",
    },
    "java": {
        Status.EXCEPTION: "class Problem {\n    public static void main(String[] a) {\n        int[] x = new int[1];\n"
        "        System.out.println(x[3]);\n    }\n}\n",
        Status.SYNTAX_ERROR: "class Problem {\n    public static void main(String[] a) {\n        int x = ;\n    }\n}\n",
        Status.TIMEOUT: "class Problem {\n    public static void main(String[] a) {\n        while (true) {}\n    }\n}\n",
    },
    "go": {
        Status.EXCEPTION: 'package main\n\nfunc main() {\n\tvar m map[string]int\n\tm["a"] = 1\n}\n',
        Status.SYNTAX_ERROR: "package main\n\nfunc main() {\n\tx := \n}\n",
        Status.TIMEOUT: "package main\n\nfunc main() {\n\tfor {\n\t}\n}\n",
    },
}


def programs(name: str) -> dict[Status, str]:
    """The known-status programs of `name`; a registered language without them fails, naming the table."""
    if name not in PROGRAMS:
        pytest.fail(f"{name}: no exception/syntax-error/timeout programs in PROGRAMS ({__file__})")
    return PROGRAMS[name]


@pytest.mark.parametrize("name", names())
def test_runtime_errors_syntax_errors_and_timeouts(name: str) -> None:
    cases = programs(name)
    lang = require_runtime(name)
    expected = list(cases)
    limits = Limits(wall_s=3.0, cpu_s=10)
    results = execute_many(lang, [cases[s] for s in expected], limits=limits, workers=2)
    assert [r.status for r in results] == expected, [r.raw.stderr[:300] for r in results]


def raw(
    exit_code: int | None, stdout: str = "", stderr: str = "", stderr_bytes: int | None = None, **kw
) -> RawResult:
    return RawResult(
        argv=("x",),
        exit_code=exit_code,
        signal=None,
        timed_out=kw.get("timed_out", False),
        wall_s=0.1,
        cpu_s=0.1,
        stdout=stdout,
        stderr=stderr,
        stdout_bytes=len(stdout),
        stderr_bytes=len(stderr) if stderr_bytes is None else stderr_bytes,
        runtime_missing=kw.get("runtime_missing", False),
        phase=kw.get("phase", "run"),
    )


def test_racket_judges_by_total_stderr_bytes_not_the_kept_head() -> None:
    racket = get("racket")
    assert racket.classify(raw(0)) is Status.OK
    # rackunit exits 0 after a failed check; the kept 2 KB may hold only the program's own chatter.
    assert racket.classify(raw(0, stderr="", stderr_bytes=5000)) is Status.EXCEPTION
    failure = "--------------------\nFAILURE\nname:       check-within\n"
    assert racket.classify(raw(0, stderr=failure)) is Status.ASSERTION_ERROR


@pytest.mark.parametrize("name", names())
def test_common_outcomes(name: str) -> None:
    lang = get(name)
    assert lang.classify(raw(None, timed_out=True)) is Status.TIMEOUT
    assert lang.classify(raw(None, runtime_missing=True)) is Status.RUNTIME_MISSING
    assert lang.classify(raw(1, stderr="error", phase="compile")) is Status.SYNTAX_ERROR


def test_lua_without_luaunit_is_a_missing_runtime() -> None:
    stderr = "lua5.4: main.lua:5: module 'luaunit' not found:\n\tno field package.preload['luaunit']\nstack traceback:\n"
    assert get("lua").classify(raw(1, stderr=stderr)) is Status.RUNTIME_MISSING


def test_julia_statuses_from_its_test_output() -> None:
    """Julia is not installed here: its classification is checked on the outputs Julia 1.10 prints."""
    julia = get("julia")
    assert julia.classify(raw(0, stdout="Test Summary: | Pass  Total\n")) is Status.OK
    failed = "Test Failed at /w/main.jl:12\n  Expression: candidate(1) == 2\n   Evaluated: 1 == 2\n"
    assert julia.classify(raw(1, stdout=failed, stderr="ERROR: LoadError: Some tests did not pass")) is (
        Status.ASSERTION_ERROR
    )
    errored = "Error During Test at /w/main.jl:12\n  Test threw exception\n  MethodError: no method"
    assert julia.classify(raw(1, stdout=errored)) is Status.EXCEPTION
    parse = "ERROR: LoadError: ParseError:\n# Error @ /w/main.jl:3:5\n"
    assert julia.classify(raw(1, stderr=parse)) is Status.SYNTAX_ERROR
    assert julia.classify(raw(1, stderr='ERROR: LoadError: syntax: incomplete: "function" at main.jl:1')) is (
        Status.SYNTAX_ERROR
    )
    assert julia.classify(raw(None, runtime_missing=True)) is Status.RUNTIME_MISSING


def test_a_typescript_syntax_error_never_reaches_the_sandbox() -> None:
    require_runtime("typescript")
    from stages.languages.execute import execute

    result = execute(get("typescript"), "const x: number = (1;\n")
    assert result.status is Status.SYNTAX_ERROR
    assert result.raw.phase == "compile" and "TS1005" in result.raw.stderr
