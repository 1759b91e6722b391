"""De-duplication that streams: exact on a normalised form, then MinHash near-duplicates (datasketch).

Both indexes hold only the rows already kept, so memory grows with unique rows, not with the corpus read.
"""

from __future__ import annotations

import ast
import hashlib
import re
import warnings
from dataclasses import dataclass
from typing import Any

from stages.checks import check_range

DUPLICATE_EXACT = "duplicate_exact"
DUPLICATE_NEAR = "duplicate_near"

TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class DedupParams:
    # Drop rows whose normalised code (parsed and unparsed: comments, blank lines and quoting erased) repeats.
    exact: bool = True
    # Drop rows whose estimated Jaccard similarity to a kept row is >= this (0 disables). SelfCodeAlign's
    # minhash_dedup default is 0.7; its Stack function seeds used 0.5.
    near_threshold: float = 0.7
    # MinHash permutations (datasketch default 128; SelfCodeAlign 250).
    num_perm: int = 128
    # Token n-gram size of the shingles (SelfCodeAlign and DataTrove: 5).
    ngram: int = 5

    def __post_init__(self) -> None:
        check_range("extract.dedup.near_threshold", self.near_threshold, 0.0, 1.0)
        check_range("extract.dedup.num_perm", self.num_perm, 16, 1024)
        check_range("extract.dedup.ngram", self.ngram, 1, 50)


def normalise(code: str) -> str:
    """The code as the AST sees it; falls back to whitespace-collapsed text when it does not parse."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.unparse(ast.parse(code))
        except (SyntaxError, ValueError, RecursionError):
            return " ".join(code.split())


def exact_key(normalised: str) -> str:
    """The `dedup_key` of a row: a hash of its normalised code."""
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]


class ExactIndex:
    def __init__(self) -> None:
        self._seen: set[bytes] = set()

    @staticmethod
    def _digest(key: str) -> bytes:
        return bytes.fromhex(key[:32]) if len(key) >= 32 else key.encode()

    def add(self, key: str) -> bool:
        """True when `key` is new (and now remembered)."""
        digest = self._digest(key)
        if digest in self._seen:
            return False
        self._seen.add(digest)
        return True

    def __contains__(self, key: str) -> bool:
        return self._digest(key) in self._seen

    def __len__(self) -> int:
        return len(self._seen)


class NearIndex:
    """MinHash LSH over token n-grams; a candidate from LSH is confirmed by the estimated Jaccard."""

    def __init__(self, threshold: float, num_perm: int = 128, ngram: int = 5, seed: int = 1) -> None:
        from datasketch import MinHash, MinHashLSH

        self.threshold = threshold
        self.ngram = ngram
        self._template = MinHash(num_perm=num_perm, seed=seed)
        self._minhash = MinHash
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._signatures: dict[str, Any] = {}  # key -> hash values (numpy uint64)

    def _signature(self, text: str) -> object:
        tokens = TOKEN.findall(text)
        n = min(self.ngram, max(len(tokens), 1))
        shingles = {" ".join(tokens[i : i + n]).encode() for i in range(max(len(tokens) - n + 1, 1))}
        signature = self._minhash(
            num_perm=len(self._template.hashvalues),
            seed=self._template.seed,
            permutations=self._template.permutations,
            scheme=self._template.scheme,
        )
        signature.update_batch(list(shingles))
        return signature

    def values(self, text: str) -> Any:
        """The MinHash signature of `text` (numpy uint64, `num_perm` values), as `add` computes it."""
        return self._signature(text).hashvalues  # type: ignore[attr-defined]

    def add(self, key: str, text: str) -> str | None:
        """None when `text` has no near duplicate among kept rows (it is kept); else the kept row's key."""
        signature = self._signature(text)
        values = signature.hashvalues  # type: ignore[attr-defined]
        for other in self._lsh.query(signature):
            if float((values == self._signatures[other]).mean()) >= self.threshold:
                return other
        self._lsh.insert(key, signature)
        self._signatures[key] = values
        return None

    def __len__(self) -> int:
        return len(self._signatures)


class Deduplicator:
    """Exact then near; `check` returns None (kept) or the duplicate reason.

    `is_verbatim_copy` answers, before any costly filter runs, whether exactly this text was already kept:
    filters are deterministic on the code, so a verbatim copy needs no second parse, unparse or pyflakes run.
    """

    def __init__(self, params: DedupParams) -> None:
        self.exact = ExactIndex() if params.exact else None
        self.verbatim = ExactIndex() if params.exact else None
        self.near = (
            NearIndex(params.near_threshold, params.num_perm, params.ngram)
            if params.near_threshold > 0
            else None
        )

    def check(self, row_id: str, normalised: str) -> str | None:
        """`normalised` is `normalise(code)`, computed once by the caller (it is also the row's dedup_key)."""
        if self.exact is not None and not self.exact.add(exact_key(normalised)):
            return DUPLICATE_EXACT
        if self.near is not None and self.near.add(row_id, normalised) is not None:
            return DUPLICATE_NEAR
        return None

    def is_verbatim_copy(self, code: str) -> bool:
        return self.verbatim is not None and exact_key(code) in self.verbatim

    def remember_verbatim(self, code: str) -> None:
        if self.verbatim is not None:
            self.verbatim.add(exact_key(code))
