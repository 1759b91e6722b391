"""The generic Python-AST walker: Python prompts and `assert` tests in, a language's prompt and harness out.

The walker knows Python; each `Language` knows its target. Tests are read from a `check(candidate)` function
(HumanEval's shape): every `assert candidate(args) == expected` with literal arguments and result becomes one
target assertion. Forms that only spell the same check differently are normalised first (`assert f(x)`,
`assert not f(x)`, `f(x) is True`, `tuple(f(x)) == tuple([...])`, `abs(f(x) - y) < eps`). A test the walker or
the language cannot express is dropped on its own with its reason; a problem with no test left is dropped.
"""

from __future__ import annotations

import ast
import copy
import logging
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from stages.languages.base import Language, Param, Signature, Untranslatable
from stages.languages.terms import reword
from stages.languages.types import (
    PyType,
    TypeSyntaxError,
    infer_type,
    observed_types,
    parse_annotation,
    union_member,
)

log = logging.getLogger(__name__)

CANDIDATE = "candidate"
DOCTEST_MODES = ("transform", "keep", "remove")
TERMINOLOGY_MODES = ("reworded", "verbatim")

_BINOPS: dict[type[ast.operator], Callable[[object, object], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_MAX_EXPONENT = 64  # constant folding never builds huge numbers from `10 ** 10 ** 10`


# --- values ------------------------------------------------------------------------------------------------


def literal_value(node: ast.expr) -> object:
    """The Python value of a literal expression: constants, containers, signs, numeric arithmetic on
    constants (`2.0 / 3.0`) and string concatenation. Names, calls and anything else raise Untranslatable."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool | int | float | str) or node.value is None:
            return node.value
        raise Untranslatable("unsupported_constant", type(node.value).__name__)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = literal_value(node.operand)
        if isinstance(operand, bool) or not isinstance(operand, int | float):
            raise Untranslatable("unsupported_expression", ast.unparse(node))
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = literal_value(node.left), literal_value(node.right)
        if isinstance(left, str) and isinstance(right, str) and isinstance(node.op, ast.Add):
            return left + right
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (left, right))
        if not numbers or (isinstance(node.op, ast.Pow) and abs(right) > _MAX_EXPONENT):
            raise Untranslatable("unsupported_expression", ast.unparse(node))
        try:
            return _BINOPS[type(node.op)](left, right)
        except ArithmeticError:
            raise Untranslatable("unsupported_expression", ast.unparse(node)) from None
    if isinstance(node, ast.List):
        return [literal_value(e) for e in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(literal_value(e) for e in node.elts)
    if isinstance(node, ast.Set):
        return SetValue(literal_value(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise Untranslatable("unsupported_expression", "dict unpacking")
        result: dict[object, object] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            k = literal_value(key)
            try:
                result[k] = literal_value(value)
            except TypeError:  # an unhashable key such as a list
                raise Untranslatable("unsupported_expression", ast.unparse(key)) from None
        return result
    if isinstance(node, ast.Name):
        raise Untranslatable("free_name", node.id)
    if isinstance(node, ast.Call):
        return _pure_call(node)
    raise Untranslatable("unsupported_expression", type(node).__name__)


# Builtins whose result on literal arguments is itself a literal: a test written `== str(x)` inside a loop
# over `range` (HumanEval/44) has a literal expected value once the loop is unrolled.
_PURE_BUILTINS: dict[str, Callable[..., object]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "abs": abs,
    "len": len,
    "min": min,
    "max": max,
    "sorted": sorted,
    "list": list,
    "tuple": tuple,
}
_PURE_RESULTS = (bool, int, float, str, list, tuple)


def _pure_call(node: ast.Call) -> object:
    """`str(2)`, `len([1, 2])`, ...: a pure builtin on literal arguments, evaluated; other calls raise
    Untranslatable("call_in_value")."""
    func = node.func
    if not (isinstance(func, ast.Name) and func.id in _PURE_BUILTINS) or node.keywords:
        raise Untranslatable("call_in_value", ast.unparse(node))
    args = [literal_value(a) for a in node.args]
    if any(isinstance(a, dict | SetValue) for a in args):  # str({...}) spells Python's repr, not a value
        raise Untranslatable("call_in_value", ast.unparse(node))
    if func.id == "str" and not all(isinstance(a, int | str) and not isinstance(a, bool) for a in args):
        raise Untranslatable("call_in_value", ast.unparse(node))  # str(True), str([1]): Python's spelling
    try:
        result = _PURE_BUILTINS[func.id](*args)
    except (TypeError, ValueError, ArithmeticError):
        raise Untranslatable("call_in_value", ast.unparse(node)) from None
    if not isinstance(result, _PURE_RESULTS):
        raise Untranslatable("call_in_value", ast.unparse(node))
    return result


class SetValue(list):
    """A Python set literal, elements in source order (a real set would reorder them)."""


def render(lang: Language, value: object, ty: PyType | None) -> str:
    """Translate a Python value into `lang`, with `ty` its expected type (None when unknown). A value in a
    Union is written as the member it belongs to (`union_member`), a value in an `Any` as its own type, and
    `lang.coerce` then wraps it in the full type (`std::variant`, `std::any`, `Optional.of`, ...)."""
    base = ty.without_none() if ty is not None else None
    if value is not None and base is not None and base.name in ("Union", "Any"):
        if base.name == "Any":
            member = infer_type(value)
        else:
            try:
                member = union_member(base, value)
            except ValueError as exc:
                raise Untranslatable("union_member", str(exc)) from None
        return lang.coerce(render(lang, value, member), value, ty)
    if value is None:
        code = lang.gen_none(base)
    elif isinstance(value, bool):
        code = lang.gen_bool(value, base)
    elif isinstance(value, int):
        code = lang.gen_int(value, base)
    elif isinstance(value, float):
        code = lang.gen_float(value, base)
    elif isinstance(value, str):
        code = lang.gen_str(value, base)
    elif isinstance(value, SetValue):
        items = [render(lang, v, base.element() if base else None) for v in value]
        code = lang.gen_set(items, list(value), base)
    elif isinstance(value, list):
        items = [render(lang, v, base.element() if base else None) for v in value]
        code = lang.gen_list(items, value, base)
    elif isinstance(value, tuple):
        items = [render(lang, v, base.element(i) if base else None) for i, v in enumerate(value)]
        code = lang.gen_tuple(items, list(value), base)
    elif isinstance(value, dict):
        kty, vty = base.key_value() if base else (None, None)
        pairs = [(render(lang, k, kty), render(lang, v, vty)) for k, v in value.items()]
        code = lang.gen_dict(pairs, value, base)
    else:
        raise Untranslatable("unsupported_value", type(value).__name__)
    return lang.coerce(code, value, ty)


def render_call(lang: Language, func: str, args: Sequence[object], types: Sequence[PyType | None]) -> str:
    rendered = [render(lang, a, types[i] if i < len(types) else None) for i, a in enumerate(args)]
    return lang.gen_call(func, rendered)


# --- tests -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestCase:
    """One `candidate(args) == expected` check, as Python values."""

    args: tuple[object, ...]
    expected: object
    inexact: bool  # the original asked for a tolerance: abs(candidate(...) - expected) < eps
    source: str  # the Python assert, for reports


@dataclass(frozen=True)
class DroppedTest:
    source: str
    reason: str


@dataclass
class CompiledTests:
    text: str  # the harness, appended after prompt + completion
    kept: list[TestCase]
    dropped: list[DroppedTest] = field(default_factory=list)
    # The one typing decision: the types every assertion was rendered with, which the prompt must declare.
    arg_types: list[PyType | None] = field(default_factory=list)
    ret_type: PyType | None = None


def check_function(tests_source: str) -> ast.FunctionDef:
    """The `def check(candidate)` of a test module."""
    try:
        module = ast.parse(tests_source)
    except SyntaxError as exc:
        raise Untranslatable("tests_do_not_parse", str(exc)) from None
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == "check":
            if len(node.args.args) != 1:
                raise Untranslatable("check_signature", ast.unparse(node.args))
            return node
    raise Untranslatable("no_check_function", "tests define no `def check(candidate)`")


def extract_tests(tests_source: str) -> tuple[list[TestCase], list[DroppedTest]]:
    """The tests in `check(candidate)` as values, loops over literal ranges and lists unrolled, and the
    statements that are not translatable tests. Duplicates and contradictions are not judged here: whether two
    tests ask the same question depends on the target's values (`resolve_conflicts`)."""
    check = check_function(tests_source)
    param = check.args.args[0].arg
    kept: list[TestCase] = []
    dropped: list[DroppedTest] = []
    for stmt in _unrolled(check.body, dropped):
        source = ast.unparse(stmt)
        if _ignorable(stmt):
            continue
        try:
            kept.append(_test_case(stmt, param, source))
        except Untranslatable as exc:
            dropped.append(DroppedTest(source, exc.reason))
    return kept, dropped


MAX_UNROLLED = 200  # iterations of one unrolled loop; longer loops are dropped as `loop_too_long`


def _unrolled(body: Sequence[ast.stmt], dropped: list[DroppedTest]) -> list[ast.stmt]:
    """`body` with every `for NAME in range(...)` / `for NAME in [literal, ...]` loop (no `else`) replaced by
    copies of its body, the loop variable substituted by each literal (MultiPL-E unrolls HumanEval/44's loop
    too). Other loops are dropped whole under their reason."""
    out: list[ast.stmt] = []
    for stmt in body:
        if not isinstance(stmt, ast.For):
            out.append(stmt)
            continue
        try:
            items = _loop_items(stmt)
        except Untranslatable as exc:
            dropped.append(DroppedTest(ast.unparse(stmt), exc.reason))
            continue
        for item in items:
            targets = stmt.target.elts if isinstance(stmt.target, ast.Tuple) else [stmt.target]
            values = item.elts if isinstance(stmt.target, ast.Tuple) else [item]  # type: ignore[attr-defined]
            bound = {t.id: v for t, v in zip(targets, values, strict=True)}  # type: ignore[attr-defined]
            copies = [_Substitute(bound).visit(copy.deepcopy(s)) for s in stmt.body]
            out.extend(_unrolled([ast.fix_missing_locations(c) for c in copies], dropped))
    return out


def _loop_items(loop: ast.For) -> list[ast.expr]:
    """The literal AST nodes a loop's variable takes, or Untranslatable("statement_for")."""
    detail = ast.unparse(loop.iter)
    if loop.orelse or not _simple_target(loop.target):
        raise Untranslatable("statement_for", ast.unparse(loop.target))
    if _is_call_to(loop.iter, "range") and not loop.iter.keywords:  # type: ignore[attr-defined]
        bounds = [literal_value(a) for a in loop.iter.args]  # type: ignore[attr-defined]
        if not bounds or len(bounds) > 3 or not all(type(b) is int for b in bounds) or 0 in bounds[2:]:
            raise Untranslatable("statement_for", detail)
        numbers = range(*bounds)  # type: ignore[arg-type]
        if len(numbers) > MAX_UNROLLED:
            raise Untranslatable("loop_too_long", detail)
        if isinstance(loop.target, ast.Tuple):
            raise Untranslatable("statement_for", ast.unparse(loop.target))
        return [ast.Constant(n) for n in numbers]
    if isinstance(loop.iter, ast.List | ast.Tuple):
        items = list(loop.iter.elts)
        for item in items:
            literal_value(item)  # the elements are literals, or the loop cannot be unrolled
            if isinstance(loop.target, ast.Tuple) and not (
                isinstance(item, ast.Tuple | ast.List) and len(item.elts) == len(loop.target.elts)
            ):
                raise Untranslatable("statement_for", detail)
        if len(items) > MAX_UNROLLED:
            raise Untranslatable("loop_too_long", detail)
        return items
    raise Untranslatable("statement_for", detail)


def _simple_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    return isinstance(target, ast.Tuple) and all(isinstance(t, ast.Name) for t in target.elts)


class _Substitute(ast.NodeTransformer):
    """Replaces loads of the loop's names by their literal nodes."""

    def __init__(self, bound: dict[str, ast.expr]) -> None:
        self.bound = bound

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.bound:
            return copy.deepcopy(self.bound[node.id])
        return node


def resolve_conflicts(
    cases: Sequence[TestCase], key: Callable[[TestCase], tuple[str, str]]
) -> tuple[list[TestCase], list[DroppedTest]]:
    """Tests judged as the target sees them: `key(case)` is (the call, the expected value) in the target's
    terms. A later test asking the same call for the same value is a `duplicate_test`; when tests ask one
    call for different values (HumanEval/92's `3` and `3.0` are one double in a typed target) no program can
    pass both, so every one of them is dropped as `contradictory_test`."""
    expected: dict[str, set[str]] = {}
    for case in cases:
        call, value = key(case)
        expected.setdefault(call, set()).add(value)
    kept: list[TestCase] = []
    dropped: list[DroppedTest] = []
    seen: set[str] = set()
    for case in cases:
        call, _ = key(case)
        if len(expected[call]) > 1:
            dropped.append(DroppedTest(case.source, "contradictory_test"))
        elif call in seen:
            dropped.append(DroppedTest(case.source, "duplicate_test"))
        else:
            seen.add(call)
            kept.append(case)
    return kept, dropped


def python_key(case: TestCase) -> tuple[str, str]:
    """Python tells 3 from 3.0 and True from 1: values compared with their types (`repr`)."""
    return repr(case.args), repr(case.expected)


def _ignorable(stmt: ast.stmt) -> bool:
    """Statements that are not tests: imports, assignments (a test that uses the name is dropped as
    `free_name`), `print(...)`, bare names and docstrings, `pass` and `assert True`."""
    if isinstance(stmt, ast.Import | ast.ImportFrom | ast.Pass | ast.Assign):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        is_print = (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print"
        )
        return is_print or isinstance(value, ast.Constant | ast.Name)
    return isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and stmt.test.value is True


def _test_case(stmt: ast.stmt, param: str, source: str) -> TestCase:
    if not isinstance(stmt, ast.Assert):
        raise Untranslatable(f"statement_{type(stmt).__name__.lower()}", source)
    test = stmt.test
    inexact = False
    if isinstance(test, ast.Call):  # assert candidate(x)
        call, expected_node = test, ast.Constant(True)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):  # assert not candidate(x)
        call, expected_node = test.operand, ast.Constant(False)
    elif isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, left, right = test.ops[0], test.left, test.comparators[0]
        if isinstance(op, ast.Eq):
            left, right = _unwrap_sequence_calls(left, right)
            if _is_call_to(right, param) and not _is_call_to(left, param):
                left, right = right, left
            call, expected_node = left, right
        elif (
            isinstance(op, ast.Is) and isinstance(right, ast.Constant) and right.value in (True, False, None)
        ):
            call, expected_node = left, right
        elif isinstance(op, ast.Lt | ast.LtE):
            call, expected_node = _tolerance_test(left, right)
            inexact = True
        else:
            raise Untranslatable("unsupported_assert_form", source)
    else:
        raise Untranslatable("unsupported_assert_form", source)
    if not _is_call_to(call, param):
        raise Untranslatable("lhs_not_a_call_of_the_function", source)
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        raise Untranslatable("keyword_or_starred_arguments", source)
    args = tuple(literal_value(a) for a in call.args)
    expected = literal_value(expected_node)
    if inexact and (isinstance(expected, bool) or not isinstance(expected, int | float)):
        raise Untranslatable("unsupported_assert_form", source)
    return TestCase(args, float(expected) if inexact else expected, inexact, source)


def _is_call_to(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _unwrap_sequence_calls(left: ast.expr, right: ast.expr) -> tuple[ast.expr, ast.expr]:
    """`tuple(f(x)) == tuple([1, 2])` compares sequences element-wise: the same test as `f(x) == [1, 2]`."""

    def inner(node: ast.expr, fn: str) -> ast.expr | None:
        if _is_call_to(node, fn) and len(node.args) == 1 and not node.keywords:
            return node.args[0]
        return None

    for fn in ("tuple", "list"):
        a, b = inner(left, fn), inner(right, fn)
        if a is not None and b is not None:
            return a, b
    return left, right


def _tolerance_test(left: ast.expr, tolerance: ast.expr) -> tuple[ast.expr, ast.expr]:
    """`abs(candidate(x) - y) < eps` -> (candidate(x), y). The language's own tolerance applies."""
    eps = literal_value(tolerance)
    is_abs = isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "abs"
    if not (is_abs and len(left.args) == 1 and isinstance(eps, int | float) and 0 < eps <= 1e-3):
        raise Untranslatable("unsupported_assert_form", ast.unparse(left))
    diff = left.args[0]
    if not (isinstance(diff, ast.BinOp) and isinstance(diff.op, ast.Sub)):
        raise Untranslatable("unsupported_assert_form", ast.unparse(left))
    return diff.left, diff.right


def compile_tests(
    lang: Language,
    entry_point: str,
    tests_source: str,
    *,
    param_types: Sequence[PyType | None] = (),
    return_type: PyType | None = None,
) -> CompiledTests:
    """The target harness for `tests_source`'s `check(candidate)`. Types missing from `param_types` and
    `return_type` (annotations) are filled from the values of every test, once: the prompt declares exactly
    the types the assertions were written with (`CompiledTests.arg_types`, `.ret_type`), and a signature the
    target cannot declare (a Union return in Java) drops the problem instead of narrowing it to the tests that
    happen to fit. Raises Untranslatable ("no_translatable_tests") when no test survives."""
    cases, dropped = extract_tests(tests_source)
    if not cases:
        reasons = sorted({d.reason for d in dropped})
        raise Untranslatable("no_translatable_tests", ", ".join(reasons) or "check() holds no assert")
    arg_types, ret_type = merged_types(cases, param_types, return_type)
    check_signature(lang, entry_point, arg_types, ret_type)
    rendered: dict[int, tuple[str, str, str]] = {}  # id(case) -> (call, expected, assertion)
    for case in cases:
        try:
            call = render_call(lang, CANDIDATE, case.args, arg_types)
            rhs = render(lang, case.expected, ret_type)
            assertion = lang.assertion(call, rhs, case.expected, ret_type, case.inexact)
        except Untranslatable as exc:
            dropped.append(DroppedTest(case.source, exc.reason))
            continue
        rendered[id(case)] = (call, rhs, assertion)
    translated = [c for c in cases if id(c) in rendered]
    kept, conflicts = resolve_conflicts(translated, lambda c: target_key(lang, c, arg_types, ret_type))
    dropped.extend(conflicts)
    if not kept:
        reasons = sorted({d.reason for d in dropped})
        raise Untranslatable("no_translatable_tests", ", ".join(reasons) or "check() holds no assert")
    assertions = [rendered[id(c)][2] for c in kept]
    text = lang.test_suite(lang.safe_name(entry_point), assertions)
    return CompiledTests(text, kept, dropped, arg_types, ret_type)


def check_signature(
    lang: Language, entry_point: str, arg_types: Sequence[PyType | None], ret_type: PyType | None
) -> None:
    """Raises the target's Untranslatable when it cannot declare a function of these types (the prompt is
    built with placeholder parameter names, which never clash with reserved words)."""
    params = tuple(Param(f"arg{i}", t) for i, t in enumerate(arg_types))
    lang.prompt(Signature(lang.safe_name(entry_point), params, ret_type), [])


def target_key(
    lang: Language, case: TestCase, arg_types: Sequence[PyType | None], ret_type: PyType | None
) -> tuple[str, str]:
    """A test's call and expected value as the target sees them: rendered with the problem's types (a typed
    target writes the int 3 in a float position as 3.0), numbers first made one kind where the target has one
    number type (JavaScript, R)."""
    args = tuple(_one_number(a) for a in case.args) if lang.one_number_type else case.args
    expected = _one_number(case.expected) if lang.one_number_type else case.expected
    try:
        return render_call(lang, CANDIDATE, args, arg_types), render(lang, expected, ret_type)
    except Untranslatable:  # the integral float is too large as an int: its own spelling is the key
        return render_call(lang, CANDIDATE, case.args, arg_types), render(lang, case.expected, ret_type)


def _one_number(value: object) -> object:
    """`value` with integral floats as ints (3.0 -> 3), recursively."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, SetValue):
        return SetValue(_one_number(v) for v in value)
    if isinstance(value, list):
        return [_one_number(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_one_number(v) for v in value)
    if isinstance(value, dict):
        return {k: _one_number(v) for k, v in value.items()}
    return value


def merged_types(
    cases: Sequence[TestCase], param_types: Sequence[PyType | None], return_type: PyType | None
) -> tuple[list[PyType | None], PyType | None]:
    """Annotated types where given, else the types observed in the tests' values."""
    observed_args, observed_ret = observed_types((c.args for c in cases), (c.expected for c in cases))
    width = max(len(param_types), len(observed_args))
    args: list[PyType | None] = []
    for i in range(width):
        annotated = param_types[i] if i < len(param_types) else None
        observed = observed_args[i] if i < len(observed_args) else None
        args.append(refine(annotated, observed))
    return args, refine(return_type, observed_ret if cases else None)


def refine(annotated: PyType | None, observed: PyType | None) -> PyType | None:
    """The annotation, with the parts it leaves open (`Any`, as in a bare `list`) filled from the observed
    type where that has the same shape; the observed type when there is no annotation."""
    if annotated is None:
        return observed
    if observed is None or observed.name == "Any":
        return annotated
    if annotated.name == "Any":
        # An explicit `Any` over values of several types (HumanEval/22's `List[Any]`) stays Any: the target's
        # dynamic type (std::any, Object, interface{}), not a Union the annotation never stated.
        return annotated if observed.name == "Union" else observed
    if annotated.name == "Optional" and not observed.optional and observed.name != "None":
        return PyType("Optional", (refine(annotated.args[0], observed) or annotated.args[0],))
    same_shape = (annotated.name, len(annotated.args), annotated.variadic) == (
        observed.name,
        len(observed.args),
        observed.variadic,
    )
    if same_shape and annotated.args:
        args = tuple(refine(a, o) or a for a, o in zip(annotated.args, observed.args, strict=True))
        return PyType(annotated.name, args, annotated.variadic)
    return annotated


# --- prompts -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedPrompt:
    signature: Signature
    docstring: str  # cleaned (common indentation removed); "" when the function has none
    helpers: tuple[str, ...]  # other functions the Python prompt defines (not carried into translations)


def parse_prompt(prompt_source: str, entry_point: str) -> ParsedPrompt:
    """The signature and docstring of `entry_point` in a Python prompt (a def whose body is its docstring)."""
    module = None
    for candidate in (prompt_source + "    pass\n", prompt_source.rstrip() + "\n    pass\n"):
        try:
            module = ast.parse(candidate)
            break
        except SyntaxError:
            continue
    if module is None:
        raise Untranslatable("prompt_does_not_parse", entry_point)
    functions = [n for n in module.body if isinstance(n, ast.FunctionDef)]
    target = next((f for f in functions if f.name == entry_point), None)
    if target is None:
        raise Untranslatable("prompt_lacks_entry_point", entry_point)
    args = target.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs:
        raise Untranslatable("unsupported_parameters", ast.unparse(args))
    params = tuple(Param(a.arg, _annotation(a.annotation)) for a in args.args)
    sig = Signature(entry_point, params, _annotation(target.returns))
    helpers = tuple(f.name for f in functions if f is not target)
    return ParsedPrompt(sig, ast.get_docstring(target, clean=True) or "", helpers)


def _annotation(node: ast.expr | None) -> PyType | None:
    try:
        return parse_annotation(node)
    except TypeSyntaxError as exc:
        log.debug("annotation left untyped: %s", exc)
        return None


def with_types(sig: Signature, param_types: Sequence[PyType | None], return_type: PyType | None) -> Signature:
    """`sig` with unknown types (and the `Any` parts of annotations) filled from `param_types` /
    `return_type`; annotations win where they say more."""
    params = tuple(
        Param(p.name, refine(p.type, param_types[i] if i < len(param_types) else None))
        for i, p in enumerate(sig.params)
    )
    return Signature(sig.name, params, refine(sig.returns, return_type))


_DOCTEST = re.compile(r"^(?P<indent>\s*)>>>\s?(?P<code>.*)$")


def translate_description(
    lang: Language,
    docstring: str,
    sig: Signature,
    *,
    doctests: str = "transform",
    terminology: str = "reworded",
) -> list[str]:
    """The docstring's lines for `lang`: prose reworded, `>>>` examples transformed, kept or removed."""
    if doctests not in DOCTEST_MODES:
        raise ValueError(f"doctests={doctests!r}; choose one of {', '.join(DOCTEST_MODES)}")
    if terminology not in TERMINOLOGY_MODES:
        raise ValueError(f"terminology={terminology!r}; choose one of {', '.join(TERMINOLOGY_MODES)}")
    lines = docstring.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _DOCTEST.match(lines[i])
        if match is None:
            out.append(reword(lines[i], lang.terms) if terminology == "reworded" else lines[i])
            i += 1
            continue
        j = i + 1  # the expected output: following non-blank lines up to the next example
        while j < len(lines) and lines[j].strip() and not _DOCTEST.match(lines[j]):
            j += 1
        block = lines[i:j]
        if doctests == "transform":
            out.extend(_transform_doctest(lang, sig, match.group("indent"), match.group("code"), block))
        elif doctests == "keep":
            out.extend(block)
        i = j
    while out and not out[-1].strip():
        out.pop()
    return out


def _transform_doctest(lang: Language, sig: Signature, indent: str, code: str, block: list[str]) -> list[str]:
    """`>>> f(1, [2])` + `3` in `lang`; the block is kept as written when any part will not translate."""
    outputs = [line.strip() for line in block[1:]]
    try:
        call = ast.parse(code.strip(), mode="eval").body
        if not (_is_call_to(call, sig.name) and not call.keywords):
            raise Untranslatable("doctest_not_a_call", code)
        args = [literal_value(a) for a in call.args]
        types = [p.type for p in sig.params]
        new_call = render_call(lang, lang.safe_name(sig.name), args, types)
        new_outputs = []
        if outputs:
            expected = literal_value(ast.parse(" ".join(outputs), mode="eval").body)
            new_outputs.append(f"{indent}{render(lang, expected, sig.returns)}")
    except (Untranslatable, SyntaxError) as exc:
        log.debug("doctest kept as written (%s): %s", exc, code)
        return block
    return [f"{indent}>>> {new_call}", *new_outputs]


def compile_prompt(
    lang: Language,
    parsed: ParsedPrompt,
    *,
    doctests: str = "transform",
    terminology: str = "reworded",
) -> str:
    """The prompt in `lang` for a parsed Python prompt (whose signature carries any known types)."""
    sig = Signature(
        lang.safe_name(parsed.signature.name),
        tuple(Param(lang.safe_name(p.name), p.type) for p in parsed.signature.params),
        parsed.signature.returns,
    )
    description = translate_description(
        lang, parsed.docstring, parsed.signature, doctests=doctests, terminology=terminology
    )
    return lang.prompt(sig, description)
