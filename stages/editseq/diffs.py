"""Edit sequences as text: insert-only, zero-context unified diffs between consecutive states, the training text
that joins them (LintSeq's format), and the decoder that applies a generated sequence back to a program.

The diffs have difflib's zero-context format without file headers, but are built from the known alignment of
the states (each is a subsequence of the next): difflib's own alignment can turn an insertion among repeated
blank lines into a replacement (seen on the stdlib's `make_encoding_map`), and LintSeq's edits are insert-only.
Each state is stripped of leading and trailing blank lines (as the reference), so a decoded sequence gives back
`program.strip()`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DIFF_TOKEN = "<|diff|>"
SEPARATOR = "\n" + DIFF_TOKEN
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def insertion_diff(lines: list[str], before: list[int], after: list[int]) -> str:
    """The zero-context unified diff that inserts lines[after - before] into state `before` ("" when equal).
    `before` and `after` are sorted line indices of two states, `before` a subsequence of `after`."""
    old = set(before)
    hunks: list[str] = []
    seen_old = 0  # old lines before the current position
    run: list[int] = []  # new-file positions (0-based) of the current run of inserted lines
    for position, index in enumerate([*after, None]):
        if index is not None and index not in old:
            run.append(position)
            continue
        if run:
            count = "" if len(run) == 1 else f",{len(run)}"
            hunks.append(f"@@ -{seen_old},0 +{run[0] + 1}{count} @@")
            hunks.extend("+" + lines[after[p]] for p in run)
            run = []
        seen_old += 1
    return "\n".join(hunks)


def edit_path(lines: list[str], states: list[list[int]]) -> list[str]:
    """The diffs between consecutive states (line indices, empty to full), empty ones dropped."""
    diffs = (insertion_diff(lines, a, b) for a, b in zip(states, states[1:], strict=False))
    return [d for d in diffs if d]


def is_insert_only(edit: str) -> bool:
    return all(not line.startswith("-") for line in edit.splitlines() if not line.startswith("@@"))


def training_text(instruction: str, edits: list[str]) -> str:
    """instruction + "\\n<|diff|>" + e1 + ... + "\\n<|diff|>" + en, ended by two empty diffs (the stop signal)."""
    return instruction + SEPARATOR.join(["", *("\n" + e for e in edits), "", ""])


@dataclass(frozen=True)
class Decoded:
    program: str
    malformed: int  # hunks that could not be applied and were skipped


def apply_edits(text: str) -> Decoded:
    """Apply a (generated) edit sequence: the text after the instruction, or a whole training text.

    Segments without a hunk (the two empty terminal diffs, the instruction) are skipped. Each hunk inserts its
    lines at its target position, counted in the growing program (past the end: appended); a leading "-" or "+"
    is stripped from each line. A hunk whose header does not parse, or that deletes, is skipped and counted."""
    program: list[str] = []
    malformed = 0
    for segment in text.split(SEPARATOR):
        if "@@" not in segment:
            continue
        for hunk in re.split(r"\n(?=@@)", segment.strip("\n")):
            header, *body = hunk.split("\n")
            match = _HUNK.match(header)
            if match is None or any(line.startswith("-") for line in body):
                malformed += 1
                continue
            at = int(match.group(1)) - (0 if match.group(2) == "0" else 1)
            # "+c,0" would insert nothing; "+c" and "+c,d" insert before line c (1-based) of the new file
            at = min(max(at, 0), len(program))
            inserted = [line[1:] if line.startswith("+") else line for line in body]
            program[at:at] = inserted
    return Decoded("\n".join(program), malformed)
