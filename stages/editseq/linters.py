"""The linters that decide which lines depend on a deleted one: each reports a program's blocking messages, as
(1-based line, text) pairs; `error_lines` keeps the lines. One module-level instance per process (`linter_for`),
reused for every program. A message's text has its line numbers masked (`line _`), so the same message on the
same line compares equal in two states of a program: `initial_errors: ignore` subtracts the original's messages.

- `pyflakes` (the embedded default, ~1 ms a call): `compile()` first (what `ast.parse` misses: `nonlocal` without
  a binding, `return` outside a function), then only pyflakes messages that mean the program would fail, such as
  undefined names and locals. Unused imports and variables never count. This data is not the paper's.
- `pylint` (the paper's mode): in-process pylint with LintSeq's flags and message filter (warnings ignored except
  W0311 bad-indentation and W0231 super-init-not-called; every E and F counts), plus `compile()`'s error where
  pylint has none. No module outside the standard library is ever imported (as if none were installed), and
  import-error and no-name-in-module (E0401, E0611) are off, so the result does not depend on which packages
  happen to be installed; no-member (E1101) counts, on the program's own classes and the standard library's.
- A syntax error is blamed where pylint's E0001 blames it: the line its message names ("expected an indented
  block after 'if' statement on line 2": the emptied `if`), else the line the parser stopped at.
- `luacheck` (Lua): `luac5.4 -p` decides syntax, then luacheck reports what would fail at run time
  (`LUACHECK_BLOCKING`). Debian packages lua5.4 and lua-check.
- `ocaml`: `ocamlc` parses and type-checks the program as one compilation unit; every error counts, no warning
  does. Debian package ocaml-nox.

The Lua and OCaml linters run compilers and a static analyzer on a file in a private temp dir: none of them
executes the program, so no sandbox is needed.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import itertools
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from stages.common import scratch_dir

if TYPE_CHECKING:
    from pylint.lint import PyLinter


class LinterCrash(RuntimeError):
    """The linter itself failed on a program (not an error in the program)."""


class MissingTool(RuntimeError):
    """A linter's command is not installed (a setup problem, never a program's drop)."""


# A blocking message: its 1-based line and its text (with the code, line numbers masked).
Message = tuple[int, str]


class Linter(Protocol):
    name: str

    def messages(self, source: str) -> set[Message]:
        """The blocking messages of `source`."""
        ...

    def error_lines(self, source: str) -> set[int]:
        """1-based lines of `source` that carry a blocking error."""
        ...


class _Lines:
    def messages(self, source: str) -> set[Message]:
        raise NotImplementedError

    def error_lines(self, source: str) -> set[int]:
        return {line for line, _ in self.messages(source)}


_LINE_NUMBER = re.compile(r"\bline \d+")
_ON_LINE = re.compile(r"on line (\d+)")


def _text(message: str) -> str:
    """A message's text with its line numbers masked (they shift as lines are deleted)."""
    return _LINE_NUMBER.sub("line _", message)


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


