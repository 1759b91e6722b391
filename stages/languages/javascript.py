"""JavaScript on Node.js (Debian `nodejs`): MultiPL-E's prompt shape, values and a `node:assert` harness."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    FLOAT_TOLERANCE,
    Language,
    OracleCase,
    Signature,
    Terms,
    Untranslatable,
    c_like_lexicon,
    check_int_range,
    float_repr,
    words,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import Limits

# V8 reserves address space up front: measured here (node 20), node fails to start under 640 MiB and starts
# under 768 MiB; 1 GiB leaves headroom.
NODE_ADDRESS_SPACE_MB = 1024
_SAFE_INT = 2**53  # JavaScript numbers are doubles: integers are exact up to 2^53
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
        # Globals a natural body calls (a parameter of the same name hides them) and the harness's names.
        "parseInt",
        "parseFloat",
        "isNaN",
        "isFinite",
        "require",
        "assert",
        "candidate",
    ]
)

# Deep equality for expected values that hold Python's None or floats: null and undefined both stand for None
# (MultiPL-E's loose `assert.deepEqual` accepts either; a natural body returns either), numbers compare within
# the float tolerance at any depth, everything else strictly. `{any}`, `{num}` and `{ret}` are TypeScript's
# annotations (`same_helper`).
_SAME_HELPER = """
function __same(got{any}, want{any}){ret} {
  if (want === undefined || want === null) return got === undefined || got === null;
  if (typeof want === 'number') return typeof got === 'number' && (got === want || Math.abs(got - want) < %TOL%);
  if (Array.isArray(want)) {
    return Array.isArray(got) && got.length === want.length && want.every((w{any}, i{num}) => __same(got[i], w));
  }
  if (typeof want === 'object') {
    const keys = Object.keys(want);
    return typeof got === 'object' && got !== null && !Array.isArray(got) && Object.keys(got).length === keys.length
      && keys.every((k) => Object.prototype.hasOwnProperty.call(got, k) && __same(got[k], want[k]));
  }
  return got === want;
}
""".replace("%TOL%", repr(FLOAT_TOLERANCE))


def same_helper(*, typed: bool) -> str:
    """The `__same` helper in JavaScript, or with TypeScript's annotations."""
    spelled = {"{any}": ": any", "{num}": ": number", "{ret}": ": boolean"}
    text = _SAME_HELPER
    for mark, annotation in spelled.items():
        text = text.replace(mark, annotation if typed else "")
    return text


def needs_same(expected: object) -> bool:
    """Whether a test's expected value holds a None or a float inside a container (the `__same` helper)."""
    if expected is None:
        return True
    if isinstance(expected, list | tuple):
        return any(v is None or isinstance(v, float) or needs_same(v) for v in expected)
    if isinstance(expected, dict):
        return needs_same(list(expected.values()))
    return False


class JavaScript(Language):
    name = "javascript"
    display_name = "JavaScript"
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
    one_number_type = True  # numbers are doubles: f(3) and f(3.0) are one call
    reserved = JS_RESERVED
    lexicon = c_like_lexicon(
        words(
            """break case catch class const continue default delete do else export extends false finally for
            function if import in instanceof let new null return switch this throw true try typeof undefined var
            void while of length"""
        ),
        raw_strings=(("`", "`"),),
    )
    # node exits 1 on an uncaught error and prints its name first on a line of stderr: `SyntaxError` while
    # parsing, `AssertionError [ERR_ASSERTION]` from a failed assertion, anything else is an exception.
    syntax_error_pattern = re.compile(r"^SyntaxError\b", re.MULTILINE)
    assertion_pattern = re.compile(r"^AssertionError\b|\bAssertionError \[ERR_ASSERTION\]", re.MULTILINE)

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, path]

    def limits(self, base: Limits) -> Limits:
        return base.override(address_space_mb=max(base.address_space_mb, NODE_ADDRESS_SPACE_MB))

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f"// {line}".rstrip() + "\n" for line in description)
        params = ", ".join(p.name for p in sig.params)
        return f"{comment}function {sig.name}({params}) {{\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "  return undefined;\n}\n"

    def lookup_test(self, sig: Signature, case: OracleCase) -> str:
        params = ", ".join(p.name for p in sig.params)
        return f"require('node:util').isDeepStrictEqual([{params}], [{', '.join(case.args)}])"

    lookup_case = "  if ({test}) return {expected};"
    lookup_tail = ('  throw new Error("no test has these arguments");', "}")

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
        if needs_same(expected):
            return f"assert.ok(__same({lhs}, {rhs}));"
        return f"assert.deepStrictEqual({lhs}, {rhs});"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"  {a}" for a in assertions)
        helper = same_helper(typed=False) if "__same(" in body else ""
        return (
            f"\nconst assert = require('node:assert');\n\n\nfunction test() {{\n  let candidate = {entry_point};\n"
            f"{body}\n}}\n{helper}\ntest();\n"
        )
