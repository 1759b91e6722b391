"""One program in, `s` edit sequences out: the unit of work the lintseq stage maps over rows.

Each sequence is seeded from the stage seed, the row id and its sample index, so the output depends on neither
the worker count nor the row order. A program that cannot be encoded returns the named reason instead.
"""

from __future__ import annotations

import ast
import hashlib
import random
import re
from typing import Any

from stages.editseq.diffs import edit_path, training_text
from stages.editseq.linters import LinterCrash, linter_for
from stages.editseq.sampling import NoCandidate, StepLimit, backward_sample, state_lines

# Drop reasons (each a funnel reason of the lintseq stage).
NOT_UTF8 = "not_utf8"
SYNTAX_ERROR = "syntax_error"
TOO_LONG = "too_long"
NO_CANDIDATE = "no_candidate_line"
LINTER_CRASH = "linter_crash"
STEP_LIMIT = "step_limit"

_FENCE = re.compile(r"```python\n(.*?)```", re.S)


def program_text(response: str) -> str:
    """The program in a response: its ```python fenced blocks joined (as LintSeq), else the text itself."""
    blocks = _FENCE.findall(response)
    return "\n".join(blocks).strip() if blocks else response


def sample_seed(seed: int, row_id: str, index: int) -> int:
    return int(hashlib.sha256(f"lintseq:{seed}:{row_id}:{index}".encode()).hexdigest()[:16], 16)


def encode(item: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """item: id, program, instruction. settings: linter, initial_errors, s, seed, max_steps, max_lines.
    Returns {"sequences": [{"sample", "edit_path", "linter_calls", "text"}, ...]} or {"drop": reason}."""
    program = program_text(item["program"])
    try:
        program.encode("utf-8")
    except UnicodeEncodeError:
        return {"drop": NOT_UTF8}
    if program.count("\n") + 1 > settings["max_lines"]:
        return {"drop": TOO_LONG}
    try:
        ast.parse(program)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {"drop": SYNTAX_ERROR}
    linter = linter_for(settings["linter"])
    lines = program.split("\n")
    sequences = []
    for index in range(settings["s"]):
        rng = random.Random(sample_seed(settings["seed"], item["id"], index))
        try:
            sampled = backward_sample(
                program,
                linter,
                rng,
                initial_errors=settings["initial_errors"],
                max_steps=settings["max_steps"],
            )
        except NoCandidate:
            return {"drop": NO_CANDIDATE}
        except LinterCrash:
            return {"drop": LINTER_CRASH}
        except StepLimit:
            return {"drop": STEP_LIMIT}
        edits = edit_path(lines, state_lines(program, sampled.deletions))
        sequences.append(
            {
                "sample": index,
                "edit_path": edits,
                "linter_calls": sampled.linter_calls,
                "text": training_text(item["instruction"], edits),
            }
        )
    return {"sequences": sequences}
