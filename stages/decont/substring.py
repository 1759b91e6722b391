"""The BigCode method: exact, case-insensitive substring match of benchmark texts in a row.

Both sides are lower-cased and their whitespace runs collapsed to one space, so a benchmark solution pasted
with different indentation still matches (a superset of BigCode's raw match). Texts shorter than `min_chars`
after normalising (trivial solutions such as `return x + y`) are exempt: they occur in honest code. Lookup is
one dict probe per position of the row, keyed by the first `min_chars` characters of every text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stages.decont.benchmarks import BenchmarkText


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class SubstringMatch:
    text: BenchmarkText
    start: int  # offset in the normalised row text
    span: str  # the matched normalised text


class SubstringIndex:
    def __init__(self, texts: Iterable[BenchmarkText], min_chars: int = 20) -> None:
        if min_chars < 1:
            raise ValueError(f"min_chars must be >= 1, got {min_chars}")
        self.min_chars = min_chars
        self.exempt: list[BenchmarkText] = []
        self._by_prefix: dict[str, list[tuple[str, BenchmarkText]]] = {}
        for text in texts:
            needle = normalise(text.text)
            if len(needle) < min_chars:
                self.exempt.append(text)
                continue
            self._by_prefix.setdefault(needle[:min_chars], []).append((needle, text))
        for entries in self._by_prefix.values():
            entries.sort(key=lambda entry: -len(entry[0]))  # the longest match is the best evidence

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_prefix.values())

    def find(self, row_text: str) -> SubstringMatch | None:
        hay = normalise(row_text)
        k = self.min_chars
        prefixes = self._by_prefix
        for start in range(len(hay) - k + 1):
            entries = prefixes.get(hay[start : start + k])
            if entries is None:
                continue
            for needle, text in entries:
                if hay.startswith(needle, start):
                    return SubstringMatch(text, start, needle)
        return None
