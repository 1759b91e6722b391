"""Apply a preset (a partial params file, e.g. params/gpu.yaml) onto params.yaml.

A preset holds only the keys it changes. Applying it merges those keys into params.yaml in place, keeping the
file's comments and order (ruamel round-trip), after validating the merged result section by section, so a typo
in a preset fails before anything runs. `git diff params.yaml` then shows exactly what the preset changed and
`dvc repro` reruns only the stages whose params moved.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stages.catalog import load_all
from stages.params import ParamsError, read_yaml
from stages.records.io import write_text


def merge(base: Any, overrides: Mapping[str, Any], where: str = "") -> None:
    """Deep-merge `overrides` into the mapping `base` in place. Lists and scalars replace; mappings merge."""
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merge(base[key], value, f"{where}{key}.")
        else:
            base[key] = value


def apply_preset(preset: str | os.PathLike[str], params: str | os.PathLike[str] = "params.yaml") -> list[str]:
    """Merge `preset` into `params`; return the dotted keys it set. Nothing is written if validation fails."""
    from ruamel.yaml import YAML

    overrides = read_yaml(preset)
    yaml = YAML()
    yaml.preserve_quotes = True
    data = yaml.load(Path(params).read_text())
    merge(data, overrides)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    text = buffer.getvalue()

    check = Path(params).with_name(f".{Path(params).name}.check")
    check.write_text(text)
    try:
        load_all(check)
    except ParamsError as exc:
        raise ParamsError(f"preset {preset} does not validate: {exc}") from None
    finally:
        check.unlink(missing_ok=True)
    write_text(params, text)
    return _dotted(overrides)


def _dotted(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            keys.extend(_dotted(value, f"{prefix}{key}."))
        else:
            keys.append(f"{prefix}{key}")
    return keys
