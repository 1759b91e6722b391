"""R (Debian `r-base-core`, run with Rscript): MultiPL-E's prompt, values and `stopifnot` harness."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    BASIC_ESCAPES,
    FLOAT_TOLERANCE,
    Language,
    Lexicon,
    OracleCase,
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
    from stages.sandbox import Limits

_MIN_NOFILE = 256
_DOUBLE_EXACT = 2**53  # R has no 64-bit integers: whole numbers are doubles, exact up to 2^53


class R(Language):
    name = "r"
    display_name = "R"
    multipl_e_name = "r"
    file_ext = "r"
    runtime = "Rscript"
    debian_packages = ("r-base-core",)
    probe_program = "stopifnot(TRUE)\n"
    translate_defaults = TranslateDefaults(multipl_t=True)
    stop_tokens = ("\n#", "\n```")
    harness_marker = "\ntest_humaneval <- function()"
    terms = Terms(
        list="vector",
        array="vector",
        tuple="list",
        dictionary="named list",
        none="NULL",
        true="TRUE",
        false="FALSE",
    )
    lexicon = Lexicon(
        keywords=words(
            "if else repeat while function for in next break TRUE FALSE NULL Inf NaN NA return c length"
        ),
        line_comments=("#",),
        quotes=('"', "'"),
    )
    # Rscript stops at the first error with exit 1: a parse error says `Error: unexpected ...`, a failed
    # `stopifnot` says `... is not TRUE`.
    syntax_error_pattern = re.compile(r"^Error: unexpected |unexpected end of input", re.MULTILINE)
    assertion_pattern = re.compile(r" is not TRUE$| are not all TRUE$", re.MULTILINE)
    one_number_type = True  # numbers are doubles: f(3) and f(3.0) are one call
    reserved = frozenset(
        [
            "if",
            "else",
            "repeat",
            "while",
            "function",
            "for",
            "next",
            "break",
            "TRUE",
            "FALSE",
            "NULL",
            "Inf",
            "NaN",
            "NA",
            "NA_integer_",
            "NA_real_",
            "NA_character_",
            "in",
        ]
    )

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, path]

    def limits(self, base: Limits) -> Limits:
        # R refuses to start when fewer than about 130 file descriptors may be open.
        return base.override(nofile=max(base.nofile, _MIN_NOFILE))

    def safe_name(self, name: str) -> str:
        # R names may not start with an underscore.
        return super().safe_name(f"x{name}" if name.startswith("_") else name)

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f"# {line}".rstrip() + "\n" for line in description)
        params = ", ".join(p.name for p in sig.params)
        return f"{comment}{sig.name} <- function({params}) {{\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "  NULL\n}\n"

    def lookup_test(self, sig: Signature, case: OracleCase) -> str:
        return f"identical(list({', '.join(p.name for p in sig.params)}), list({', '.join(case.args)}))"

    lookup_case = "  if ({test}) return({expected})"
    lookup_tail = ('  stop("no test has these arguments")', "}")

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "NULL"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "TRUE" if value else "FALSE"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        return str(check_int_range(value, -_DOUBLE_EXACT, _DOUBLE_EXACT, "is not exact as an R double"))

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf="Inf")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        return quote_string(value, BASIC_ESCAPES, "\\x{:02x}", nul="R strings cannot hold NUL")

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        """Atomic vectors `c(...)` for lists of one atomic kind (numbers, strings or booleans), as R code
        returns them; `list(...)` for anything else (nested, mixed, holding NULL)."""
        if not items:
            return "c()"
        return f"c({', '.join(items)})" if _atomic_kind(values) is not None else f"list({', '.join(items)})"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return f"list({', '.join(items)})"

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        if not all(isinstance(k, str) for k in values):
            raise Untranslatable("non_string_dict_key", "R named lists are keyed by strings")
        return f"list({', '.join(f'{k} = {v}' for k, v in pairs)})"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        # all.equal compares numbers within a tolerance (1.5e-8 relative by default) and recurses into lists.
        tolerance = f", tolerance = {FLOAT_TOLERANCE!r}" if inexact else ""
        return f"stopifnot(isTRUE(all.equal({lhs}, {rhs}{tolerance})))"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}" for a in assertions)
        return f"\ntest_humaneval <- function() {{\n    candidate <- {entry_point}\n{body}\n}}\ntest_humaneval()\n"


def _atomic_kind(values: Sequence[object]) -> str | None:
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("logical")
        elif isinstance(value, int | float):
            kinds.add("numeric")
        elif isinstance(value, str):
            kinds.add("character")
        else:
            return None
    return kinds.pop() if len(kinds) == 1 else None
