"""Every evaluation run's metrics, with its paired change against its reference and where its model came from."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Run:
    name: str
    metrics: dict[str, Any]

    @property
    def model(self) -> str:
        """The model folder's name: an experiment's name for a trained model, else the base model's."""
        return Path(str(self.metrics.get("model", ""))).name

    @property
    def language(self) -> str:
        return str(self.metrics.get("language", ""))

    @property
    def mode(self) -> str:
        return str(self.metrics.get("mode", ""))

    @property
    def style(self) -> str:
        """How the model was prompted: completion, edit_sequence, or the instruction template."""
        fmt = str(self.metrics.get("format", ""))
        return str(self.metrics.get("template") or fmt) if fmt == "instruction" else fmt

    @property
    def skipped(self) -> str | None:
        return self.metrics.get("skipped") or None

    def pass_at(self, k: int = 1) -> dict[str, float] | None:
        return self.metrics.get("pass", {}).get(f"pass@{k}")

    @property
    def paired(self) -> dict[str, Any] | None:
        paired = self.metrics.get("paired")
        return paired if paired and paired.get("problems") else None

    @property
    def n(self) -> int:
        return int(self.metrics.get("n") or 0)

    @property
    def problems(self) -> int:
        return int(self.metrics.get("problems") or 0)

    @property
    def data_hash(self) -> str:
        """`data <sha256[:12]>` of the data that trained the model; `base weights <sha256[:12]>` for a base model
        (no training data of ours); `-` when the metrics hold no identity."""
        identity = (self.metrics.get("model_identity") or {}).get("identity") or {}
        data = identity.get("data") or {}
        if data.get("sha256"):
            return f"data {str(data['sha256'])[:12]}"
        weights = sorted((identity.get("weights_sha256") or {}).values())
        return f"base weights {weights[0][:12]}" if weights else "-"

    def provenance(self) -> str:
        """Model, data hash, n and problems: what every figure and table names."""
        if self.skipped:
            return f"{self.model}: no data ({self.skipped})"
        return f"{self.model} [{self.data_hash}] n={self.n} x {self.problems} problems"


def read_runs(directory: str | Path, seed: int = 0) -> list[Run]:
    """Every run's metrics sorted by name, each with `paired` (the change over its reference run) added."""
    from stages.evaluation.passk import paired_difference
    from stages.evaluation.summary import per_problem_pass1

    found = {path.stem: json.loads(path.read_text()) for path in sorted(Path(directory).glob("*.json"))}
    for metrics in found.values():
        reference = found.get(metrics.get("reference") or "")
        if reference is None or metrics.get("skipped") or reference.get("skipped"):
            continue
        mine = {p: (v["n"], v["c"]) for p, v in metrics.get("per_problem", {}).items()}
        base = {p: (v["n"], v["c"]) for p, v in reference.get("per_problem", {}).items()}
        metrics["paired"] = paired_difference(per_problem_pass1(mine), per_problem_pass1(base), seed=seed)
    return [Run(name, found[name]) for name in sorted(found)]
