"""Lua 5.4 with luaunit (Debian `lua5.4`, `lua-unit`): MultiPL-E's prompt, values and harness."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    BASIC_ESCAPES,
    FLOAT_TOLERANCE,
    EditSequences,
    Language,
    Lexicon,
    Signature,
    Terms,
    TranslateDefaults,
    Untranslatable,
    check_int_range,
    contains_float,
    float_repr,
    quote_string,
    words,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import RawResult

# A load (parse) error: `lua5.4: main.lua:3: unexpected symbol near 'end'` with no stack traceback.
_LOAD_ERROR = re.compile(r"^\S+: [^\n]*:\d+: ", re.MULTILINE)
# One token that matters to the comment-line scan: a long comment or string opener, a line comment, a string.
_LUA_TOKEN = re.compile(r"""--\[(=*)\[|\[(=*)\[|--|"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")

# The globals of Lua's standard library and the harness's `lu`: a parameter of one of these names hides it
# (`string` would hide string.sub and string.format from a natural body).
LUA_GLOBALS = frozenset(
    [
        "assert",
        "collectgarbage",
        "coroutine",
        "debug",
        "dofile",
        "error",
        "getmetatable",
        "io",
        "ipairs",
        "load",
        "loadfile",
        "math",
        "next",
        "os",
        "package",
        "pairs",
        "pcall",
        "print",
        "rawequal",
        "rawget",
        "rawlen",
        "rawset",
        "require",
        "select",
        "setmetatable",
        "string",
        "table",
        "tonumber",
        "tostring",
        "type",
        "utf8",
        "xpcall",
        "lu",
    ]
)


class Lua(Language):
    name = "lua"
    display_name = "Lua"
    multipl_e_name = "lua"
    file_ext = "lua"
    runtime = "lua5.4"
    debian_packages = ("lua5.4", "lua-unit")
    probe_program = "local lu = require('luaunit')\n"
    version_flag = "-v"
    lexicon = Lexicon(
        keywords=words(
            """and break do else elseif end false for function goto if in local nil not or repeat return then
            true until while"""
        ),
        line_comments=("--",),
        block_comments=(("--[[", "]]"),),
        quotes=('"', "'"),
        raw_strings=(("[[", "]]"),),
    )
    edit_sequences = EditSequences(linter="luacheck", fence_tags=("lua",))
    translate_defaults = TranslateDefaults(multipl_t=True)
    stop_tokens = ("\nlocal", "\nfunction", "\n--", "\n\n")
    harness_marker = "\nlu = require('luaunit')"
    terms = Terms(
        list="table", array="table", tuple="table", dictionary="table", none="nil", true="true", false="false"
    )
    reserved = LUA_GLOBALS | frozenset(
        [
            "and",
            "break",
            "do",
            "else",
            "elseif",
            "end",
            "false",
            "for",
            "function",
            "goto",
            "if",
            "in",
            "local",
            "nil",
            "not",
            "or",
            "repeat",
            "return",
            "then",
            "true",
            "until",
            "while",
        ]
    )

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, path]

    # luaunit prints its report to stdout and exits with the number of failed tests; a parse error is reported
    # by the interpreter on stderr, without a traceback, before anything runs.
    syntax_error_pattern = _LOAD_ERROR
    assertion_pattern = re.compile("Failed tests:")

    def library_missing(self, raw: RawResult) -> bool:
        return "module 'luaunit' not found" in raw.stderr

    def syntax_failed(self, raw: RawResult) -> bool:
        return "stack traceback:" not in raw.stderr and super().syntax_failed(raw)

    def assertion_failed(self, raw: RawResult) -> bool:
        return self.assertion_pattern.search(raw.stdout) is not None

    def comment_lines(self, lines: Sequence[str]) -> set[int]:
        """`--` lines, and lines that start inside a long bracket (`--[[ ... ]]`, `[==[ ... ]==]`): a line-based
        approximation (a bracket inside a string literal fools it); a wrong guess only changes which lines
        LintSeq picks, never whether a state lints clean."""
        out: set[int] = set()
        closing = ""  # the `]==]` that ends the long bracket the scan is inside ("" when outside)
        for i, line in enumerate(lines):
            if closing or line.lstrip().startswith("--"):
                out.add(i)
            position = 0
            while position <= len(line):
                if closing:
                    end = line.find(closing, position)
                    if end < 0:
                        break
                    position, closing = end + len(closing), ""
                    continue
                token = _LUA_TOKEN.search(line, position)
                if token is None or token.group(0) == "--":
                    break  # the rest of the line is code without brackets, or a line comment
                level = token.group(1) if token.group(1) is not None else token.group(2)
                if level is not None:
                    closing = "]" + level + "]"
                position = token.end()
        return out

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f"-- {line}".rstrip() + "\n" for line in description)
        params = ", ".join(p.name for p in sig.params)
        return f"{comment}local function {sig.name}({params})\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "    return nil\nend\n"

    lookup_and = " and "
    lookup_head = (
        "    local function eq(a, b)",
        # math.type: 3 and 3.0 are equal in Lua but a body can tell them apart, and tests do (HumanEval/92).
        "        if type(a) ~= type(b) or math.type(a) ~= math.type(b) then return false end",
        '        if type(a) ~= "table" then return a == b end',
        "        for k, v in pairs(a) do if not eq(v, b[k]) then return false end end",
        "        for k in pairs(b) do if a[k] == nil then return false end end",
        "        return true",
        "    end",
    )
    lookup_equal = "eq({name}, {arg})"
    lookup_case = "    if {test} then return {expected} end"
    lookup_tail = ('    error("no test has these arguments")', "end")

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "nil"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "true" if value else "false"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        return str(check_int_range(value, -(2**63), 2**63 - 1, "does not fit Lua's 64-bit integers"))

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf="math.huge")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return quote_string(value, BASIC_ESCAPES, "\\{:03d}")

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        if any(v is None for v in values):
            # nil ends a Lua sequence: {1, nil, 3} has no well-defined length, so the test would mean nothing.
            raise Untranslatable("nil_in_table", "a list holding None")
        return "{" + ", ".join(items) + "}"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return self.gen_list(items, values, ty)

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        if any(v is None for v in values.values()):
            raise Untranslatable("nil_in_table", "a dict value None")
        return "{" + ", ".join(f"[{k}] = {v}" for k, v in pairs) + "}"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        # assertAlmostEquals compares numbers, and numbers inside tables, within the margin; it rejects
        # other types, so it is used only where the expected value holds a float.
        if inexact or contains_float(expected):
            return f"lu.assertAlmostEquals({lhs}, {rhs}, {FLOAT_TOLERANCE!r})"
        return f"lu.assertEquals({lhs}, {rhs})"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}" for a in assertions)
        return (
            f"\nlu = require('luaunit')\n\nfunction test_humaneval()\n    local candidate = {entry_point}\n"
            f"{body}\nend\n\nos.exit(lu.LuaUnit.run())\n"
        )
