"""Load `params.yaml` sections into frozen, validated dataclasses.

Every stage owns one section of `params.yaml`, mirrored by a frozen dataclass that documents each field once.
The loader here is the only place that turns YAML into those dataclasses: an unknown or mistyped key fails
fast and names the known ones, wrong types and out-of-range values fail with the offending value.

It imports no stage: a section's dataclass is passed in (`stages.catalog` finds one by section name).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from stages.checks import ParamsError, check_choice, check_range

__all__ = [
    "DEFAULT_PARAMS",
    "ParamsError",
    "build",
    "check_choice",
    "check_range",
    "load_section",
    "read_yaml",
]

T = TypeVar("T")

DEFAULT_PARAMS = Path("params.yaml")


def read_yaml(path: str | os.PathLike[str] = DEFAULT_PARAMS) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise ParamsError(f"params file {path} does not exist")
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ParamsError(f"params file {path} must hold a mapping of sections, got {type(data).__name__}")
    return data


def load_section(name: str, cls: type[T], path: str | os.PathLike[str] = DEFAULT_PARAMS) -> T:
    """Read section `name` of the params file at `path` into dataclass `cls`."""
    data = read_yaml(path)
    if name not in data:
        raise ParamsError(f"params file {path} has no section {name!r}; it has: {', '.join(sorted(data))}")
    return build(cls, data[name], where=name)


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    """A dataclass's resolved field types (resolving evaluates the annotation strings: ~0.1 ms a class)."""
    return typing.get_type_hints(cls)


def build(cls: type[T], raw: Any, where: str) -> T:
    """Build dataclass `cls` from a mapping, recursing into nested dataclass fields."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ParamsError(f"{where}: expected a mapping, got {type(raw).__name__} {raw!r}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        raise ParamsError(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; known keys: {', '.join(sorted(fields))}"
        )
    hints = _type_hints(cls)
    kwargs = {key: _coerce(hints[key], value, f"{where}.{key}") for key, value in raw.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field without default is missing
        raise ParamsError(f"{where}: {exc}") from None


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, where)
            except ParamsError as exc:
                errors.append(str(exc))
        raise ParamsError(errors[0] if len(errors) == 1 else f"{where}: {value!r} matches none of {tp}")
    if origin is typing.Literal:
        if value not in args:
            raise ParamsError(f"{where}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if dataclasses.is_dataclass(tp):
        return build(tp, value, where)
    if origin in (list, tuple):
        if not isinstance(value, list | tuple):
            raise ParamsError(f"{where}: expected a list, got {type(value).__name__} {value!r}")
        item = args[0] if args else Any
        return tuple(_coerce(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ParamsError(f"{where}: expected a mapping, got {type(value).__name__} {value!r}")
        vt = args[1] if len(args) == 2 else Any
        return {str(k): _coerce(vt, v, f"{where}.{k}") for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamsError(f"{where}: expected a number, got {type(value).__name__} {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamsError(f"{where}: expected an integer, got {type(value).__name__} {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ParamsError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ParamsError(f"{where}: expected a string, got {type(value).__name__} {value!r}")
        return value
    return value
