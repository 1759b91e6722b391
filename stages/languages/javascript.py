"""JavaScript on Node.js (Debian `nodejs`): MultiPL-E's prompt shape, values and a `node:assert` harness."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    FLOAT_TOLERANCE,
    Language,
    Signature,
    Status,
    Terms,
    Untranslatable,
    check_int_range,
    float_repr,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import Limits, RawResult

# V8 reserves address space up front: measured here (node 20), node fails to start under 640 MiB and starts
# under 768 MiB; 1 GiB leaves headroom.
NODE_ADDRESS_SPACE_MB = 1024
_SAFE_INT = 2**53  # JavaScript numbers are doubles: integers are exact up to 2^53
_SYNTAX = re.compile(r"^SyntaxError\b", re.MULTILINE)
_ASSERTION = re.compile(r"^AssertionError\b|\bAssertionError \[ERR_ASSERTION\]", re.MULTILINE)
JS_RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
        "arguments",
        "eval",
        "undefined",
        "NaN",
        "Infinity",
    ]
)


class JavaScript(Language):
    name = "javascript"
    multipl_e_name = "js"
    file_ext = "js"
    runtime = "node"
    debian_packages = ("nodejs",)
    probe_program = "require('node:assert').ok(true);\n"
    stop_tokens = ("\nfunction ", "\n/*", "\n//", "\nconsole.log")
    harness_marker = "\nconst assert = require('node:assert');"
    terms = Terms(
        list="array",
        array="array",
        tuple="array",
        dictionary="object",
        none="undefined",
        true="true",
        false="false",
    )
    reserved = JS_RESERVED

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, path]

    def limits(self, base: Limits) -> Limits:
        return base.override(address_space_mb=max(base.address_space_mb, NODE_ADDRESS_SPACE_MB))

    def classify(self, raw: RawResult) -> Status:
        """node exits 1 on an uncaught error and prints its name first on a line of stderr: `SyntaxError` while
        parsing, `AssertionError [ERR_ASSERTION]` from a failed assertion, anything else is an exception."""
        common = self.classify_common(raw)
        if common is not None:
            return common
        if raw.exit_code == 0:
            return Status.OK
        if _SYNTAX.search(raw.stderr):
            return Status.SYNTAX_ERROR
        if _ASSERTION.search(raw.stderr):
            return Status.ASSERTION_ERROR
        return Status.EXCEPTION

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f"// {line}".rstrip() + "\n" for line in description)
        params = ", ".join(p.name for p in sig.params)
        return f"{comment}function {sig.name}({params}) {{\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "  return undefined;\n}\n"

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "undefined"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "true" if value else "false"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        return str(check_int_range(value, -_SAFE_INT, _SAFE_INT, "is not exact as a JavaScript number"))

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf="Infinity")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        # JSON string syntax is JavaScript string syntax (node >= 10 accepts U+2028/2029 in literals too).
        return json.dumps(value)

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return f"[{', '.join(items)}]"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return self.gen_list(items, values, ty)

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        # Object keys are strings: an int key 1 is the property "1", as JavaScript code would build it.
        if not all(isinstance(k, str) or (isinstance(k, int) and not isinstance(k, bool)) for k in values):
            raise Untranslatable("non_string_dict_key", "JavaScript object keys are strings")
        keys = [json.dumps(str(k)) for k in values]
        return "{" + ", ".join(f"{k}: {v}" for k, (_, v) in zip(keys, pairs, strict=True)) + "}"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if inexact or isinstance(expected, float):
            return f"assert.ok(Math.abs({lhs} - {rhs}) < {FLOAT_TOLERANCE!r});"
        return f"assert.deepStrictEqual({lhs}, {rhs});"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"  {a}" for a in assertions)
        return (
            f"\nconst assert = require('node:assert');\n\n\nfunction test() {{\n  let candidate = {entry_point};\n"
            f"{body}\n}}\n\ntest();\n"
        )
