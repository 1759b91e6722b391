"""Go (Debian `golang-go`): a `package main` program built with `go build` and run; type-directed values.

The harness compares with a small deep-equality helper that treats a nil slice or map like an empty one (a
correct Go function often returns `nil` for "no elements") and floats inside slices and maps within the
tolerance of scalar floats. Go refuses unused imports, so the prompt imports
only what the harness itself uses (fmt, reflect), as MultiPL-E's Go prompt does. Tuples are `[]interface{}`
and Any and Union `interface{}` (MultiPL-E's Go mapping); an Optional is a pointer (`*int`, nil for None,
`pointerTo(5)` for a value). The helper compares through interfaces and pointers, so a nil pointer equals a
nil interface and a pointer its pointee: inside a tuple `[]interface{}{nil, 1}` and `[]interface{}{(*int)(nil),
pointerTo(1)}` are one value. The build cache lives in the
run's work dir (HOME is the work dir; GOCACHE defaults under it), and Go's runtime reserves far more address
space than it uses, so runs get a larger address-space limit.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from stages.languages.base import (
    FLOAT_TOLERANCE,
    Language,
    Signature,
    Terms,
    Untranslatable,
    c_like_lexicon,
    check_int_range,
    float_repr,
    require_type,
    words,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.languages.builds import Build
    from stages.sandbox import Limits, Sandbox

_INT_MAX = 2**63 - 1
# Go's runtime reserves address space for its heap arenas up front: measured here (Go 1.19), `go build` needs
# ~1 GiB and a built HumanEval program fails to start under 512 MiB; 2 GiB leaves headroom and still bounds a
# memory bomb.
GO_ADDRESS_SPACE_MB = 2048
GO_MIN_NPROC = 128  # `go build` runs compile and link processes, each with a few threads
GO_RESERVED = frozenset(
    [
        "break",
        "case",
        "chan",
        "const",
        "continue",
        "default",
        "defer",
        "else",
        "fallthrough",
        "for",
        "func",
        "go",
        "goto",
        "if",
        "import",
        "interface",
        "map",
        "package",
        "range",
        "return",
        "select",
        "struct",
        "switch",
        "type",
        "var",
        "candidate",
        "expect",
        "expectClose",
        "pointerTo",
        "unwrap",
        "main",
    ]
)
# Go's predeclared identifiers (the universe block) and the packages the prompt imports: a parameter of one of
# these names is legal but hides it, so `string(r)` or `len(xs)` in a natural body no longer compiles.
GO_PREDECLARED = frozenset(
    [
        "any",
        "bool",
        "byte",
        "comparable",
        "complex64",
        "complex128",
        "error",
        "float32",
        "float64",
        "int",
        "int8",
        "int16",
        "int32",
        "int64",
        "rune",
        "string",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintptr",
        "true",
        "false",
        "iota",
        "nil",
        "append",
        "cap",
        "clear",
        "close",
        "complex",
        "copy",
        "delete",
        "imag",
        "len",
        "make",
        "max",
        "min",
        "new",
        "panic",
        "print",
        "println",
        "real",
        "recover",
        "fmt",
        "reflect",
        "same",
    ]
)
_SCALARS = {"int": "int", "float": "float64", "str": "string", "bool": "bool"}
_HARNESS_HELPERS = """
func expect(got, want interface{}) {
	if !same(reflect.ValueOf(got), reflect.ValueOf(want)) {
		panic(fmt.Sprintf("assertion failed: got %#v, want %#v", got, want))
	}
}

func expectClose(got, want float64) {
	if d := got - want; d > %TOL% || d < -%TOL% {
		panic(fmt.Sprintf("assertion failed: got %v, want %v", got, want))
	}
}

func pointerTo[T any](value T) *T {
	return &value
}

// unwrap looks through interfaces and non-nil pointers; false when it ends at nothing (nil).
func unwrap(v reflect.Value) (reflect.Value, bool) {
	for v.IsValid() && (v.Kind() == reflect.Interface || v.Kind() == reflect.Ptr) {
		if v.IsNil() {
			return v, false
		}
		v = v.Elem()
	}
	return v, v.IsValid()
}

