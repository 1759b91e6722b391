"""TypeScript (npm `typescript`, run on Node.js): typed prompts, type-directed values, the JavaScript harness.

`tsc` costs ~1.4 s a file (it loads the standard library's declarations and type-checks), so a run does not
call it. Before a program reaches the sandbox its types are stripped by one long-lived trusted `node` process
holding the TypeScript compiler (`transpileModule`: syntax only, ~ms a program, nothing of the program runs);
a syntax error there ends the run as a SyntaxError, and the sandbox runs the JavaScript. Type errors are found
in bulk by `typecheck` (one `tsc --noEmit` over many programs), e.g. over the candidates that passed.

The compiler comes from `$POLYFORGE_TYPESCRIPT` (a `typescript` package dir) or the project-local `.tools/`
that `scripts/setup.sh` fills (`npm install --prefix .tools typescript`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import select
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from stages.languages.base import (
    CompileError,
    RuntimeUnavailable,
    Signature,
    Untranslatable,
)
from stages.languages.javascript import JavaScript, same_helper
from stages.languages.types import PyType

log = logging.getLogger(__name__)

TYPESCRIPT_ENV = "POLYFORGE_TYPESCRIPT"
PROJECT_TYPESCRIPT = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "typescript"
STRIP_TIMEOUT_S = 20.0
TSC_OPTIONS = ("--noEmit", "--target", "es2020", "--lib", "es2020", "--module", "commonjs", "--skipLibCheck")
_DIAGNOSTIC = re.compile(
    r"^(?P<file>[^\s(]+)\((?P<line>\d+),(?P<col>\d+)\): error (?P<text>.*)$", re.MULTILINE
)

# Reads JSON-encoded sources, one a line; writes {"js": ..., "errors": [...]} a line (syntax errors only).
_STRIPPER = r"""
const ts = require(process.argv[1]);
const rl = require('readline').createInterface({input: process.stdin});
const options = {target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS};
rl.on('line', (line) => {
  const out = ts.transpileModule(JSON.parse(line), {reportDiagnostics: true, fileName: 'main.ts',
                                                    compilerOptions: options});
  const errors = (out.diagnostics || []).map((d) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    const where = at ? `main.ts(${at.line + 1},${at.character + 1}): ` : '';
    return `${where}error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  process.stdout.write(JSON.stringify({js: out.outputText, errors}) + '\n');
});
"""


def typescript_dir() -> Path | None:
    """The installed `typescript` package, or None."""
    configured = os.environ.get(TYPESCRIPT_ENV)
    for candidate in ([Path(configured)] if configured else []) + [PROJECT_TYPESCRIPT]:
        if (candidate / "lib" / "typescript.js").is_file():
            return candidate
    return None


def _require_typescript() -> Path:
    found = typescript_dir()
    if found is None:
        raise RuntimeUnavailable(
            f"the TypeScript compiler is not installed: run scripts/setup.sh (npm install --prefix .tools "
            f"typescript) or point ${TYPESCRIPT_ENV} at a `typescript` package dir"
        )
    return found


class _Stripper:
    """One trusted `node` process holding the TypeScript compiler; thread-safe, restarted after a failure."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def strip(self, source: str) -> tuple[str, list[str]]:
        with self._lock:
            proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(source) + "\n")
                proc.stdin.flush()
                ready, _, _ = select.select([proc.stdout], [], [], STRIP_TIMEOUT_S)
                line = proc.stdout.readline() if ready else ""
            except OSError:
                line = ""
            if not line:
                self._stop()
                raise CompileError(f"TypeScript type stripping gave no answer within {STRIP_TIMEOUT_S:g} s")
            reply = json.loads(line)
            return reply["js"], reply["errors"]

    def _start(self) -> subprocess.Popen[str]:
        lib = _require_typescript() / "lib" / "typescript.js"
        self._proc = subprocess.Popen(
            ["node", "-e", _STRIPPER, str(lib)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        return self._proc

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None


_stripper = _Stripper()


def typecheck(programs: Sequence[str], *, timeout_s: float = 300.0) -> list[list[str]]:
    """Type errors of each program (an empty list: it type-checks), from one `tsc --noEmit` over all of them.
    Each program is checked as a module of its own (`export {}` appended to its copy; the programs run as
    scripts), so their names do not clash."""
    tsc = _require_typescript() / "lib" / "tsc.js"
    with tempfile.TemporaryDirectory(prefix="polyforge-tsc-") as tmp:
        names = [f"p{i:05d}.ts" for i in range(len(programs))]
        for name, text in zip(names, programs, strict=True):
            Path(tmp, name).write_text(f"{text}\nexport {{}};\n", encoding="utf-8")
        proc = subprocess.run(
            ["node", str(tsc), *TSC_OPTIONS, *names],
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
    errors: dict[str, list[str]] = {name: [] for name in names}
    for match in _DIAGNOSTIC.finditer(proc.stdout):
        errors.setdefault(match.group("file"), []).append(
            f"({match.group('line')},{match.group('col')}): {match.group('text')}"
        )
    if proc.returncode != 0 and not any(errors.values()):
        raise RuntimeError(f"tsc failed without diagnostics (exit {proc.returncode}): {proc.stdout[-500:]}")
    return [errors[name] for name in names]


class TypeScript(JavaScript):
    name = "typescript"
    multipl_e_name = "ts"
    file_ext = "ts"
    harness_marker = "\ndeclare var require: any;"
    debian_packages = ("nodejs", "npm")
    probe_program = "declare var require: any;\nrequire('node:assert').ok(true as boolean);\n"

    @property
    def install_hint(self) -> str:
        return "run `bash scripts/setup.sh` (it installs the Debian packages nodejs, npm, then TypeScript into .tools/)"

    def program_files(self, program: str) -> dict[str, str]:
        js, errors = _stripper.strip(program)
        if errors:
            raise CompileError("\n".join(errors))
        return {"main.js": js}

    def run_argv(self, path: str) -> list[str]:
        return [self.runtime, "main.js"]

    # --- types ---------------------------------------------------------------------------------------------

    def type_name(self, ty: PyType | None) -> str:
        if ty is None:
            raise Untranslatable("untyped", "TypeScript needs a type from an annotation or the tests' values")
        if ty.name in ("int", "float"):
            return "number"
        simple = {"str": "string", "bool": "boolean", "None": "undefined", "Any": "any"}
        if ty.name in simple:
            return simple[ty.name]
        if ty.name in ("list", "set") or (ty.name == "tuple" and ty.variadic):
            inner = self.type_name(ty.args[0])
            return f"({inner})[]" if "|" in inner else f"{inner}[]"
        if ty.name == "tuple":
            return "[" + ", ".join(self.type_name(a) for a in ty.args) + "]"
        if ty.name == "dict":
            key, value = ty.args
            if key.name not in ("str", "int"):
                raise Untranslatable("non_string_dict_key", f"TypeScript object keys are strings, not {key}")
            return f"{{[key: {self.type_name(key)}]: {self.type_name(value)}}}"
        if ty.name == "Optional":
            return f"{self.type_name(ty.args[0])} | undefined"
        if ty.name == "Union":
            return " | ".join(self.type_name(a) for a in ty.args)
        raise Untranslatable("unsupported_type", str(ty))

    # --- prompts -------------------------------------------------------------------------------------------

    def prompt(self, sig: Signature, description: Sequence[str]) -> str:
        comment = "".join(f"// {line}".rstrip() + "\n" for line in description)
        params = ", ".join(f"{p.name}: {self.type_name(p.type)}" for p in sig.params)
        return f"{comment}function {sig.name}({params}): {self.type_name(sig.returns)} {{\n"

    def placeholder_body(self, sig: Signature) -> str:
        return "  return undefined as any;\n}\n"

    # --- values --------------------------------------------------------------------------------------------

    def gen_list(self, items: Sequence[str], values: Sequence[object], ty: PyType | None) -> str:
        # An empty literal would be typed never[]: say what it holds.
        if not items and ty is not None and ty.element() is not None and ty.element().name != "Any":
            return f"([] as {self.type_name(ty)})"
        return super().gen_list(items, values, ty)

    # --- tests ---------------------------------------------------------------------------------------------

    def assertion(self, lhs: str, rhs: str, expected: object, ty: PyType | None, inexact: bool) -> str:
        # `Math.abs(f(x) - y)` must type-check when f returns a Union or an Optional (HumanEval/137).
        if (inexact or isinstance(expected, float)) and ty is not None and ty.name in ("Union", "Optional"):
            lhs = f"({lhs} as number)"
        return super().assertion(lhs, rhs, expected, ty, inexact)

    def test_suite(self, entry_point: str, assertions: Sequence[str]) -> str:
        # A script, not a module (no `export {}`): a module's JavaScript runs in strict mode, MultiPL-E's does not.
        body = "\n".join(f"  {a}" for a in assertions)
        helper = same_helper(typed=True) if "__same(" in body else ""
        return (
            f"\ndeclare var require: any;\nconst assert = require('node:assert');\n\n\nfunction test() {{\n"
            f"  let candidate = {entry_point};\n{body}\n}}\n{helper}\ntest();\n"
        )
