"""Floats inside containers compare within FLOAT_TOLERANCE, as scalar floats do, in C++, Java, OCaml and Julia
(a listed deviation from MultiPL-E, which compares containers exactly): a correct HumanEval/21 (rescale_to_unit)
whose arithmetic rounds differently passes, a wrong one still fails, and every assertion without a float inside
a container keeps MultiPL-E's plain `==` / `.equals` / `=`."""

from __future__ import annotations

import pytest
from language_helpers import compiled, program, require_runtime

from stages.languages import Status, get
from stages.languages.execute import execute, execute_many
from stages.languages.types import PyType

INT, FLOAT, STR = PyType("int"), PyType("float"), PyType("str")
FLOATS = PyType("list", (FLOAT,))
PAIR = PyType("tuple", (FLOAT, FLOAT))
CLOSE = "(fun a b -> Float.abs (a -. b) < 1e-06)"


def test_ocaml_assertions_compare_floats_in_containers_within_the_tolerance() -> None:
    ocaml = get("ocaml")
    assert (
        ocaml.assertion("f x", "[1.0]", [1.0], FLOATS, False) == f"assert ((List.equal {CLOSE}) (f x) [1.0]);"
    )
    assert ocaml.assertion("f x", "(1.0, 2.0)", (1.0, 2.0), PAIR, False) == (
        f"assert ((fun (a0, a1) (b0, b1) -> {CLOSE} a0 b0 && {CLOSE} a1 b1) (f x) (1.0, 2.0));"
    )
    assert ocaml.assertion("f x", "[1]", [1], PyType("list", (INT,)), False) == "assert ((f x) = [1]);"
    assert ocaml.assertion("f x", "1.0", 1.0, FLOAT, False) == "assert (Float.abs ((f x) -. 1.0) < 1e-06);"
    mixed = PyType("tuple", (STR, FLOAT))
    assert ocaml.assertion("f x", "y", None, mixed, False) == (
        f"assert ((fun (a0, a1) (b0, b1) -> ( = ) a0 b0 && {CLOSE} a1 b1) (f x) y);"
    )


# Each comparator run on values equal but for the last bits (must hold) and on values 1e-3 apart (must not).
OCAML_CASES = [
    (FLOATS, "[0.1 +. 0.2; 1.0]", "[0.3; 1.0]", "[0.301; 1.0]"),
    (PAIR, "(0.1 +. 0.2, 2.0)", "(0.3, 2.0)", "(0.3, 2.001)"),
    (PyType("tuple", (FLOAT,), variadic=True), "[0.1 +. 0.2]", "[0.3]", "[0.3; 0.3]"),
    (PyType("dict", (STR, FLOAT)), '[("a", 0.1 +. 0.2)]', '[("a", 0.3)]', '[("b", 0.3)]'),
    (PyType("Optional", (FLOAT,)), "(Some (0.1 +. 0.2))", "(Some 0.3)", "None"),
    (
        PyType("list", (PyType("tuple", (INT, FLOATS)),)),
        "[(1, [0.1 +. 0.2])]",
        "[(1, [0.3])]",
        "[(2, [0.3])]",
    ),
]


@pytest.mark.runtime
def test_ocaml_comparators_type_check_and_use_the_tolerance() -> None:
    ocaml = require_runtime("ocaml")
    for ty, got, near, far in OCAML_CASES:
        passing = execute(ocaml, f"let () =\n  {ocaml.assertion(got, near, None, ty, False)}\n  ()\n")
        failing = execute(ocaml, f"let () =\n  {ocaml.assertion(got, far, None, ty, False)}\n  ()\n")
        assert passing.status == Status.OK, f"{ty}: {passing.raw.stderr}"
        assert failing.status == Status.ASSERTION_ERROR, f"{ty}: {failing.raw.stderr}"


@pytest.mark.runtime
def test_ocaml_rescale_to_unit_off_in_the_last_bits_passes() -> None:
    """HumanEval/21 computed in tenths returns 0.75000000000000011 for 0.75: exact `=` failed it."""
    ocaml = require_runtime("ocaml")
    body = (
        "  let lo = List.fold_left min infinity numbers and hi = List.fold_left max neg_infinity numbers in\n"
        "  List.map (fun x -> (x -. lo) *. 0.1 /. ((hi -. lo) *. 0.1)) numbers\n"
    )
    row = compiled("ocaml", "HumanEval_21")
    assert execute(ocaml, program(row, body)).status == Status.OK
    exact = str(row["tests"]).replace("(List.equal (fun a b -> Float.abs (a -. b) < 1e-06)) ", "( = ) ")
    assert "( = )" in exact
    assert execute(ocaml, f"{row['prompt']}{body}\n{exact}").status == Status.ASSERTION_ERROR


