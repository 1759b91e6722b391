"""Per-assert verdicts, coverage of the function's own lines, observed types: through the real sandbox."""

import dataclasses

import pytest

from stages.sandbox import SandboxParams
from stages.testgen.check import check_function as check

pytestmark = [pytest.mark.runtime]

CLAMP = '''def clamp(x, lo, hi):
    """Clamp x into [lo, hi]."""
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x
'''


def item(prelude, name, asserts):
    return {"prelude": prelude, "name": name, "asserts": asserts, "assert_wall_s": 2.0}


def check_function(item):
    return check(item, dataclasses.asdict(SandboxParams()))


def test_each_assert_is_judged_alone_and_coverage_counts_passing_ones_only():
    result = check_function(
        item(
            CLAMP,
            "clamp",
            [
                "assert clamp(5, 0, 10) == 5",
                "assert clamp(-3, 0, 10) == 0",
                "assert clamp(99, 0, 10) == 11",  # wrong: AssertionError
                "assert clamp('a', 0, 10) == 0",  # TypeError
                "assert clamp(1, 0, 10) == (lambda: (_ for _ in ()).throw(SystemExit))()",
            ],
        )
    )
    assert result["passing"] == ["assert clamp(5, 0, 10) == 5", "assert clamp(-3, 0, 10) == 0"]
    statuses = {f["test"]: f["status"] for f in result["failing"]}
    assert statuses["assert clamp(99, 0, 10) == 11"] == "assertion_error"
    assert statuses["assert clamp('a', 0, 10) == 0"] == "exception"
    # 5 statements in the body; `return hi` never runs under the passing asserts (the failing one ran it).
    assert result["coverage"] == pytest.approx(80.0)
    assert result["param_types"] == ["int", "int", "int"] and result["return_type"] == "int"


def test_full_coverage_and_types_seen_at_run_time():
    prelude = 'def pairs(n):\n    """Pairs."""\n    return [(i, float(i)) for i in range(n)]\n'
    result = check_function(
        item(prelude, "pairs", ["assert pairs(2) == [(0, 0.0), (1, 1.0)]", "assert pairs(0) == []"])
    )
    assert result["coverage"] == 100.0
    assert result["param_types"] == ["int"]
    assert result["return_type"] == "list[tuple[int, float]]"


def test_recursive_function_records_outermost_calls_only():
    prelude = 'def fact(n):\n    """Factorial."""\n    return 1 if n <= 1 else n * fact(n - 1)\n'
    result = check_function(item(prelude, "fact", ["assert fact(5) == 120", "assert fact(0) == 1"]))
    assert result["passing"] == ["assert fact(5) == 120", "assert fact(0) == 1"]
    assert result["coverage"] == 100.0 and result["return_type"] == "int"


def test_no_passing_assert():
    result = check_function(item(CLAMP, "clamp", ["assert clamp(1, 2, 3) == 7"]))
    assert result["passing"] == [] and result["coverage"] == 0.0 and result["param_types"] == []
