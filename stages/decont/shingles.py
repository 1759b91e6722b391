"""The `shingles` method: how much of a benchmark function a row contains, after canonical rewriting.

Python only (the benchmark functions: HumanEval programs, MBPP solutions, Python prompts). Each text is put in
canonical form (canonical.py: flipped comparisons, swapped branches, `+=`, accumulator loops, respelled
strings all read one way), lexed (pylex.py: names -> `ID`, layout -> `{ ; }`), its prose left out and every
string literal made one `STR` token; each function (`def` ... its block's `}`) is a unit. A unit's shingles are
its k-token windows. A row contains a unit when it holds at least `threshold` of the unit's shingles
(containment, |unit ∩ row| / |unit|), so a local change every few tokens no longer hides a copy the way it
hides one from an exact n-gram. A unit with fewer than `min_shingles` shingles (`return a + b`) says too little
to be scored by parts: it matches only a whole row function whose canonical tokens equal it.

A shingle found in more than `common` tasks of one benchmark (`for ID in range ( len ( ID ) ) :`) is
boilerplate: neither evidence nor counted in any unit's size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from stages.decont.benchmarks import BenchmarkText
from stages.decont.canonical import canonical
from stages.decont.lexemes import ID, PROSE, STR
from stages.decont.lexer import language_name
from stages.decont.normalise import units
from stages.decont.pylex import lex

PYTHON = "python"
CODE_FIELDS = frozenset({"function", "code", "prompt"})


@dataclass(frozen=True)
class ShingleMatch:
    text: BenchmarkText
    score: float  # containment: shared shingles / the unit's shingles (1.0 for a whole short function)
    shared: int
    size: int
    span: str  # the benchmark unit's canonical tokens


def code_tokens(text: str) -> list[str]:
    """The canonical token stream of `text` (lexed as written when it does not parse)."""
    source = canonical(text)
    return [
        ID if kind == ID else STR if kind == STR else value
        for kind, value in lex(text if source is None else source)
        if kind != PROSE
    ]


def _shingles(tokens: list[str], k: int) -> set[int]:
    return {hash(tuple(tokens[i : i + k])) for i in range(len(tokens) - k + 1)}


@dataclass
class _Unit:
    text: BenchmarkText
    tokens: list[str]
    shingles: set[int]


class ShingleIndex:
    def __init__(
        self,
        texts: Iterable[BenchmarkText],
        k: int = 6,
        threshold: float = 0.6,
        min_shingles: int = 12,
        common: int = 3,
    ) -> None:
        if k < 1 or common < 1 or min_shingles < 1 or not 0.0 < threshold <= 1.0:
            raise ValueError(f"bad shingle settings: k={k}, threshold={threshold}, common={common}")
        self.k, self.threshold, self.min_shingles, self.common = k, threshold, min_shingles, common
        self._units: list[_Unit] = []
        self._postings: dict[int, list[int]] = {}  # shingle -> units holding it
        self._whole: dict[int, BenchmarkText] = {}  # hash of a short unit's tokens -> its text
        self.boilerplate = 0
        tasks: dict[tuple[str, int], set[str]] = {}
        for text in texts:
            if text.field not in CODE_FIELDS or language_name(text.language) != PYTHON:
                continue
            for unit in units(code_tokens(text.text)):
                grams = _shingles(unit, k)
                if len(grams) < min_shingles:
                    self._whole.setdefault(hash(tuple(unit)), text)
                    continue
                self._units.append(_Unit(text, unit, grams))
                for gram in grams:
                    tasks.setdefault((text.benchmark, gram), set()).add(text.task_id)
        common_grams = {gram for (_, gram), ids in tasks.items() if len(ids) > common}
        self.boilerplate = len(common_grams)
        for i, unit in enumerate(self._units):
            unit.shingles -= common_grams
            if len(unit.shingles) < min_shingles:  # mostly boilerplate: compared whole
                self._whole.setdefault(hash(tuple(unit.tokens)), unit.text)
                continue
            for gram in unit.shingles:
                self._postings.setdefault(gram, []).append(i)

    def __len__(self) -> int:
        return len(self._postings) + len(self._whole)

    def find(self, row_text: str, language: str = PYTHON) -> ShingleMatch | None:
        if language_name(language) != PYTHON:
            return None
        tokens = code_tokens(row_text)
        counts: dict[int, int] = {}
        for gram in _shingles(tokens, self.k):
            for i in self._postings.get(gram, ()):
                counts[i] = counts.get(i, 0) + 1
        best: tuple[float, int] | None = None
        for i, shared in counts.items():
            score = shared / len(self._units[i].shingles)
            if score >= self.threshold and (best is None or score > best[0]):
                best = (score, i)
        if best is not None:
            unit = self._units[best[1]]
            return ShingleMatch(
                unit.text, round(best[0], 4), counts[best[1]], len(unit.shingles), " ".join(unit.tokens)
            )
        if self._whole:
            for unit_tokens in units(tokens):
                text = self._whole.get(hash(tuple(unit_tokens)))
                if text is not None:
                    return ShingleMatch(text, 1.0, 1, 1, " ".join(unit_tokens))
        return None