def test_julia_assertions_compare_floats_in_containers_within_the_tolerance() -> None:
    julia = get("julia")
    assert julia.assertion("f(x)", "[1.0]", [1.0], FLOATS, False) == "@test(__same(f(x), [1.0]))"
    assert julia.assertion("f(x)", "(1.0, 2.0)", (1.0, 2.0), PAIR, False) == "@test(__same(f(x), (1.0, 2.0)))"
    assert julia.assertion("f(x)", "[1]", [1], PyType("list", (INT,)), False) == "@test(f(x) == [1])"
    assert julia.assertion("f(x)", "1.0", 1.0, FLOAT, False) == "@test(isapprox(f(x), 1.0; atol = 1e-06))"
    union = PyType("Union", (INT, FLOAT))  # a scalar, not a container: unchanged
    assert julia.assertion("f(x)", "1", 1, union, False) == "@test(f(x) == 1)"


def test_julia_defines_same_before_the_testset_only_when_used() -> None:
    pytest.importorskip("tree_sitter_julia", reason="tree-sitter-julia is not installed (the dev extra)")
    from stages.languages.julia import syntax_errors

    row = compiled("julia", "HumanEval_21")
    tests = str(row["tests"])
    assert "@test(__same(candidate([2.0, 49.9]), [0.0, 1.0]))" in tests
    assert tests.index("__same(a::AbstractFloat") < tests.index("@testset")
    assert "atol = 1e-06" in tests
    source = program(
        row, "    lo, hi = minimum(numbers), maximum(numbers)\n    (numbers .- lo) ./ (hi - lo)\nend\n"
    )
    assert syntax_errors(source) == []
    plain = str(compiled("julia", "HumanEval_0")["tests"])
    assert "__same" not in plain
    assert plain.startswith("\nusing Test\n\n@testset begin\n")


# (x - lo) * s with s = 1 / (hi - lo): right, but gives 0.9999999999999999 where the tests expect 1.0.
ROUNDED = {
    "cpp": (
        "    double lo = *std::min_element(numbers.begin(), numbers.end());\n"
        "    double hi = *std::max_element(numbers.begin(), numbers.end());\n"
        "    double s = 1.0 / (hi - lo);\n"
        "    std::vector<double> out;\n"
        "    for (double x : numbers) out.push_back(x * s - lo * s);\n"
        "    return out;\n"
    ),
    "java": (
        "        double lo = Collections.min(numbers), hi = Collections.max(numbers), s = 1.0 / (hi - lo);\n"
        "        ArrayList<Double> out = new ArrayList<>();\n"
        "        for (double x : numbers) out.add(x * s - lo * s);\n"
        "        return out;\n"
    ),
}
# Off by 1e-3 of the range: beyond the tolerance.
WRONG = {
    "cpp": ROUNDED["cpp"].replace("1.0 / (hi - lo)", "1.0 / (hi - lo + 0.001)"),
    "java": ROUNDED["java"].replace("1.0 / (hi - lo)", "1.0 / (hi - lo + 0.001)"),
}


@pytest.mark.runtime
@pytest.mark.parametrize("name", sorted(ROUNDED))
def test_a_float_list_is_compared_with_the_tolerance(name: str) -> None:
    lang = require_runtime(name)
    row = compiled(name, "HumanEval_21")
    right, wrong = execute_many(lang, [program(row, ROUNDED[name]), program(row, WRONG[name])], workers=2)
    assert right.status is Status.OK, right.raw.stderr[-1500:]
    assert wrong.status is Status.ASSERTION_ERROR, wrong.raw.stderr[-500:]


@pytest.mark.parametrize("name", sorted(ROUNDED))
def test_only_containers_holding_floats_use_the_helper(name: str) -> None:
    lang = get(name)
    floats = PyType("tuple", (PyType("float"), PyType("float")))
    ints = PyType("list", (PyType("int"),))
    assert "__same(" in lang.assertion("f(x)", "y", [1.0, 2.0], floats, False)
    assert "__same(" not in lang.assertion("f(x)", "y", [1, 2], ints, False)
    assert "__same(" in compiled(name, "HumanEval_20")["tests"]  # a (float, float) tuple
    assert "__same(" not in compiled(name, "HumanEval_30")["tests"]  # a list of ints
