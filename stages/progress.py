"""Progress of long loops: a tqdm bar with rate and ETA on a terminal, and one summary line in the log either
way (DVC and batch schedulers capture logs, not terminals)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress(items: Iterable[T], what: str, log: logging.Logger, total: int | None = None) -> Iterator[T]:
    """Yield `items` unchanged, drawing a bar on a terminal; log `what: N in S s (R/s)` at the end."""
    from tqdm import tqdm

    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    start = time.perf_counter()
    count = 0
    # disable=None: shown only when stderr is a terminal
    with tqdm(
        items, total=total, desc=what, unit="item", disable=None, dynamic_ncols=True, leave=False
    ) as bar:
        for item in bar:
            count += 1
            yield item
    seconds = time.perf_counter() - start
    rate = count / seconds if seconds > 0 else 0.0
    log.info("%s: %d in %.1f s (%.1f/s)", what, count, seconds, rate)
