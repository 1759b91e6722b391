"""OCaml (the `ocaml` toplevel from Debian `ocaml-nox`, as MultiPL-E runs it): type-directed prompt and values.

Types as MultiPL-E: `int`, `float`, `string`, `bool`, `T list`, `a * b`, dicts as association lists
`(K * V) list`, `T option` for Optional (values wrapped in `Some`); Union, Any and missing types make the
problem untranslatable. Integers in float positions get a decimal point and negative numbers are
parenthesised, since `f -1` is a subtraction in OCaml.
"""

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
    float_repr,
    quote_string,
    require_type,
    words,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import RawResult

# A compile-time error of the toplevel (syntax or type): `File "main.ml", line 3, ...` then `Error: ...`.
_COMPILE_ERROR = re.compile(r"^Error: ", re.MULTILINE)
_COMMENT_MARK = re.compile(r"\(\*|\*\)")
OCAML_RESERVED = frozenset(
    [
        "and",
        "as",
        "assert",
        "asr",
        "begin",
        "class",
        "constraint",
        "do",
        "done",
        "downto",
        "else",
        "end",
        "exception",
        "external",
        "false",
        "for",
        "fun",
        "function",
        "functor",
        "if",
        "in",
        "include",
        "inherit",
        "initializer",
        "land",
        "lazy",
        "let",
        "lor",
        "lsl",
        "lsr",
        "lxor",
        "match",
        "method",
        "mod",
        "module",
        "mutable",
        "new",
        "nonrec",
        "object",
        "of",
        "open",
        "or",
        "private",
        "rec",
        "sig",
        "struct",
        "then",
        "to",
        "true",
        "try",
        "type",
        "val",
        "virtual",
        "when",
        "while",
        "with",
        "candidate",
        "assertions",
    ]
)
# Stdlib values spelled like Python identifiers that a natural body calls: a parameter of one of these names
# hides the function (`max` hides `max a b`).
OCAML_STDLIB = frozenset(
    [
        "abs",
        "compare",
        "decr",
        "failwith",
        "float",
        "float_of_int",
        "fst",
        "ignore",
        "incr",
        "int_of_float",
        "int_of_string",
        "max",
        "min",
        "not",
        "pred",
        "ref",
        "snd",
        "string_of_int",
        "succ",
        "truncate",
    ]
)


