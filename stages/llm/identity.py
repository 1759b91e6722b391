"""A prepared model's identity: `identity.json` beside its weights (written by prepare_model), read by whatever
keys on the model (the completion cache) or reports it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

IDENTITY_FILE = "identity.json"
# What transformers records in tokenizer_config.json about how the tokenizer was loaded, not what it is: it
# follows the loading process's HF_HUB_OFFLINE, and the tokenizer files are hashed into the completion cache's key.
LOAD_TIME_TOKENIZER_KEYS = ("is_local", "local_files_only")


def read_identity(model_dir: str | Path) -> dict[str, Any]:
    """The identity written beside a prepared model."""
    path = Path(model_dir) / IDENTITY_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `dvc repro prepare_model` first")
    return json.loads(path.read_text())


def save_tokenizer(tokenizer: Any, folder: str | Path) -> None:
    """Save `tokenizer` into a model folder without the load-time keys, so the same tokenizer writes the same
    bytes whatever the environment that loaded it."""
    for key in LOAD_TIME_TOKENIZER_KEYS:
        tokenizer.init_kwargs.pop(key, None)
    tokenizer.save_pretrained(folder)
