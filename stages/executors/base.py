"""One small interface for spreading CPU-heavy work: an ordered, bounded, resumable `map`.

Stages call `make_executor(common).map(fn, items, cache="name")` and never see a process pool or Ray. Results
come back in the order of `items`; at most `window` items are in flight or waiting to be yielded, so an iterator
of a million items is never materialised; with `cache=` each finished result is stored by the content hash of
(function, item) under the resumable-state root, and a rerun yields stored results without recomputing them.
`fn` must be importable by name (a module-level function, or a functools.partial of one): workers import it.
"""

from __future__ import annotations

import abc
import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any, Generic, TypeVar

from stages.common import CommonParams
from stages.executors.cache import ResultCache, content_key
from stages.progress import progress

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
H = TypeVar("H")  # an implementation's handle on a submitted task


def function_id(fn: Callable[..., Any]) -> str:
    """A stable name for `fn` (part of every cache key), seeing through functools.partial."""
    inner = getattr(fn, "func", fn)
    name = f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', repr(inner))}"
    if inner is not fn:  # a partial: its bound arguments change results, so they are part of the identity
        return content_key(name, list(getattr(fn, "args", ())), dict(getattr(fn, "keywords", {})))
    return name


class Executor(abc.ABC, Generic[H]):
    """Base of the local and Ray executors. Use as a context manager, or call close()."""

    name = "executor"

    def __init__(self, common: CommonParams, workers: int) -> None:
        self.common = common
        self.workers = workers
        # Tasks in flight or done-but-not-yet-yielded: enough to keep every worker busy while the head waits.
        self.window = max(2, 4 * workers)

    @abc.abstractmethod
    def _submit(self, fn: Callable[[T], R], item: T) -> H: ...

    @abc.abstractmethod
    def _result(self, handle: H) -> Any: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        cache: str | None = None,
        key: Callable[[T], Any] | None = None,
    ) -> Iterator[R]:
        """Yield fn(item) for each item, in order. `cache` names a resumable store; `key(item)` gives the part of
        an item that determines its result (default: the whole item, as canonical JSON). A bar shows progress
        on a terminal; the log gets a summary line."""
        total = len(items) if isinstance(items, Sized) else None
        yield from progress(
            self._map(fn, items, cache, key), f"{self.name}: {cache or function_id(fn)}", log, total
        )

    def _map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        cache: str | None,
        key: Callable[[T], Any] | None,
    ) -> Iterator[R]:
        store = ResultCache(self.common.cache_path("executor"), cache) if cache else None
        fid = function_id(fn) if store is not None else ""
        pending: deque[tuple[int, str | None, bool, Any]] = deque()  # (index, key, finished, value or handle)
        hits = 0
        try:
            for index, item in enumerate(items):
                digest = None
                if store is not None:
                    digest = content_key(fid, key(item) if key else item)
                    value = store.get(digest)
                    if value is not ResultCache.MISSING:
                        hits += 1
                        pending.append((index, digest, True, value))
                        if len(pending) >= self.window:
                            yield self._take(pending, store)
                        continue
                pending.append((index, digest, False, self._submit(fn, item)))
                if len(pending) >= self.window:
                    yield self._take(pending, store)
            while pending:
                yield self._take(pending, store)
        finally:
            if store is not None:
                store.close()
                if hits:
                    log.info("%s: %d result(s) reused from cache %r", self.name, hits, cache)

    def _take(self, pending: deque[tuple[int, str | None, bool, Any]], store: ResultCache | None) -> Any:
        index, digest, finished, value = pending.popleft()
        if finished:
            return value
        try:
            result = self._result(value)
        except Exception as exc:
            exc.add_note(f"{self.name} executor: task for item #{index} failed")
            raise
        if store is not None and digest is not None:
            store.put(digest, result)
        return result

    def __enter__(self) -> Executor[H]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
