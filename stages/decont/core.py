"""Decontamination as a library: check rows against benchmark texts and keep the evidence of every drop.

Any stage that writes training rows (extracted functions here; model-written tests, translations and edit
sequences later) builds one `Decontaminator` from a `DecontConfig`, filters its rows through it and writes
its own report, `reports/decontamination/<name>.json`; `polyforge decontamination` merges them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stages.checks import ParamsError, check_range
from stages.decont.benchmarks import BenchmarkSources, BenchmarkText, load_texts
from stages.decont.ngrams import NgramIndex
from stages.decont.shingles import ShingleIndex
from stages.decont.substring import SubstringIndex
from stages.decont.tokens import TokenIndex
from stages.records import Funnel
from stages.records.io import write_json

log = logging.getLogger(__name__)

SUBSTRING = "substring"
NGRAM = "ngram"
TOKENS = "tokens"
SHINGLES = "shingles"
METHODS = (SUBSTRING, NGRAM, TOKENS, SHINGLES)
# Benchmark texts only the code methods (tokens, shingles) read (the prose methods read docstrings and solutions apart).
TOKENS_ONLY = frozenset({"function"})
# Where `polyforge decontamination` looks by default; stages write where their params say.
REPORT_DIR = Path("reports/decontamination")
SPAN_CHARS = 300


def reason(method: str) -> str:
    """The funnel reason of a drop by `method`."""
    return f"benchmark_{method}"


@dataclass(frozen=True)
class DecontConfig:
    # Which benchmarks rows are checked against.
    benchmarks: BenchmarkSources = field(default_factory=BenchmarkSources)
    # "substring": BigCode's exact case-insensitive match of docstrings/solutions/prompts (whitespace-collapsed);
    # "ngram": shared word n-grams (DataTrove); "tokens": n-grams of identifier- and literal-normalised code
    # tokens, blind to renaming and formatting, per language (stages/decont/tokens.py); "shingles": the share of
    # a benchmark Python function's k-token shingles a row holds, after rewriting both to one canonical form
    # (flipped comparisons, swapped branches, `+=`, loops vs comprehensions, string spellings:
    # stages/decont/shingles.py, canonical.py). All four by default.
    methods: tuple[str, ...] = METHODS
    # n of the word n-gram method (DataTrove's default 12).
    ngram_n: int = 12
    # Benchmark texts shorter than this (normalised) are exempt from the substring method: trivial solutions
    # such as `return x + y` (BigCode and MultiPL-T exempt such HumanEval solutions too). 20 exempts 5 of 164.
    # The tokens method has no exemption: it matches a benchmark function shorter than token_n tokens whole.
    trivial_chars: int = 20
    # n of the tokens method (bench_decont.py measures the choice).
    token_n: int = 25
    # A token n-gram found in more than this many tasks of one benchmark is boilerplate (C's #include block,
    # Java's class wrapper), never evidence.
    token_common: int = 3
    # Shingles method: shingle length in canonical tokens. On renamed HumanEval copies rewritten the ways of
    # issue 31 and 2,671 stdlib and site-packages functions (bench_decont.py, table 6), 6 drops 164/164 of the
    # hardest kinds and no ordinary function; 4 and 5 miss 1-2 copies (more short windows are boilerplate) and
    # 5 drops one ordinary function, 8 misses 3 (a swapped pair of assignments breaks more windows).
    shingle_k: int = 6
    # Shingles method: the containment (shared shingles / the benchmark function's) at which a row is dropped.
    # 0.8 misses 3 copies; with shingle_min 12, 0.5 / 0.6 / 0.7 drop 3 / 1 / 1 ordinary functions.
    shingle_threshold: float = 0.7
    # Shingles method: a benchmark function with fewer shingles than this is too short to score by parts and
    # matches only a whole row function with the same canonical tokens (12 drops an isort filter
    # comprehension as HumanEval/7; 16 drops none and misses no copy).
    shingle_min: int = 16
    # Row fields checked (those a row lacks are ignored).
    fields: tuple[str, ...] = ("code", "instruction", "input", "output")

    def __post_init__(self) -> None:
        unknown = sorted(set(self.methods) - set(METHODS))
        if unknown or not self.methods:
            raise ParamsError(
                f"decontaminate.methods: {list(self.methods)!r}: choose one or more of {', '.join(METHODS)}"
            )
        check_range("decontaminate.ngram_n", self.ngram_n, 1, 100)
        check_range("decontaminate.trivial_chars", self.trivial_chars, 1)
        check_range("decontaminate.token_n", self.token_n, 1, 1000)
        check_range("decontaminate.token_common", self.token_common, 1)
        check_range("decontaminate.shingle_k", self.shingle_k, 1, 100)
        check_range("decontaminate.shingle_threshold", self.shingle_threshold, 0.01, 1.0)
        check_range("decontaminate.shingle_min", self.shingle_min, 1)
        if not self.fields:
            raise ParamsError(
                "decontaminate.fields is empty: name the row fields to check, e.g. [code, output]"
            )


@dataclass(frozen=True)
class Evidence:
    benchmark: str
    task_id: str
    method: str
    field: str  # the row's field that matched
    benchmark_field: str  # the benchmark text's field (docstring, solution, text, code, prompt)
    span: str  # the matched text (normalised), cut to SPAN_CHARS
    score: float | None = None  # shingles: the share of the benchmark function's shingles the row holds


class Decontaminator:
    def __init__(self, texts: Sequence[BenchmarkText], config: DecontConfig) -> None:
        self.config = config
        self.texts = list(texts)
        prose = [t for t in self.texts if t.field not in TOKENS_ONLY]
        self.substring = SubstringIndex(prose, config.trivial_chars) if SUBSTRING in config.methods else None
        self.ngrams = NgramIndex(prose, config.ngram_n) if NGRAM in config.methods else None
        self.tokens = (
            TokenIndex(self.texts, config.token_n, config.token_common) if TOKENS in config.methods else None
        )
        self.shingles = (
            ShingleIndex(
                self.texts,
                config.shingle_k,
                config.shingle_threshold,
                config.shingle_min,
                config.token_common,
            )
            if SHINGLES in config.methods
            else None
        )

    @classmethod
    def from_config(cls, config: DecontConfig) -> Decontaminator:
        return cls(load_texts(config.benchmarks), config)

    def check(self, fields: Mapping[str, Any]) -> Evidence | None:
        """The first match among the configured fields of a row (substring, word n-gram, tokens, then
        shingles), or None.

        The tokens method lexes a field in the row's `language` (Python when it has none)."""
        language = fields.get("language")
        language = language if isinstance(language, str) and language else "python"
        for name in self.config.fields:
            value = fields.get(name)
            if not isinstance(value, str) or not value:
                continue
            if self.substring is not None:
                hit = self.substring.find(value)
                if hit is not None:
                    t = hit.text
                    return Evidence(t.benchmark, t.task_id, SUBSTRING, name, t.field, hit.span[:SPAN_CHARS])
            if self.ngrams is not None:
                gram = self.ngrams.find(value)
                if gram is not None:
                    t = gram.text
                    return Evidence(t.benchmark, t.task_id, NGRAM, name, t.field, gram.span[:SPAN_CHARS])
            if self.tokens is not None:
                found = self.tokens.find(value, language)
                if found is not None:
                    t = found.text
                    span = ("whole function: " if found.whole else "") + found.span
                    return Evidence(t.benchmark, t.task_id, TOKENS, name, t.field, span[:SPAN_CHARS])
            if self.shingles is not None:
                near = self.shingles.find(value, language)
                if near is not None:
                    t = near.text
                    span = f"{near.shared}/{near.size} shingles: {near.span}" if near.size > 1 else near.span
                    span = span if near.size > 1 else f"whole function: {span}"
                    return Evidence(
                        t.benchmark, t.task_id, SHINGLES, name, t.field, span[:SPAN_CHARS], near.score
                    )
        return None

    def summary(self) -> dict[str, Any]:
        tasks: dict[str, set[str]] = {}
        for text in self.texts:
            tasks.setdefault(text.benchmark, set()).add(text.task_id)
        return {
            "benchmarks": {name: len(ids) for name, ids in sorted(tasks.items())},
            "methods": list(self.config.methods),
            "ngram_n": self.config.ngram_n,
            "trivial_chars": self.config.trivial_chars,
            "token_n": self.config.token_n,
            "token_common": self.config.token_common,
            "shingle_k": self.config.shingle_k,
            "shingle_threshold": self.config.shingle_threshold,
            "shingle_min": self.config.shingle_min,
            "fields": list(self.config.fields),
            "exempt": [
                {
                    "benchmark": t.benchmark,
                    "task_id": t.task_id,
                    "field": t.field,
                    "text": " ".join(t.text.split()),
                }
                for t in (self.substring.exempt if self.substring else [])
            ],
        }


