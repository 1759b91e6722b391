"""The properties every LintSeq sequence must have, checked for one program (shared by the language tests)."""

from __future__ import annotations

import random

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


def check_sequence(
    program: str, linter_name: str, seed: int, initial_errors: str = "delete", language: str = "python"
) -> int:
    """Decoding gives back program.strip(), every hunk inserts only, and every intermediate state lints clean
    ("delete") or has no error beyond the original's ("ignore"). Returns the number of edits."""
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
    original = {n - 1 for n in linter.error_lines(program)} if initial_errors == "ignore" else set()
    for state in states[1:-1]:  # every intermediate state, empty and full excluded
        flagged = {state[n - 1] for n in linter.error_lines("\n".join(lines[i] for i in state))}
        assert flagged <= original, (language, seed, state)
    return len(edits)
