"""MultiPL-T translation (stage translate@LANG): prompts with the canonical Python as a comment, compiled tests,
adaptive rounds of candidates, harness cutting, exact + ROUGE-L de-duplication, output rows."""

from stages.translation.dedup import RougeL, Selector
from stages.translation.rounds import FunctionDraw, RoundPolicy, Sample, run_rounds
from stages.translation.tasks import TranslationTask, build_task

__all__ = [
    "FunctionDraw",
    "RoundPolicy",
    "RougeL",
    "Sample",
    "Selector",
    "TranslationTask",
    "build_task",
    "run_rounds",
]
