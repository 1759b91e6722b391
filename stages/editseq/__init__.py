"""LintSeq (Piterbarg et al., ICLR 2025): programs rewritten as linter-guided, insert-only edit sequences."""

from stages.editseq.diffs import DIFF_TOKEN, Decoded, apply_edits, edit_path, is_insert_only, training_text
from stages.editseq.linters import Linter, LinterCrash, MissingTool, linter_for
from stages.editseq.sampling import (
    INITIAL_ERRORS,
    NoCandidate,
    Sampled,
    StepLimit,
    backward_sample,
    state_lines,
    states,
)

__all__ = [
    "DIFF_TOKEN",
    "INITIAL_ERRORS",
    "Decoded",
    "Linter",
    "LinterCrash",
    "MissingTool",
    "NoCandidate",
    "Sampled",
    "StepLimit",
    "apply_edits",
    "backward_sample",
    "edit_path",
    "is_insert_only",
    "linter_for",
    "state_lines",
    "states",
    "training_text",
]
