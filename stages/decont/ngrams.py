"""Word n-gram overlap (DataTrove's decontamination default, n = 12): a row that shares any n consecutive
lower-cased words with a benchmark text is contaminated. Words are runs of letters, digits and underscores,
so punctuation and layout do not hide a copy; a benchmark text shorter than n words adds nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from stages.decont.benchmarks import BenchmarkText

WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@dataclass(frozen=True)
class NgramMatch:
    text: BenchmarkText
    span: str  # the shared n words, space-joined


class NgramIndex:
    def __init__(self, texts: Iterable[BenchmarkText], n: int = 12) -> None:
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        self.n = n
        self._grams: dict[str, BenchmarkText] = {}
        for text in texts:
            tokens = words(text.text)
            for i in range(len(tokens) - n + 1):
                self._grams.setdefault(" ".join(tokens[i : i + n]), text)

    def __len__(self) -> int:
        return len(self._grams)

    def find(self, row_text: str) -> NgramMatch | None:
        tokens = words(row_text)
        n = self.n
        for i in range(len(tokens) - n + 1):
            gram = " ".join(tokens[i : i + n])
            text = self._grams.get(gram)
            if text is not None:
                return NgramMatch(text, gram)
        return None
