"""Translation tasks: the canonical Python as a LANG comment, tests compiled from the passing asserts."""

from __future__ import annotations

import pytest

from stages import languages
from stages.languages.base import Untranslatable
from stages.languages.types import PyType
from stages.translation.tasks import CANONICAL_HEADER, build_task, canonical_body, check_source


def make_row(name: str, code: str, prompt: str, tests: list[str], **extra: object) -> dict:
    return {
        "id": f"id-{name}",
        "name": name,
        "code": code,
        "prompt": prompt,
        "tests": tests,
        "param_types": extra.get("param_types", []),
        "return_type": extra.get("return_type", ""),
        "lineage": {"source": {}, "parent_id": None, "stage": "generate_tests"},
    }


CLAMP = make_row(
    "clamp",
    'def clamp(x, lo, hi):\n    """Clamp x into a list of bounds, or None.\n\n    >>> clamp(5, 0, 3)\n    3\n    """'
    "\n    if x < lo:\n        return lo\n    return min(x, hi)\n",
    'def clamp(x, lo, hi):\n    """Clamp x into a list of bounds, or None.\n\n    >>> clamp(5, 0, 3)\n    3\n    """\n',
    [
        "assert clamp(5, 0, 3) == 3",
        "assert clamp(-1, 0, 3) == 0",
        "assert clamp(x, 0, 3) == 1",
        "assert clamp(",
    ],
    param_types=["int", "int", "int"],
    return_type="int",
)


def test_canonical_body_is_the_body_without_docstring_dedented():
    assert canonical_body(CLAMP["code"], "clamp") == ["if x < lo:", "    return lo", "return min(x, hi)"]


def test_canonical_body_of_a_docstring_only_function_is_untranslatable():
    with pytest.raises(Untranslatable) as info:
        canonical_body('def f(x):\n    """Doc."""\n', "f")
    assert info.value.reason == "empty_body"


def test_lua_prompt_has_canonical_python_comment_reworded_prose_and_translated_doctest():
    task = build_task(languages.get("lua"), CLAMP)
    lines = task.prompt.splitlines()
    assert lines[0] == f"-- {CANONICAL_HEADER}"
    assert lines[1:4] == ["-- # if x < lo:", "-- #     return lo", "-- # return min(x, hi)"]
    assert "-- Clamp x into a table of bounds, or nil." in lines  # Python terms reworded in the prose
    assert "-- >>> clamp(5, 0, 3)" in lines  # the doctest, in Lua
    assert lines[-1] == "local function clamp(x, lo, hi)"
    # The training prompt is the same prompt without the canonical Python.
    assert task.clean_prompt.splitlines() == lines[4:]
    assert task.header == "local function clamp(x, lo, hi)\n"


def test_canonical_code_is_not_reworded():
    row = make_row(
        "nothing",
        'def nothing(x):\n    "Return None."\n    return None if x else True\n',
        'def nothing(x):\n    "Return None."\n',
        ["assert nothing(1) == None"],
    )
    task = build_task(languages.get("lua"), row)
    assert "-- # return None if x else True" in task.prompt  # the code keeps Python's words
    assert "-- Return nil." in task.prompt  # the prose does not


def test_tests_keep_translatable_asserts_and_drop_the_rest_one_by_one():
    task = build_task(languages.get("lua"), CLAMP)
    assert task.tests_kept == ("assert candidate(5, 0, 3) == 3", "assert candidate(-1, 0, 3) == 0")
    assert sorted(task.tests_dropped) == [
        ("assert candidate(x, 0, 3) == 1", "free_name"),
        ("assert clamp(", "assert_does_not_parse"),
    ]
    assert "lu.assertEquals(candidate(5, 0, 3), 3)" in task.tests
    assert task.tests.lstrip("\n").startswith("lu = require('luaunit')")


def test_function_without_translatable_asserts_is_dropped():
    row = dict(CLAMP, tests=["assert clamp(x, 0, 3) == 1"])
    with pytest.raises(Untranslatable) as info:
        build_task(languages.get("lua"), row)
    assert info.value.reason == "no_translatable_tests"


def test_loose_python_equality_is_tightened_by_the_observed_return_type():
    source, broken = check_source("lt", ["assert lt(1, 2) == 1", "assert lt(2, 1) == 0.0"], PyType("bool"))
    assert broken == []
    assert (
        source
        == "def check(candidate):\n    assert candidate(1, 2) == True\n    assert candidate(2, 1) == False\n"
    )
    source, _ = check_source("f", ["assert f(1) == 2.0"], PyType("int"))
    assert "== 2\n" in source
    source, _ = check_source("f", ["assert f(1) == 2.5"], PyType("int"))  # not an int: left as written
    assert "== 2.5\n" in source


def test_ocaml_task_is_typed_from_the_observed_types():
    row = make_row(
        "scale",
        'def scale(xs, k):\n    "Multiply every number by k."\n    return [x * k for x in xs]\n',
        'def scale(xs, k):\n    "Multiply every number by k."\n',
        ["assert scale([1.5, 2.0], 2) == [3.0, 4.0]"],
        param_types=["list[float]", "int"],
        return_type="list[float]",
    )
    task = build_task(languages.get("ocaml"), row)
    assert "let scale (xs : float list) (k : int) : float list =" in task.prompt
    assert "# return [x * k for x in xs]" in task.prompt
    assert "[3.0; 4.0]" in task.tests


def test_untyped_ocaml_function_is_untranslatable():
    row = make_row(
        "ident",
        'def ident(x):\n    "Same."\n    return x\n',
        'def ident(x):\n    "Same."\n',
        ["assert ident(None) == None"],
    )
    with pytest.raises(Untranslatable):
        build_task(languages.get("ocaml"), row)


def test_without_canonical_the_prompt_is_the_clean_prompt():
    task = build_task(languages.get("racket"), CLAMP, canonical=False)
    assert task.prompt == task.clean_prompt
    assert CANONICAL_HEADER not in task.prompt
    assert task.prompt.startswith("#lang racket")
