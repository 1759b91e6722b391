"""The Python fast path: many small snippets (each `assert f(...) == ...` on its own, as MultiPL-T executes tests)
against one prelude (the function), without one interpreter per snippet.

One sandboxed interpreter (`pyfast_driver.py`, under the same bwrap, uid and limits as any run) loads the
prelude once and forks a child per snippet: a fork costs about a millisecond where an interpreter start costs
tens. Each snippet still runs in its own process, on its own copy of the prelude's state, under its own wall and
CPU limits, and whatever it starts is killed before the next one runs, so a hostile snippet cannot change
another's verdict. A snippet that takes the driver itself down is judged again alone through
`run_snippets_isolated()`, the reference path (one `python3` process per snippet, the file `prelude + "\\n" +
snippet`), and the driver restarts after it. Verdicts are those of the reference path: tests compare both.

Line coverage (coverage.py) of a named function under the snippets is measured in the same pass.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import secrets
import shutil
import signal
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stages.sandbox.engine import Sandbox, sandbox_for
from stages.sandbox.limits import Limits
from stages.sandbox.result import RawResult

log = logging.getLogger(__name__)

STATUSES = ("ok", "assertion_error", "exception", "timeout", "syntax_error")
SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")
PRELUDE_FILE = "prelude.py"
PYTHON_FLAGS = ("-I",)  # isolated mode in both paths: no user site, no PYTHON* variables, no script dir
# Room for the driver beyond its snippets' own limits (interpreter start, coverage import).
DRIVER_SLACK_S = 10.0
# A snippet passes only by running to its end. MultiPL-T passed any process that exited 0, so a test such as
# `assert f(1) == exit()` passed; the reference file ends with this exit code, reachable only after the snippet.
COMPLETED_EXIT = 93
COMPLETED_MARK = f"\nraise SystemExit({COMPLETED_EXIT})\n"
REFERENCE_OUTPUT_CAP = 1 << 16  # the reference path reads the traceback's last line: keep all of it


@dataclass(frozen=True)
class SnippetResult:
    status: str  # one of STATUSES
    error: str = ""  # exception type name (or "signal N" / "exit N") when status is not ok
    wall_s: float = 0.0
    lines: frozenset[int] = field(default_factory=frozenset)  # prelude lines run by this snippet (cover=True)


def run_snippets(
    prelude: str,
    snippets: Sequence[str],
    limits: Limits | None = None,
    *,
    cover: bool = False,
    sandbox: Sandbox | None = None,
) -> list[SnippetResult]:
    """One verdict per snippet, in order. `limits.wall_s` and `limits.cpu_s` apply to each snippet."""
    sb = sandbox or sandbox_for()
    limits = limits or sb.params.limits
    results: dict[int, SnippetResult] = {}
    start = 0
    while start < len(snippets):
        crashed = _drive(sb, prelude, snippets, start, limits, cover, results)
        if crashed is None:
            break
        log.info("pyfast: snippet %d took the driver down; judging it alone", crashed)
        results[crashed] = run_snippets_isolated(prelude, [snippets[crashed]], limits, sandbox=sb)[0]
        start = crashed + 1
    missing = [i for i in range(len(snippets)) if i not in results]
    if missing:  # the driver died outside any snippet: judge what is left the reference way
        alone = run_snippets_isolated(prelude, [snippets[i] for i in missing], limits, sandbox=sb)
        results.update(zip(missing, alone, strict=True))
    return [results[i] for i in range(len(snippets))]


def _drive(
    sb: Sandbox,
    prelude: str,
    snippets: Sequence[str],
    start: int,
    limits: Limits,
    cover: bool,
    results: dict[int, SnippetResult],
) -> int | None:
    """Run snippets[start:] in one driver; fill `results`; return the index of a snippet that killed it."""
    token = secrets.token_hex(16)
    todo = list(snippets[start:])
    job = {
        "token": token,
        "prelude": prelude,
        "prelude_file": PRELUDE_FILE,
        "snippets": todo,
        "start": start,
        "wall_s": limits.wall_s,
        "cpu_s": limits.cpu_s,
        "cover": cover,
        "pylib": str(coverage_lib(sb)) if cover else "",
        "scratch": "scratch",
    }
    driver_limits = limits.override(
        wall_s=DRIVER_SLACK_S + limits.wall_s * (len(todo) + 1),
        cpu_s=int(DRIVER_SLACK_S + limits.cpu_s * (len(todo) + 1)),
        output_cap=1 << 24,
        output_limit_mb=max(limits.output_limit_mb, 32),
    )
    raw = sb.run(
        [sb.params.python, *PYTHON_FLAGS, "driver.py"],
        files={
            "driver.py": Path(__file__).with_name("pyfast_driver.py").read_text(),
            "job.json": json.dumps(job),
            PRELUDE_FILE: prelude,
            "scratch/.keep": "",
        },
        limits=driver_limits,
        env={"PYTHONHASHSEED": "0"},
    )
    if raw.runtime_missing:
        raise FileNotFoundError(f"sandbox.python {sb.params.python!r} is not installed: {raw.stderr}")
    pending: int | None = None
    prelude_seen = False
    for line in raw.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if not isinstance(msg, dict) or msg.pop("token", None) != token:
            continue
        if "prelude" in msg:
            prelude_seen = True
            if msg["prelude"] == "ended":
                ended = SnippetResult(status=msg["status"], error=msg["error"])
                for i in range(start, len(snippets)):
                    results.setdefault(i, ended)
                return None
        elif "start" in msg:
            pending = msg["start"]
        elif "index" in msg:
            index = msg["index"]
            results[index] = SnippetResult(
                status=msg["status"],
                error=msg.get("error", ""),
                wall_s=msg.get("wall_s", 0.0),
                lines=frozenset(msg.get("lines", ())),
            )
            if index == pending:
                pending = None
    if not prelude_seen and (raw.timed_out or raw.signal == signal.SIGALRM):
        # the prelude never finished within a snippet's limit: each snippet's own run would have timed out
        for i in range(start, len(snippets)):
            results.setdefault(i, SnippetResult(status="timeout"))
        return None
    return pending


def run_snippets_isolated(
    prelude: str, snippets: Sequence[str], limits: Limits | None = None, *, sandbox: Sandbox | None = None
) -> list[SnippetResult]:
    """The reference path: each snippet in its own interpreter, as the file `prelude + "\\n" + snippet`."""
    sb = sandbox or sandbox_for()
    limits = (limits or sb.params.limits).override(output_cap=REFERENCE_OUTPUT_CAP)
    out = []
    for snippet in snippets:
        raw = sb.run(
            [sb.params.python, *PYTHON_FLAGS, "snippet.py"],
            files={"snippet.py": prelude + "\n" + snippet + COMPLETED_MARK},
            limits=limits,
            env={"PYTHONHASHSEED": "0"},
        )
        if raw.runtime_missing:
            raise FileNotFoundError(f"sandbox.python {sb.params.python!r} is not installed: {raw.stderr}")
        out.append(classify_process(raw))
    return out


def classify_process(raw: RawResult) -> SnippetResult:
    """A Python process's verdict from its raw result: how the reference path judges a snippet."""
    if raw.timed_out or raw.signal == signal.SIGXCPU:
        return SnippetResult(status="timeout", wall_s=raw.wall_s)
    if raw.oom:  # the run's memory was full: whatever it printed after, it did not pass
        return SnippetResult(status="exception", error="MemoryError", wall_s=raw.wall_s)
    if raw.signal is not None:
        return SnippetResult(status="exception", error=f"signal {raw.signal}", wall_s=raw.wall_s)
    if raw.exit_code == COMPLETED_EXIT:
        return SnippetResult(status="ok", wall_s=raw.wall_s)
    if raw.exit_code == 0:  # exit(0) before the end: MultiPL-T's exit-code rule would have passed it
        return SnippetResult(status="exception", error="SystemExit", wall_s=raw.wall_s)
    last = next((ln.strip() for ln in reversed(raw.stderr.splitlines()) if ln.strip()), "")
    name = last.split(":", 1)[0].strip().rsplit(".", 1)[-1]
    if name in SYNTAX_ERRORS and "Traceback (most recent call last)" not in raw.stderr:
        return SnippetResult(status="syntax_error", error=name, wall_s=raw.wall_s)
    if name == "AssertionError":
        return SnippetResult(status="assertion_error", error=name, wall_s=raw.wall_s)
    return SnippetResult(status="exception", error=name or f"exit {raw.exit_code}", wall_s=raw.wall_s)


