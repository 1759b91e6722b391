"""From a passing candidate to training text and output rows.

A passing program is cut before its test harness (the language's MultiPL-T marker) and its canonical-Python
comment is taken out by putting the clean prompt back in place of the generation prompt: the training program
is the clean prompt plus the completion (up to the harness). Rows keep the generation prompt too, for audit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from stages.languages.base import Language
from stages.records import child_row
from stages.translation.tasks import TranslationTask


@dataclass(frozen=True)
class Cleaned:
    completion: str  # the model's text up to the harness, trailing blanks removed, ending in one newline
    program: str  # clean prompt + completion: the training program
    dedup_text: str  # the prompt's bare header + completion: what de-duplication compares


def clean(lang: Language, task: TranslationTask, completion: str) -> Cleaned:
    """The training text of `completion` for `task`: harness cut, canonical Python removed."""
    cut = lang.cut_harness(task.program(completion))
    body = cut[len(task.prompt) :] if len(cut) > len(task.prompt) else ""
    body = body.rstrip() + "\n" if body.strip() else ""
    return Cleaned(body, task.clean_prompt + body, task.header + body)


def translation_row(
    parent: dict[str, Any],
    task: TranslationTask,
    cleaned: Cleaned,
    *,
    stage: str,
    status: str,
    index: int,
    cache_key: str,
    finish_reason: str,
) -> dict[str, Any]:
    payload = {
        "name": task.name,
        "language": task.language,
        "function_id": task.function_id,
        "prompt": task.clean_prompt,
        "completion": cleaned.completion,
        "program": cleaned.program,
        "generation_prompt": task.prompt,
        "tests": task.tests,
        "python_tests": list(task.tests_kept),
        "status": status,
        "sample_index": index,
        "completion_key": cache_key,
        "finish_reason": finish_reason,
    }
    key = hashlib.sha256(cleaned.dedup_text.encode()).hexdigest()[:32]
    return child_row(parent, payload, stage=stage, dedup_key=key)


def sft_view(rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, str]]:
    """Prompt-completion pairs (TRL's prompt-completion format): exactly the two columns, nothing else."""
    for row in rows:
        yield {"prompt": row["prompt"], "completion": row["completion"]}


def funnel_plot(steps: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """Rows of the per-language funnel plot (dvc.yaml `plots`, x: count, y: step)."""
    return [{"step": f"{i}. {name}", "count": count} for i, (name, count) in enumerate(steps, 1)]
