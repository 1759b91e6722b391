"""C (gcc, GNU C11): what C can express honestly, and nothing more.

MultiPL-E has no C. Supported: scalars (`long`, `double`, `bool`), strings (`const char *`), lists of those
as parameters, passed as a pointer plus an explicit length (`const long *xs, size_t xs_len`), and a list of
those as the result, returned as an array with its length written through a last parameter (`long *f(...,
size_t *result_len)`; the prompt says so; the caller owns the array, as in LeetCode's C signatures). A tuple,
dict, Optional, Union or Any, and lists nested in lists, have no honest C spelling without a struct or tagged
union the prompt would have to invent, so such a problem is untranslatable with that construct as its reason.
As for C++, the completion stops before the closing brace and the harness closes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from stages.languages.base import (
    FLOAT_TOLERANCE,
    Param,
    Signature,
    Terms,
    Untranslatable,
    c_like_lexicon,
    require_type,
)
from stages.languages.cpp import C_KEYWORDS, CPP_RESERVED, Cpp, c_float, c_int, c_string
from stages.languages.types import PyType

HEADERS = (
    "assert.h",
    "ctype.h",
    "limits.h",
    "math.h",
    "stdbool.h",
    "stddef.h",
    "stdio.h",
    "stdlib.h",
    "string.h",
)
LIBC_NAMES = frozenset(
    [
        "abs",
        "labs",
        "div",
        "exit",
        "free",
        "malloc",
        "calloc",
        "realloc",
        "qsort",
        "bsearch",
        "rand",
        "srand",
        "atoi",
        "atol",
        "atof",
        "strtol",
        "strtod",
        "getenv",
        "system",
        "strlen",
        "strcmp",
        "strncmp",
        "strcpy",
        "strncpy",
        "strcat",
        "strncat",
        "strchr",
        "strrchr",
        "strstr",
        "strtok",
        "strspn",
        "strcspn",
        "memcpy",
        "memmove",
        "memset",
        "memcmp",
        "memchr",
        "sqrt",
        "pow",
        "exp",
        "log",
        "log10",
        "log2",
        "sin",
        "cos",
        "tan",
        "floor",
        "ceil",
        "round",
        "trunc",
        "fabs",
        "fmod",
        "fmin",
        "fmax",
        "hypot",
        "isalpha",
        "isdigit",
        "isalnum",
        "isspace",
        "isupper",
        "islower",
        "ispunct",
        "isxdigit",
        "toupper",
        "tolower",
        "printf",
        "sprintf",
        "snprintf",
        "puts",
        "putchar",
        "getchar",
        "scanf",
        "fopen",
        "fclose",
        "remove",
        "rename",
        "time",
        "clock",
        "assert",
        "index",
        "result_len",
    ]
)


def render_scalar(lang: C, value: object, ty: PyType | None) -> str:
    if isinstance(value, bool):
        return lang.gen_bool(value, ty)
    if isinstance(value, int):
        return lang.gen_int(value, ty)
    if isinstance(value, float):
        return lang.gen_float(value, ty)
    if isinstance(value, str):
        return lang.gen_str(value, ty)
    raise Untranslatable("c_nested_array", f"C has no equality for {type(value).__name__}")


_SCALARS = {"int": "long", "float": "double", "bool": "bool", "str": "const char *"}
RESULT_NOTE = "Return a new array (the caller owns it) and write its length to *result_len."


def _array_element(ty: PyType | None) -> PyType | None:
    """The element type of a list (or `tuple[T, ...]`) of scalars, which C returns as an array plus length."""
    if ty is None or not (ty.name == "list" or (ty.name == "tuple" and ty.variadic)):
        return None
    element = ty.args[0]
    return element if element.name in _SCALARS else None


class C(Cpp):
    name = "c"
    display_name = "C"
    lexicon = c_like_lexicon(C_KEYWORDS)
    multipl_e_name = "c"
    file_ext = "c"
    runtime = "gcc"
    debian_packages = ("gcc",)
    probe_program = "#include <assert.h>\nint main(void) { assert(1); return 0; }\n"
    harness_marker = "}\nint main(void) {"
    terms = Terms(
        list="array", array="array", tuple="array", dictionary="map", none="NULL", true="true", false="false"
    )
    # C keywords, and the C library names the prompt's headers declare (a function `strlen` would clash).
    reserved = (
        CPP_RESERVED - {"std", "class", "namespace", "template", "new", "delete", "this"}
    ) | LIBC_NAMES

    headers = HEADERS
    compile_flags = ("-std=gnu11", "-O1")
    header_language = "c-header"

    def compile_argv(self, path: str) -> list[str]:
        return [self.runtime, *self.compile_flags, "-o", "main", path, "-lm"]

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None) -> str:
        ty = require_type(ty, "C")
        if ty.name in _SCALARS:
            return _SCALARS[ty.name]
        reason = {
            "list": "c_array_not_a_parameter",
            "tuple": "c_tuple",
            "dict": "c_dict",
            "Optional": "c_optional",
        }
        if ty.name == "list" and ty.args[0].name not in _SCALARS:
            reason["list"] = "c_nested_array"
        raise Untranslatable(reason.get(ty.name, "unsupported_type"), f"C translation has no type for {ty}")

    def _param(self, param: Param) -> str:
        ty = require_type(param.type, "C")
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            if require_type(ty.args[0], "C").name not in _SCALARS:
                raise Untranslatable("c_nested_array", f"C translation has no array of {ty.args[0]}")
            element = self.type_name(ty.args[0])
            pointer = f"const {element} *" if not element.endswith("*") else f"{element} const *"
            return f"{pointer}{param.name}, size_t {param.name}_len"
        return f"{self.type_name(ty)} {param.name}"

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        includes = "".join(f"#include <{h}>\n" for h in HEADERS)
        comment = "".join(f"// {line}".rstrip() + "\n" for line in description)
        params = ", ".join(self._param(p) for p in sig.params) or "void"
        element = _array_element(sig.returns)
        if element is None:
            returns = self.type_name(sig.returns)
        else:
            returns = f"{self.type_name(element)}{'' if element.name == 'str' else ' '}*"
            params = ("" if params == "void" else f"{params}, ") + "size_t *result_len"
            comment += f"// {RESULT_NOTE}\n"
        return f"{includes}{comment}{returns}{'' if returns.endswith('*') else ' '}{sig.name}({params}) {{\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "    return 0;\n}\n"

    def lookup_line(self, sig: Signature, test: str, expected: str) -> str:
        element = _array_element(sig.returns)
        answer = f"return {expected};"
        if element is not None:  # `(long[]){1, 2}, 2` or `(long*)NULL, 0`: copied out, length stored
            array, length = expected.rsplit(", ", 1)
            size = f"sizeof({self.type_name(element)}) * {length}"
            answer = f"{{ *result_len = {length}; return {length} ? memcpy(malloc({size}), {array}, {size}) : NULL; }}"
        return f"    if ({test}) {answer}"

    def lookup_equals(self, param: Param, arg: str, value: object) -> str:
        """C compares what it holds: numbers with `==`, strings with strcmp, a list parameter by its length and
        each element."""
        ty = require_type(param.type, "C")
        if isinstance(value, list | tuple):
            element = ty.element()
            tests = [f"{param.name}_len == {len(value)}"]
            tests += [self._scalar_equals(f"{param.name}[{i}]", v, element) for i, v in enumerate(value)]
            return "(" + " && ".join(tests) + ")"
        return self._scalar_equals(param.name, value, ty)

    def _scalar_equals(self, name: str, value: object, ty: PyType | None) -> str:
        literal = render_scalar(self, value, ty)
        return f"strcmp({name}, {literal}) == 0" if isinstance(value, str) else f"{name} == {literal}"

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        raise Untranslatable("c_optional", "C has no None")

    def gen_int(self, value: int, ty: PyType | None) -> str:
        return c_int(value, ty, "C")

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return c_float(value, "C")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return c_string(value, "C")

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        """An argument list: a compound literal and its length, two C arguments in one string."""
        element = ty.element() if ty is not None else None
        if element is None or element.name not in _SCALARS:
            raise Untranslatable("c_nested_array", f"C arrays of {element} are not supported")
        if not items:
            return f"({self.type_name(element)}*)NULL, 0"
        return f"({self.type_name(element)}[]){{{', '.join(items)}}}, {len(items)}"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        if ty is not None and ty.name == "tuple" and ty.variadic:
            return self.gen_list(items, values, ty)
        raise Untranslatable("c_tuple", "C has no tuple values")

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        raise Untranslatable("c_dict", "C has no dict values")

    def coerce(self, code: str, value: object, ty: PyType | None) -> str:
        if ty is not None and ty.optional:
            raise Untranslatable("c_optional", "C has no Optional")
        return code

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        element = _array_element(ty)
        if element is not None and isinstance(expected, list | tuple) and lhs.endswith(")"):
            return self._array_assertion(lhs, expected, element)
        if isinstance(expected, list | tuple | dict):
            raise Untranslatable("c_array_not_a_parameter", "C functions here return scalars or strings")
        if inexact or (ty is not None and ty.name == "float"):
            return f"assert(fabs({lhs} - {rhs}) < {FLOAT_TOLERANCE!r});"
        if isinstance(expected, str):
            return f"assert(strcmp({lhs}, {rhs}) == 0);"
        return f"assert({lhs} == {rhs});"

    def _array_assertion(self, call: str, expected: Sequence[object], element: PyType) -> str:
        """A block: call with `&got_len`, then the length and each element (strcmp, tolerance for doubles)."""
        call = call[:-1] + (", " if not call.endswith("()") else "") + "&got_len)"
        checks = [f"assert(got_len == {len(expected)});"]
        for i, value in enumerate(expected):
            literal = render_scalar(self, value, element)
            if element.name == "float":
                checks.append(f"assert(fabs(got[{i}] - {literal}) < {FLOAT_TOLERANCE!r});")
            elif element.name == "str":
                checks.append(f"assert(strcmp(got[{i}], {literal}) == 0);")
            else:
                checks.append(f"assert(got[{i}] == {literal});")
        declare = f"{self.type_name(element)}{'' if element.name == 'str' else ' '}*got = {call};"
        return "{ size_t got_len = 0; " + declare + " " + " ".join(checks) + " }"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}" for a in assertions)
        return (
            f"}}\nint main(void) {{\n    __auto_type candidate = {entry_point};\n{body}\n    return 0;\n}}\n"
        )
