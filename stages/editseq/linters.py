"""The linters that decide which lines depend on a deleted one: each reports the 1-based lines of a program that
carry a blocking error. One module-level instance per process (`linter_for`), reused for every program.

- `pyflakes` (the embedded default, ~1 ms a call): only messages that mean the program would fail count, such as
  undefined names and locals, syntax errors, `return` outside a function. Unused imports and variables never do.
  This data is not the paper's.
- `pylint` (the paper's mode): in-process pylint with LintSeq's flags and message filter (warnings ignored except
  W0311 bad-indentation and W0231 super-init-not-called; every E and F counts). Import resolution (E0401, E0611,
  E1101) is disabled, so the result does not depend on which packages happen to be installed.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol


class LinterCrash(RuntimeError):
    """The linter itself failed on a program (not an error in the program)."""


class Linter(Protocol):
    name: str

    def error_lines(self, source: str) -> set[int]:
        """1-based lines of `source` that carry a blocking error."""
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

        self._dir = Path(tempfile.mkdtemp(prefix="polyforge-pylint-"))
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


LINTERS = {"pyflakes": Pyflakes, "pylint": Pylint}
_built: dict[str, Linter] = {}


def linter_for(name: str) -> Linter:
    """This process's linter `name`, built on first use (one pylint per worker, configured once)."""
    if name not in LINTERS:
        raise ValueError(f"unknown linter {name!r}; known: {', '.join(LINTERS)}")
    if name not in _built:
        _built[name] = LINTERS[name]()
    return _built[name]
