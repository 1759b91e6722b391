"""Java 17 (Debian `default-jdk-headless`): MultiPL-E's `class Problem` prompt, boxed generic values, `assert`s
run with `java -ea`.

As in MultiPL-E the completion stops before the method's closing brace (stop token `\\n    }\\n`) and the
harness starts by closing it. Java cannot bind a static method to a variable, so the harness calls the method
by name. Two-element tuples are a `Pair` record declared in the prompt when the signature needs it; other
tuple sizes are untranslatable. The JVM reserves far more address space than it uses, so runs get a larger
address-space limit and a small, fixed heap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    BASIC_ESCAPES,
    FLOAT_TOLERANCE,
    Language,
    Signature,
    Status,
    Terms,
    Untranslatable,
    check_int_range,
    float_repr,
    quote_string,
    require_type,
)
from stages.languages.translate import CANDIDATE
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import Limits, RawResult

_LONG_MAX = 2**63 - 1
# The JVM maps its heap, metaspace, code cache and thread stacks up front. Measured here (Java 17): with the
# flags below javac and java start under a 2000 MiB address-space limit and fail under 1500; 3 GiB leaves
# headroom. The default flags need ~2.5 GiB for a run.
JVM_ADDRESS_SPACE_MB = 3072
JVM_MIN_NPROC = 64  # GC, JIT and service threads count against RLIMIT_NPROC
# Small, fixed JVM footprint: a 512 MiB heap, serial GC, C1 only with one compiler thread, small code cache and
# class space. javac + java of a HumanEval program: ~0.85 s here, against ~1.4 s with the default flags.
JVM_FLAGS = (
    "-Xmx512m",
    "-Xss8m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:CICompilerCount=1",
    "-XX:ReservedCodeCacheSize=64m",
    "-XX:CompressedClassSpaceSize=128m",
)
_CALL = "\x00candidate\x00"  # stands for the method name in assertions until `test_suite` knows it
IMPORTS = (
    "java.util.*",
    "java.util.stream.*",
    "java.math.*",
)
_BOXED = {"int": "Long", "float": "Double", "str": "String", "bool": "Boolean"}
_PRIMITIVE = {"int": "long", "float": "double", "str": "String", "bool": "boolean"}
PAIR = "    record Pair<A, B>(A first, B second) {}\n"
JAVA_RESERVED = frozenset(
    [
        "abstract",
        "assert",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "class",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extends",
        "final",
        "finally",
        "float",
        "for",
        "goto",
        "if",
        "implements",
        "import",
        "instanceof",
        "int",
        "interface",
        "long",
        "native",
        "new",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "short",
        "static",
        "strictfp",
        "super",
        "switch",
        "synchronized",
        "this",
        "throw",
        "throws",
        "transient",
        "try",
        "void",
        "volatile",
        "while",
        "true",
        "false",
        "null",
        "var",
        "record",
        "yield",
        "_",
    ]
)


class Java(Language):
    name = "java"
    multipl_e_name = "java"
    file_ext = "java"
    runtime = "java"
    debian_packages = ("default-jdk-headless",)
    probe_program = "class Problem { public static void main(String[] args) { assert true; } }\n"
    stop_tokens = ("\n    }\n",)
    harness_marker = "    }\n    public static void main(String[] args) {"
    terms = Terms(
        list="array list",
        array="array list",
        tuple="pair",
        dictionary="hash map",
        none="an empty Optional",
        true="true",
        false="false",
    )
    reserved = JAVA_RESERVED

    @property
    def program_file(self) -> str:
        return "Problem.java"

    def compile_argv(self, path: str) -> list[str]:
        return ["javac", *(f"-J{flag}" for flag in JVM_FLAGS), "-encoding", "UTF-8", path]

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, "-ea", *JVM_FLAGS, "-cp", ".", "Problem"]

    def limits(self, base: Limits) -> Limits:
        return base.override(
            address_space_mb=max(base.address_space_mb, JVM_ADDRESS_SPACE_MB),
            nproc=max(base.nproc, JVM_MIN_NPROC),
        )

    def classify(self, raw: RawResult) -> Status:
        """javac failing is a SyntaxError (compile phase); at run time a failed `assert` throws
        java.lang.AssertionError, any other uncaught throwable is an exception."""
        common = self.classify_common(raw)
        if common is not None:
            return common
        if raw.exit_code == 0:
            return Status.OK
        if "java.lang.AssertionError" in raw.stderr:
            return Status.ASSERTION_ERROR
        return Status.EXCEPTION

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None, *, boxed: bool = False) -> str:
        ty = require_type(ty, "Java")
        if ty.name in _PRIMITIVE:
            return (_BOXED if boxed else _PRIMITIVE)[ty.name]
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            return f"ArrayList<{self.type_name(ty.args[0], boxed=True)}>"
        if ty.name == "tuple":
            if len(ty.args) != 2:
                raise Untranslatable("java_tuple_size", f"Java translation has pairs only, not {ty}")
            return f"Pair<{self.type_name(ty.args[0], boxed=True)}, {self.type_name(ty.args[1], boxed=True)}>"
        if ty.name == "dict":
            return (
                f"HashMap<{self.type_name(ty.args[0], boxed=True)}, {self.type_name(ty.args[1], boxed=True)}>"
            )
        if ty.name == "Optional":
            return f"Optional<{self.type_name(ty.args[0], boxed=True)}>"
        raise Untranslatable("unsupported_type", f"Java translation has no type for {ty}")

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        imports = "".join(f"import {i};\n" for i in IMPORTS)
        comment = "".join(f"    // {line}".rstrip() + "\n" for line in description)
        params = ", ".join(f"{self.type_name(p.type)} {p.name}" for p in sig.params)
        returns = self.type_name(sig.returns)
        pair = PAIR if "Pair<" in params + returns else ""
        return (
            f"{imports}class Problem {{\n{pair}{comment}    public static {returns} {sig.name}({params}) {{\n"
        )

    def placeholder_body(self, sig: Signature) -> str:
        return "        throw new UnsupportedOperationException();\n    }\n}\n"

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        return "Optional.empty()"

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "true" if value else "false"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        if ty is not None and ty.name == "float":
            return self.gen_float(float(value), ty)
        check_int_range(value, -_LONG_MAX, _LONG_MAX, "does not fit Java's long")
        return f"{value}l" if value >= 0 else f"(long){value}l"

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf="Double.POSITIVE_INFINITY", neg_inf="Double.NEGATIVE_INFINITY")

    def gen_str(self, value: str, ty: PyType | None) -> str:
        # Octal, not \\u: javac turns \\u000a into a real line break before it reads the literal.
        return quote_string(value, BASIC_ESCAPES, "\\{:03o}")

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        name = self.type_name(ty)
        return f"new {name}(Arrays.asList({', '.join(items)}))" if items else f"new {name}()"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        if ty is not None and ty.name == "tuple" and ty.variadic:
            return self.gen_list(items, values, ty)
        return f"new {self.type_name(ty)}({', '.join(items)})"

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        name = self.type_name(ty)
        entries = ", ".join(f"Map.entry({k}, {v})" for k, v in pairs)
        return f"new {name}(Map.ofEntries({entries}))" if pairs else f"new {name}()"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{_CALL if func == CANDIDATE else func}({', '.join(args)})"

    def coerce(self, code: str, value: object, ty: PyType | None) -> str:
        if ty is not None and ty.optional and value is not None:
            return f"Optional.of({code})"
        return code

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if inexact or (ty is not None and ty.name == "float"):
            return f"assert(Math.abs({lhs} - {rhs}) < {FLOAT_TOLERANCE!r});"
        if ty is not None and ty.name in ("int", "bool"):
            return f"assert({lhs} == {rhs});"
        return f"assert({lhs}.equals({rhs}));"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}".replace(_CALL, entry_point) for a in assertions)
        return f"    }}\n    public static void main(String[] args) {{\n{body}\n    }}\n\n}}\n"
