"""TypeScript (npm `typescript`, run on Node.js): typed prompts, type-directed values, the JavaScript harness.

MultiPL-E runs `tsc --target esnext main.ts` on each program alone, then `node main.js`; any compile error, a
type error included, makes the program a SyntaxError. That is the reference build here too (`program_files` +
`compile_argv`, inside the sandbox), at ~1.4 s a program: tsc reads and checks the standard library's
declarations every time. `build` gives the same verdict and the same JavaScript in ~10 ms: one long-lived
trusted `node` process holds the compiler and checks each program as tsc would (the same options, the program
alone as a script), keeping the parsed library files between programs. Only the program's own diagnostics are
computed, plus the global and option ones; the library files are checked too when the program declares a name
the library declares (a clash is reported in both files, an augmented global interface may be reported only in
the library's). Nothing of the program runs there, and the compiler host reads no file but the program and the
compiler's own library: a `/// <reference path>` to a host file is "not found", as it is in a fresh work dir.

The compiler comes from `$POLYFORGE_TYPESCRIPT` (a `typescript` package dir) or the project-local `.tools/`
that `scripts/setup.sh` fills (`npm install --prefix .tools typescript`).
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from stages.languages.base import (
    CompileError,
    RuntimeUnavailable,
    Signature,
    Untranslatable,
    c_like_lexicon,
    words,
)
from stages.languages.javascript import JavaScript, same_helper
from stages.languages.types import PyType

if TYPE_CHECKING:
    from stages.languages.builds import Build
    from stages.sandbox import Limits, Sandbox

log = logging.getLogger(__name__)

TYPESCRIPT_ENV = "POLYFORGE_TYPESCRIPT"
PROJECT_TYPESCRIPT = Path(__file__).resolve().parents[2] / ".tools" / "node_modules" / "typescript"
CHECK_TIMEOUT_S = 15.0  # MultiPL-E's limit on tsc; past it the program is a SyntaxError there too
# The checker's own start (node loads the compiler and parses the library: 1-2 s idle, 7-8 s on a loaded 2-core
# box) is waited for before a program is sent, with this much patience, and never counts against a program.
START_TIMEOUT_S = 300.0
CHECKER_HEAP_MB = 1024  # a type-level bomb ends the checker (restarted for the next program), not the host
TSC_OPTIONS = ("--target", "esnext")  # MultiPL-E's command line: everything else is tsc's default

# Writes {"ready": true} once the compiler is loaded and the library parsed (an empty program checked); then reads
# JSON-encoded programs, one a line, and writes {"js": ..., "errors": [...]} a line. Each program is checked as
# `tsc --target esnext main.ts` checks it in an empty directory.
_CHECKER = r"""
const ts = require(process.argv[1]);
const path = require('path');
const options = {target: ts.ScriptTarget.ESNext};
const LIB_DIR = path.dirname(ts.getDefaultLibFilePath(options));
const DIR = '/polyforge-ts';
const MAIN = DIR + '/main.ts';
const libFiles = new Map();   // parsed once, shared by every program (never mutated by a check)
const libNames = new Map();   // lib SourceFile -> the global names it declares
let source = '';
let emitted = null;
const host = ts.createCompilerHost(options);
const readLib = host.getSourceFile;
const inLib = (name) => path.dirname(name) === LIB_DIR;
host.getSourceFile = (name, language, onError) => {
  if (name === MAIN) return ts.createSourceFile(name, source, language);
  if (!inLib(name)) return undefined;
  if (!libFiles.has(name)) libFiles.set(name, readLib(name, language, onError));
  return libFiles.get(name);
};
host.fileExists = (name) => name === MAIN || (inLib(name) && ts.sys.fileExists(name));
host.readFile = (name) => name === MAIN ? source : (inLib(name) ? ts.sys.readFile(name) : undefined);
host.directoryExists = (name) => name === DIR || name === LIB_DIR;
host.getDirectories = () => [];
host.realpath = (name) => name;
host.getCurrentDirectory = () => DIR;
host.writeFile = (name, text) => { if (name.endsWith('.js')) emitted = text; };

function names(sf) {
  if (!libNames.has(sf)) libNames.set(sf, new Set(sf.locals ? sf.locals.keys() : []));
  return libNames.get(sf);
}

function touchesGlobals(program, sf) {
  if (ts.isExternalModule(sf)) {
    return sf.statements.some((s) => ts.isModuleDeclaration(s) && s.name.text === 'global');
  }
  const libs = program.getSourceFiles().filter((f) => f !== sf).map(names);
  for (const name of (sf.locals ? sf.locals.keys() : [])) {
    if (libs.some((set) => set.has(name))) return true;
  }
  return false;
}

