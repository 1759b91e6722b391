"""Each language's spelling of Python values, calls and assertions (exact strings)."""

from __future__ import annotations

import pytest

from stages.languages import get, names
from stages.languages.base import Param, Signature, Untranslatable
from stages.languages.translate import render
from stages.languages.types import parse_annotation

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


@pytest.mark.parametrize("name", names())
def test_harness_starts_with_the_cut_marker(name: str) -> None:
    lang = get(name)
    suite = lang.test_suite("f", ["X"])
    assert suite.lstrip("\n").startswith(lang.harness_marker.lstrip("\n"))
    program = "PROMPT+BODY\n" + suite
    assert lang.cut_harness(program).rstrip() == "PROMPT+BODY"


# Typed targets: values rendered against the expected type (annotation or observed).
TYPED_VALUES = [
    ("ocaml", [1, -2], "list[float]", "[1.0; (-2.0)]"),
    ("ocaml", (1, "x"), "tuple[int, Optional[str]]", '(1, (Some "x"))'),
    ("ocaml", (1, None), "tuple[int, Optional[str]]", "(1, None)"),
    ("ocaml", {"a": -1}, "dict[str, int]", '[("a", (-1))]'),
    ("ocaml", 'a"\n\x01', "str", '"a\\"\\n\\001"'),
    ("julia", [], "list[int]", "Int64[]"),
    ("julia", {"k": [1]}, "dict[str, list[float]]", 'Dict{String, Vector{Float64}}("k" => [1.0])'),
    ("julia", "$x", "str", '"\\$x"'),
    ("julia", (1,), "tuple[int]", "(1,)"),
    ("javascript", {"a": None, 1: [1.5]}, None, '{"a": undefined, "1": [1.5]}'),
    ("typescript", [], "list[str]", "([] as string[])"),
    ("c", [1, 2], "list[int]", "(long[]){1, 2}, 2"),
    ("c", [], "list[float]", "(double*)NULL, 0"),
    ("c", "a?\t", "str", '"a\\?\\t"'),
    (
        "cpp",
        [[1], []],
        "list[list[int]]",
        "std::vector<std::vector<long>>{std::vector<long>{1}, std::vector<long>{}}",
    ),
    ("cpp", (1, "x"), "tuple[int, str]", 'std::tuple<long, std::string>(1, std::string("x"))'),
    ("cpp", None, "Optional[int]", "std::optional<long>()"),
    ("cpp", 3, "Optional[float]", "std::optional<double>(3.0)"),
    ("cpp", {"a": True}, "dict[str, bool]", 'std::map<std::string, bool>{{std::string("a"), true}}'),
    ("java", [-1, 2], "list[int]", "new ArrayList<Long>(Arrays.asList((long)-1l, 2l))"),
    (
        "java",
        {"a": 1.5},
        "dict[str, float]",
        'new HashMap<String, Double>(Map.ofEntries(Map.entry("a", 1.5)))',
    ),
    ("java", (1, "x"), "tuple[int, str]", 'new Pair<Long, String>(1l, "x")'),
    ("java", "a\n\x01", "str", '"a\\n\\001"'),
    ("java", None, "Optional[str]", "Optional.empty()"),
    ("java", 2, "Optional[int]", "Optional.of(2l)"),
    ("go", [[1.5], []], "list[list[float]]", "[][]float64{[]float64{1.5}, []float64{}}"),
    ("go", {"a": [True]}, "dict[str, list[bool]]", 'map[string][]bool{"a": []bool{true}}'),
    ("go", "tab\t\x01\u00e9", "str", '"tab\\t\\u0001\u00e9"'),
    # Issue 17: tuples, optionals, Any and Union in C++, Java and Go.
    ("go", (1, 2.5), "tuple[int, float]", "[]interface{}{1, 2.5}"),
    ("go", None, "Optional[int]", "(*int)(nil)"),
    ("go", [5, None], "list[Optional[int]]", "[]*int{pointerTo(5), (*int)(nil)}"),
    ("go", ["a", 1], "list[Any]", '[]interface{}{"a", 1}'),
    ("java", (1, 2, 3), "tuple[int, int, int]", "new Triple<Long, Long, Long>(1l, 2l, 3l)"),
    ("java", (1, 2, 3, 4), "tuple[int, int, int, int]", "new Tuple4<Long, Long, Long, Long>(1l, 2l, 3l, 4l)"),
    ("java", [1, "a"], "list[Union[int, str]]", 'new ArrayList<Object>(Arrays.asList(1l, "a"))'),
    ("cpp", [1], "list[Any]", "std::vector<std::any>{std::any(std::in_place_type<long>, 1)}"),
    (
        "cpp",
        "a",
        "Optional[Union[float, str]]",
        "std::optional<std::variant<double, std::string>>(std::variant<double, std::string>(std::in_place_index<1>, "
        'std::string("a")))',
    ),
]


