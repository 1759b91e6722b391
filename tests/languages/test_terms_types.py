"""Prose rewording and the type model (annotations and observed values)."""

from __future__ import annotations

import pytest

from stages.languages import get
from stages.languages.terms import reword
from stages.languages.types import (
    ANY,
    BOOL,
    FLOAT,
    INT,
    NONE,
    STR,
    PyType,
    TypeSyntaxError,
    infer_type,
    observed_types,
    parse_annotation,
    unify,
    union_member,
)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "lua",
            "Given a list of lists, return an array or None.",
            "Given a table of tables, return a table or nil.",
        ),
        ("lua", "Lists and Tuples; listed, listing.", "Tables and Tables; listed, listing."),
        (
            "r",
            "Return a dictionary, True if an array is empty.",
            "Return a named list, TRUE if a vector is empty.",
        ),
        ("r", "two dictionaries", "two named lists"),
        ("racket", "A dictionary of tuples, False otherwise.", "A hash of lists, #f otherwise."),
        ("python", "a list, None", "a list, None"),
    ],
)
def test_reword(name: str, text: str, expected: str) -> None:
    assert reword(text, get(name).terms) == expected


@pytest.mark.parametrize(
    ("source", "ty"),
    [
        ("List[int]", PyType("list", (INT,))),
        ("list[str]", PyType("list", (STR,))),
        ("typing.Dict[str, float]", PyType("dict", (STR, FLOAT))),
        ("Tuple[int, ...]", PyType("tuple", (INT,), variadic=True)),
        ("Tuple[int, str]", PyType("tuple", (INT, STR))),
        ("Optional[str]", PyType("Optional", (STR,))),
        ("int | None", PyType("Optional", (INT,))),
        ("Union[int, str, None]", PyType("Union", (INT, STR, NONE))),
        ("'List[bool]'", PyType("list", (BOOL,))),
        ("list", PyType("list", (ANY,))),
    ],
)
def test_parse_annotation(source: str, ty: PyType) -> None:
    assert parse_annotation(source) == ty


@pytest.mark.parametrize("source", ["Callable[[int], int]", "numpy.ndarray", "List[int, str]"])
def test_unsupported_annotations_name_the_construct(source: str) -> None:
    with pytest.raises(TypeSyntaxError, match="unknown type name|unsupported|takes 1"):
        parse_annotation(source)


def test_types_observed_in_tests_are_unified() -> None:
    assert infer_type([1, 2.5]) == PyType("list", (FLOAT,))
    assert infer_type([]) == PyType("list", (ANY,))
    assert infer_type({"a": [1]}) == PyType("dict", (STR, PyType("list", (INT,))))
    args, ret = observed_types([(1, [1]), (2.0, [])], ["x", None])
    assert args == [FLOAT, PyType("list", (INT,))]
    assert ret == PyType("Optional", (STR,))


def test_element_types() -> None:
    ty = PyType("Optional", (PyType("tuple", (INT, STR)),))
    assert ty.optional
    assert ty.element(1) == STR
    assert ty.element(5) is None
    assert PyType("dict", (STR, INT)).key_value() == (STR, INT)


def test_tuples_of_one_element_type_and_several_lengths_are_variadic() -> None:
    """HumanEval/148 returns ("Saturn", "Uranus"), ("Venus",) and (): MultiPL-E's `Tuple[str, ...]`."""
    seen = [infer_type(("a", "b")), infer_type(("c",)), infer_type(())]
    assert unify(seen) == PyType("tuple", (STR,), variadic=True)
    assert unify([infer_type((1, "a")), infer_type((1,))]).name == "Union"  # mixed elements stay a Union


def test_union_members_do_not_depend_on_the_tests_order() -> None:
    assert unify([INT, STR, FLOAT]) == unify([INT, FLOAT, STR]) == PyType("Union", (FLOAT, STR))
    assert unify([INT, STR, FLOAT, NONE]) == PyType("Union", (FLOAT, STR, NONE))


def test_a_value_is_written_as_its_union_member() -> None:
    number_or_text = PyType("Union", (FLOAT, STR))
    assert union_member(number_or_text, 3) == FLOAT  # an int widens into the float member
    assert union_member(number_or_text, "x") == STR
    text_or_list = PyType("Union", (STR, PyType("list", (ANY,))))
    assert union_member(text_or_list, []) == PyType("list", (ANY,))
    with pytest.raises(ValueError, match="no member"):
        union_member(number_or_text, [1])


def test_an_explicit_any_is_kept_over_values_of_several_types() -> None:
    """HumanEval/22's `List[Any]`: the target's dynamic type, not a Union the annotation never stated."""
    from stages.languages.translate import refine

    observed = infer_type([4, "a", 2.5])
    assert refine(parse_annotation("List[Any]"), observed) == PyType("list", (ANY,))
    assert refine(parse_annotation("List[Any]"), infer_type([1, 2])) == PyType("list", (INT,))
