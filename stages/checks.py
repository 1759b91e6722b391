"""The params error and the checks that params dataclasses run in `__post_init__`.

Libraries import these from here, a module that imports nothing of the project, so validating a field never
pulls in the params loader or the list of stages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class ParamsError(ValueError):
    """A params file or section is malformed: the message names the key, the value and what is allowed."""


def check_range(where: str, value: float, lo: float | None = None, hi: float | None = None) -> None:
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        raise ParamsError(f"{where}: {value!r} is outside {bounds}")


def check_choice(where: str, value: Any, choices: Iterable[Any]) -> None:
    choices = list(choices)
    if value not in choices:
        raise ParamsError(f"{where}: {value!r} is not one of {', '.join(map(repr, choices))}")
