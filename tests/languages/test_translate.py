"""The Python-AST walker: which asserts become tests, which are dropped and why, values, prompts."""

from __future__ import annotations

import pytest

from stages.languages import get
from stages.languages.base import Untranslatable
from stages.languages.translate import (
    compile_prompt,
    compile_tests,
    extract_tests,
    literal_value,
    parse_prompt,
    translate_description,
)
from stages.languages.types import FLOAT, INT, PyType

CHECK = """
METADATA = {"author": "x"}


def check(candidate):
    import math
    assert candidate([1, 2], -3) == (1, None), "message"
    assert True, "This prints if this assert fails"
    assert candidate('a' + 'b', 2 ** 3) is True
    assert not candidate([], 0)
    assert candidate({1: 'x'}, 0.5)
    assert tuple(candidate([3], 1)) == tuple([2, 1])
    assert abs(candidate([4], 1) - 2.0 / 3.0) < 1e-6
    assert candidate(lst, 1) == 3
    assert candidate([1, 2], -3) == (1, None)
    assert candidate([1, 2], -3) == (2, None)
    assert candidate(x=1) == 2
    assert candidate([5], 1) == helper(5)
    assert candidate([6], 1) > 2
    print(candidate([7], 1))
    for i in range(3):
        assert candidate([i], 1) == i
"""


def test_extract_keeps_each_form_of_the_same_check_and_names_every_drop() -> None:
    """Duplicates and contradictions are judged later, on the target's values (test_fidelity.py)."""
    kept, dropped = extract_tests(CHECK)
    assert [(c.args, c.expected, c.inexact) for c in kept] == [
        (([1, 2], -3), (1, None), False),
        (("ab", 8), True, False),
        (([], 0), False, False),
        (({1: "x"}, 0.5), True, False),
        (([3], 1), [2, 1], False),
        (([4], 1), pytest.approx(2 / 3), True),
        (([1, 2], -3), (1, None), False),
        (([1, 2], -3), (2, None), False),
        *((([i], 1), i, False) for i in range(3)),  # the loop over range(3), unrolled
    ]
    assert [d.reason for d in dropped] == [
        "free_name",
        "keyword_or_starred_arguments",
        "call_in_value",
        "unsupported_assert_form",
    ]


def test_check_function_is_required() -> None:
    with pytest.raises(Untranslatable) as exc:
        extract_tests("assert f(1) == 2\n")
    assert exc.value.reason == "no_check_function"


def test_problem_with_no_translatable_test_is_dropped_with_the_reasons() -> None:
    tests = "def check(candidate):\n    for i in xs:\n        assert candidate(i) == i\n"
    with pytest.raises(Untranslatable) as exc:
        compile_tests(get("lua"), "f", tests)
    assert exc.value.reason == "no_translatable_tests"
    assert exc.value.detail == "statement_for"


def test_a_test_the_language_cannot_express_is_dropped_alone() -> None:
    tests = "def check(candidate):\n    assert candidate([1, None]) == 1\n    assert candidate([2]) == 2\n"
    compiled = compile_tests(get("lua"), "f", tests)
    assert [d.reason for d in compiled.dropped] == ["nil_in_table"]
    assert "lu.assertEquals(candidate({2}), 2)" in compiled.text


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("-5", -5),
        ("+2.5", 2.5),
        ("1e-3", 0.001),
        ("6.0 / 5.0", 1.2),
        ("[(1, 'a'), {}]", [(1, "a"), {}]),
        ("str(2 + 3)", "5"),
        ("len([1, 2])", 2),
    ],
)
def test_literal_values(source: str, value: object) -> None:
    import ast

    assert literal_value(ast.parse(source, mode="eval").body) == value


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("x", "free_name"),
        ("f(1)", "call_in_value"),
        ("str([1])", "call_in_value"),
        ("int('x')", "call_in_value"),
        ("10 ** 10 ** 10", "unsupported_expression"),
        ("b'x'", "unsupported_constant"),
        ("1 / 0", "unsupported_expression"),
    ],
)
def test_non_literals_are_untranslatable(source: str, reason: str) -> None:
    import ast

    with pytest.raises(Untranslatable) as exc:
        literal_value(ast.parse(source, mode="eval").body)
    assert exc.value.reason == reason


PROMPT = '''from typing import List, Optional


def helper(x):
    return x


def pick(xs: List[int], default: Optional[float]) -> Optional[int]:
    """ Return the first element of a list, or None if the list is empty.
    The tuple of results is True only for an array.
    >>> pick([1, 2], 0.5)
    1
    >>> pick([], None)
    None
    """
'''


def test_parse_prompt_reads_signature_types_and_helpers() -> None:
    parsed = parse_prompt(PROMPT, "pick")
    assert parsed.signature.name == "pick"
    assert [(p.name, p.type) for p in parsed.signature.params] == [
        ("xs", PyType("list", (INT,))),
        ("default", PyType("Optional", (FLOAT,))),
    ]
    assert parsed.signature.returns == PyType("Optional", (INT,))
    assert parsed.helpers == ("helper",)


def test_lua_prompt_rewords_prose_and_translates_doctests() -> None:
    prompt = compile_prompt(get("lua"), parse_prompt(PROMPT, "pick"))
    assert prompt == (
        "-- Return the first element of a table, or nil if the table is empty.\n"
        "-- The table of results is true only for a table.\n"
        "-- >>> pick({1, 2}, 0.5)\n"
        "-- 1\n"
        "-- >>> pick({}, nil)\n"
        "-- nil\n"
        "local function pick(xs, default)\n"
    )


def test_doctest_modes() -> None:
    parsed = parse_prompt(PROMPT, "pick")
    racket = get("racket")
    kept = translate_description(racket, parsed.docstring, parsed.signature, doctests="keep")
    removed = translate_description(racket, parsed.docstring, parsed.signature, doctests="remove")
    assert ">>> pick([1, 2], 0.5)" in kept
    assert not any(">>>" in line for line in removed)
    assert removed[-1] == "The list of results is #t only for a list."
    verbatim = translate_description(racket, parsed.docstring, parsed.signature, terminology="verbatim")
    assert verbatim[0] == "Return the first element of a list, or None if the list is empty."
    assert verbatim[2] == ">>> (pick (list 1 2) 0.5)"


def test_an_untranslatable_doctest_is_kept_as_written() -> None:
    prompt = 'def f(x):\n    """Doc.\n    >>> f(g(1))\n    2\n    """\n'
    assert (
        compile_prompt(get("r"), parse_prompt(prompt, "f"))
        == "# Doc.\n# >>> f(g(1))\n# 2\nf <- function(x) {\n"
    )


def test_reserved_parameter_names_are_renamed_in_prompt_and_harness() -> None:
    prompt = 'def end(function, x):\n    """Doc."""\n'
    lua = get("lua")
    assert compile_prompt(lua, parse_prompt(prompt, "end")).endswith("local function end_(function_, x)\n")
    compiled = compile_tests(lua, "end", "def check(candidate):\n    assert candidate(1, 2) == 3\n")
    assert "local candidate = end_" in compiled.text


@pytest.mark.parametrize(
    ("prompt", "reason"),
    [
        ("def f(*xs):\n    '''Doc.'''\n", "unsupported_parameters"),
        ("def g(x):\n    '''Doc.'''\n", "prompt_lacks_entry_point"),
        ("def f(x:\n", "prompt_does_not_parse"),
    ],
)
def test_unusable_prompts(prompt: str, reason: str) -> None:
    with pytest.raises(Untranslatable) as exc:
        parse_prompt(prompt, "f")
    assert exc.value.reason == reason
