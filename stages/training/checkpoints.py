"""Resumable training state: checkpoints under the cache dir, keyed by what decides the weights.

DVC deletes a stage's outs before rerunning it, so checkpoints live under `common.cache_dir`/training/KEY, where
KEY digests the base model's identity, the dataset's bytes, the effective recipe, the launch shape and the
training code's version: a changed recipe, dataset or code starts afresh instead of resuming a stale run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

from stages.llm.identity import IDENTITY_FILE
from stages.records.io import sha256_file

log = logging.getLogger(__name__)
CHECKPOINT = re.compile(r"checkpoint-(\d+)")
# transformers writes trainer_state.json last: a checkpoint without it was cut off by a kill.
COMPLETE_MARKER = "trainer_state.json"


def data_hash(data_dir: str | Path) -> str:
    """sha256 over every file of the dataset folder (names and contents, in name order)."""
    digest = hashlib.sha256()
    root = Path(data_dir)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + sha256_file(path).encode())
    return digest.hexdigest()


def checkpoint_key(
    base_dir: str | Path, data_digest: str, recipe: dict[str, Any], launch: dict[str, Any], code: str
) -> str:
    identity = json.loads((Path(base_dir) / IDENTITY_FILE).read_text())
    body = {
        "base": identity.get("weights_sha256") or identity,
        "data": data_digest,
        "recipe": recipe,
        "launch": launch,
        "code": code,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:20]


def latest_checkpoint(directory: str | Path, clean: bool = False) -> Path | None:
    """The newest complete checkpoint in `directory`; with `clean` (the launching process, before any rank
    starts), partial ones (a kill during the save) are removed."""
    root = Path(directory)
    if not root.is_dir():
        return None
    found: list[tuple[int, Path]] = []
    for path in root.iterdir():
        match = CHECKPOINT.fullmatch(path.name)
        if not match or not path.is_dir():
            continue
        if (path / COMPLETE_MARKER).exists():
            found.append((int(match.group(1)), path))
        elif clean:
            log.warning("removing the partial checkpoint %s (cut off mid-save)", path)
            shutil.rmtree(path, ignore_errors=True)
    return max(found)[1] if found else None
