"""The properties every LintSeq sequence must have, checked for one program (shared by the language tests)."""

from __future__ import annotations

import ast
import functools
import random
import sysconfig
import warnings
from pathlib import Path

from stages.editseq import (
    apply_edits,
    backward_sample,
    edit_path,
    is_insert_only,
    linter_for,
    state_lines,
    training_text,
)

# `encode`'s settings as the stage passes them: pyflakes for Python, two sequences a program.
ENCODE_SETTINGS = {
    "linter": "pyflakes",
    "initial_errors": "delete",
    "s": 2,
    "seed": 0,
    "max_steps": 512,
    "max_lines": 200,
}


@functools.cache
def stdlib_as_written() -> tuple[str, ...]:
    """Every top-level function of the stdlib's top-level modules, as written (~1,300): the module's names it uses
    are undefined, errors of its own that "ignore" must keep apart from new ones (the extraction keeps none
    such), and a few declare `nonlocal` (what only `compile()` rejects hides there)."""
    programs = []
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.split("\n")
        for node in ast.parse(source).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                programs.append("\n".join(lines[node.lineno - 1 : node.end_lineno]))
    assert len(programs) > 1000
    return tuple(programs)


def check_sequence(
    program: str, linter_name: str, seed: int, initial_errors: str = "delete", language: str = "python"
) -> int:
    """Decoding gives back program.strip(), every hunk inserts only, and every intermediate state lints clean
    ("delete") or has no linter message the original lacks ("ignore": compared by message, each on its original
    line); a Python state also compiles (`compile()`, not only `ast.parse`). Returns the number of edits."""
    linter = linter_for(linter_name)
    sampled = backward_sample(
        program, linter, random.Random(seed), initial_errors=initial_errors, language=language
    )
    lines = program.split("\n")
    states = state_lines(program, sampled.deletions)
    edits = edit_path(lines, states)
    assert all(is_insert_only(e) for e in edits)
    decoded = apply_edits(training_text("Write it.", edits))
    assert decoded.malformed == 0 and decoded.program == program.strip()
    original = (
        {(n - 1, text) for n, text in linter.messages(program)} if initial_errors == "ignore" else set()
    )
    for state in states[1:-1]:  # every intermediate state, empty and full excluded
        source = "\n".join(lines[i] for i in state)
        if language == "python":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(source, "state.py", "exec", dont_inherit=True)
        found = {(state[n - 1], text) for n, text in linter.messages(source)}
        assert found <= original, (language, seed, source, found - original)
    return len(edits)
