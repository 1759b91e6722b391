"""Julia (a MultiPL-T target; run with `julia` wherever it is on PATH): typed prompt, values and a `Test` harness.

Julia has no Debian package and no PyPI binary, so on machines without it a run ends RUNTIME_MISSING; the
translator's output is checked by parsing it with the tree-sitter Julia grammar (`syntax_errors`). Types as
MultiPL-E: `Int64`, `Float64`, `String`, `Bool`, `Vector{T}`, `Tuple{...}`, `Dict{K, V}`,
`Union{T, Nothing}`, `Union{...}` and `Any`. Empty containers carry their element type (`Int64[]`) so they
match a typed parameter; integers in float positions get a decimal point.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    BASIC_ESCAPES,
    FLOAT_TOLERANCE,
    Language,
    Lexicon,
    Signature,
    Terms,
    TranslateDefaults,
    Untranslatable,
    check_int_range,
    float_repr,
    quote_string,
    words,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import RawResult

_ESCAPES = {**BASIC_ESCAPES, "$": "\\$"}  # `$` would interpolate
_SYNTAX = re.compile(r"\bParseError\b|^ERROR: (LoadError: )?syntax: ", re.MULTILINE)
JULIA_RESERVED = frozenset(
    [
        "baremodule",
        "begin",
        "break",
        "catch",
        "const",
        "continue",
        "do",
        "else",
        "elseif",
        "end",
        "export",
        "false",
        "finally",
        "for",
        "function",
        "global",
        "if",
        "import",
        "let",
        "local",
        "macro",
        "module",
        "quote",
        "return",
        "struct",
        "true",
        "try",
        "using",
        "while",
        "abstract",
        "mutable",
        "primitive",
        "type",
        "where",
        "in",
        "isa",
        "outer",
        "candidate",
    ]
)
# Base functions spelled like Python identifiers that a natural body calls: a parameter of one of these names
# hides the function (`string` hides `string(x)`, `values` hides `values(d)`).
JULIA_BASE = frozenset(
    [
        "abs",
        "all",
        "any",
        "collect",
        "count",
        "div",
        "enumerate",
        "filter",
        "first",
        "floor",
        "join",
        "keys",
        "last",
        "length",
        "map",
        "max",
        "min",
        "mod",
        "parse",
        "print",
        "println",
        "push",
        "range",
        "reverse",
        "round",
        "sort",
        "split",
        "string",
        "sum",
        "typeof",
        "unique",
        "values",
        "zip",
    ]
)

# Deep equality with floats compared within FLOAT_TOLERANCE, as a scalar float is; defined before the
# `@testset` only when an assertion calls it.
_SAME_HELPER = f"""\
__same(a::AbstractFloat, b::AbstractFloat) = isapprox(a, b; atol = {FLOAT_TOLERANCE!r})
__same(a::Union{{AbstractVector,Tuple}}, b::Union{{AbstractVector,Tuple}}) =
    length(a) == length(b) && all(__same(x, y) for (x, y) in zip(a, b))
__same(a::AbstractDict, b::AbstractDict) = keys(a) == keys(b) && all(__same(a[k], b[k]) for k in keys(a))
__same(a, b) = a == b

