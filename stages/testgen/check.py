"""Judge a function's generated asserts: each one alone (the sandbox's Python fast path), coverage of the
function's own lines under the passing ones, and the argument/return types seen while they ran.

`check_function` is what the executor maps over functions (bound to the sandbox params with functools.partial,
so they are part of every cached result's key): it takes and returns plain dicts, so results can be cached by
content and shipped to Ray workers. Each worker builds its sandbox once (`sandbox_for`) and reuses it.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from stages.sandbox import Limits, Sandbox, SandboxParams, sandbox_for
from stages.sandbox.pyfast import FunctionNotFound, covered_percent, function_lines, run_snippets

# Prints, for every outermost call of the function under test, repr() of its arguments and of its result.
# Values are read back on the host with ast.literal_eval; anything that is not a literal stays unknown.
TYPE_PROBE = """
import json as _pf_json
_pf_calls = []
_pf_depth = [0]
_pf_target = {name}
def {name}(*args):
    _pf_depth[0] += 1
    try:
        result = _pf_target(*args)
    finally:
        _pf_depth[0] -= 1
    if _pf_depth[0] == 0:
        _pf_calls.append([[repr(a) for a in args], repr(result)])
    return result
for _pf_test in {tests!r}:
    try:
        exec(_pf_test, globals())
    except BaseException:
        pass
print(_pf_json.dumps(_pf_calls[:{max_calls}]))
"""
PROBE_OUTPUT_CAP = 1 << 18
MAX_PROBED_CALLS = 64


def prelude_of(row: dict[str, Any]) -> str:
    """The function with the imports it uses, as one runnable module."""
    imports = "\n".join(row.get("imports") or [])
    return f"{imports}\n\n{row['code']}" if imports else row["code"]


def check_function(item: dict[str, Any], sandbox: dict[str, Any]) -> dict[str, Any]:
    """item: prelude, name, asserts, assert_wall_s, and optionally mutation (the keyword arguments of
    `mutation.analyse`: max_mutants, equivalence_inputs, mutant_wall_s); sandbox: SandboxParams as a dict.

    Returns passing and failing asserts (with status and error), coverage percent of the passing set, the
    observed argument and return types as strings (PyType syntax, "" when unknown) and, when asked, the
    mutation analysis of the passing asserts (None when not asked or nothing passed).
    """
    from stages.params import build

    sb = sandbox_for(build(SandboxParams, sandbox, where="sandbox"))
    limits = sb.params.limits.override(wall_s=item["assert_wall_s"])
    prelude, name, asserts = item["prelude"], item["name"], item["asserts"]
    results = run_snippets(prelude, asserts, limits, cover=True, sandbox=sb) if asserts else []
    passing = [a for a, r in zip(asserts, results, strict=True) if r.status == "ok"]
    failing = [
        {"test": a, "status": r.status, "error": r.error}
        for a, r in zip(asserts, results, strict=True)
        if r.status != "ok"
    ]
    try:
        statements = function_lines(prelude, name)
    except FunctionNotFound:
        statements = frozenset()
    executed: set[int] = set()
    for result in results:
        if result.status == "ok":
            executed |= result.lines
    coverage = covered_percent(executed, statements) if passing else 0.0
    param_types, return_type, examples, returned = (
        observe_types(prelude, name, passing, limits, sb) if passing else ([], "", [], [])
    )
    mutation = None
    if passing and item.get("mutation"):
        from stages.testgen.mutation import analyse

        mutation = analyse(
            prelude, name, passing, examples, limits, sb, returned=returned, **item["mutation"]
        )
    return {
        "passing": passing,
        "failing": failing,
        "coverage": round(coverage, 2),
        "param_types": param_types,
        "return_type": return_type,
        "mutation": mutation,
    }


def observe_types(
    prelude: str, name: str, tests: list[str], limits: Limits, sandbox: Sandbox
) -> tuple[list[str], str, list[tuple[Any, ...]], list[Any]]:
    """Run the passing tests once more through a wrapper that records the values the function saw.

    Returns the parameter types, the return type, the argument tuples seen and the values returned for them
    (literals only)."""
    from stages.languages.types import observed_types
    from stages.sandbox import PYTHON

    probe = TYPE_PROBE.format(name=name, tests=tests, max_calls=MAX_PROBED_CALLS)
    raw = sandbox.run(
        [PYTHON, "-I", "probe.py"],
        files={"probe.py": f"{prelude}\n{probe}"},
        limits=limits.override(wall_s=limits.wall_s * max(1, len(tests)), output_cap=PROBE_OUTPUT_CAP),
    )
    if raw.exit_code != 0 or raw.stdout_bytes > PROBE_OUTPUT_CAP:
        return [], "", [], []
    try:
        calls = json.loads(raw.stdout)
    except json.JSONDecodeError:
        return [], "", [], []
    arg_lists, results = [], []
    for args, result in calls:
        try:
            arg_lists.append(tuple(ast.literal_eval(a) for a in args))
            results.append(ast.literal_eval(result))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue  # a value that is not a literal: its type stays unknown
    if not arg_lists:
        return [], "", [], []
    params, ret = observed_types(arg_lists, results)
    return [str(p) for p in params], str(ret), arg_lists, results
