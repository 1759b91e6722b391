"""Executors: one ordered, bounded, resumable `map` over a local process pool or a Ray cluster."""

from __future__ import annotations

from stages.common import CommonParams
from stages.executors.base import Executor, function_id
from stages.executors.cache import ResultCache, UnhashableItem, content_key


def make_executor(common: CommonParams) -> Executor:
    """The executor `common.executor` names ("local" or "ray"), sized by `common.workers`."""
    if common.executor == "ray":
        from stages.executors.ray import RayExecutor

        return RayExecutor(common)
    from stages.executors.local import LocalExecutor

    return LocalExecutor(common)


__all__ = ["Executor", "ResultCache", "UnhashableItem", "content_key", "function_id", "make_executor"]
