"""The Ray executor (`common.executor: ray`): the same map over a Ray cluster, or a local Ray started on demand.

`common.ray_address` "" starts a local Ray instance (one CPU per worker) unless this process already joined
one; "auto" joins the cluster running on this node; "ray://host:10001" or "host:6379" join a remote one. Ray is
imported only here, and only when this executor is chosen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from stages.common import CommonParams
from stages.executors.base import Executor

log = logging.getLogger(__name__)


def _call(fn: Callable[[Any], Any], item: Any) -> Any:
    return fn(item)


class RayExecutor(Executor[Any]):
    name = "ray"

    def __init__(self, common: CommonParams) -> None:
        try:
            import ray
        except ImportError as exc:
            raise ImportError(
                "common.executor is 'ray' but ray is not installed: pip install 'polyforge[ray]' (or 'ray>=2.30')"
            ) from exc
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if common.ray_address:
                kwargs["address"] = common.ray_address
            elif common.workers:
                kwargs["num_cpus"] = common.workers
            ray.init(**kwargs)
            self._started = True
            log.info("ray: started/joined %s", common.ray_address or "a local instance")
        cpus = int(ray.cluster_resources().get("CPU", 1))
        super().__init__(common, common.workers or cpus)
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_call)

    def _submit(self, fn: Callable[[Any], Any], item: Any) -> Any:
        return self._remote.remote(fn, item)

    def _result(self, handle: Any) -> Any:
        try:
            return self._ray.get(handle)
        except self._ray.exceptions.RayTaskError as exc:  # re-raise what the task itself raised
            cause = exc.as_instanceof_cause()
            raise cause from None

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False
