from __future__ import annotations

import pytest
from conftest import wait_no_processes

from stages.sandbox import Limits
from stages.sandbox.pyfast import (
    FunctionNotFound,
    coverage_of,
    function_lines,
    run_snippets,
    run_snippets_isolated,
)

pytestmark = [pytest.mark.runtime]

LIMITS = Limits(wall_s=1.0, cpu_s=1, address_space_mb=512, nproc=32)

PRELUDE = '''
STATE = []


def sign(x):
    """Sign of x, as a word."""
    if x > 0:
        return "positive"
    elif x == 0:
        return "zero"
    return "negative"
'''

# (snippet, the verdict it must get): right and wrong asserts, errors of every kind, and hostile snippets.
CASES = [
    ("assert sign(3) == 'positive'", "ok"),
    ("assert sign(3) == 'negative'", "assertion_error"),
    ("assert sign(0) == 'zero'", "ok"),
    ("assert sign(", "syntax_error"),
    ("  assert sign(1) == 'positive'", "syntax_error"),
    ("assert sign('a') == 'x'", "exception"),
    ("assert undefined_name(1) == 2", "exception"),
    ("STATE.append(1)\nassert len(STATE) == 1", "ok"),
    ("assert STATE == []", "ok"),  # the previous snippet's mutation must not leak into this one
    ("raise AssertionError('custom')", "assertion_error"),
    ("import sys; sys.exit(0)", "exception"),  # passing means running to the end, not exiting 0
    ("import sys; sys.exit(2)", "exception"),
    ("import os; os._exit(0)", "exception"),
    ("assert sign(1) == exit()", "exception"),
    ("import os; os._exit(5)", "exception"),
    ("while True: pass", "timeout"),
    ("import time; time.sleep(100)", "timeout"),
    ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", "timeout"),
    # Kills the driver (its parent, same uid): judged alone, as the reference does. Alone, its parent is the
    # sandbox's root-owned PID 1 (bwrap) or the host (no bwrap): PermissionError in both isolations.
    ("import os; os.kill(os.getppid(), 9)", "exception"),
    (
        "import os, time\nif os.fork() == 0:\n    os.setsid(); time.sleep(100)\nassert sign(-1) == 'negative'",
        "ok",
    ),
    ("x = bytearray(2 << 30)", "exception"),
    ("assert eval('1 +') == 1", "exception"),  # a SyntaxError at run time is an exception, not a syntax error
    ("assert sign(-5) == 'negative'", "ok"),
]


@pytest.fixture(scope="module")
def fast_results(bwrap_sandbox, python3):
    return run_snippets(PRELUDE, [s for s, _ in CASES], LIMITS, sandbox=bwrap_sandbox)


def test_fast_path_gives_the_expected_verdict_for_every_snippet(fast_results) -> None:
    got = [(snippet, r.status) for (snippet, _), r in zip(CASES, fast_results, strict=True)]
    assert got == [(snippet, want) for snippet, want in CASES]
    assert fast_results[5].error == "TypeError"
    assert fast_results[6].error == "NameError"


def test_fast_path_verdicts_equal_one_process_per_snippet(fast_results, bwrap_sandbox) -> None:
    reference = run_snippets_isolated(PRELUDE, [s for s, _ in CASES], LIMITS, sandbox=bwrap_sandbox)
    assert [r.status for r in fast_results] == [r.status for r in reference]


def test_hostile_snippets_leave_no_process_behind(fast_results, test_uids) -> None:
    assert wait_no_processes(test_uids) == []


def test_prelude_failure_is_every_snippets_verdict(bwrap_sandbox, python3) -> None:
    snippets = ["assert f(1) == 1", "assert ("]
    for prelude, want in [
        ("def f(x):\n    return x\nraise ValueError('boom')\n", ["exception", "syntax_error"]),
        ("def f(x):\n    return x\nassert False\n", ["assertion_error", "syntax_error"]),
        ("def f(x):\n    return x\nwhile True:\n    pass\n", ["timeout", "syntax_error"]),
        ("def f(x:\n    return x\n", ["syntax_error", "syntax_error"]),
    ]:
        fast = run_snippets(prelude, snippets, LIMITS, sandbox=bwrap_sandbox)
        alone = run_snippets_isolated(prelude, snippets, LIMITS, sandbox=bwrap_sandbox)
        assert [r.status for r in fast] == want, prelude
        assert [r.status for r in alone] == want, prelude


def test_function_lines_are_the_body_statements_without_docstring() -> None:
    assert function_lines(PRELUDE, "sign") == {7, 8, 9, 10, 11}
    with pytest.raises(FunctionNotFound, match="it defines: \\['sign'\\]"):
        function_lines(PRELUDE, "nope")


def test_coverage_counts_only_the_functions_lines_run_by_the_snippets(bwrap_sandbox, python3) -> None:
    partial = coverage_of(PRELUDE, "sign", ["assert sign(2) == 'positive'"], LIMITS, sandbox=bwrap_sandbox)
    assert partial == pytest.approx(100 * 2 / 5)  # lines 7 and 8
    full = coverage_of(
        PRELUDE,
        "sign",
        ["assert sign(2) == 'positive'", "assert sign(0) == 'zero'", "assert sign(-1) == 'negative'"],
        LIMITS,
        sandbox=bwrap_sandbox,
    )
    assert full == 100.0
    assert coverage_of(PRELUDE, "sign", [], LIMITS, sandbox=bwrap_sandbox) == 0.0
