"""One program in, `s` edit sequences out: the unit of work the lintseq stage maps over rows.

Each sequence is seeded from the stage seed, the row id and its sample index, so the output depends on neither
the worker count nor the row order. A program that cannot be encoded returns the named reason instead, and so
does a row whose program or instruction is not text (`text_field`: null, bytes that are not UTF-8, a number). The
item's language (default Python) picks the fenced blocks, the syntax pre-check, the comment lines and the linter
(stages/editseq/languages.py).
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from stages.editseq.diffs import edit_path, training_text
from stages.editseq.languages import fenced_program, has_syntax_error, linter_name
from stages.editseq.linters import LinterCrash, linter_for
from stages.editseq.sampling import NoCandidate, StepLimit, backward_sample, state_lines

# Drop reasons (each a funnel reason of the lintseq stage).
NO_PROGRAM = "no_program"
NO_INSTRUCTION = "no_instruction"
NOT_TEXT = "not_text"
NOT_UTF8 = "not_utf8"
SYNTAX_ERROR = "syntax_error"
TOO_LONG = "too_long"
NO_CANDIDATE = "no_candidate_line"
LINTER_CRASH = "linter_crash"
STEP_LIMIT = "step_limit"


def text_field(value: Any, missing: str) -> tuple[str, str | None]:
    """A row's field as (text, None), or ("", drop reason): null is `missing`; bytes are decoded as UTF-8
    (`not_utf8` when they are not); any other type is `not_text`. Never its repr: a null is not "None"."""
    if isinstance(value, str):
        return value, None
    if value is None:
        return "", missing
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8"), None
        except UnicodeDecodeError:
            return "", NOT_UTF8
    return "", NOT_TEXT


def sample_seed(seed: int, row_id: str, index: int) -> int:
    return int(hashlib.sha256(f"lintseq:{seed}:{row_id}:{index}".encode()).hexdigest()[:16], 16)


def encode(item: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """item: id, program, instruction, language (default "python"), and "drop" when the row was found bad
    already (`text_field`). settings: linter (Python's), initial_errors, s, seed, max_steps, max_lines. Returns
    {"sequences": [{"sample", "edit_path", "linter_calls", "text", "language", "linter"}, ...]} or
    {"drop": reason}."""
    if item.get("drop"):
        return {"drop": item["drop"]}
    language = item.get("language", "python")
    program = fenced_program(item["program"], language)
    try:
        program.encode("utf-8")
    except UnicodeEncodeError:
        return {"drop": NOT_UTF8}
    if program.count("\n") + 1 > settings["max_lines"]:
        return {"drop": TOO_LONG}
    try:
        if has_syntax_error(program, language):
            return {"drop": SYNTAX_ERROR}
    except LinterCrash:
        return {"drop": LINTER_CRASH}
    name = linter_name(language, settings["linter"])
    linter = linter_for(name)
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
                language=language,
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
                "language": language,
                "linter": name,
            }
        )
    return {"sequences": sequences}
