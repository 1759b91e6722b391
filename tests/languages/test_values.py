"""Each language's spelling of Python values, calls and assertions (exact strings)."""

from __future__ import annotations

import pytest

from stages.languages import get
from stages.languages.base import Untranslatable
from stages.languages.translate import render

VALUE = [1, -2.5, 'a"b\\\n', True, None, (1, "x"), {"k": [1.0]}]


def test_python_round_trips() -> None:
    assert eval(render(get("python"), VALUE, None)) == VALUE  # noqa: S307 (our own literal)


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("lua", [1, -2.5, 'a"b\\\n', True], '{1, -2.5, "a\\"b\\\\\\n", true}'),
        ("lua", {"k": [1.0], 2: False}, '{["k"] = {1.0}, [2] = false}'),
        ("lua", (float("inf"), "\x01"), '{math.huge, "\\001"}'),
        ("racket", [1, -2.5, 'q"', True, None], '(list 1 -2.5 "q\\"" #t #f)'),
        ("racket", {"k": [1.0]}, '(hash "k" (list 1.0))'),
        ("racket", ([], {}), "(list (list) (hash))"),
        ("racket", float("-inf"), "-inf.0"),
        ("r", [1, 2.5], "c(1, 2.5)"),
        ("r", ["a", "b"], 'c("a", "b")'),
        ("r", [True, 1], "list(TRUE, 1)"),
        ("r", [[1], [2, 3]], "list(c(1), c(2, 3))"),
        ("r", [1, None], "list(1, NULL)"),
        ("r", [], "c()"),
        ("r", (1, 2), "list(1, 2)"),
        ("r", {"a b": 1}, 'list("a b" = 1)'),
        ("r", float("inf"), "Inf"),
    ],
)
def test_values(name: str, value: object, code: str) -> None:
    assert render(get(name), value, None) == code


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("lua", [1, None], "nil_in_table"),
        ("lua", 2**70, "int_out_of_range"),
        ("r", {1: 2}, "non_string_dict_key"),
        ("r", 2**60, "int_out_of_range"),
        ("r", "a\0b", "nul_in_string"),
        ("racket", float("nan"), "nan_value"),
    ],
)
def test_untranslatable_values(name: str, value: object, reason: str) -> None:
    with pytest.raises(Untranslatable) as exc:
        render(get(name), value, None)
    assert exc.value.reason == reason


@pytest.mark.parametrize(
    ("name", "expected", "inexact", "line"),
    [
        ("lua", 3, False, "lu.assertEquals(f(1), 3)"),
        ("lua", [0.5], False, "lu.assertAlmostEquals(f(1), {0.5}, 1e-06)"),
        ("racket", 3, False, "(check-within (f 1) 3 1e-06)"),
        ("r", 3, False, "stopifnot(isTRUE(all.equal(f(1), 3)))"),
        ("r", 0.5, True, "stopifnot(isTRUE(all.equal(f(1), 0.5, tolerance = 1e-06)))"),
        ("python", 0.5, True, "assert abs(f(1) - 0.5) < 1e-06"),
    ],
)
def test_assertions(name: str, expected: object, inexact: bool, line: str) -> None:
    lang = get(name)
    call = lang.gen_call("f", [render(lang, 1, None)])
    assert lang.assertion(call, render(lang, expected, None), expected, None, inexact) == line


@pytest.mark.parametrize("name", ["python", "lua", "racket", "r"])
def test_harness_starts_with_the_cut_marker(name: str) -> None:
    lang = get(name)
    suite = lang.test_suite("f", ["X"])
    assert suite.lstrip("\n").startswith(lang.harness_marker.lstrip("\n"))
    program = "PROMPT+BODY\n" + suite
    assert lang.cut_harness(program).rstrip() == "PROMPT+BODY"
