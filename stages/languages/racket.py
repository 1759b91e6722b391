"""Racket with rackunit (Debian `racket`): MultiPL-E's prompt, values and harness.

The prompt keeps `#lang racket` (not `racket/base`): model-written Racket leans on racket/list, racket/string,
racket/math, `match` and `~a`, which only the full language provides. Measured here, a program with rackunit
costs ~0.55 s of CPU under `#lang racket` and ~0.40 s under `racket/base` plus racket/list, string, math,
match, function, bool, vector and rackunit: the difference is the price of not failing correct programs.
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
    float_repr,
    quote_string,
    words,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import RawResult

# Errors raised while reading or expanding the module, before any of it runs: compile errors.
_COMPILE_ERROR = re.compile(
    r"read-syntax: |\bread: |: bad syntax\b|: unbound identifier\b|: duplicate (argument|definition)"
)

# Bindings of `#lang racket` spelled like Python identifiers that a natural body calls: a parameter of one of
# these names hides the function (`string` hides `(string c)`, `values` hides `(values a b)`).
RACKET_BINDINGS = frozenset(
    [
        "abs",
        "add1",
        "append",
        "apply",
        "assoc",
        "car",
        "cdr",
        "cons",
        "count",
        "error",
        "exp",
        "expt",
        "filter",
        "first",
        "floor",
        "format",
        "hash",
        "identity",
        "last",
        "length",
        "list",
        "map",
        "max",
        "member",
        "min",
        "modulo",
        "not",
        "quotient",
        "range",
        "remainder",
        "remove",
        "rest",
        "reverse",
        "round",
        "second",
        "set",
        "sort",
        "sqrt",
        "string",
        "sub1",
        "truncate",
        "values",
        "vector",
        "void",
        "candidate",
    ]
)


class Racket(Language):
    name = "racket"
    display_name = "Racket"
    multipl_e_name = "rkt"
    file_ext = "rkt"
    runtime = "racket"
    debian_packages = ("racket",)
    probe_program = "#lang racket\n(require rackunit)\n"
    translate_defaults = TranslateDefaults(multipl_t=True)
    stop_tokens = ("\n(define ", "\n#|", "\n;", "\n(")
    harness_marker = "\n(require rackunit)"
    terms = Terms(
        list="list", array="list", tuple="list", dictionary="hash", none="#f", true="#t", false="#f"
    )
    reserved = RACKET_BINDINGS
    lexicon = Lexicon(
        keywords=words(
            """define lambda let let* letrec if cond else when unless and or not begin set! quote list cons car
            cdr null null? empty? + - * / = < > <= >= equal? eq? for for/list for/fold length append string-length
            #lang racket #t #f"""
        ),
        line_comments=(";",),
        block_comments=(("#|", "|#"),),
        identifier=r"[^\s()\[\]{}\",'`;|0-9][^\s()\[\]{}\",'`;|]*",
        brackets_as_parens=True,
    )

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, path]

    syntax_error_pattern = _COMPILE_ERROR
    assertion_pattern = re.compile("\nFAILURE\n")

    def passed(self, raw: RawResult) -> bool:
        """rackunit reports a failed check on stderr and carries on, so the program exits 0 either way: only
        an exit of 0 with nothing at all on stderr (by total byte count, not the kept head) is OK."""
        return raw.exit_code == 0 and raw.stderr_bytes == 0

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f";; {line}".rstrip() + "\n" for line in description)
        header = " ".join([sig.name, *(p.name for p in sig.params)])
        return f"#lang racket\n\n{comment}(define ({header})\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "  #f)\n"

    lookup_and = " "
    lookup_always = ""  # `(and)` is true
    lookup_head = ("  (cond",)
    lookup_equal = "(equal? {name} {arg})"
    lookup_case = "    [(and {test}) {expected}]"
    lookup_tail = ('    [else (error "no test has these arguments")]))',)

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "#f"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "#t" if value else "#f"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        return str(value)

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf="+inf.0", neg_inf="-inf.0")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return quote_string(value, BASIC_ESCAPES, "\\u{:04x}")

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return f"(list {' '.join(items)})" if items else "(list)"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return self.gen_list(items, values, ty)

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        # `hash` evaluates its arguments (a `#hash(...)` literal would quote nested `(list ...)` forms) and
        # builds the same immutable equal?-based table.
        return "(hash " + " ".join(f"{k} {v}" for k, v in pairs) + ")" if pairs else "(hash)"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"({' '.join([func, *args])})"

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        # check-within is equal? with numbers (inside lists and hashes too) compared within the margin, so
        # 2 and 2.0 agree as they do in Python.
        return f"(check-within {lhs} {rhs} {FLOAT_TOLERANCE!r})"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}" for a in assertions)
        return (
            f"\n(require rackunit)\n\n(define (test-humaneval)\n  (let ((candidate {entry_point}))\n{body}\n))\n\n"
            "(test-humaneval)\n"
        )
