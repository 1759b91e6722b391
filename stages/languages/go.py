"""Go (Debian `golang-go`): a `package main` program built with `go build` and run; type-directed values.

The harness compares with a small deep-equality helper that treats a nil slice or map like an empty one (a
correct Go function often returns `nil` for "no elements"). Go refuses unused imports, so the prompt imports
only what the harness itself uses (fmt, reflect), as MultiPL-E's Go prompt does. Tuples, Optional, Union and
Any have no Go type here: such problems are untranslatable with their reason. The build cache lives in the
run's work dir (HOME is the work dir; GOCACHE defaults under it), and Go's runtime reserves far more address
space than it uses, so runs get a larger address-space limit.
"""

from __future__ import annotations

import json
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
    require_type,
)
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.sandbox import Limits, RawResult

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
        "main",
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

func same(a, b reflect.Value) bool {
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
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}
""".replace("%TOL%", repr(FLOAT_TOLERANCE))


class Go(Language):
    name = "go"
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
    reserved = GO_RESERVED

    def compile_argv(self, path: str) -> list[str]:
        return [self.runtime, "build", "-o", "main", path]

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

    def classify(self, raw: RawResult) -> Status:
        """A failed build is a SyntaxError (compile phase); at run time the harness panics with
        `assertion failed`, any other panic or non-zero exit is an exception."""
        common = self.classify_common(raw)
        if common is not None:
            return common
        if raw.exit_code == 0:
            return Status.OK
        if "panic: assertion failed" in raw.stderr:
            return Status.ASSERTION_ERROR
        return Status.EXCEPTION

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None) -> str:
        ty = require_type(ty, "Go")
        if ty.name in _SCALARS:
            return _SCALARS[ty.name]
        if ty.name == "list" or (ty.name == "tuple" and ty.variadic):
            return f"[]{self.type_name(ty.args[0])}"
        if ty.name == "dict":
            return f"map[{self.type_name(ty.args[0])}]{self.type_name(ty.args[1])}"
        reason = {"tuple": "go_tuple", "Optional": "go_optional"}.get(ty.name, "unsupported_type")
        raise Untranslatable(reason, f"Go translation has no type for {ty}")

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f"// {line}".rstrip() + "\n" for line in description)
        params = ", ".join(f"{p.name} {self.type_name(p.type)}" for p in sig.params)
        returns = self.type_name(sig.returns)
        return f'package main\n\nimport (\n\t"fmt"\n\t"reflect"\n)\n\n{comment}func {sig.name}({params}) {returns} {{\n'

    def placeholder_body(self, sig: Signature) -> str:
        return "\tpanic(0)\n}\n"

    # --- values --------------------------------------------------------------------------------------------

    def gen_none(self, ty: PyType | None) -> str:
        raise Untranslatable("go_optional", "Go translation has no None")

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
        raise Untranslatable("go_tuple", "Go translation has no tuple values")

    def gen_dict(
        self, pairs: Sequence[tuple[str, str]], values: Mapping[object, object], ty: PyType | None
    ) -> str:
        return f"{self.type_name(ty)}{{{', '.join(f'{k}: {v}' for k, v in pairs)}}}"

    def gen_call(self, func: str, args: Sequence[str]) -> str:
        return f"{func}({', '.join(args)})"

    def coerce(self, code: str, value: object, ty: PyType | None) -> str:
        if ty is not None and ty.optional:
            raise Untranslatable("go_optional", "Go translation has no Optional")
        return code

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        if inexact or (ty is not None and ty.name == "float"):
            return f"expectClose({lhs}, {rhs})"
        return f"expect({lhs}, {rhs})"

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        body = "\n".join(f"\t{a}" for a in assertions)
        return f"\nfunc main() {{\n\tcandidate := {entry_point}\n{body}\n}}\n{_HARNESS_HELPERS}"
