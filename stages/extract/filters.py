"""Function filters: each one keeps a candidate or drops it with a named reason, and each is a param.

The reasons are the `extract_functions` funnel's keys. The checks follow MultiPL-T and SelfCodeAlign's seed
selection (returns a value, >= 1 argument, ASCII, no TODO/FIXME, size bounds, no blacklisted modules,
self-contained, optionally Pyright-clean); the blacklist is judged on the names the function itself uses, so a
clean function in a file that imports `os` elsewhere is kept.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from stages.checks import ParamsError, check_range
from stages.extract.functions import Candidate

log = logging.getLogger(__name__)

# SelfCodeAlign seed_gathering/filter_dataset.py: imports that make a function about its environment
# (process, files, CLI, plotting, packaging) rather than a computation a unit test can pin down.
SELFCODEALIGN_BLACKLIST = (
    "argparse",
    "os",
    "subprocess",
    "sys",
    "setuptools",
    "distutils",
    "matplotlib",
    "seaborn",
)

NOT_ASCII = "not_ascii"
TOO_FEW_ARGS = "too_few_args"
NO_RETURN_VALUE = "no_return_value"
GENERATOR = "generator"
BANNED_WORD = "banned_word"
TOO_FEW_LINES = "too_few_lines"
TOO_MANY_LINES = "too_many_lines"
TOO_SHORT = "too_short"
TOO_LONG = "too_long"
LICENSE_MISSING = "license_missing"
LICENSE_NOT_ALLOWED = "license_not_allowed"
BLACKLISTED_MODULE = "blacklisted_module"
NON_STDLIB_IMPORT = "non_stdlib_import"
UNDEFINED_NAMES = "undefined_names"
PYRIGHT_ERRORS = "pyright_errors"


@dataclass(frozen=True)
class FilterParams:
    # Keep only ASCII functions (MultiPL-T: "ASCII only").
    ascii_only: bool = True
    # Minimum positional parameters (*args counts): tests are `assert f(args) == expected` (SelfCodeAlign: >= 1).
    min_args: int = 1
    # Require a `return <value>` in the function's own body (MultiPL-T/SelfCodeAlign high_quality_subset).
    require_return: bool = True
    # Drop generators: a test comparing `f(x) == expected` cannot pin down a lazy iterator.
    drop_generators: bool = True
    # Whole words that mark unfinished code, matched case-insensitively (MultiPL-T: TODO; SelfCodeAlign adds FIXME).
    banned_words: tuple[str, ...] = ("TODO", "FIXME")
    # Line bounds on the function itself, decorators included (SelfCodeAlign drops > 150 lines; 30 keeps the
    # embedded default's test generation short).
    min_lines: int = 3
    max_lines: int = 30
    # Character bounds on the function itself.
    min_chars: int = 40
    max_chars: int = 4000
    # License allow-list (SPDX-like ids, case-insensitive) for sources that carry licenses; a file with several
    # licenses is kept when any is allowed. Empty: no license check. Sources without licenses (local) are exempt.
    licenses: tuple[str, ...] = ()
    # Modules a function may not use, judged on the names it uses itself (SelfCodeAlign's list).
    blacklist_modules: tuple[str, ...] = SELFCODEALIGN_BLACKLIST
    # Only standard-library imports, so the function runs in the sandbox without installing anything.
    stdlib_imports_only: bool = True
    # No undefined names once the function stands alone with its imports (pyflakes, in process).
    self_contained: bool = True
    # Also type-check with Pyright (the `pyright` extra) and drop functions with errors (MultiPL-T, SelfCodeAlign).
    pyright: bool = False
    # Functions per Pyright run (one process checks a whole batch of files).
    pyright_batch: int = 200

    def __post_init__(self) -> None:
        check_range("extract.filters.min_args", self.min_args, 0)
        check_range("extract.filters.min_lines", self.min_lines, 1)
        check_range("extract.filters.max_lines", self.max_lines, self.min_lines)
        check_range("extract.filters.min_chars", self.min_chars, 0)
        check_range("extract.filters.max_chars", self.max_chars, self.min_chars)
        check_range("extract.filters.pyright_batch", self.pyright_batch, 1)
        bad = [w for w in self.banned_words if not w.strip()]
        if bad:
            raise ParamsError(f"extract.filters.banned_words: empty word in {list(self.banned_words)!r}")


Check = Callable[[Candidate, "tuple[str, ...] | None"], str | None]


@dataclass(frozen=True)
class Filter:
    """A named check: returns None to keep, or the reason to drop."""

    name: str
    check: Check


def build_filters(params: FilterParams) -> list[Filter]:
    """The cheap checks first, pyflakes last; Pyright runs separately, in batches (see `PyrightCheck`)."""
    filters: list[Filter] = []
    if params.ascii_only:
        filters.append(Filter(NOT_ASCII, lambda c, _: None if c.code.isascii() else NOT_ASCII))
    if params.min_args:
        filters.append(
            Filter(TOO_FEW_ARGS, lambda c, _: TOO_FEW_ARGS if c.n_args < params.min_args else None)
        )
    if params.require_return:
        filters.append(Filter(NO_RETURN_VALUE, lambda c, _: None if c.returns_value else NO_RETURN_VALUE))
    if params.drop_generators:
        filters.append(Filter(GENERATOR, lambda c, _: GENERATOR if c.is_generator else None))
    if params.banned_words:
        words = re.compile(r"\b(?:" + "|".join(map(re.escape, params.banned_words)) + r")\b", re.IGNORECASE)
        filters.append(Filter(BANNED_WORD, lambda c, _: BANNED_WORD if words.search(c.function) else None))
    filters.append(
        Filter("lines", lambda c, _: _bounds(c.n_lines, params.min_lines, params.max_lines, "lines"))
    )
    filters.append(
        Filter("chars", lambda c, _: _bounds(len(c.function), params.min_chars, params.max_chars, "chars"))
    )
    if params.licenses:
        allowed = {name.lower() for name in params.licenses}
        filters.append(Filter("license", lambda _, lic: _license(lic, allowed)))
    if params.blacklist_modules:
        banned = frozenset(params.blacklist_modules)
        filters.append(
            Filter(BLACKLISTED_MODULE, lambda c, _: BLACKLISTED_MODULE if c.modules & banned else None)
        )
    if params.stdlib_imports_only:
        stdlib = frozenset(sys.stdlib_module_names) | {"__future__"}
        filters.append(
            Filter(NON_STDLIB_IMPORT, lambda c, _: NON_STDLIB_IMPORT if c.modules - stdlib else None)
        )
    if params.self_contained:
        filters.append(
            Filter(UNDEFINED_NAMES, lambda c, _: UNDEFINED_NAMES if undefined_names(c.code) else None)
        )
    return filters


def _bounds(value: int, lo: int, hi: int, unit: str) -> str | None:
    if value < lo:
        return TOO_FEW_LINES if unit == "lines" else TOO_SHORT
    if value > hi:
        return TOO_MANY_LINES if unit == "lines" else TOO_LONG
    return None


def _license(licenses: tuple[str, ...] | None, allowed: set[str]) -> str | None:
    if licenses is None:
        return None  # the source carries no license information (e.g. local files)
    if not licenses:
        return LICENSE_MISSING
    return None if any(lic.lower() in allowed for lic in licenses) else LICENSE_NOT_ALLOWED


def first_failure(
    filters: Sequence[Filter], candidate: Candidate, licenses: tuple[str, ...] | None
) -> str | None:
    for filt in filters:
        reason = filt.check(candidate, licenses)
        if reason is not None:
            return reason
    return None


def undefined_names(code: str) -> list[str]:
    """Names pyflakes finds undefined in `code` analysed alone (an unparseable snippet counts as undefined)."""
    from pyflakes import checker, messages

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ["<syntax error>"]
    found = checker.Checker(tree, filename="<function>")
    kinds = (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)
    return sorted({str(m.message_args[0]) for m in found.messages if isinstance(m, kinds)})


class PyrightMissing(RuntimeError):
    """`extract.filters.pyright` is on but the pyright command is not installed."""


class PyrightCheck:
    """Type-checks a batch of functions with one Pyright process; returns which ones have errors."""

    def __init__(self, timeout_s: float = 600.0) -> None:
        beside = Path(sys.executable).parent / "pyright"  # the venv's own, when its bin/ is not on PATH
        self.command = shutil.which("pyright") or (str(beside) if beside.exists() else None)
        if self.command is None:
            raise PyrightMissing(
                "extract.filters.pyright is true but `pyright` is not on PATH: "
                "run `.venv/bin/pip install 'polyforge[pyright]'` or set extract.filters.pyright: false"
            )
        self.timeout_s = timeout_s

    def errors(self, codes: Sequence[str]) -> list[bool]:
        with tempfile.TemporaryDirectory(prefix="polyforge-pyright-") as tmp:
            names = []
            for index, code in enumerate(codes):
                name = f"f{index:06d}.py"
                (Path(tmp) / name).write_text(code, encoding="utf-8")
                names.append(name)
            proc = subprocess.run(
                [str(self.command), "--outputjson", *names],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
                check=False,
            )
            try:
                report = json.loads(proc.stdout)
            except json.JSONDecodeError:
                raise RuntimeError(
                    f"pyright gave no JSON report (exit {proc.returncode}): {proc.stderr[-500:]}"
                ) from None
        bad = {
            Path(d["file"]).name
            for d in report.get("generalDiagnostics", [])
            if d.get("severity") == "error" and "file" in d
        }
        return [name in bad for name in names]
