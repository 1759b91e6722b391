"""Task functions for the executor tests: module-level, so worker processes import them by name."""

from __future__ import annotations

import os
import time


def square_after_sleep(item: tuple[int, float]) -> int:
    value, delay = item
    time.sleep(delay)
    return value * value


def logged_square(item: dict) -> dict:
    """Squares item["x"] and appends a line to item["log"], so a test can count real executions."""
    with open(item["log"], "a") as fh:
        fh.write(f"{item['x']}\n")
    return {"x": item["x"], "square": item["x"] ** 2, "pid": os.getpid()}


def fail_on_three(value: int) -> int:
    if value == 3:
        raise ValueError(f"bad value {value}")
    return value


def sandbox_uid(_: int) -> tuple[int, int]:
    """(worker pid, uid the sandboxed program ran as)."""
    from stages.sandbox import sandbox_for

    result = sandbox_for().run(["id", "-u"])
    return os.getpid(), int(result.stdout.strip())


def make_scratch(prefix: str) -> str:
    """A scratch dir made in a worker (as the linters and the javac service make theirs)."""
    from stages.common import scratch_dir

    return str(scratch_dir(prefix))