def compile_error(source: str, tree: ast.Module | None = None) -> Message | None:
    """The error `compile()` raises on `source` (parsed already: `tree`), as a message, or None. Warnings are
    ignored (an `-W error` would turn a SyntaxWarning into an error)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(ast.parse(source) if tree is None else tree, "program.py", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return _clamp(_blamed_line(exc.msg, exc.lineno), source), _text(f"{type(exc).__name__}: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
        raise LinterCrash(f"compile: {type(exc).__name__}: {exc}") from exc
    return None


def _blamed_line(message: str, line: int | None) -> int | None:
    """The line pylint's E0001 blames: the one the message names ("... on line 2"), else the parser's."""
    match = _ON_LINE.search(message)
    return int(match.group(1)) if match else line


class Pyflakes(_Lines):
    name = "pyflakes"

    def messages(self, source: str) -> set[Message]:
        from pyflakes import checker

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except SyntaxError:
            tree = None
        except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, absurd nesting
            raise LinterCrash(f"pyflakes: {type(exc).__name__}: {exc}") from exc
        error = compile_error(source, tree)  # parses again only on a syntax error, for its message
        if error is not None:
            return {error}
        try:
            found = checker.Checker(tree, filename="program.py").messages
        except RecursionError as exc:
            raise LinterCrash(f"pyflakes: {type(exc).__name__}") from exc
        return {
            (m.lineno, _text(f"{type(m).__name__}: {m.message % m.message_args}"))
            for m in found
            if type(m).__name__ in PYFLAKES_BLOCKING
        }


# LintSeq's pylint flags, with the messages about imports off (a module outside the standard library is never
# imported, so every such import would be an E0401).
PYLINT_ARGS = (
    "--disable=C,R,E0401,E0611",
    "--reports=n",
    "--score=n",
    "--unsafe-load-any-extension=y",
    "--generated-members=cv2.*",
    "--persistent=n",
    "--jobs=1",
)
PYLINT_KEPT_WARNINGS = frozenset({"W0311", "W0231"})
_MODULE_NAME = re.compile(r"\bprogram_\d+_\d+\b")


class _OutsideStdlib(set[str]):
    """astroid's module denylist (a set it asks `name in denylist`), holding every module outside the standard
    library: astroid never imports one, as if it were not installed, so the packages that happen to be
    installed (or the working directory's) never change a lint."""

    def __contains__(self, name: object) -> bool:
        return (
            isinstance(name, str) and name.partition(".")[0] not in sys.stdlib_module_names
        ) or super().__contains__(name)


def _deny_outside_stdlib() -> None:
    from astroid import MANAGER
    from astroid.manager import AstroidManager

    denylist = _OutsideStdlib(MANAGER.module_denylist)
    AstroidManager.brain["module_denylist"] = denylist  # what each new AstroidManager() reads
    MANAGER.module_denylist = denylist


def _reuse_checkers(linter: PyLinter) -> None:
    """Each `check` of `linter` reuses one set of checkers and one AST walker, built once.

    pylint 3.2's `check` builds them for every call (sorting ~40 checkers and collecting their visit methods:
    more than half of a call on a short program), though they depend only on which messages are enabled, fixed
    here once configured (a program's own `# pylint:` pragmas change its file's state, not these). Each check
    still opens and closes every checker, as pylint's own context manager does."""
    from pylint.checkers import BaseRawFileChecker, BaseTokenChecker
    from pylint.utils import ASTWalker

    needed = linter.prepare_checkers()
    walker = ASTWalker(linter)
    for checker in needed:
        walker.add_checker(checker)
    check = functools.partial(
        linter.check_astroid_module,
        walker=walker,
        tokencheckers=[c for c in needed if isinstance(c, BaseTokenChecker)],
        rawcheckers=[c for c in needed if isinstance(c, BaseRawFileChecker)],
    )

    @contextlib.contextmanager
    def module_checker() -> Iterator[Callable[..., bool | None]]:
        for checker in needed:
            checker.open()
        yield check
        linter.stats.statement = walker.nbstatements
        for checker in reversed(needed):
            checker.close()

    linter._astroid_module_checker = module_checker  # type: ignore[method-assign]


class Pylint(_Lines):
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
        _deny_outside_stdlib()  # after Run, which adds its own (empty) ignored-modules to the denylist
        _reuse_checkers(self._linter)

    def messages(self, source: str) -> set[Message]:
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
        found: set[Message] = set()
        for message in reporter.messages:
            code = message.msg_id
            if code.startswith("W") and code not in PYLINT_KEPT_WARNINGS:
                continue
            if code.startswith(("C", "R")):
                continue
            if code == "F0002":  # astroid crashed on the program
                raise LinterCrash(f"pylint: {message.msg}")
            line = _blamed_line(message.msg, message.line) if code == "E0001" else message.line
            text = _text(_MODULE_NAME.sub("program", f"{code} {message.msg}"))
            found.add((_clamp(line, source), text))
        if not any(text.startswith("E0001") for _, text in found):
            # What only the compiler finds (pylint reports most of it: nonlocal without a binding is E0117).
            error = compile_error(source)
            if error is not None:
                found.add(error)
        return found


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
_LUACHECK_MESSAGE = re.compile(r"^program\.lua:(\d+):\d+: \(([EW]\d+)\) (.*)$", re.M)
# Inline options (`-- luacheck: ignore`) would let a program silence its own errors; 1.1.0 has no CLI switch.
_INLINE_OPTION = re.compile(r"luacheck:")


class Luacheck(_Lines):
    name = "luacheck"

    def __init__(self) -> None:
        self._luac = _require("luac5.4", "lua5.4")
        self._luacheck = _require("luacheck", "lua-check")
        self._work = _Workdir("polyforge-lua-", "program.lua")

    def _parse(self, source: str) -> Message | None:
        done = self._work.run([self._luac, "-p", "program.lua"], source)
        if done.returncode == 0:
            return None
        match = _LUAC_ERROR.search(done.stderr)
        if match is None:
            raise LinterCrash(f"luac5.4: {done.stderr.strip()[:200]}")
        opened = _OPENED_AT.search(match.group(2))
        line = _clamp(int(opened.group(1) if opened else match.group(1)), source)
        return line, _text(f"luac: {match.group(2)}")

    def syntax_error(self, source: str) -> int | None:
        """The line `luac5.4 -p` blames (the opener of an unclosed block), or None."""
        error = self._parse(source)
        return None if error is None else error[0]

    def messages(self, source: str) -> set[Message]:
        error = self._parse(source)
        if error is not None:
            return {error}
        done = self._work.run(
            [self._luacheck, *LUACHECK_ARGS, "program.lua"], _INLINE_OPTION.sub("luacheck_:", source)
        )
        if done.returncode > 2:  # 3: I/O or internal error
            raise LinterCrash(f"luacheck: {(done.stderr or done.stdout).strip()[:200]}")
        found = _LUACHECK_MESSAGE.findall(done.stdout)
        return {
            (_clamp(int(line), source), _text(f"{code} {text}"))
            for line, code, text in found
            if code in LUACHECK_BLOCKING
        }


# -stop-after typing: parse and type-check only (no code generated). -w -a -warn-error -a: warnings never count;
# one a program's own attribute turns back into an error ("Error (warning N)") is skipped when parsing.
# -error-style short: "File ..., line N, characters ...:" then the message, with no source excerpt.
OCAMLC_ARGS = ("-w", "-a", "-warn-error", "-a", "-error-style", "short", "-color", "never", "-c")
_OCAML_LOCATION = re.compile(r'^File "[^"]*", lines? (\d+)[^\n]*\n(.*)$', re.M)


class Ocaml(_Lines):
    """ocamlc on `program.ml` (module Program, the standard library opened as usual)."""

    name = "ocaml"

    def __init__(self) -> None:
        self._ocamlc = _require("ocamlc", "ocaml-nox")
        self._work = _Workdir("polyforge-ocaml-", "program.ml")

    def _errors(self, source: str, stop_after: str) -> set[Message]:
        done = self._work.run([self._ocamlc, "-stop-after", stop_after, *OCAMLC_ARGS, "program.ml"], source)
        if done.returncode == 0:
            return set()
        errors: list[Message] = []
        openers: list[Message] = []
        warned = False
        for line, message in _OCAML_LOCATION.findall(done.stderr):
            if message.startswith("Error:"):
                errors.append((int(line), message))
            elif message.startswith("Error (warning"):
                warned = True
            elif "might be unmatched" in message:  # the unclosed opener of a syntax error
                openers.append((int(line), message))
        if not errors and not warned:
            raise LinterCrash(f"ocamlc: {done.stderr.strip()[:200]}")
        return {(_clamp(line, source), _text(message)) for line, message in openers or errors}

    def syntax_error(self, source: str) -> int | None:
        """The first line the parser blames (the opener of an unclosed construct), or None."""
        return min((line for line, _ in self._errors(source, "parsing")), default=None)

    def messages(self, source: str) -> set[Message]:
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
