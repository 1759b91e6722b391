"""LintSeq's backward sampling: a program taken apart one linter-consistent deletion at a time.

One edit: pick a candidate line at random (weighted by indent level: 1 at top level, depth d weighs d), delete it
with its indented block, lint what remains, delete every line the linter now flags (with its block), and repeat
until the linter flags nothing new. Edits repeat until no candidate is left (at most `max_steps`). Blank and
comment-only lines (by the program's language: stages/editseq/languages.py), and in Python the bodies of
upper-case "global" definitions (`NAMES = [` ... `]`), are never candidates: they stay until the end and arrive
in the first forward insertion. Blocks are indentation-based in every language (a Lua `end` left behind by
its deleted opener is a syntax error the linter flags, so it goes in the same edit).

`initial_errors`: "delete" (the reference: errors already in the program drive deletions too, so every state
lints clean) or "ignore" (the program's own messages are subtracted from every lint, compared by message on the
same original line, not by line: a new error on a line that already had one still counts, so no state has a
message the original lacked).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from stages.editseq.languages import comment_lines
from stages.editseq.linters import Linter

INITIAL_ERRORS = ("delete", "ignore")


class NoCandidate(ValueError):
    """The program has no line that can be deleted (only blanks and comments)."""


class StepLimit(RuntimeError):
    """Candidates were left after `max_steps` edits."""


@dataclass(frozen=True)
class Sampled:
    deletions: list[list[int]]  # 0-based original line indices deleted by each backward step, in order
    linter_calls: int


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def line_indents(lines: list[str]) -> list[int]:
    """Indent in spaces; a line whose stripped length is <= 1 inherits the previous line's indent."""
    indents: list[int] = []
    for line in lines:
        if len(line.strip()) <= 1 and indents:
            indents.append(indents[-1])
        else:
            indents.append(_indent(line))
    return indents


def candidate_lines(lines: list[str], language: str = "python") -> list[int]:
    """Lines that can be picked: not blank, not comment-only, not inside a Python upper-case global definition."""
    out = []
    comments = comment_lines(lines, language)
    in_global = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if in_global:
            if stripped.endswith((")", "]")):
                in_global = False
            continue
        if not stripped or i in comments:
            continue
        out.append(i)
        head, eq, _ = line.partition("=")
        if language == "python" and eq and head.replace(" ", "").isupper() and stripped.endswith(("(", "[")):
            in_global = True  # its body lines are not candidates; the opening line is
    return out


def children(index: int, indents: list[int]) -> list[int]:
    """The contiguous following lines indented deeper than `index` (its block)."""
    block = []
    for j in range(index + 1, len(indents)):
        if indents[j] <= indents[index]:
            break
        block.append(j)
    return block


def backward_sample(
    program: str,
    linter: Linter,
    rng: random.Random,
    *,
    initial_errors: str = "delete",
    max_steps: int = 512,
    language: str = "python",
) -> Sampled:
    """The deletion sets of one backward pass over `program` (raises NoCandidate, StepLimit, LinterCrash)."""
    if initial_errors not in INITIAL_ERRORS:
        raise ValueError(f"initial_errors: {initial_errors!r} is not one of {INITIAL_ERRORS}")
    lines = program.split("\n")
    indents = line_indents(lines)
    tab = next((i for i in indents if i > 0), 1)
    weight = {i: 1.0 if indents[i] == 0 else indents[i] / tab for i in candidate_lines(lines, language)}
    if not weight:
        raise NoCandidate("no line can be deleted")
    calls = 0
    # "ignore": the original's messages, each as (0-based original line, text).
    original: set[tuple[int, str]] | None = None
    if initial_errors == "ignore":
        original = {(n - 1, text) for n, text in linter.messages(program)}
        calls += 1

    deleted: set[int] = set()
    steps: list[list[int]] = []
    while weight:
        if len(steps) == max_steps:
            raise StepLimit(f"{len(weight)} candidate lines left after {max_steps} edits")
        pool = sorted(weight)
        picked = rng.choices(pool, weights=[weight[i] for i in pool])[0]
        step: set[int] = set()
        affected = {picked}
        while affected:
            for i in list(affected):
                affected.update(children(i, indents))
            affected -= deleted | step
            step |= affected
            remaining = [i for i in range(len(lines)) if i not in deleted and i not in step]
            calls += 1
            affected = _flagged(linter, lines, remaining, original) if remaining else set()
        deleted |= step
        for i in step:
            weight.pop(i, None)
        steps.append(sorted(step))
    return Sampled(steps, calls)


def _flagged(
    linter: Linter, lines: list[str], remaining: list[int], original: set[tuple[int, str]] | None
) -> set[int]:
    """The original indices of the lines the linter flags in the state `remaining` (less the original's own
    messages, when given)."""
    source = "\n".join(lines[i] for i in remaining)
    if original is None:
        return {remaining[n - 1] for n in linter.error_lines(source) if 0 < n <= len(remaining)}
    return {
        remaining[n - 1]
        for n, text in linter.messages(source)
        if 0 < n <= len(remaining) and (remaining[n - 1], text) not in original
    }


def state_lines(program: str, deletions: list[list[int]]) -> list[list[int]]:
    """The line indices of each state from empty to full (the reverse of the backward pass), each without
    leading and trailing blank lines (as the reference strips states before diffing)."""
    lines = program.split("\n")
    kept = list(range(len(lines)))
    backward = [kept]
    for step in deletions:
        gone = set(step)
        kept = [i for i in kept if i not in gone]
        backward.append(kept)
    stripped = [_strip_blank(state, lines) for state in backward]
    if stripped[-1]:
        stripped.append([])
    return stripped[::-1]


def states(program: str, deletions: list[list[int]]) -> list[str]:
    """The programs from empty to full."""
    lines = program.split("\n")
    return ["\n".join(lines[i] for i in state) for state in state_lines(program, deletions)]


def _strip_blank(state: list[int], lines: list[str]) -> list[int]:
    start, end = 0, len(state)
    while start < end and not lines[state[start]].strip():
        start += 1
    while end > start and not lines[state[end - 1]].strip():
        end -= 1
    return state[start:end]
