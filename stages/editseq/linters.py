"""The linters that decide which lines depend on a deleted one: each reports the 1-based lines of a program that
carry a blocking error. One module-level instance per process (`linter_for`), reused for every program.

- `pyflakes` (the embedded default, ~1 ms a call): only messages that mean the program would fail count, such as
  undefined names and locals, syntax errors, `return` outside a function. Unused imports and variables never do.
  This data is not the paper's.
- `pylint` (the paper's mode): in-process pylint with LintSeq's flags and message filter (warnings ignored except
  W0311 bad-indentation and W0231 super-init-not-called; every E and F counts). Import resolution (E0401, E0611,
  E1101) is disabled, so the result does not depend on which packages happen to be installed.
- `luacheck` (Lua): `luac5.4 -p` decides syntax, then luacheck reports what would fail at run time
  (`LUACHECK_BLOCKING`). Debian packages lua5.4 and lua-check.
- `ocaml`: `ocamlc` parses and type-checks the program as one compilation unit; every error counts, no warning
  does. Debian package ocaml-nox.

The Lua and OCaml linters run compilers and a static analyzer on a file in a private temp dir: none of them
executes the program, so no sandbox is needed.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import shutil
import subprocess
from typing import Protocol

from stages.common import scratch_dir


class LinterCrash(RuntimeError):
    """The linter itself failed on a program (not an error in the program)."""


class MissingTool(RuntimeError):
    """A linter's command is not installed (a setup problem, never a program's drop)."""


class Linter(Protocol):
    name: str

    def error_lines(self, source: str) -> set[int]:
        """1-based lines of `source` that carry a blocking error."""
        ...


class Parser(Linter, Protocol):
    def syntax_error(self, source: str) -> int | None:
        """The 1-based line the language's parser blames, or None when `source` parses."""
        ...


# pyflakes messages that mean the program would fail when run (by class name).
PYFLAKES_BLOCKING = frozenset(
    {
        "UndefinedName",
        "UndefinedLocal",
        "UndefinedExport",
        "DuplicateArgument",
        "ReturnOutsideFunction",
        "YieldOutsideFunction",
        "ContinueOutsideLoop",
        "BreakOutsideLoop",
        "DefaultExceptNotLast",
        "TwoStarredExpressions",
        "TooManyExpressionsInStarredAssignment",
        "ForwardAnnotationSyntaxError",
        "StringDotFormatExtraPositionalArguments",
        "StringDotFormatMissingArgument",
        "PercentFormatMissingArgument",
        "PercentFormatPositionalCountMismatch",
    }
)


class Pyflakes:
    name = "pyflakes"

    def error_lines(self, source: str) -> set[int]:
        from pyflakes import checker

        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            return {_clamp(exc.lineno, source)}
        except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
            raise LinterCrash(f"pyflakes: {type(exc).__name__}: {exc}") from exc
        try:
            found = checker.Checker(tree, filename="program.py").messages
        except RecursionError as exc:
            raise LinterCrash(f"pyflakes: {type(exc).__name__}") from exc
        return {m.lineno for m in found if type(m).__name__ in PYFLAKES_BLOCKING}


# LintSeq's pylint flags, with import resolution off (its result would depend on the installed packages).
PYLINT_ARGS = (
    "--disable=C,R,E0401,E0611,E1101",
    "--reports=n",
    "--score=n",
    "--unsafe-load-any-extension=y",
    "--generated-members=cv2.*",
    "--persistent=n",
    "--jobs=1",
)
PYLINT_KEPT_WARNINGS = frozenset({"W0311", "W0231"})
_ON_LINE = re.compile(r"on line (\d+)")


