"""De-duplication of one function's passing translations, as MultiPL-T's post-processing does it: banned words
(TODO), then exact duplicates, then near duplicates by ROUGE-L (`rougeLsum` F-measure, stemming on) at or above
a threshold (MultiPL-T: 0.6), compared against every translation kept so far.

Candidates are offered in sample-index order and judged against the ones kept before them, so the translations
kept from the first k samples of a function are always a prefix of those kept from more: that is what lets
adaptive sampling stop early and still keep exactly what a full draw would have kept first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

KEPT = "kept"
BANNED_WORD = "banned_word"
EXACT_DUPLICATE = "exact_duplicate"
NEAR_DUPLICATE = "near_duplicate"


class RougeL:
    """ROUGE-L summary-level F-measure (`rougeLsum`: lines are the sentences) from Google's `rouge-score`."""

    def __init__(self) -> None:
        from rouge_score import rouge_scorer

        self._scorer = rouge_scorer.RougeScorer(["rougeLsum"], use_stemmer=True)

    def f(self, a: str, b: str) -> float:
        return float(self._scorer.score(a, b)["rougeLsum"].fmeasure)


def normalised(text: str) -> str:
    """What exact de-duplication compares: lines without trailing blanks, no blank lines."""
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


@dataclass
class Selector:
    """Keeps the translations of one function that are not duplicates of those kept before them."""

    threshold: float = 0.6
    banned_words: Sequence[str] = ("TODO",)
    rouge: Any = None  # a shared RougeL (building one loads nltk's stemmer); made on first need
    kept: list[str] = field(default_factory=list)
    _exact: set[str] = field(default_factory=set)

    def offer(self, text: str) -> str:
        """KEPT (and remembered), or the reason `text` is dropped."""
        if any(word in text for word in self.banned_words):
            return BANNED_WORD
        key = normalised(text)
        if key in self._exact:
            return EXACT_DUPLICATE
        if self.kept:
            if self.rouge is None:
                self.rouge = RougeL()
            if any(self.rouge.f(other, key) >= self.threshold for other in self.kept):
                return NEAR_DUPLICATE
        self._exact.add(key)
        self.kept.append(key)
        return KEPT
