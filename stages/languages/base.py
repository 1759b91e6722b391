"""The interface every target language implements, and the statuses a program run ends in.

One module per language subclasses `Language` and is named once in the registry (`stages/languages/__init__.py`).
The generic Python-AST walker (`translate.py`) does the parsing and calls the hooks below with already
translated children and, for typed targets, the expected `PyType` (from an annotation or observed test values);
a hook that cannot express a value raises `Untranslatable(reason)`, which drops that one test (or prompt) with
the reason counted.
"""

from __future__ import annotations

import logging
import math
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.languages.builds import Build
    from stages.sandbox import Limits, RawResult, Sandbox

log = logging.getLogger(__name__)

# Tolerance of float comparisons in compiled tests: HumanEval's own float tests use `abs(a - b) < 1e-6`.
FLOAT_TOLERANCE = 1e-6


class Status(StrEnum):
    """How one program run ended: MultiPL-E's statuses, plus a runtime that is not installed."""

    OK = "OK"
    ASSERTION_ERROR = "AssertionError"
    EXCEPTION = "Exception"
    SYNTAX_ERROR = "SyntaxError"  # compile errors count here
    TIMEOUT = "Timeout"
    RUNTIME_MISSING = "RuntimeMissing"


class Untranslatable(Exception):
    """A value, test or prompt the target cannot express. `reason` is a short snake_case name (counted in
    funnels); `detail` says which construct, for logs."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class CompileError(Exception):
    """A program that a language's trusted compile step outside the sandbox (the javac service, TypeScript's
    checker) rejects before anything runs: it ends as a compile-phase SyntaxError. `message` is the compiler's
    diagnostics; `exit_code` the one the reference compiler exits with."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class RuntimeUnavailable(Exception):
    """A tool a language needs before the sandbox (e.g. the TypeScript compiler) is not installed: the run ends
    as RUNTIME_MISSING. The message says how to install it."""


@dataclass(frozen=True)
class Param:
    name: str
    type: PyType | None  # from the annotation, or observed in the tests; None when unknown


@dataclass(frozen=True)
class Signature:
    """The Python function a prompt declares: its name, parameters and return type."""

    name: str
    params: tuple[Param, ...]
    returns: PyType | None


@dataclass(frozen=True)
class OracleCase:
    """One compiled test as the oracle sees it: each argument as the harness writes it, the Python values, and
    the expected value as the harness writes it."""

    args: tuple[str, ...]
    values: tuple[object, ...]
    expected: str


@dataclass(frozen=True)
class Terms:
    """What Python's words for values are called in a language's prose (MultiPL-E's "reworded" terminology)."""

    list: str
    array: str
    tuple: str
    dictionary: str
    none: str
    true: str
    false: str


@dataclass(frozen=True)
class TranslateDefaults:
    """What translate@LANG uses for this language where `translate.per_language.LANG` leaves a key null (before
    falling back to `translate.shared`)."""

    # A MultiPL-T target (Lua, Racket, OCaml, Julia, R): translate's defaults give it a per_language entry, and
    # list it among the default languages when scripts/setup.sh installs its runtime (`debian_packages`).
    multipl_t: bool = False
    # Multiplies `translate.shared.sampling.max_tokens`: typed targets spell more (OCaml's annotations).
    max_tokens_scale: float = 1.0
    # Wall-clock seconds per candidate run; None: `translate.shared.wall_s`.
    wall_s: float | None = None