# --- coverage --------------------------------------------------------------------------------------------


class FunctionNotFound(ValueError):
    """The prelude defines no top-level function of that name."""


def function_lines(prelude: str, function_name: str) -> frozenset[int]:
    """The executable lines (coverage.py's statements) of the body of top-level function `function_name`."""
    from coverage.parser import PythonParser

    tree = ast.parse(prelude)
    defs = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function_name
    ]
    if not defs:
        known = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        raise FunctionNotFound(f"no top-level function {function_name!r} in the prelude; it defines: {known}")
    node = defs[-1]
    first, last = node.body[0].lineno, node.end_lineno or node.body[-1].lineno
    parser = PythonParser(text=prelude)
    parser.parse_source()
    return frozenset(line for line in parser.statements if first <= line <= last)


def covered_percent(executed: frozenset[int] | set[int], statements: frozenset[int]) -> float:
    if not statements:
        return 100.0
    return 100.0 * len(statements & set(executed)) / len(statements)


def coverage_of(
    prelude: str,
    function_name: str,
    snippets: Sequence[str],
    limits: Limits | None = None,
    *,
    sandbox: Sandbox | None = None,
) -> float:
    """Percent of `function_name`'s own executable lines run by the snippets (MultiPL-T keeps >= 90)."""
    statements = function_lines(prelude, function_name)
    results = run_snippets(prelude, snippets, limits, cover=True, sandbox=sandbox)
    executed: set[int] = set()
    for result in results:
        executed |= result.lines
    return covered_percent(executed, statements)


def coverage_lib(sb: Sandbox) -> Path:
    """A copy of the installed coverage.py that the unprivileged uid can read and bwrap shows (made once)."""
    import coverage

    source = Path(coverage.__file__).parent
    target = sb.pylib_dir / f"coverage-{coverage.__version__}"
    if not (target / "coverage").is_dir():
        sb.pylib_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(sb.pylib_dir, 0o755)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=sb.pylib_dir))
        try:
            shutil.copytree(source, staging / "coverage", ignore=shutil.ignore_patterns("__pycache__"))
            import compileall

            compileall.compile_dir(staging, quiet=1)
            for root, _dirs, files in os.walk(staging):
                os.chmod(root, 0o755)
                for name in files:
                    os.chmod(os.path.join(root, name), 0o644 if not name.endswith(".so") else 0o755)
            try:
                os.rename(staging, target)
            except OSError:  # another process made it first
                shutil.rmtree(staging, ignore_errors=True)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return target


__all__ = [
    "STATUSES",
    "FunctionNotFound",
    "SnippetResult",
    "classify_process",
    "coverage_of",
    "covered_percent",
    "function_lines",
    "run_snippets",
    "run_snippets_isolated",
]
