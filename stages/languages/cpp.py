"""C++17 with g++ (Debian `g++`): type-directed prompt and values, an `assert` harness in `main`.

As in MultiPL-E the completion stops before the function's closing brace (stop token `\\n}`), and the harness
starts by closing it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    BASIC_ESCAPES,
    FLOAT_TOLERANCE,
    Language,
    OracleCase,
    Signature,
    Terms,
    Untranslatable,
    c_like_lexicon,
    check_int_range,
    float_repr,
    quote_string,
    require_type,
    words,
)
from stages.languages.types import PyType, infer_type, union_member

if TYPE_CHECKING:
    from stages.languages.builds import Build
    from stages.sandbox import Limits, RawResult, Sandbox

# The words decontamination keeps in C and C++ programs.
C_KEYWORDS = words(
    """break case char const continue default do double else enum extern float for goto if int long return
    short signed sizeof static struct switch typedef union unsigned void while bool true false NULL size_t include
    define"""
)

_LONG_MAX = 2**63 - 1  # -2**63 is out too: C reads `-9223372036854775808` as minus an overflowing literal
_C_ESCAPES = {**BASIC_ESCAPES, "?": "\\?"}  # `?` escaped: no trigraphs
# The standard headers a HumanEval solution reaches for; bits/stdc++.h would cost ~1 s more per compile.
HEADERS = (
    "algorithm",
    "cassert",
    "climits",
    "cmath",
    "cstdlib",
    "map",
    "numeric",
    "optional",
    "set",
    "sstream",
    "string",
    "tuple",
    "unordered_map",
    "unordered_set",
    "vector",
)
CPP_RESERVED = frozenset(
    [
        "alignas",
        "alignof",
        "and",
        "and_eq",
        "asm",
        "auto",
        "bitand",
        "bitor",
        "bool",
        "break",
        "case",
        "catch",
        "char",
        "class",
        "compl",
        "const",
        "constexpr",
        "const_cast",
        "continue",
        "decltype",
        "default",
        "delete",
        "do",
        "double",
        "dynamic_cast",
        "else",
        "enum",
        "explicit",
        "export",
        "extern",
        "false",
        "float",
        "for",
        "friend",
        "goto",
        "if",
        "inline",
        "int",
        "long",
        "mutable",
        "namespace",
        "new",
        "noexcept",
        "not",
        "not_eq",
        "nullptr",
        "operator",
        "or",
        "or_eq",
        "private",
        "protected",
        "public",
        "register",
        "reinterpret_cast",
        "return",
        "short",
        "signed",
        "sizeof",
        "static",
        "static_assert",
        "static_cast",
        "struct",
        "switch",
        "template",
        "this",
        "thread_local",
        "throw",
        "true",
        "try",
        "typedef",
        "typeid",
        "typename",
        "union",
        "unsigned",
        "using",
        "virtual",
        "void",
        "volatile",
        "wchar_t",
        "while",
        "xor",
        "xor_eq",
        "main",
        "candidate",
        "std",
    ]
)


def c_string(value: str, language: str) -> str:
    """A C/C++ string literal; octal escapes (always 3 digits) so no following character is swallowed."""
    return quote_string(value, _C_ESCAPES, "\\{:03o}", nul=f"{language} strings end at NUL")


def c_float(value: float, language: str) -> str:
    return float_repr(value, inf="INFINITY")


def c_int(value: int, ty: PyType | None, language: str) -> str:
    if ty is not None and ty.name == "float":
        return c_float(float(value), language)
    return str(check_int_range(value, -_LONG_MAX, _LONG_MAX, f"does not fit {language}'s 64-bit long"))


def _alternatives(ty: PyType) -> tuple[PyType, ...]:
    """A Union's members besides None: the alternatives of its `std::variant`."""
    return tuple(a for a in ty.without_none().args if a.name != "None")


def _contains_any(ty: PyType) -> bool:
    return ty.contains("Any")