"""


class Julia(Language):
    name = "julia"
    display_name = "Julia"
    multipl_e_name = "jl"
    file_ext = "jl"
    runtime = "julia"
    debian_packages = ()  # none: see install_hint
    probe_program = "using Test\n@test 1 + 1 == 2\n"
    translate_defaults = TranslateDefaults(multipl_t=True)
    stop_tokens = ("\nfunction", "\nmacro", "\n\n")
    harness_marker = "\nusing Test"
    terms = Terms(
        list="vector",
        array="vector",
        tuple="tuple",
        dictionary="dictionary",
        none="nothing",
        true="true",
        false="false",
    )
    reserved = JULIA_RESERVED | JULIA_BASE
    lexicon = Lexicon(
        keywords=words(
            """begin break catch const continue do else elseif end export false finally for function global if
            import let local macro module quote return struct true try using while in Int64 Float64 String Bool
            Vector Dict Tuple Nothing nothing"""
        ),
        line_comments=("#",),
        block_comments=(("#=", "=#"),),
        prose_strings=(('"""', '"""'),),
    )

    @property
    def install_hint(self) -> str:
        return (
            "Julia has no Debian package: install it from julialang.org, put `julia` on PATH and list its "
            "install dir in sandbox.extra_ro_paths"
        )

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, "--startup-file=no", "--history-file=no", path]

    # `@testset` prints `Test Failed` for a failed `@test` and `Error During Test` for an exception inside one,
    # then throws; a parse error is `ParseError` (1.10+) or `syntax:` before anything runs. Either stream.
    syntax_error_pattern = _SYNTAX
    assertion_pattern = re.compile("Test Failed")

    def syntax_failed(self, raw: RawResult) -> bool:
        return super().syntax_failed(raw) or _SYNTAX.search(raw.stdout) is not None

    def assertion_failed(self, raw: RawResult) -> bool:
        output = raw.stdout + raw.stderr
        return "Error During Test" not in output and self.assertion_pattern.search(output) is not None

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None) -> str:
        if ty is None:
            raise Untranslatable("untyped", "Julia needs a type from an annotation or the tests' values")
        simple = {
            "int": "Int64",
            "float": "Float64",
            "str": "String",
            "bool": "Bool",
            "None": "Nothing",
            "Any": "Any",
        }
        if ty.name in simple:
            return simple[ty.name]
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            return f"Vector{{{self.type_name(ty.args[0])}}}"
        if ty.name == "tuple":
            return f"Tuple{{{', '.join(self.type_name(a) for a in ty.args)}}}"
        if ty.name == "dict":
            return f"Dict{{{self.type_name(ty.args[0])}, {self.type_name(ty.args[1])}}}"
        if ty.name == "Optional":
            return f"Union{{{self.type_name(ty.args[0])}, Nothing}}"
        if ty.name == "Union":
            return f"Union{{{', '.join(self.type_name(a) for a in ty.args)}}}"
        raise Untranslatable("unsupported_type", f"Julia translation has no type for {ty}")

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        doc = "".join(f"{_docstring_safe(line)}".rstrip() + "\n" for line in description)
        params = ", ".join(f"{p.name}::{self.type_name(p.type)}" for p in sig.params)
        header = f"function {sig.name}({params})::{self.type_name(sig.returns)} \n"
        return f'"""{doc}"""\n{header}' if doc else header

    def placeholder_body(self, sig: Signature) -> str:
        return '    error("no solution")\nend\n'

    lookup_equal = "isequal({name}, {arg})"
    lookup_case = "    if {test} return {expected} end"
    lookup_tail = ('    error("no test has these arguments")', "end")

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "nothing"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "true" if value else "false"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        if ty is not None and ty.name == "float":
            return self.gen_float(float(value), ty)
        return str(check_int_range(value, -(2**63), 2**63 - 1, "does not fit Julia's Int64"))

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf="Inf")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return quote_string(value, _ESCAPES, "\\x{:02x}")

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        element = ty.element() if ty is not None else None
        if element is not None and (not items or element.name in ("Any", "Union", "Optional")):
            # A typed literal: `[]` alone is Vector{Any}, and `[1, nothing]` would not be Vector{Union{...}}.
            return f"{self.type_name(element)}[{', '.join(items)}]"
        return f"[{', '.join(items)}]"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        if ty is not None and ty.name == "tuple" and ty.variadic:
            return self.gen_list(items, values, ty)
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        entries = ", ".join(f"{k} => {v}" for k, v in pairs)
        if ty is not None and ty.name == "dict":
            return f"{self.type_name(ty)}({entries})"
        return f"Dict({entries})"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if inexact or (ty is not None and ty.name == "float"):
            return f"@test(isapprox({lhs}, {rhs}; atol = {FLOAT_TOLERANCE!r}))"
        if ty is not None and _float_inside(ty):
            return f"@test(__same({lhs}, {rhs}))"
        return f"@test({lhs} == {rhs})"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"\t{a}" for a in assertions)
        helper = _SAME_HELPER if "__same(" in body else ""
        return f"\nusing Test\n\n{helper}@testset begin\n\ncandidate = {entry_point};\n{body}\nend\n"


def _float_inside(ty: PyType) -> bool:
    """Whether a float sits inside a container of `ty` (a Union's members are looked into, not counted)."""
    if ty.name == "Union":
        return any(_float_inside(a) for a in ty.args)
    return any(a.contains("float") for a in ty.args)


def _docstring_safe(line: str) -> str:
    """A description line inside a `\"\"\"` docstring: no interpolation, no escapes, no early close."""
    return line.replace("\\", "\\\\").replace("$", "\\$").replace('"""', '\\"\\"\\"')


def syntax_errors(source: str) -> list[str]:
    """Where the tree-sitter Julia grammar finds an error or a missing token in `source` (empty: it parses).
    Needs the `tree-sitter` and `tree-sitter-julia` packages (the dev extra)."""
    import tree_sitter
    import tree_sitter_julia

    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_julia.language()))
    tree = parser.parse(source.encode())
    found: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, col = node.start_point
            found.append(f"{row + 1}:{col + 1}: {'missing ' + node.type if node.is_missing else 'error'}")
        elif node.has_error:
            stack.extend(node.children)
    return found