@pytest.mark.parametrize(("name", "value", "annotation", "code"), TYPED_VALUES)
def test_typed_values(name: str, value: object, annotation: str | None, code: str) -> None:
    ty = parse_annotation(annotation) if annotation else None
    assert render(get(name), value, ty) == code


@pytest.mark.parametrize(
    ("name", "value", "annotation", "reason"),
    [
        ("c", [[1]], "list[list[int]]", "c_nested_array"),
        ("c", {"a": 1}, "dict[str, int]", "c_dict"),
        ("c", (1, 2), "tuple[int, int]", "c_tuple"),
        ("cpp", [1], "Union[float, str]", "union_member"),  # a value no member holds
        ("ocaml", 2**62, "int", "int_out_of_range"),
        ("javascript", 2**60, None, "int_out_of_range"),
        ("typescript", {(1, 2): 3}, None, "non_string_dict_key"),
    ],
)
def test_typed_untranslatable_values(name: str, value: object, annotation: str | None, reason: str) -> None:
    ty = parse_annotation(annotation) if annotation else None
    with pytest.raises(Untranslatable) as exc:
        render(get(name), value, ty)
    assert exc.value.reason == reason


@pytest.mark.parametrize(
    ("name", "annotation", "expected", "inexact", "line"),
    [
        ("ocaml", "int", -3, False, "assert ((f 1) = (-3));"),
        ("ocaml", "float", 0.5, False, "assert (Float.abs ((f 1) -. 0.5) < 1e-06);"),
        ("julia", "list[int]", [1], False, "@test(f(1) == [1])"),
        ("julia", "float", 0.5, True, "@test(isapprox(f(1), 0.5; atol = 1e-06))"),
        ("javascript", None, [1], False, "assert.deepStrictEqual(f(1), [1]);"),
        ("javascript", None, 0.5, False, "assert.ok(Math.abs(f(1) - 0.5) < 1e-06);"),
        ("c", "str", "a", False, 'assert(strcmp(f(1), "a") == 0);'),
        ("c", "float", 2, False, "assert(fabs(f(1) - 2.0) < 1e-06);"),
        ("cpp", "list[int]", [1, 2], False, "assert((f(1) == std::vector<long>{1, 2}));"),
        ("java", "int", 3, False, "assert(f(1l) == 3l);"),
        ("java", "str", "a", False, 'assert(f(1l).equals("a"));'),
        ("go", "list[int]", [], False, "expect(f(1), []int{})"),
        ("go", "float", 1, False, "expectClose(f(1), 1.0)"),
    ],
)
def test_typed_assertions(
    name: str, annotation: str | None, expected: object, inexact: bool, line: str
) -> None:
    lang = get(name)
    ty = parse_annotation(annotation) if annotation else None
    call = lang.gen_call("f", [render(lang, 1, parse_annotation("int"))])
    assert lang.assertion(call, render(lang, expected, ty), expected, ty, inexact) == line


@pytest.mark.parametrize(
    ("name", "annotation", "reason"),
    [
        ("ocaml", "Union[int, str]", "union_type"),
        ("ocaml", None, "untyped"),
        ("ocaml", "Any", "any_type"),
        ("c", "Union[int, str]", "union_type"),
        ("c", "tuple[int, int]", "c_tuple"),
        ("c", "list[list[int]]", "c_nested_array"),
        ("c", "dict[str, list[int]]", "c_dict"),
        ("c", "Optional[str]", "c_optional"),
        ("typescript", None, "untyped"),
    ],
)
def test_a_return_type_the_language_cannot_express_makes_the_prompt_untranslatable(
    name: str, annotation: str | None, reason: str
) -> None:
    ty = parse_annotation(annotation) if annotation else None
    sig = Signature("f", (Param("x", parse_annotation("int")),), ty)
    with pytest.raises(Untranslatable) as exc:
        get(name).prompt(sig, ["Doc."])
    assert exc.value.reason == reason


def test_julia_and_typescript_express_unions() -> None:
    sig = Signature(
        "f", (Param("x", parse_annotation("Union[int, str]")),), parse_annotation("Optional[float]")
    )
    assert (
        get("julia")
        .prompt(sig, [])
        .endswith("function f(x::Union{Int64, String})::Union{Float64, Nothing} \n")
    )
    assert (
        get("typescript").prompt(sig, []).endswith("function f(x: number | string): number | undefined {\n")
    )
