"""Instruction rows: CodeAlpaca pairs whose output is Python, and instructions derived from extracted functions.

Every row is `{instruction, input, output, kind}` with the usual id and lineage, so CodeM-style instruction
tuning and decontamination treat both kinds alike. A docstring-derived row is a child of its function row.
"""

from __future__ import annotations

import ast
import hashlib
import json
import logging
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from stages.checks import ParamsError, check_range
from stages.extract.dedup import ExactIndex, exact_key, normalise
from stages.records import Funnel, Source, child_row, new_row, read_rows
from stages.records.io import read_jsonl

log = logging.getLogger(__name__)

CODEALPACA = "sahil2801/CodeAlpaca-20k"

BAD_RECORD = "bad_record"
EMPTY_OUTPUT = "empty_output"
NOT_PYTHON = "not_python"
TRIVIAL_OUTPUT = "trivial_output"
NO_DOCSTRING = "no_docstring"
DUPLICATE = "duplicate_exact"

KIND_CODEALPACA = "codealpaca"
KIND_DOCSTRING = "docstring"


@dataclass(frozen=True)
class CodeAlpacaParams:
    # "none" (skip), "local" (a JSON array or JSONL file with instruction/input/output) or "hub" (`datasets`).
    source: str = "none"
    # For "local": the file. For "hub": the dataset id.
    path: str = ""
    dataset: str = CODEALPACA
    # Hub revision; pin a commit for reproducibility.
    revision: str = "main"
    # Keep at most this many CodeAlpaca records read (0 = all 20k).
    max_rows: int = 0

    def __post_init__(self) -> None:
        if self.source not in ("none", "local", "hub"):
            raise ParamsError(
                f"instructions.codealpaca.source: {self.source!r} is not one of 'none', 'local', 'hub'"
            )
        if self.source == "local" and not self.path:
            raise ParamsError(
                "instructions.codealpaca.path is required when instructions.codealpaca.source is 'local'"
            )
        check_range("instructions.codealpaca.max_rows", self.max_rows, 0)


def python_reason(code: str) -> str | None:
    """None when `code` is a Python program; else why not. A lone name or constant parses but is prose."""
    if not code.strip():
        return EMPTY_OUTPUT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return NOT_PYTHON
    trivial = (ast.Module, ast.Expr, ast.Constant, ast.Name, ast.Load)
    if all(isinstance(node, trivial) for node in ast.walk(tree)):
        return TRIVIAL_OUTPUT
    return None


def codealpaca_records(params: CodeAlpacaParams) -> Iterator[tuple[Any, Source]]:
    """(record, source) pairs from the configured CodeAlpaca copy; records are unchecked."""
    if params.source == "none":
        return
    if params.source == "local":
        path = Path(params.path)
        if not path.is_file():
            raise FileNotFoundError(f"instructions.codealpaca.path {params.path!r} is not a file")
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        source = Source(dataset=params.dataset, path=str(path), sha=sha)
        try:
            whole = json.loads(data.decode("utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            whole = None
        # A JSON array of records (CodeAlpaca's own file), else JSONL: one record a line (a one-line file
        # parses whole as an object), and a bad line fails naming its line.
        records: Iterable[Any] = whole if isinstance(whole, list) else read_jsonl(path)
        for count, record in enumerate(records, 1):
            yield record, source
            if params.max_rows and count >= params.max_rows:
                return
        return
    from datasets import load_dataset

    stream = load_dataset(params.dataset, split="train", revision=params.revision, streaming=True)
    source = Source(dataset=params.dataset, sha=params.revision)
    for count, record in enumerate(stream, 1):
        yield record, source
        if params.max_rows and count >= params.max_rows:
            return


def codealpaca_rows(params: CodeAlpacaParams, funnel: Funnel, stage: str) -> Iterator[dict[str, Any]]:
    for index, (record, source) in enumerate(codealpaca_records(params)):
        funnel.seen()
        ident = f"codealpaca:{index}"
        if not isinstance(record, dict) or not all(
            isinstance(record.get(k, ""), str) for k in ("instruction", "input", "output")
        ):
            funnel.drop(BAD_RECORD, ident)
            continue
        if not record.get("instruction", "").strip():
            funnel.drop(BAD_RECORD, ident)
            continue
        output = record.get("output", "")
        reason = python_reason(output)
        if reason is not None:
            funnel.drop(reason, ident)
            continue
        payload = {
            "instruction": record["instruction"].strip(),
            "input": record.get("input", "").strip(),
            "output": output.strip() + "\n",
            "kind": KIND_CODEALPACA,
        }
        yield new_row(
            payload, stage=stage, source=replace(source, path=f"{source.path or params.dataset}#{index}")
        )


def docstring_instruction(function: dict[str, Any]) -> str:
    """An instruction a person could have written for the function: its contract, then its signature."""
    return (
        f"{function['docstring'].strip()}\n\n"
        f"Write this as a Python function with the signature `{function['signature']}`"
        + (
            " (you may use the imports " + ", ".join(f"`{i}`" for i in function["imports"]) + ")."
            if function.get("imports")
            else "."
        )
    )


def docstring_rows(functions_dir: str, funnel: Funnel, stage: str) -> Iterator[dict[str, Any]]:
    for function in read_rows(functions_dir):
        funnel.seen()
        if not str(function.get("docstring", "")).strip() or not function.get("code"):
            funnel.drop(NO_DOCSTRING, function.get("id"))
            continue
        payload = {
            "instruction": docstring_instruction(function),
            "input": "",
            "output": function["code"],
            "kind": KIND_DOCSTRING,
        }
        yield child_row(function, payload, stage=stage)


def deduplicated(rows: Iterable[dict[str, Any]], funnel: Funnel) -> Iterator[dict[str, Any]]:
    """Drop repeats of (instruction, normalised output); keys of kept rows are all that is held."""
    index = ExactIndex()
    for row in rows:
        key = exact_key(
            " ".join(row["instruction"].split()).lower()
            + "\0"
            + row["input"]
            + "\0"
            + normalise(row["output"])
        )
        row["dedup_key"] = key
        if not index.add(key):
            funnel.drop(DUPLICATE, row["id"])
            continue
        funnel.kept()
        yield row
