"""A prepared model's identity: `identity.json` beside its weights (written by prepare_model), read by whatever
keys on the model (the completion cache) or reports it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

IDENTITY_FILE = "identity.json"


def read_identity(model_dir: str | Path) -> dict[str, Any]:
    """The identity written beside a prepared model."""
    path = Path(model_dir) / IDENTITY_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `dvc repro prepare_model` first")
    return json.loads(path.read_text())
