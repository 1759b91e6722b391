"""Documents in, function rows out: parse, filter, de-duplicate, one document at a time.

Two funnels: `files` counts documents (read, or skipped with a reason such as `not_utf8` or `unparseable`),
`functions` counts candidate functions (top-level, with a docstring) and why each dropped one was dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from stages.extract.dedup import DUPLICATE_EXACT, Deduplicator, DedupParams, exact_key, normalise
from stages.extract.filters import PYRIGHT_ERRORS, FilterParams, PyrightCheck, build_filters, first_failure
from stages.extract.functions import Candidate, Unparseable, candidates
from stages.extract.sources import Document, Item
from stages.progress import progress
from stages.records import Funnel, new_row

log = logging.getLogger(__name__)

UNPARSEABLE = "unparseable"


@dataclass
class Pending:
    row: dict[str, Any]
    normalised: str


def function_row(candidate: Candidate, document: Document, stage: str) -> dict[str, Any]:
    payload = {
        "name": candidate.name,
        "code": candidate.code,
        "prompt": candidate.prompt,
        "signature": candidate.signature,
        "docstring": candidate.docstring,
        "imports": list(candidate.imports),
        "lineno": candidate.lineno,
        "n_lines": candidate.n_lines,
    }
    return new_row(payload, stage=stage, source=document.source)


def extract(
    items: Iterable[Item],
    filters: FilterParams,
    dedup: DedupParams,
    functions: Funnel,
    files: Funnel,
    stage: str = "extract_functions",
) -> Iterator[dict[str, Any]]:
    """Yield function rows from `items`, counting every file and every candidate in the two funnels."""
    checks = build_filters(filters)
    pyright = PyrightCheck() if filters.pyright else None
    deduplicator = Deduplicator(dedup)
    batch: list[Pending] = []

    def finish(pending: list[Pending]) -> Iterator[dict[str, Any]]:
        # Candidates were counted as seen when found; these are the last checks, counted here.
        flags = pyright.errors([p.row["code"] for p in pending]) if pyright else [False] * len(pending)
        for item, has_errors in zip(pending, flags, strict=True):
            reason = PYRIGHT_ERRORS if has_errors else deduplicator.check(item.row["id"], item.normalised)
            if reason is not None:
                functions.drop(reason, item.row["id"])
                continue
            deduplicator.remember_verbatim(item.row["code"])
            functions.kept()
            yield item.row

    for item in progress(items, f"{stage}: files", log):
        files.seen()
        if not isinstance(item, Document):
            files.drop(item.reason, item.ident)
            continue
        try:
            found = candidates(item.content)
        except Unparseable as exc:
            log.debug("%s: %s", item.ident, exc)
            files.drop(UNPARSEABLE, item.ident)
            continue
        files.kept()
        for candidate in found:
            functions.seen()
            row = function_row(candidate, item, stage)
            if deduplicator.is_verbatim_copy(candidate.code):
                functions.drop(DUPLICATE_EXACT, row["id"])
                continue
            reason = first_failure(checks, candidate, item.licenses)
            if reason is not None:
                functions.drop(reason, row["id"])
                continue
            normalised = normalise(candidate.code)
            row["dedup_key"] = exact_key(normalised)
            batch.append(Pending(row, normalised))
            if pyright is None or len(batch) >= filters.pyright_batch:
                yield from finish(batch)
                batch = []
    yield from finish(batch)
