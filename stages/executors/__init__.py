"""Executors: one ordered, bounded, resumable `map` over a local process pool or a Ray cluster."""

from __future__ import annotations

from stages.common import CommonParams
from stages.executors.base import Executor, function_id
from stages.executors.cache import ResultCache, UnhashableItem, content_key
from stages.registry import Registry

# name (`common.executor`) -> "module:Class"; Ray is imported only when chosen.
EXECUTORS: Registry[type[Executor]] = Registry(
    "executor",
    {
        "local": "stages.executors.local:LocalExecutor",
        "ray": "stages.executors.ray:RayExecutor",
    },
)


def make_executor(common: CommonParams) -> Executor:
    """The executor `common.executor` names ("local" or "ray"), sized by `common.workers`."""
    return EXECUTORS.load(common.executor)(common)


__all__ = [
    "EXECUTORS",
    "Executor",
    "ResultCache",
    "UnhashableItem",
    "content_key",
    "function_id",
    "make_executor",
]