@dataclass(frozen=True)
class Lexicon:
    """How a language's source text is cut into lexemes (decontamination's lexer, stages/decont/lexer.py): its
    comments, string literals, identifiers and keywords. Cutting only, never parsing."""

    # Words kept as they are (every other identifier is normalised away).
    keywords: frozenset[str]
    line_comments: tuple[str, ...]
    block_comments: tuple[tuple[str, str], ...] = ()
    # Delimiters of string literals with backslash escapes ("'" only where it does not quote symbols).
    quotes: tuple[str, ...] = ('"',)
    # Delimiter pairs of literals whose text is documentation, lexed as prose (Julia's docstrings).
    prose_strings: tuple[tuple[str, str], ...] = ()
    # Delimiter pairs of raw strings without escapes (Lua long strings, Go/JS backticks).
    raw_strings: tuple[tuple[str, str], ...] = ()
    identifier: str = r"[A-Za-z_][A-Za-z0-9_]*"
    # Racket: [ and ] are interchangeable with ( and ).
    brackets_as_parens: bool = False


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text` (keyword lists written as prose)."""
    return frozenset(text.split())


def c_like_lexicon(keywords: frozenset[str], *, raw_strings: tuple[tuple[str, str], ...] = ()) -> Lexicon:
    """The lexicon of a language with C's comments and quotes (C, C++, Java, JavaScript, TypeScript, Go)."""
    return Lexicon(
        keywords=keywords,
        line_comments=("//",),
        block_comments=(("/*", "*/"),),
        quotes=('"', "'"),
        raw_strings=raw_strings,
    )


@dataclass(frozen=True)
class EditSequences:
    """What LintSeq (stages/editseq) needs of a language whose programs it rewrites as edit sequences."""

    # The linter that checks every state (a name in stages/editseq/linters.py); None: the lintseq stage's
    # `linter` parameter picks it (Python's pyflakes or pylint), and `compile()` is the syntax pre-check.
    linter: str | None
    # Tags of a response's fenced blocks that hold the program (```ocaml and ```ml).
    fence_tags: tuple[str, ...]


class IncompleteLanguage(TypeError):
    """A Language subclass that lacks attributes or hooks every language must provide; the message names them."""


class Language(ABC):
    """One target language. Subclasses set the class attributes and implement the abstract hooks; `missing()`
    lists what a subclass still lacks (tests/languages/test_registry.py checks every registered language)."""

    # Registry key and output file stem, e.g. "racket" -> data/benchmark/racket.jsonl.
    name: ClassVar[str]
    # How prose names the language ("C++"): evaluation's instructions and CodeM's instruction rows.
    display_name: ClassVar[str]
    # How decontamination cuts its programs into lexemes (Python's goes through `tokenize` instead, pylex.py,
    # whose indentation blocks the token method needs; its lexicon still gives the comment lines).
    lexicon: ClassVar[Lexicon]
    # LintSeq's needs (fence tags, linter; `comment_lines` below); None: LintSeq does not take this language.
    edit_sequences: ClassVar[EditSequences | None] = None
    # MultiPL-E's short name, written in the `language` field of benchmark rows ("rkt" for Racket).
    multipl_e_name: ClassVar[str]
    file_ext: ClassVar[str]
    # The interpreter or compiler whose absence makes a run RUNTIME_MISSING (and whose version is recorded).
    runtime: ClassVar[str]
    # Where a generation should stop (MultiPL-E's stop tokens for this language).
    stop_tokens: ClassVar[tuple[str, ...]]
    # The text that starts the test harness in a full program; `cut_harness` cuts there (MultiPL-T's markers).
    harness_marker: ClassVar[str]
    terms: ClassVar[Terms]
    # Identifiers a Python parameter name may not become; such a name gets a trailing underscore.
    reserved: ClassVar[frozenset[str]] = frozenset()
    # True for the source language itself: benchmark prompts and tests are kept verbatim, not translated.
    verbatim_source: ClassVar[bool] = False
    # True where ints and floats are one type at run time (JavaScript's and R's doubles): the tests `f(3)` and
    # `f(3.0)` are then one call, and the walker judges duplicates and contradictions accordingly.
    one_number_type: ClassVar[bool] = False

    # --- installing and probing the runtime ----------------------------------------------------------------
    # The Debian packages scripts/setup.sh installs for this language (tests/languages/test_registry.py checks
    # that it does); () for a runtime setup.sh does not install (see `install_hint`).
    debian_packages: ClassVar[tuple[str, ...]]
    # A complete program that exits 0 exactly when the runtime and its test library work.
    probe_program: ClassVar[str]
    # The argument that makes `runtime` print its version (recorded with every result).
    version_flag: ClassVar[str] = "--version"
    translate_defaults: ClassVar[TranslateDefaults] = TranslateDefaults()

    @property
    def install_hint(self) -> str:
        """How to install the runtime, for messages about a missing one."""
        return (
            f"run `bash scripts/setup.sh` (it installs the Debian packages {', '.join(self.debian_packages)})"
        )

    # --- running programs ----------------------------------------------------------------------------------

    @property
    def program_file(self) -> str:
        return f"main.{self.file_ext}"

    @abstractmethod
    def run_argv(self, path: str) -> list[str]:
        """The command that runs the program at `path` (relative to the sandbox's work dir)."""

    def program_files(self, program: str) -> dict[str, str]:
        """The files a run of `program` needs in its work dir (default: the program alone, as `program_file`).
        Raises CompileError when the program is rejected before it can run."""
        return {self.program_file: program}

    def compile_argv(self, path: str) -> list[str] | None:
        """The command that compiles the program first, for compiled languages; None for interpreters."""
        return None

    def build_ro_paths(self) -> tuple[str, ...]:
        """Host paths the reference build's compiler needs shown read-only in the sandbox (beyond /usr)."""
        return ()

    def build(self, program: str, sandbox: Sandbox, limits: Limits) -> Build:
        """How a run of `program` is built (`builds.py`): by default its reference build (`program_files`,
        then `compile_argv` inside the sandbox); a compiled language may return a cheaper one with the same
        verdict. Raises CompileError or RuntimeUnavailable as `program_files` does."""
        from stages.languages.builds import reference

        return reference(self, program)

    def env(self) -> Mapping[str, str]:
        """Extra environment variables for runs (on top of the sandbox's scrubbed environment)."""
        return {}

    def limits(self, base: Limits) -> Limits:
        """This language's limits, given the configured defaults (e.g. more address space for a JVM)."""
        return base

    # How a failed run reads (MultiPL-E's per-language rules, from each runtime's real behaviour): stderr that
    # `syntax_error_pattern` matches did not parse (languages that parse as they run; None: a compile phase
    # says it, `classify_common`), stderr that `assertion_pattern` matches failed a test. The hooks
    # `syntax_failed` and `assertion_failed` read them; a language whose runtime reports elsewhere overrides those.
    syntax_error_pattern: ClassVar[re.Pattern[str] | None] = None
    assertion_pattern: ClassVar[re.Pattern[str]]

    def classify(self, raw: RawResult) -> Status:
        """Turn a raw sandbox result into a Status: what every language reads alike (`classify_common`), then a
        pass (`passed`), a missing test library, a syntax error, a failed assertion, else an exception."""
        common = self.classify_common(raw)
        if common is not None:
            return common
        if self.passed(raw):
            return Status.OK
        if self.library_missing(raw):
            return Status.RUNTIME_MISSING
        if self.syntax_failed(raw):
            return Status.SYNTAX_ERROR
        if self.assertion_failed(raw):
            return Status.ASSERTION_ERROR
        return Status.EXCEPTION

    def passed(self, raw: RawResult) -> bool:
        """The run passed every test (by default: it exited 0)."""
        return raw.exit_code == 0

    def library_missing(self, raw: RawResult) -> bool:
        """A failed run whose test library is not installed (the runtime itself is, or classify_common says)."""
        return False

    def syntax_failed(self, raw: RawResult) -> bool:
        return (
            self.syntax_error_pattern is not None and self.syntax_error_pattern.search(raw.stderr) is not None
        )

    def assertion_failed(self, raw: RawResult) -> bool:
        return self.assertion_pattern.search(raw.stderr) is not None

    def classify_common(self, raw: RawResult) -> Status | None:
        """The outcomes every language reads the same way: missing runtime, timeout, a failed compile phase
        (a SyntaxError). None when the language must look closer."""
        if raw.runtime_missing:
            return Status.RUNTIME_MISSING
        if raw.timed_out:
            return Status.TIMEOUT
        if raw.oom:  # the kernel killed a process of the run (compiler included): failed, whatever it printed
            return Status.EXCEPTION
        if raw.phase == "compile":
            return Status.SYNTAX_ERROR
        return None

    # --- prompts -------------------------------------------------------------------------------------------

    @abstractmethod
    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        """The prompt: `description` lines (already reworded, doctests translated) as a comment, then the
        function header, ending where the model's completion begins."""

    @abstractmethod
    def placeholder_body(self, sig: Signature) -> str:
        """A trivial completion that makes `prompt(sig, ...)` a complete, syntactically valid function."""

    # --- the oracle's completion (stages/languages/oracle.py) -----------------------------------------------
    # A lookup table: for each case, when the arguments equal its arguments, return its expected value; else
    # fail. It proves the compiled tests satisfiable. The base writes the table from the language's templates:
    # `lookup_equal` compares one parameter ({name}) with a case's argument ({arg}), joined by `lookup_and`
    # (`lookup_always` where there is no parameter); `lookup_case` returns {expected} when {test} holds;
    # `lookup_head` and `lookup_tail` are the lines before and after the cases (the tail fails: no test has
    # these arguments). None: the language has no oracle (the verbatim source).
    lookup_equal: ClassVar[str | None] = None
    lookup_case: ClassVar[str | None] = None
    lookup_head: ClassVar[tuple[str, ...]] = ()
    lookup_tail: ClassVar[tuple[str, ...]] = ()
    lookup_and: ClassVar[str] = " && "
    lookup_always: ClassVar[str] = "true"

    def lookup_body(self, sig: Signature, cases: Sequence[OracleCase]) -> str:
        lines = [*self.lookup_head]
        for case in cases:
            lines.append(self.lookup_line(sig, self.lookup_test(sig, case), case.expected))
        return "\n".join([*lines, *self.lookup_tail]) + "\n"

    def lookup_test(self, sig: Signature, case: OracleCase) -> str:
        """The condition that the call's arguments are `case`'s: each parameter equals its argument."""
        pairs = zip(sig.params, case.args, case.values, strict=True)
        return self.lookup_and.join(self.lookup_equals(p, a, v) for p, a, v in pairs) or self.lookup_always

    def lookup_equals(self, param: Param, arg: str, value: object) -> str:
        """Parameter `param` equals a case's argument (`arg` as the harness writes it, `value` in Python)."""
        if self.lookup_equal is None:
            raise NotImplementedError(f"{self.name} has no oracle (lookup_equal)")
        return self.lookup_equal.format(name=param.name, arg=arg)

    def lookup_line(self, sig: Signature, test: str, expected: str) -> str:
        if self.lookup_case is None:
            raise NotImplementedError(f"{self.name} has no oracle (lookup_case)")
        return self.lookup_case.format(test=test, expected=expected)

    # --- LintSeq (stages/editseq) ----------------------------------------------------------------------------

    def comment_lines(self, lines: Sequence[str]) -> set[int]:
        """0-based indices of the comment-only lines of `lines` (LintSeq never picks them for deletion): by
        default the lines that start with one of the lexicon's line comments."""
        prefixes = self.lexicon.line_comments
        return {i for i, line in enumerate(lines) if line.lstrip().startswith(prefixes)}

    # --- what a language must provide ------------------------------------------------------------------------

    @classmethod
    def missing(cls) -> list[str]:
        """The attributes and hooks `cls` still lacks (empty for a complete language)."""
        lacking = [name for name in REQUIRED if not hasattr(cls, name)]
        return sorted({*lacking, *getattr(cls, "__abstractmethods__", ())})

    @classmethod
    def check_complete(cls) -> None:
        lacking = cls.missing()
        if lacking:
            raise IncompleteLanguage(f"language {cls.__name__} lacks {', '.join(lacking)}")

    def safe_name(self, name: str) -> str:
        """A Python identifier as a legal identifier in this language."""
        return f"{name}_" if name in self.reserved else name

    def cut_harness(self, program: str) -> str:
        """The program without its test harness (everything from `harness_marker` on)."""
        index = program.find(self.harness_marker)
        return program if index < 0 else program[:index]

    # --- values: hooks of the walker -----------------------------------------------------------------------
    # `ty` is the expected type with Optional already removed (see `coerce` for wrapping); None when unknown.

    @abstractmethod
    def gen_none(self, ty: PyType | None) -> str: ...

    @abstractmethod
    def gen_bool(self, value: bool, ty: PyType | None) -> str: ...

    @abstractmethod
    def gen_int(self, value: int, ty: PyType | None) -> str: ...

    @abstractmethod
    def gen_float(self, value: float, ty: PyType | None) -> str: ...

    @abstractmethod
    def gen_str(self, value: str, ty: PyType | None) -> str: ...

    @abstractmethod
    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        """A Python list; `items` are the translated elements, `values` the Python ones."""

    @abstractmethod
    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str: ...

    @abstractmethod
    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        """A Python dict; `pairs` are the translated (key, value) pairs in insertion order."""

    def gen_set(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        raise Untranslatable("set_value", f"{self.name} has no set literal")

    @abstractmethod
    def gen_call(self, func: str, args: Sequence[str]) -> str: ...

    def coerce(self, code: str, value: object, ty: PyType | None) -> str:
        """Adjust a translated value to the full expected type (e.g. wrap in `Some` for an Optional)."""
        return code

    # --- tests ---------------------------------------------------------------------------------------------

    @abstractmethod
    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        """One test: `lhs` (the call) deep-equals `rhs`. Floats compare within FLOAT_TOLERANCE; `inexact`
        marks a test that asked for a tolerance explicitly (`abs(f(x) - y) < eps`)."""

    @abstractmethod
    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        """The harness appended after prompt + completion: binds `candidate` to the function and runs the
        assertions. Must start with `harness_marker` (after leading newlines)."""


# The class attributes every language sets (the abstract hooks are enforced by ABC and listed by `missing` too).
REQUIRED = (
    "name",
    "display_name",
    "multipl_e_name",
    "file_ext",
    "runtime",
    "stop_tokens",
    "harness_marker",
    "terms",
    "lexicon",
    "debian_packages",
    "probe_program",
    "assertion_pattern",
)


def contains_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return any(contains_float(v) for v in value)
    if isinstance(value, dict):
        return any(contains_float(v) for v in value.values())
    return False


def float_repr(value: float, *, inf: str | None, neg_inf: str | None = None, nan: str | None = None) -> str:
    """Python's shortest round-trip repr of a float (always with a `.` or an exponent), with the language's
    spellings of infinity (`neg_inf` defaults to `-` + `inf`; `inf` None: the language has none) and NaN."""
    if math.isnan(value):
        if nan is None:
            raise Untranslatable("nan_value", "NaN never equals itself")
        return nan
    if math.isinf(value):
        if inf is None:
            raise Untranslatable("inf_value", "the language has no infinity literal")
        if value > 0:
            return inf
        return f"-{inf}" if neg_inf is None else neg_inf
    return repr(value)


def check_int_range(value: int, low: int, high: int, detail: str) -> int:
    """`value` when `low <= value <= high` (the integers the language holds exactly), else
    Untranslatable("int_out_of_range") with `detail` saying what it does not fit."""
    if not low <= value <= high:
        raise Untranslatable("int_out_of_range", f"{value} {detail}")
    return value


# The escapes of a double-quoted literal that C, Lua, OCaml, Racket, R, Julia and Java all share.
BASIC_ESCAPES: Mapping[str, str] = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote_string(value: str, escapes: Mapping[str, str], control: str, *, nul: str | None = None) -> str:
    """`value` as a double-quoted literal: each character of `escapes` replaced by its escape, any other
    control character (and DEL) written as `control` formatted with its code point (e.g. `"\\x{:02x}"`).
    `nul`: why the language cannot hold NUL (it then raises Untranslatable("nul_in_string")); None: NUL is
    escaped like any control character."""
    out = []
    for ch in value:
        if ch == "\0" and nul is not None:
            raise Untranslatable("nul_in_string", nul)
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(control.format(ord(ch)))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def require_type(ty: PyType | None, language: str, *, dynamic: bool = False) -> PyType:
    """`ty` for a typed target that cannot express a missing type or a lone None; `Any` and `Union` too unless
    the target has a type for them (`dynamic`: C++ std::any/std::variant, Java Object, Go interface{})."""
    if ty is None:
        raise Untranslatable("untyped", f"{language} needs a type from an annotation or the tests' values")
    if ty.name == "Any" and not dynamic:
        raise Untranslatable("any_type", f"{language} has no type for Any")
    if ty.name == "Union" and not dynamic:
        raise Untranslatable("union_type", f"{language} cannot express {ty}")
    if ty.name == "None":
        raise Untranslatable("none_type", f"{language} has no value type for a lone None")
    return ty
