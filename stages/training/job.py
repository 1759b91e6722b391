"""One training job as a JSON file: everything a worker process needs, so `python -m stages.training.worker JOB`
and `accelerate launch ... -m stages.training.worker JOB` run the same thing on one process or many."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stages.params import build
from stages.records.io import write_json
from stages.training.recipes import Recipe


@dataclass(frozen=True)
class Job:
    experiment: str
    base_dir: str
    data_dir: str
    out_dir: str
    metrics: str
    plot: str
    eval_plot: str
    checkpoint_dir: str
    recipe: Recipe
    seed: int = 0
    threads: int = 2
    device: str = "auto"
    checkpoint_steps: int = 0
    eval_steps: int = 0
    max_eval_rows: int = 0
    # Recorded in the trained model's identity.json as they are (base identity, data hash, licences, key).
    identity: dict[str, Any] = field(default_factory=dict)

    def write(self, path: str | Path) -> Path:
        write_json(path, asdict(self))
        return Path(path)

    @classmethod
    def read(cls, path: str | Path) -> Job:
        raw = json.loads(Path(path).read_text())
        return cls(**{**raw, "recipe": build(Recipe, raw["recipe"], where=f"job {path} recipe")})
