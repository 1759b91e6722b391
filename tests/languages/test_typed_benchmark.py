"""The typed targets on all of HumanEval: how many problems each expresses, why the others drop, and where
the types come from (annotations, refined by the tests' values)."""

from __future__ import annotations

from collections import Counter

import pytest
from language_helpers import compiled, humaneval

from stages.languages import Status, get
from stages.languages.base import Untranslatable
from stages.languages.benchmark import compile_problem
from stages.languages.translate import merged_types, refine
from stages.languages.types import parse_annotation

pytestmark = [pytest.mark.runtime]

# Problems compiled per language, and the reasons the rest drop. MultiPL-E (hand-typed prompts): Julia 159,
# OCaml ~155, JavaScript 161, TypeScript 159, C++ 161, Java 158, Go 154; C has no MultiPL-E precedent.
EXPECTED = {
    "ocaml": (154, {"union_type": 7, "no_translatable_tests": 3}),
    "julia": (161, {"no_translatable_tests": 3}),
    "javascript": (161, {"no_translatable_tests": 3}),
    "typescript": (159, {"no_translatable_tests": 3, "non_string_dict_key": 2}),
    "c": (101, {"no_translatable_tests": 62, "union_type": 1}),
    "cpp": (156, {"no_translatable_tests": 7, "union_type": 1}),
    "java": (156, {"no_translatable_tests": 6, "union_type": 2}),
    "go": (144, {"no_translatable_tests": 19, "union_type": 1}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_humaneval_problems_per_language_and_drop_reasons(name: str) -> None:
    lang = get(name)
    kept, reasons = 0, Counter()
    for problem in humaneval().values():
        try:
            compile_problem(lang, problem, doctests="transform", terminology="reworded")
            kept += 1
        except Untranslatable as exc:
            reasons[exc.reason] += 1
    assert (kept, dict(reasons)) == EXPECTED[name]


def test_a_bare_list_annotation_is_refined_by_the_tests_values() -> None:
    """HumanEval/35 says `l: list`: typed targets get `list[int]` from the tests, the annotation's shape kept."""
    assert "long max_element(std::vector<long> l) {" in compiled("cpp", "HumanEval_35")["prompt"]
    assert refine(parse_annotation("list"), parse_annotation("list[int]")) == parse_annotation("list[int]")
    assert refine(parse_annotation("Optional[list]"), parse_annotation("list[str]")) == parse_annotation(
        "Optional[list[str]]"
    )
    assert refine(parse_annotation("int"), parse_annotation("float")) == parse_annotation(
        "int"
    )  # annotation wins
    assert refine(None, parse_annotation("str")) == parse_annotation("str")
    assert merged_types([], [parse_annotation("list")], None) == ([parse_annotation("list")], None)


def test_optional_values_are_wrapped_and_ints_coerced_in_float_positions() -> None:
    tests = compiled("ocaml", "HumanEval_12")["tests"]
    assert 'assert ((candidate ["x"; "y"; "z"]) = (Some "x"));' in tests
    assert "assert ((candidate []) = None);" in tests
    # HumanEval/45 triangle_area(a, h) -> float: integer arguments are annotated ints, the result a float.
    assert "(Float.abs ((candidate 5 3) -. 7.5) < 1e-06)" in compiled("ocaml", "HumanEval_45")["tests"]
    # HumanEval/0: a float list written with ints in Python stays floats in every typed target.
    assert "Vector{Float64}" in compiled("julia", "HumanEval_0")["prompt"]


def test_typescript_without_its_compiler_is_a_missing_runtime(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    from stages.languages import typescript
    from stages.languages.execute import execute

    monkeypatch.setenv(typescript.TYPESCRIPT_ENV, str(tmp_path))
    monkeypatch.setattr(typescript, "PROJECT_TYPESCRIPT", tmp_path / "absent")
    monkeypatch.setattr(typescript, "_stripper", typescript._Stripper())
    result = execute(get("typescript"), "const x: number = 1;\n")
    assert result.status is Status.RUNTIME_MISSING
    assert "npm install --prefix .tools typescript" in result.raw.stderr
