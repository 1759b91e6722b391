"""One plug-in registry mechanism: a name -> "module:attribute" table, imported on first use.

Backends, params sections, executors (and languages) are each one such table, so a reader sees every plug-in
of a kind in one place, adding one is one line, and a heavy module (torch, vLLM, Ray) is imported only when
its name is asked for. An unknown name fails with the kind and every known name.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownName(ValueError):
    """A name that is not registered: the message names the kind, the name and the known names."""


class Registry(Generic[T]):
    """Plug-ins of one kind, by name. Iterating yields the names in registration order."""

    def __init__(self, kind: str, targets: Mapping[str, str], error: type[Exception] = UnknownName) -> None:
        for name, target in targets.items():
            module, sep, attr = target.partition(":")
            if not (module and sep and attr):
                raise ValueError(f"{kind} {name!r}: target {target!r} is not 'module:attribute'")
        self.kind = kind
        self.targets = dict(targets)
        # The exception an unknown name raises (a domain error such as ParamsError, so callers catch one type).
        self.error = error
        self._loaded: dict[str, T] = {}

    def load(self, name: str) -> T:
        """The object registered as `name`, importing its module the first time."""
        if name not in self._loaded:
            try:
                target = self.targets[name]
            except KeyError:
                raise self.error(f"unknown {self.kind} {name!r}; known: {', '.join(self.targets)}") from None
            module, _, attr = target.partition(":")
            self._loaded[name] = getattr(importlib.import_module(module), attr)
        return self._loaded[name]

    def names(self) -> list[str]:
        return list(self.targets)

    def items(self) -> list[tuple[str, T]]:
        """Every (name, object), importing them all: for checks that must cover every plug-in."""
        return [(name, self.load(name)) for name in self.targets]

    def __iter__(self) -> Iterator[str]:
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)

    def __contains__(self, name: Any) -> bool:
        return name in self.targets

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {self.targets!r})"