class Pylint:
    """pylint in-process, configured once; each call lints one file in a private temp dir."""

    name = "pylint"

    def __init__(self) -> None:
        from pylint.lint import Run
        from pylint.reporters import CollectingReporter

        self._dir = scratch_dir("polyforge-pylint-")
        self._names = itertools.count()
        # Configured once, from these flags only: an empty rcfile, so no pylintrc or pyproject.toml around the
        # working directory changes what counts. Run lints a first, empty file on the way.
        rcfile = self._dir / "pylintrc"
        rcfile.write_text("")
        first = self._dir / "first.py"
        first.write_text("")
        run = Run([*PYLINT_ARGS, f"--rcfile={rcfile}", str(first)], reporter=CollectingReporter(), exit=False)
        self._linter = run.linter

    def error_lines(self, source: str) -> set[int]:
        import astroid
        from pylint.reporters import CollectingReporter

        # A fresh module name each call: astroid caches modules by name.
        name = f"program_{os.getpid()}_{next(self._names)}"
        path = self._dir / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        reporter = CollectingReporter()
        self._linter.set_reporter(reporter)
        try:
            self._linter.check([str(path)])
        except Exception as exc:  # pylint's own failure on a strange program
            raise LinterCrash(f"pylint: {type(exc).__name__}: {exc}") from exc
        finally:
            path.unlink(missing_ok=True)
            astroid.MANAGER.astroid_cache.pop(name, None)
        lines: set[int] = set()
        for message in reporter.messages:
            code = message.msg_id
            if code.startswith("W") and code not in PYLINT_KEPT_WARNINGS:
                continue
            if code.startswith(("C", "R")):
                continue
            if code == "E0001":
                match = _ON_LINE.search(message.msg)
                line = int(match.group(1)) if match else message.line
            elif code == "F0002":  # astroid crashed on the program
                raise LinterCrash(f"pylint: {message.msg}")
            else:
                line = message.line
            lines.add(_clamp(line, source))
        return lines


def _clamp(line: int | None, source: str) -> int:
    """A reported line inside the program (a syntax error may be reported one past its end)."""
    count = max(1, source.count("\n") + 1)
    return min(max(line or 1, 1), count)


# A tool run that takes longer than this is the tool's failure, not the program's.
TOOL_TIMEOUT_S = 60


def _require(command: str, package: str) -> str:
    path = shutil.which(command)
    if path is None:
        raise MissingTool(
            f"{command} not found: install the Debian package {package} (scripts/setup.sh does)"
        )
    return path


class _Workdir:
    """A private temp dir holding one program file at a time; tools run inside it on the relative name, so
    their messages name `file` and nothing around the working directory (configs, caches) is read."""

    def __init__(self, prefix: str, file: str) -> None:
        self.dir = scratch_dir(prefix)
        self.file = file

    def run(self, argv: list[str], source: str) -> subprocess.CompletedProcess[str]:
        (self.dir / self.file).write_text(source, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("OCAMLPARAM", "LUA_INIT", "LUA_INIT_5_4")}
        try:
            return subprocess.run(
                argv,
                cwd=self.dir,
                env=env,
                capture_output=True,
                encoding="utf-8",
                errors="replace",
                timeout=TOOL_TIMEOUT_S,
                check=False,
            )
        except (subprocess.TimeoutExpired, OSError) as exc:
            raise LinterCrash(f"{argv[0]}: {type(exc).__name__}: {exc}") from exc
        finally:
            # Nothing a call writes (an OCaml .cmi) may be read by the next one.
            for path in self.dir.iterdir():
                path.unlink(missing_ok=True)


# luacheck warnings that mean the program would fail when run (or cannot be analysed):
#   E011 syntax error (luac normally finds it first), 112 mutating an undefined global (`t.k = 1`: indexing
#   nil), 113 accessing an undefined global, 143 accessing an undefined field of a standard global
#   (`string.foo(...)`), 321 accessing and 341 mutating an uninitialised local.
# Never counted: unused variables and values (2xx, 3xx but 321/341), shadowing (4xx), style (5xx, 6xx), and
# setting globals or their fields (111, 121, 122, 142), which Lua allows.
LUACHECK_BLOCKING = frozenset({"E011", "W112", "W113", "W143", "W321", "W341"})
# --std lua54: the globals of the runtime that runs the programs (luac5.4). --allow-defined: a global set
# anywhere is defined (translations define top-level functions as globals), so deleting its definition makes its
# uses W113. --no-config/--no-cache: nothing around the working directory changes the result.
LUACHECK_ARGS = (
    "--no-config",
    "--no-cache",
    "--formatter",
    "plain",
    "--codes",
    "--std",
    "lua54",
    "--allow-defined",
)
_LUAC_ERROR = re.compile(r"program\.lua:(\d+): (.*)")
# "'end' expected (to close 'function' at line 3)", "unfinished long string (starting at line 3)": the opener
# is the line to delete, not the line where the parser gave up (often an innocent one further down).
_OPENED_AT = re.compile(r"at line (\d+)\)")
_LUACHECK_MESSAGE = re.compile(r"^program\.lua:(\d+):\d+: \(([EW]\d+)\)", re.M)
# Inline options (`-- luacheck: ignore`) would let a program silence its own errors; 1.1.0 has no CLI switch.
_INLINE_OPTION = re.compile(r"luacheck:")


