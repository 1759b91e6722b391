"""The literal helpers every language shares (stages/languages/base.py): strings, floats, integer ranges."""

from __future__ import annotations

import pytest

from stages.languages.base import BASIC_ESCAPES, Untranslatable, check_int_range, float_repr, quote_string


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        ("\\{:03d}", '"a\\"b\\\\\\n\\t\\r\\001\\127é"'),
        ("\\x{:02x}", '"a\\"b\\\\\\n\\t\\r\\x01\\x7fé"'),
        ("\\u{:04x}", '"a\\"b\\\\\\n\\t\\r\\u0001\\u007fé"'),
    ],
)
def test_quote_string_escapes_the_table_then_other_control_characters(control: str, expected: str) -> None:
    assert quote_string('a"b\\\n\t\r\x01\x7fé', BASIC_ESCAPES, control) == expected


def test_quote_string_extra_escapes_and_nul() -> None:
    assert quote_string("$x?", {**BASIC_ESCAPES, "$": "\\$"}, "\\{:03o}") == '"\\$x?"'
    assert quote_string("a\0", BASIC_ESCAPES, "\\{:03o}") == '"a\\000"'
    with pytest.raises(Untranslatable) as exc:
        quote_string("a\0", BASIC_ESCAPES, "\\{:03o}", nul="C strings end at NUL")
    assert (exc.value.reason, exc.value.detail) == ("nul_in_string", "C strings end at NUL")


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (1.0, {"inf": "Inf"}, "1.0"),
        (-2.5, {"inf": "Inf"}, "-2.5"),
        (1e16, {"inf": "Inf"}, "1e+16"),
        (float("inf"), {"inf": "Inf"}, "Inf"),
        (float("-inf"), {"inf": "Inf"}, "-Inf"),
        (float("-inf"), {"inf": "+inf.0", "neg_inf": "-inf.0"}, "-inf.0"),
        (float("nan"), {"inf": "Inf", "nan": "NaN"}, "NaN"),
    ],
)
def test_float_repr(value: float, kwargs: dict[str, str], expected: str) -> None:
    assert float_repr(value, **kwargs) == expected


@pytest.mark.parametrize(
    ("value", "inf", "reason"),
    [
        (float("nan"), "Inf", "nan_value"),
        (float("inf"), None, "inf_value"),
        (float("-inf"), None, "inf_value"),
    ],
)
def test_float_repr_untranslatable(value: float, inf: str | None, reason: str) -> None:
    with pytest.raises(Untranslatable) as exc:
        float_repr(value, inf=inf)
    assert exc.value.reason == reason


def test_check_int_range_is_inclusive() -> None:
    assert check_int_range(2**53, -(2**53), 2**53, "is not exact as a double") == 2**53
    assert check_int_range(-(2**53), -(2**53), 2**53, "is not exact as a double") == -(2**53)
    with pytest.raises(Untranslatable) as exc:
        check_int_range(2**53 + 1, -(2**53), 2**53, "is not exact as a double")
    assert (exc.value.reason, exc.value.detail) == (
        "int_out_of_range",
        f"{2**53 + 1} is not exact as a double",
    )