func same(a, b reflect.Value) bool {
	a, aOk := unwrap(a)
	b, bOk := unwrap(b)
	if !aOk || !bOk {
		return aOk == bOk
	}
	if a.Kind() != b.Kind() {
		return false
	}
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !same(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			v := b.MapIndex(k)
			if !v.IsValid() || !same(a.MapIndex(k), v) {
				return false
			}
		}
		return true
	case reflect.Float64:
		d := a.Float() - b.Float()
		return d <= %TOL% && d >= -%TOL%
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
""".replace("%TOL%", repr(FLOAT_TOLERANCE))


class Go(Language):
    name = "go"
    display_name = "Go"
    multipl_e_name = "go"
    file_ext = "go"
    runtime = "go"
    debian_packages = ("golang-go",)
    probe_program = "package main\n\nfunc main() {}\n"
    version_flag = "version"
    stop_tokens = ("\nfunc", "struct", "\n// ")
    harness_marker = "\nfunc main() {"
    terms = Terms(
        list="slice", array="slice", tuple="slice", dictionary="map", none="nil", true="true", false="false"
    )
    reserved = GO_RESERVED | GO_PREDECLARED
    lexicon = c_like_lexicon(
        words(
            """break case chan const continue default defer else fallthrough for func go goto if import interface
            map package range return select struct switch type var true false nil int float64 string bool len
            append make"""
        ),
        raw_strings=(("`", "`"),),
    )
    # A failed build is a SyntaxError (compile phase); at run time the harness panics with `assertion failed`,
    # any other panic or non-zero exit is an exception.
    assertion_pattern = re.compile("panic: assertion failed")

    def compile_argv(self, path: str) -> list[str]:
        return [self.runtime, "build", "-o", "main", path]

    def build(self, program: str, sandbox: Sandbox, limits: Limits) -> Build:
        from stages.languages import gobuild

        return gobuild.build(self, program, sandbox)

    def run_argv(self, path: str) -> list[str]:
        return ["./main"]

    def env(self) -> Mapping[str, str]:
        # No modules, no network, no cgo (no C toolchain needed); the cache goes under HOME, the work dir.
        return {
            "GO111MODULE": "off",
            "GOPROXY": "off",
            "GOFLAGS": "",
            "CGO_ENABLED": "0",
            "GOTELEMETRY": "off",
        }

    def limits(self, base: Limits) -> Limits:
        return base.override(
            address_space_mb=max(base.address_space_mb, GO_ADDRESS_SPACE_MB),
            nproc=max(base.nproc, GO_MIN_NPROC),
        )

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None) -> str:
        ty = require_type(ty, "Go", dynamic=True)
        if ty.name in _SCALARS:
            return _SCALARS[ty.name]
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            return f"[]{self.type_name(ty.args[0])}"
        if ty.name == "dict":
            return f"map[{self.type_name(ty.args[0])}]{self.type_name(ty.args[1])}"
        if ty.name in ("tuple", "Any", "Union"):
            return "[]interface{}" if ty.name == "tuple" else "interface{}"
        if ty.name == "Optional":
            return f"*{self.type_name(ty.args[0])}"
        raise Untranslatable("unsupported_type", f"Go translation has no type for {ty}")

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f"// {line}".rstrip() + "\n" for line in description)
        params = ", ".join(f"{p.name} {self.type_name(p.type)}" for p in sig.params)
        returns = self.type_name(sig.returns)
        return f'package main\n\nimport (\n\t"fmt"\n\t"reflect"\n)\n\n{comment}func {sig.name}({params}) {returns} {{\n'

    def placeholder_body(self, sig: Signature) -> str:
        return "\tpanic(0)\n}\n"

    lookup_equal = "reflect.DeepEqual({name}, {arg})"
    lookup_case = "\tif {test} {{\n\t\treturn {expected}\n\t}}"
    lookup_tail = ('\tpanic("no test has these arguments")', "}")

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        if ty is None or ty.name in ("Any", "Union"):
            return "nil"
        return f"(*{self.type_name(ty)})(nil)"  # typed: a bare nil in an interface{} is no *T

    def gen_bool(self, value: bool, ty: PyType | None) -> str:
        return "true" if value else "false"

    def gen_int(self, value: int, ty: PyType | None) -> str:
        if ty is not None and ty.name == "float":
            return self.gen_float(float(value), ty)
        return str(check_int_range(value, -_INT_MAX, _INT_MAX, "does not fit Go's int"))

    def gen_float(self, value: float, ty: PyType | None) -> str:
        return float_repr(value, inf=None)  # Go has no infinity literal

    def gen_str(self, value: str, ty: PyType | None) -> str:
        # JSON string escapes (\\n, \\", \\uXXXX for other control characters) are Go string escapes too.
        return json.dumps(value, ensure_ascii=False)

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        return f"{self.type_name(ty)}{{{', '.join(items)}}}"

    def gen_tuple(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        if ty is not None and ty.name == "tuple" and ty.variadic:
            return self.gen_list(items, values, ty)
        return f"[]interface{{}}{{{', '.join(items)}}}"

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        return f"{self.type_name(ty)}{{{', '.join(f'{k}: {v}' for k, v in pairs)}}}"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    def coerce(self, code: str, value: object, ty: PyType | None) -> str:
        if ty is not None and ty.name == "Optional" and value is not None:
            return f"pointerTo({code})"
        return code

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if inexact or (ty is not None and ty.name == "float"):
            return f"expectClose({lhs}, {rhs})"
        return f"expect({lhs}, {rhs})"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"\t{a}" for a in assertions)
        return f"\nfunc main() {{\n\tcandidate := {entry_point}\n{body}\n}}\n{_HARNESS_HELPERS}"