class Luacheck:
    name = "luacheck"

    def __init__(self) -> None:
        self._luac = _require("luac5.4", "lua5.4")
        self._luacheck = _require("luacheck", "lua-check")
        self._work = _Workdir("polyforge-lua-", "program.lua")

    def syntax_error(self, source: str) -> int | None:
        """The line `luac5.4 -p` blames (the opener of an unclosed block), or None."""
        done = self._work.run([self._luac, "-p", "program.lua"], source)
        if done.returncode == 0:
            return None
        match = _LUAC_ERROR.search(done.stderr)
        if match is None:
            raise LinterCrash(f"luac5.4: {done.stderr.strip()[:200]}")
        opened = _OPENED_AT.search(match.group(2))
        return _clamp(int(opened.group(1) if opened else match.group(1)), source)

    def error_lines(self, source: str) -> set[int]:
        line = self.syntax_error(source)
        if line is not None:
            return {line}
        done = self._work.run(
            [self._luacheck, *LUACHECK_ARGS, "program.lua"], _INLINE_OPTION.sub("luacheck_:", source)
        )
        if done.returncode > 2:  # 3: I/O or internal error
            raise LinterCrash(f"luacheck: {(done.stderr or done.stdout).strip()[:200]}")
        found = _LUACHECK_MESSAGE.findall(done.stdout)
        return {_clamp(int(line), source) for line, code in found if code in LUACHECK_BLOCKING}


# -stop-after typing: parse and type-check only (no code generated). -w -a -warn-error -a: warnings never count;
# one a program's own attribute turns back into an error ("Error (warning N)") is skipped when parsing.
# -error-style short: "File ..., line N, characters ...:" then the message, with no source excerpt.
OCAMLC_ARGS = ("-w", "-a", "-warn-error", "-a", "-error-style", "short", "-color", "never", "-c")
_OCAML_LOCATION = re.compile(r'^File "[^"]*", lines? (\d+)[^\n]*\n(.*)$', re.M)


class Ocaml:
    """ocamlc on `program.ml` (module Program, the standard library opened as usual)."""

    name = "ocaml"

    def __init__(self) -> None:
        self._ocamlc = _require("ocamlc", "ocaml-nox")
        self._work = _Workdir("polyforge-ocaml-", "program.ml")

    def _errors(self, source: str, stop_after: str) -> set[int]:
        done = self._work.run([self._ocamlc, "-stop-after", stop_after, *OCAMLC_ARGS, "program.ml"], source)
        if done.returncode == 0:
            return set()
        errors: list[int] = []
        openers: list[int] = []
        warnings = False
        for line, message in _OCAML_LOCATION.findall(done.stderr):
            if message.startswith("Error:"):
                errors.append(int(line))
            elif message.startswith("Error (warning"):
                warnings = True
            elif "might be unmatched" in message:  # the unclosed opener of a syntax error
                openers.append(int(line))
        if not errors and not warnings:
            raise LinterCrash(f"ocamlc: {done.stderr.strip()[:200]}")
        return {_clamp(line, source) for line in openers or errors}

    def syntax_error(self, source: str) -> int | None:
        """The first line the parser blames (the opener of an unclosed construct), or None."""
        return min(self._errors(source, "parsing"), default=None)

    def error_lines(self, source: str) -> set[int]:
        return self._errors(source, "typing")


LINTERS = {"pyflakes": Pyflakes, "pylint": Pylint, "luacheck": Luacheck, "ocaml": Ocaml}
PYTHON_LINTERS = ("pyflakes", "pylint")
_built: dict[str, Linter] = {}


def linter_for(name: str) -> Linter:
    """This process's linter `name`, built on first use (one pylint per worker, configured once)."""
    if name not in LINTERS:
        raise ValueError(f"unknown linter {name!r}; known: {', '.join(LINTERS)}")
    if name not in _built:
        _built[name] = LINTERS[name]()
    return _built[name]