class DecontReport:
    """Rows checked and the evidence for every drop, per input; written as one JSON file per stage."""

    def __init__(self, name: str, decontaminator: Decontaminator) -> None:
        self.name = name
        self.decontaminator = decontaminator
        self.inputs: dict[str, dict[str, int]] = {}
        self.drops: list[dict[str, Any]] = []

    def filter(
        self, rows: Iterable[dict[str, Any]], label: str, funnel: Funnel | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield the clean rows of `rows` unchanged; record each dropped one under `label` (and in `funnel`)."""
        counts = self.inputs.setdefault(label, {"rows_in": 0, "rows_out": 0})

        def verdict(row: dict[str, Any]) -> str | None:
            counts["rows_in"] += 1
            evidence = self.decontaminator.check(row)
            if evidence is None:
                counts["rows_out"] += 1
                return None
            found = {k: v for k, v in asdict(evidence).items() if not (k == "score" and v is None)}
            self.drops.append({"id": row.get("id"), "input": label, **found})
            return reason(evidence.method)

        yield from (funnel or Funnel(label)).sift(rows, verdict)

    def to_dict(self) -> dict[str, Any]:
        by = Counter((d["benchmark"], d["method"]) for d in self.drops)
        return {
            "name": self.name,
            **self.decontaminator.summary(),
            "inputs": self.inputs,
            "rows_in": sum(c["rows_in"] for c in self.inputs.values()),
            "rows_dropped": len(self.drops),
            "dropped_by": [{"benchmark": b, "method": m, "rows": n} for (b, m), n in sorted(by.items())],
            "drops": self.drops,
        }

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        write_json(path, self.to_dict())
        log.info("decontamination %s: %d rows dropped -> %s", self.name, len(self.drops), path)
        return path