# Equality with the scalar tolerance for doubles at any depth of the containers the translation uses (MultiPL-E
# compares containers with `==`, exactly: a listed deviation). Declared before any is defined, so each template
# finds the others.
SAME_HELPER = f"""
#include <optional>
#include <tuple>
#include <variant>
template <typename T> bool __same(const T& a, const T& b);
inline bool __same(double a, double b) {{ return std::abs(a - b) < {FLOAT_TOLERANCE!r}; }}
template <typename T> bool __same(const std::vector<T>& a, const std::vector<T>& b);
template <typename K, typename V> bool __same(const std::map<K, V>& a, const std::map<K, V>& b);
template <typename T> bool __same(const std::optional<T>& a, const std::optional<T>& b);
template <typename... T> bool __same(const std::tuple<T...>& a, const std::tuple<T...>& b);
template <typename... T> bool __same(const std::variant<T...>& a, const std::variant<T...>& b);
template <typename T> bool __same(const T& a, const T& b) {{ return a == b; }}
template <typename T> bool __same(const std::vector<T>& a, const std::vector<T>& b) {{
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++)
        if (!__same(a[i], b[i])) return false;
    return true;
}}
template <typename K, typename V> bool __same(const std::map<K, V>& a, const std::map<K, V>& b) {{
    if (a.size() != b.size()) return false;
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
        if (!(i->first == j->first) || !__same(i->second, j->second)) return false;
    return true;
}}
template <typename T> bool __same(const std::optional<T>& a, const std::optional<T>& b) {{
    return a.has_value() == b.has_value() && (!a.has_value() || __same(*a, *b));
}}
template <typename... T> bool __same(const std::tuple<T...>& a, const std::tuple<T...>& b) {{
    return std::apply([&](const auto&... x) {{
        return std::apply([&](const auto&... y) {{ return (__same(x, y) && ...); }}, b);
    }}, a);
}}
template <typename... T> bool __same(const std::variant<T...>& a, const std::variant<T...>& b) {{
    return a.index() == b.index() && std::visit([&](const auto& x) {{
        return __same(x, std::get<std::decay_t<decltype(x)>>(b));
    }}, a);
}}
"""


