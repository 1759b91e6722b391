"""Java 17 (Debian `default-jdk-headless`): MultiPL-E's `class Problem` prompt, boxed generic values, `assert`s
run with `java -ea`.

As in MultiPL-E the completion stops before the method's closing brace (stop token `\\n    }\\n`) and the
harness starts by closing it. Java cannot bind a static method to a variable, so the harness calls the method
by name. Tuples are records declared in the prompt when the signature needs them (`Pair`, `Triple`, `TupleN`);
Any and Union are `Object` (Java has no union type; MultiPL-E writes Any so). The JVM reserves far more
address space than it uses, so runs get a larger address-space limit and a small, fixed heap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    BASIC_ESCAPES,
    FLOAT_TOLERANCE,
    Language,
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
from stages.languages.translate import CANDIDATE
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.languages.builds import Build
    from stages.sandbox import Limits, Sandbox

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
TRIPLE = "    record Triple<A, B, C>(A first, B second, C third) {}\n"


def tuple_record(arity: int) -> tuple[str, str]:
    """The record an `arity`-tuple is, and its declaration (written into the prompt that uses it): `Pair` and
    `Triple`, else `TupleN` with components item1..itemN. Records give equals and hashCode component-wise."""
    if arity == 2:
        return "Pair", PAIR
    if arity == 3:
        return "Triple", TRIPLE
    letters = [f"T{i}" for i in range(1, arity + 1)]
    components = ", ".join(f"{t} item{i}" for i, t in enumerate(letters, 1))
    return f"Tuple{arity}", f"    record Tuple{arity}<{', '.join(letters)}>({components}) {{}}\n"


# Equality with the scalar tolerance for doubles at any depth of lists, maps, optionals and the tuple records
# (MultiPL-E compares containers with `.equals`, exactly: a listed deviation).
SAME_HELPER = f"""    static boolean __same(Object a, Object b) {{
        if (a instanceof Double x && b instanceof Double y) return Math.abs(x - y) < {FLOAT_TOLERANCE!r};
        if (a instanceof List<?> x && b instanceof List<?> y) {{
            if (x.size() != y.size()) return false;
            for (int i = 0; i < x.size(); i++) if (!__same(x.get(i), y.get(i))) return false;
            return true;
        }}
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {{
            if (!x.keySet().equals(y.keySet())) return false;
            for (Object key : x.keySet()) if (!__same(x.get(key), y.get(key))) return false;
            return true;
        }}
        if (a instanceof Optional<?> x && b instanceof Optional<?> y) {{
            return x.isPresent() == y.isPresent() && (x.isEmpty() || __same(x.get(), y.get()));
        }}
        if (a instanceof Record && b != null && a.getClass() == b.getClass()) {{
            try {{
                for (var component : a.getClass().getRecordComponents()) {{
                    var read = component.getAccessor();
                    if (!__same(read.invoke(a), read.invoke(b))) return false;
                }}
                return true;
            }} catch (ReflectiveOperationException e) {{
                throw new RuntimeException(e);
            }}
        }}
        return Objects.equals(a, b);
    }}

"""


def _tuple_arities(ty: PyType | None) -> set[int]:
    if ty is None:
        return set()
    own = {len(ty.args)} if ty.name == "tuple" and not ty.variadic else set()
    return own.union(*(_tuple_arities(a) for a in ty.args))


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
    display_name = "Java"
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
    lexicon = c_like_lexicon(
        words(
            """abstract boolean break byte case catch char class continue default do double else extends final
            finally float for if implements import instanceof int interface long new null package private
            protected public return short static super switch this throw throws true try void while false String
            ArrayList HashMap Arrays Optional Integer Long Double Boolean"""
        )
    )
    # javac failing is a SyntaxError (compile phase); at run time a failed `assert` throws
    # java.lang.AssertionError, any other uncaught throwable is an exception.
    assertion_pattern = re.compile(re.escape("java.lang.AssertionError"))

    @property
    def program_file(self) -> str:
        return "Problem.java"

    # The JVM's flags for javac and java (the compile service outside the sandbox reads them here too).
    jvm_flags = JVM_FLAGS

    def compile_argv(self, path: str) -> list[str]:
        return ["javac", *(f"-J{flag}" for flag in JVM_FLAGS), "-encoding", "UTF-8", path]

    def build(self, program: str, sandbox: Sandbox, limits: Limits) -> Build:
        from stages.languages import javac

        return javac.build(self, program, sandbox, limits)

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, "-ea", *JVM_FLAGS, "-cp", ".", "Problem"]

    def limits(self, base: Limits) -> Limits:
        return base.override(
            address_space_mb=max(base.address_space_mb, JVM_ADDRESS_SPACE_MB),
            nproc=max(base.nproc, JVM_MIN_NPROC),
        )

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None, *, boxed: bool = False) -> str:
        ty = require_type(ty, "Java", dynamic=True)
        if ty.name in ("Any", "Union"):  # Java has no union type: Object, as MultiPL-E writes Any
            return "Optional<Object>" if ty.optional else "Object"
        if ty.name in _PRIMITIVE:
            return (_BOXED if boxed else _PRIMITIVE)[ty.name]
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            return f"ArrayList<{self.type_name(ty.args[0], boxed=True)}>"
        if ty.name == "tuple":
            if not ty.args:
                raise Untranslatable("empty_tuple", "Java has no record for a tuple with no components")
            record, _ = tuple_record(len(ty.args))
            return f"{record}<{', '.join(self.type_name(a, boxed=True) for a in ty.args)}>"
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
        arities = set().union(*(_tuple_arities(t) for t in [sig.returns, *(p.type for p in sig.params)]))
        records = "".join(tuple_record(n)[1] for n in sorted(arities))
        return f"{imports}class Problem {{\n{records}{comment}    public static {returns} {sig.name}({params}) {{\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "        throw new UnsupportedOperationException();\n    }\n}\n"

    lookup_equal = "Objects.equals({name}, {arg})"
    lookup_case = "        if ({test}) return {expected};"
    lookup_tail = ('        throw new RuntimeException("no test has these arguments");',)

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
        if ty is not None and ty.contains("float"):
            return f"assert(__same({lhs}, {rhs}));"
        return f"assert({lhs}.equals({rhs}));"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"    {a}".replace(_CALL, entry_point) for a in assertions)
        helper = SAME_HELPER if "__same(" in body else ""
        return f"    }}\n{helper}    public static void main(String[] args) {{\n{body}\n    }}\n\n}}\n"