class OCaml(Language):
    name = "ocaml"
    display_name = "OCaml"
    multipl_e_name = "ml"
    file_ext = "ml"
    runtime = "ocaml"
    debian_packages = ("ocaml-nox",)
    probe_program = "let () = assert (1 + 1 = 2)\n"
    # Type annotations make OCaml longer: the embedded run's 64 tokens become 96.
    translate_defaults = TranslateDefaults(multipl_t=True, max_tokens_scale=1.5)
    stop_tokens = ("\n\n", "\n(*", "\ntype", "\nlet")
    harness_marker = "\nlet assertions"
    terms = Terms(
        list="list",
        array="list",
        tuple="tuple",
        dictionary="association list",
        none="None",
        true="true",
        false="false",
    )
    reserved = OCAML_RESERVED | OCAML_STDLIB
    lexicon = Lexicon(
        keywords=words(
            """and as assert begin class do done downto else end exception external false for fun function if in
            include let match method module mutable new not of open or rec sig struct then to true try type val
            when while with list int float string bool unit option"""
        ),
        line_comments=(),
        block_comments=(("(*", "*)"),),
    )
    edit_sequences = EditSequences(linter="ocaml", fence_tags=("ocaml", "ml"))

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, path]

    # The toplevel prints `Exception: Assert_failure ...` for a failed assert, `Error: Syntax error` (or a type
    # error, also a compile error) before running a phrase, and exits 2 on either.
    syntax_error_pattern = _COMPILE_ERROR
    assertion_pattern = re.compile("Assert_failure")

    def syntax_failed(self, raw: RawResult) -> bool:
        # A failed assert wins over an `Error: ` line (the program may print one).
        return not self.assertion_failed(raw) and super().syntax_failed(raw)

    def comment_lines(self, lines: Sequence[str]) -> set[int]:
        """Lines that start with `(*` or inside a (nested) `(* ... *)` comment: a line-based approximation."""
        out: set[int] = set()
        depth = 0  # OCaml comments nest
        for i, line in enumerate(lines):
            if depth > 0 or line.lstrip().startswith("(*"):
                out.add(i)
            for token in _COMMENT_MARK.findall(line):
                depth = depth + 1 if token == "(*" else max(depth - 1, 0)
        return out

    def safe_name(self, name: str) -> str:
        # Capitalised names are constructors and modules in OCaml.
        return super().safe_name(f"x{name}" if name[:1].isupper() else name)

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None) -> str:
        ty = require_type(ty, "OCaml")
        simple = {"int": "int", "float": "float", "str": "string", "bool": "bool"}
        if ty.name in simple:
            return simple[ty.name]
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            return f"{self._atom(ty.args[0])} list"
        if ty.name == "tuple":
            return " * ".join(self._atom(a) for a in ty.args)
        if ty.name == "dict":
            return f"({self.type_name(ty.args[0])} * {self.type_name(ty.args[1])}) list"
        if ty.name == "Optional":
            return f"{self._atom(ty.args[0])} option"
        raise Untranslatable("unsupported_type", f"OCaml translation has no type for {ty}")

    def _atom(self, ty: PyType) -> str:
        name = self.type_name(ty)
        return f"({name})" if " * " in name else name

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        lines = [_comment_safe(line) for line in description]
        text = "\n".join(lines)
        if text.count('"') % 2:  # an unbalanced quote opens a string the comment would never close
            lines = [line.replace('"', "'") for line in lines]
        comment = "(**" + "".join(f"{line}".rstrip() + "\n" for line in lines) + "*)\n" if lines else ""
        params = " ".join(f"({p.name} : {self.type_name(p.type)})" for p in sig.params) or "()"
        return f"{comment}let {sig.name} {params} : {self.type_name(sig.returns)} =\n"

    def placeholder_body(self, sig: Signature) -> str:
        return '  failwith "no solution"\n'

    lookup_equal = "{name} = {arg}"
    lookup_case = "  if {test} then {expected} else"
    lookup_tail = ('  failwith "no test has these arguments"',)

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "None"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "true" if value else "false"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        if ty is not None and ty.name == "float":
            return self.gen_float(float(value), ty)
        check_int_range(value, -(2**62), 2**62 - 1, "does not fit OCaml's 63-bit int")
        return str(value) if value >= 0 else f"({value})"

    def gen_float(self, value: float, ty: PyType | None) -> str:
        text = float_repr(value, inf="infinity", neg_inf="neg_infinity")
        return f"({text})" if value < 0 and text != "neg_infinity" else text

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return quote_string(value, BASIC_ESCAPES, "\\{:03d}")

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return "[" + "; ".join(items) + "]"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        if ty is not None and ty.name == "tuple" and ty.variadic:
            return self.gen_list(items, values, ty)
        return "(" + ", ".join(items) + ")"

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        return "[" + "; ".join(f"({k}, {v})" for k, v in pairs) + "]"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func} {' '.join(args)}" if args else f"{func} ()"

    def coerce(self, code: str, value: object, ty: PyType | None) -> str:
        if ty is not None and ty.optional and value is not None:
            return f"(Some {code})"
        return code

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if inexact or (ty is not None and ty.name == "float"):
            return f"assert (Float.abs (({lhs}) -. {rhs}) < {FLOAT_TOLERANCE!r});"
        if ty is not None and ty.contains("float"):  # floats inside a container: a type-directed comparator
            return f"assert ({_equality(ty)} ({lhs}) {rhs});"
        return f"assert (({lhs}) = {rhs});"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"  {a}" for a in assertions)
        return f"\nlet assertions =\n  let candidate = {entry_point} in\n{body}\n  ()\n"


def _equality(ty: PyType) -> str:
    """An OCaml function comparing two values of `ty`: floats within FLOAT_TOLERANCE, the rest with `=`."""
    if ty.name == "float":
        return f"(fun a b -> Float.abs (a -. b) < {FLOAT_TOLERANCE!r})"
    if not ty.contains("float"):
        return "( = )"
    if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
        return f"(List.equal {_equality(ty.args[0])})"
    if ty.name == "tuple":
        a = ", ".join(f"a{i}" for i in range(len(ty.args)))
        b = ", ".join(f"b{i}" for i in range(len(ty.args)))
        both = " && ".join(f"{_equality(t)} a{i} b{i}" for i, t in enumerate(ty.args))
        return f"(fun ({a}) ({b}) -> {both})"
    if ty.name == "dict":  # an association list of (key, value) pairs
        return f"(List.equal {_equality(PyType('tuple', ty.args))})"
    if ty.name == "Optional":
        return f"(Option.equal {_equality(ty.args[0])})"
    return "( = )"


def _comment_safe(line: str) -> str:
    """A description line that cannot open or close an OCaml comment."""
    return line.replace("(*", "( *").replace("*)", "* )")
