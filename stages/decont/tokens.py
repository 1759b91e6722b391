"""The `tokens` method: n-grams of identifier- and literal-normalised tokens (normalise.py), per language.

A row shares an n-gram of its `full` or `code` stream with a benchmark text's, or (Python) has a function
whose whole stream equals a benchmark function shorter than n tokens: a renamed, reformatted copy without its
docstring is found, and a short benchmark function is matched only as a complete function, never as a piece
of a longer one, so ordinary short helpers stay (this replaces the substring method's `trivial_chars`
exemption). In the other languages the benchmark has prompts only (a doc comment and a signature): a prompt
shorter than n tokens, with a comment and at least n/2 tokens, must appear whole in the row. Rows are compared with the benchmark texts of their own language only. An n-gram found in more
than `common` tasks of one benchmark (the `#include` block of every C prompt, Java's class wrapper,
`from typing import List`) is boilerplate, not evidence, and is left out.

Grams are kept as 64-bit hashes of token tuples (Python's hash: in-process only, ~64 bytes a gram with the
dict entry): HumanEval in 12 languages is ~100k grams.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby

from stages.decont.benchmarks import BenchmarkText
from stages.decont.lexer import language_name
from stages.decont.normalise import lexemes, streams, units

PYTHON = "python"
# Benchmark fields holding code (the others are prose, left to the substring and word n-gram methods).
CODE_FIELDS = frozenset({"function", "code", "prompt"})


@dataclass(frozen=True)
class TokenMatch:
    text: BenchmarkText
    span: str  # the shared normalised tokens, space-joined
    whole: bool  # a whole short function rather than an n-gram


def _grams(tokens: tuple[str, ...], n: int) -> Iterable[int]:
    return (hash(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


class TokenIndex:
    def __init__(self, texts: Iterable[BenchmarkText], n: int = 20, common: int = 3) -> None:
        if n < 1 or common < 1:
            raise ValueError(f"n and common must be >= 1, got {n}, {common}")
        self.n = n
        self.common = common
        self._grams: dict[str, dict[int, BenchmarkText]] = {}
        self._whole: dict[str, dict[int, BenchmarkText]] = {}
        self._short: dict[str, dict[int, BenchmarkText]] = {}  # hashes of whole short prompts
        self._short_lengths: dict[str, list[int]] = {}
        self.boilerplate = 0  # grams left out as common to many tasks
        code_texts = [t for t in texts if t.field in CODE_FIELDS]
        for _, group in groupby(code_texts, key=lambda t: t.benchmark):
            self._add_benchmark(list(group))  # every registered language has a lexer; others are an error

    def _add_benchmark(self, texts: list[BenchmarkText]) -> None:
        tasks: dict[int, tuple[BenchmarkText, int, str]] = {}  # gram -> first text, task count, last task
        for text in texts:
            language = language_name(text.language)
            both = streams(lexemes(text.text, language))
            for stream in (both.full, both.code):
                for gram in _grams(tuple(stream), self.n):
                    first, count, last = tasks.get(gram, (text, 0, ""))
                    if last != text.task_id:
                        tasks[gram] = (first, count + 1, text.task_id)
            if language == PYTHON:
                whole = self._whole.setdefault(language, {})
                for unit in units(both.full) + units(both.code):
                    if len(unit) < self.n:
                        whole.setdefault(hash(tuple(unit)), text)
            elif self.n // 2 <= len(both.full) < self.n and len(both.full) > len(both.code):
                self._short.setdefault(language, {}).setdefault(hash(tuple(both.full)), text)
                lengths = self._short_lengths.setdefault(language, [])
                if len(both.full) not in lengths:
                    lengths.append(len(both.full))
        for gram, (first, count, _) in tasks.items():
            if count > self.common:
                self.boilerplate += 1
            else:
                self._grams.setdefault(language_name(first.language), {}).setdefault(gram, first)

    def __len__(self) -> int:
        return sum(len(g) for table in (self._grams, self._whole, self._short) for g in table.values())

    def find(self, row_text: str, language: str = PYTHON) -> TokenMatch | None:
        name = language_name(language)
        grams = self._grams.get(name, {})
        whole = self._whole.get(name, {})
        short = self._short.get(name, {})
        if not grams and not whole and not short:
            return None
        both = streams(lexemes(row_text, name))
        n = self.n
        for stream in (both.full, both.code):
            tokens = tuple(stream)
            for i in range(len(tokens) - n + 1):
                text = grams.get(hash(tokens[i : i + n]))
                if text is not None:
                    return TokenMatch(text, " ".join(tokens[i : i + n]), whole=False)
        if whole:
            for unit in units(both.full) + units(both.code):
                if len(unit) < n:
                    text = whole.get(hash(tuple(unit)))
                    if text is not None:
                        return TokenMatch(text, " ".join(unit), whole=True)
        tokens = tuple(both.full)
        for length in self._short_lengths.get(name, ()):
            for i in range(len(tokens) - length + 1):
                text = short.get(hash(tokens[i : i + length]))
                if text is not None:
                    return TokenMatch(text, " ".join(tokens[i : i + length]), whole=True)
        return None