class Cpp(Language):
    name = "cpp"
    display_name = "C++"
    multipl_e_name = "cpp"
    file_ext = "cpp"
    runtime = "g++"
    debian_packages = ("g++",)
    probe_program = "#include <cassert>\nint main() { assert(true); }\n"
    stop_tokens = ("\n}",)
    harness_marker = "}\nint main() {"
    terms = Terms(
        list="vector",
        array="vector",
        tuple="tuple",
        dictionary="map",
        none="std::nullopt",
        true="true",
        false="false",
    )
    reserved = CPP_RESERVED
    lexicon = c_like_lexicon(
        C_KEYWORDS
        | words(
            """auto class namespace new delete private public std string vector map tuple using template typename
            this nullptr"""
        )
    )
    headers = HEADERS  # the prompt's #include block, precompiled once per host (`pch.py`)
    compile_flags = ("-std=c++17", "-O1")  # also the precompiled header's: GCC uses it only with the same
    header_language = "c++-header"

    def compile_argv(self, path: str) -> list[str]:
        return [self.runtime, *self.compile_flags, "-o", "main", path]

    def build(self, program: str, sandbox: Sandbox, limits: Limits) -> Build:
        from stages.languages import pch

        return pch.build(self, program, sandbox)

    def run_argv(self, path: str) -> list[str]:
        return ["./main"]

    # A failed `assert` prints `Assertion ... failed.` and aborts; any other non-zero end is an exception.
    # Compile errors (syntax and type errors alike) are SyntaxError.
    assertion_pattern = re.compile("Assertion `")

    def assertion_failed(self, raw: RawResult) -> bool:
        return super().assertion_failed(raw) and "failed." in raw.stderr

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None) -> str:
        ty = require_type(ty, "C++", dynamic=True)
        simple = {"int": "long", "float": "double", "str": "std::string", "bool": "bool", "Any": "std::any"}
        if ty.name in simple:
            return simple[ty.name]
        if ty.name == "Union":  # alternatives in the Union's order; a None among them makes it optional
            variant = "std::variant<" + ", ".join(self.type_name(a) for a in _alternatives(ty)) + ">"
            return f"std::optional<{variant}>" if ty.optional else variant
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            return f"std::vector<{self.type_name(ty.args[0])}>"
        if ty.name == "tuple":
            return "std::tuple<" + ", ".join(self.type_name(a) for a in ty.args) + ">"
        if ty.name == "dict":
            return f"std::map<{self.type_name(ty.args[0])}, {self.type_name(ty.args[1])}>"
        if ty.name == "Optional":
            return f"std::optional<{self.type_name(ty.args[0])}>"
        raise Untranslatable("unsupported_type", f"C++ translation has no type for {ty}")

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        includes = "".join(f"#include <{h}>\n" for h in HEADERS)
        comment = "".join(f"// {line}".rstrip() + "\n" for line in description)
        params = ", ".join(f"{self.type_name(p.type)} {p.name}" for p in sig.params)
        header = f"{self.type_name(sig.returns)} {sig.name}({params}) {{\n"
        # <any> and <variant> only where the signature needs them, after the fixed list of HEADERS.
        includes += "".join(f"#include <{h}>\n" for h in ("any", "variant") if f"std::{h}" in header)
        return f"{includes}{comment}{header}"

    def placeholder_body(self, sig: Signature) -> str:
        return "    return {};\n}\n"

    def lookup_body(self, sig: Signature, cases: Sequence[OracleCase]) -> str:
        if any(p.type is not None and _contains_any(p.type) for p in sig.params):
            # std::any has no `==`: the harness calls once per test, in order, so the n-th call answers the n-th.
            returns = "\n".join(f"    if (call == {i}) return {c.expected};" for i, c in enumerate(cases))
            return f"    static int next = 0;\n    int call = next++;\n{returns}\n    abort();\n"
        return super().lookup_body(sig, cases)

    lookup_equal = "{name} == {arg}"
    lookup_case = "    if ({test}) return {expected};"
    lookup_tail = ("    abort();",)

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return f"std::optional<{self.type_name(ty)}>()" if ty is not None else "std::nullopt"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "true" if value else "false"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        return c_int(value, ty, "C++")

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return c_float(value, "C++")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return f"std::string({c_string(value, 'C++')})"

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return f"{self.type_name(ty)}{{{', '.join(items)}}}"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        if ty is not None and ty.name == "tuple" and ty.variadic:
            return self.gen_list(items, values, ty)
        return f"{self.type_name(ty)}({', '.join(items)})"

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        entries = ", ".join(f"{{{k}, {v}}}" for k, v in pairs)
        return f"{self.type_name(ty)}{{{entries}}}"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    def coerce(self, code: str, value: object, ty: PyType | None) -> str:
        if ty is None or value is None:
            return code
        base = ty.without_none()
        if base.name == "Any":  # the value's own type, stated: a bare `4` would be an int, not a long
            code = f"std::any(std::in_place_type<{self.type_name(infer_type(value))}>, {code})"
        elif base.name == "Union":
            index = _alternatives(base).index(union_member(base, value))
            code = f"{self.type_name(base)}(std::in_place_index<{index}>, {code})"
        if ty.optional:
            return f"{self.type_name(ty)}({code})"
        return code

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if ty is not None and _contains_any(ty):
            raise Untranslatable(
                "any_return", f"C++'s std::any has no `==`, so a {ty} result cannot be tested"
            )
        if inexact or (ty is not None and ty.name == "float"):
            return f"assert((std::abs({lhs} - {rhs}) < {FLOAT_TOLERANCE!r}));"
        if ty is not None and ty.contains("float"):
            return f"assert((__same({lhs}, {rhs})));"
        # Double parentheses: commas inside braces (`std::vector<long>{1, 2}`) would split the macro's argument.
        return f"assert(({lhs} == {rhs}));"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}" for a in assertions)
        helper = SAME_HELPER if "__same(" in body else ""
        return f"}}\n{helper}int main() {{\n    auto candidate = {entry_point};\n{body}\n}}\n"
