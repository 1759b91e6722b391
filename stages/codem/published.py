"""The published CodeM data (HF `Daoguang/CodeM-Multilinugal-Data`, one JSON file per language) through `datasets`.

Its field names are unverified here (reference B2: "inspect a row before writing a loader"), so the loader reads
the schema it finds: the first column named like an instruction and the first named like an answer. A file whose
columns match neither fails naming the columns it has; a language CodeM did not publish fails naming the ones it
did. Rows keep the dataset, file and record index as their source.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from stages.checks import ParamsError, check_range
from stages.records import Funnel, Source, new_row

KIND = "codem_published"
# CodeM's files per language (reference B2); HTML has no benchmark here.
FILES = {
    "python": "python.json",
    "javascript": "js.json",
    "typescript": "ts.json",
    "c": "c.json",
    "cpp": "cpp.json",
    "java": "java.json",
    "go": "go.json",
    "mixed": "mixed.json",
}
INSTRUCTION_COLUMNS = ("instruction", "prompt", "problem", "question", "query")
ANSWER_COLUMNS = ("output", "response", "answer", "completion", "solution", "code")
INPUT_COLUMNS = ("input", "context")
# Drop reasons (funnel names).
EMPTY_RECORD = "empty_record"


class CodemDataError(RuntimeError):
    """The published data cannot be read as configured: the message says what was found instead."""


@dataclass(frozen=True)
class PublishedParams:
    # A hub dataset id (needs network), or a local folder holding CodeM's <language>.json files.
    dataset: str = "Daoguang/CodeM-Multilinugal-Data"
    revision: str = "main"  # pin a commit sha for a published run
    max_rows: int = 0  # 0 = every record of the language's file

    def __post_init__(self) -> None:
        check_range("codem.published.max_rows", self.max_rows, 0)
        if not self.dataset:
            raise ParamsError("codem.published.dataset: a hub id or a local folder is required")


def schema(columns: Sequence[str]) -> tuple[str, str, str | None]:
    """(instruction column, answer column, input column or None) among `columns`, or CodemDataError."""
    lowered = {c.lower(): c for c in columns}
    found = [
        next((lowered[c] for c in names if c in lowered), None)
        for names in (INSTRUCTION_COLUMNS, ANSWER_COLUMNS)
    ]
    if found[0] is None or found[1] is None:
        raise CodemDataError(
            f"published CodeM data: columns {sorted(columns)} hold no instruction ({', '.join(INSTRUCTION_COLUMNS)}) "
            f"or no answer ({', '.join(ANSWER_COLUMNS)}) column"
        )
    extra = next((lowered[c] for c in INPUT_COLUMNS if c in lowered and lowered[c] not in found), None)
    return found[0], found[1], extra


def load(params: PublishedParams, language: str) -> Any:
    """The language's file as a `datasets.Dataset`."""
    if language not in FILES:
        raise CodemDataError(
            f"published CodeM data has no {language!r} file; it has: {', '.join(sorted(FILES))}"
        )
    from pathlib import Path

    from datasets import load_dataset

    local = Path(params.dataset)
    try:
        if local.is_dir():
            return load_dataset("json", data_files=str(local / FILES[language]), split="train")
        return load_dataset(
            params.dataset, data_files=FILES[language], revision=params.revision, split="train"
        )
    # datasets raises many kinds (connection, missing file, bad JSON): whichever it is, name the cause
    except Exception as exc:
        raise CodemDataError(
            f"published CodeM data: cannot load {FILES[language]} from {params.dataset}@{params.revision} "
            f"({type(exc).__name__}: {exc}); without network, point codem.published.dataset at a local copy"
        ) from exc


def published_rows(
    params: PublishedParams, language: str, funnel: Funnel, stage: str, dataset: Any | None = None
) -> Iterator[dict[str, Any]]:
    data = load(params, language) if dataset is None else dataset
    instruction, answer, extra = schema(list(data.column_names))
    source = Source(dataset=params.dataset, path=FILES.get(language), sha=params.revision)
    for index, record in enumerate(data):
        if params.max_rows and index >= params.max_rows:
            return
        funnel.seen()
        text, response = str(record.get(instruction) or ""), str(record.get(answer) or "")
        if not text.strip() or not response.strip():
            funnel.drop(EMPTY_RECORD, f"{FILES.get(language)}#{index}")
            continue
        funnel.kept()
        payload = {
            "instruction": text.strip(),
            "input": str(record.get(extra) or "").strip() if extra else "",
            "output": response.strip() + "\n",
            "language": language,
            "kind": KIND,
        }
        yield new_row(payload, stage=stage, source=replace(source, path=f"{source.path}#{index}"))