function format(d) {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return `error TS${d.code}: ${text}`;
  const at = d.file.getLineAndCharacterOfPosition(d.start);
  const file = d.file.fileName === MAIN ? 'main.ts' : path.basename(d.file.fileName);
  return `${file}(${at.line + 1},${at.character + 1}): error TS${d.code}: ${text}`;
}

function check(text) {
  source = text;
  emitted = null;
  const program = ts.createProgram([MAIN], options, host);
  const sf = program.getSourceFile(MAIN);
  // tsc's order: options, global and syntactic diagnostics; semantic ones only when there are none of those
  let diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(),
                     ...program.getSyntacticDiagnostics(sf)];
  if (diagnostics.length === 0) {
    program.getTypeChecker();  // binds every file, so the library's names are known
    diagnostics = touchesGlobals(program, sf) ? [...program.getSemanticDiagnostics()]
                                               : [...program.getSemanticDiagnostics(sf)];
  }
  const result = program.emit(sf);
  diagnostics.push(...result.diagnostics);
  const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).map(format);
  return {js: emitted, errors};
}

check('');
process.stdout.write(JSON.stringify({ready: true}) + '\n');
const rl = require('readline').createInterface({input: process.stdin});
rl.on('line', (line) => process.stdout.write(JSON.stringify(check(JSON.parse(line))) + '\n'));
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


class _Checker:
    """One trusted `node` process holding the TypeScript compiler; thread-safe, restarted after a failure."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def check(self, source: str) -> tuple[str | None, list[str]]:
        """(the JavaScript tsc emits, tsc's errors) for `source` compiled alone. Only the check is timed: a
        (re)start is waited for first."""
        with self._lock:
            proc = self._proc if self._proc is not None and self._proc.poll() is None else self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(source) + "\n")
                proc.stdin.flush()
                line = _read_line(proc, CHECK_TIMEOUT_S)
            except OSError:
                line = ""
            if not line:
                self._stop()
                return None, [f"error: the TypeScript compiler gave no answer within {CHECK_TIMEOUT_S:g} s"]
            reply = json.loads(line)
            return reply["js"], reply["errors"]

    def argv(self) -> list[str]:
        lib = _require_typescript() / "lib" / "typescript.js"
        return ["node", f"--max-old-space-size={CHECKER_HEAP_MB}", "-e", _CHECKER, str(lib)]

    def _start(self) -> subprocess.Popen[str]:
        """A new checker, once it says it is ready; RuntimeUnavailable if it never does (no program's fault)."""
        self._proc = subprocess.Popen(
            self.argv(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        line = _read_line(self._proc, START_TIMEOUT_S)
        if not line or not json.loads(line).get("ready"):
            self._stop()
            raise RuntimeUnavailable(f"the TypeScript checker did not start within {START_TIMEOUT_S:g} s")
        return self._proc

    def _stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            self._proc = None


def _read_line(proc: subprocess.Popen[str], timeout_s: float) -> str:
    """The process's next stdout line, or "" if none comes within `timeout_s`."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
    return proc.stdout.readline() if ready else ""


_checker = _Checker()


def typecheck(programs: Sequence[str]) -> list[list[str]]:
    """tsc's errors for each program compiled alone (an empty list: it compiles)."""
    return [_checker.check(program)[1] for program in programs]


class TypeScript(JavaScript):
    name = "typescript"
    display_name = "TypeScript"
    lexicon = c_like_lexicon(
        words(
            """break case catch class const continue default delete do else export extends false finally for
            function if import in instanceof let new null return switch this throw true try typeof undefined var
            void while of length number string boolean any"""
        ),
        raw_strings=(("`", "`"),),
    )
    multipl_e_name = "ts"
    file_ext = "ts"
    harness_marker = "\ndeclare var require: any;"
    debian_packages = ("nodejs", "npm")
    probe_program = "declare var require: any;\nrequire('node:assert').ok(true as boolean);\n"

    @property
    def install_hint(self) -> str:
        return "run `bash scripts/setup.sh` (it installs the Debian packages nodejs, npm, then TypeScript into .tools/)"

    def program_files(self, program: str) -> dict[str, str]:
        _require_typescript()  # the reference build compiles with it
        return {self.program_file: program}

    def compile_argv(self, path: str) -> list[str]:
        return ["node", str((typescript_dir() or PROJECT_TYPESCRIPT) / "lib" / "tsc.js"), *TSC_OPTIONS, path]

    def build_ro_paths(self) -> tuple[str, ...]:
        return (str(typescript_dir() or PROJECT_TYPESCRIPT),)

    def build(self, program: str, sandbox: Sandbox, limits: Limits) -> Build:
        from stages.languages.builds import Build

        js, errors = _checker.check(program)
        if errors or js is None:
            # tsc exits 2 when it reported errors but still wrote the JavaScript (it does unless it crashed)
            raise CompileError("\n".join(errors), exit_code=1 if js is None else 2)
        return Build(files={"main.js": js}, compile_argv=None)

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
