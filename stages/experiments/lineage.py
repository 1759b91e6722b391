"""An evaluation result traced back: the run -> the model it scored -> the dataset that trained the model -> the
sources that dataset was built from, and one training row walked back to its source file.

Paths come from the caller (the CLI reads them from params), so this module depends on no stage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stages.llm.identity import IDENTITY_FILE


def _json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.is_file() else None


def trace_run(
    run: str,
    metrics_dir: str | Path,
    sft_root: str | Path,
    sources: list[dict[str, Any]] | None,
    data_dir: str | Path = "data",
) -> str:
    """What run `run` scored and what trained it, as lines of text. `sources` are the experiment's declared data
    sources (None: the model is not a trained experiment)."""
    from stages.records.io import read_rows, shard_paths
    from stages.records.lineage import format_chain, walk

    metrics = _json(Path(metrics_dir) / f"{run}.json")
    if metrics is None:
        raise KeyError(f"no evaluation run {run!r} in {metrics_dir}/")
    first = metrics.get("pass", {}).get("pass@1")
    score = (
        f"no data: {metrics['skipped']}"
        if metrics.get("skipped")
        else f"pass@1 {first['estimate']:.3f} [{first['low']:.3f}, {first['high']:.3f}]"
        if first
        else "no pass@1"
    )
    lines = [
        f"run {run}: {metrics.get('language')} {metrics.get('mode')} n={metrics.get('n')} "
        f"{metrics.get('problems')} problems, {score}",
        f"  benchmark: {metrics.get('benchmark', {}).get('file')} sha256 "
        f"{str(metrics.get('benchmark', {}).get('sha256'))[:16]}",
    ]
    model = Path(str(metrics.get("model")))
    identity = _json(model / IDENTITY_FILE) or {}
    lines.append(f"model {model}: {identity.get('made_by') or identity.get('name') or '(no identity.json)'}")
    if identity.get("skipped"):
        lines.append(f"  skipped: {identity['skipped']} (base model {identity.get('base_model')})")
    if identity.get("base_model"):
        base = identity["base_model"]
        lines.append(f"  base model: {base.get('name') if isinstance(base, dict) else base}")
    if identity.get("recipe"):
        lines.append(f"  recipe: {identity['recipe'].get('source')}; steps {identity.get('steps')}")
    data = identity.get("data") or {}
    if data:
        lines.append(
            f"  trained on: sha256 {data.get('sha256')}; rows {data.get('rows')}; tokens {data.get('tokens')}"
        )
    if sources is None:
        lines.append("  (a base model: no training data of ours)")
        return "\n".join(lines)
    dataset = Path(sft_root) / model.name
    meta = _json(dataset / "meta.json") or {}
    lines.append(
        f"dataset {dataset}: rows {meta.get('rows')}; languages {meta.get('languages')}; "
        f"licenses {meta.get('licenses')}" + (f"; skipped: {meta['skipped']}" if meta.get("skipped") else "")
    )
    for source in sources:
        lines.append(
            f"  source {source.get('rows')} (format {source.get('format')}, cap {source.get('cap', 0)})"
        )
    train = dataset / "train"
    if train.is_dir() and shard_paths(train):
        shard = shard_paths(train)[0]
        example = next(iter(read_rows(shard)))
        lines.append("a training row, walked back to its source file:")
        # The row as this dataset holds it (experiments that format the same source row alike share its id),
        # then its parents.
        parent = example.get("lineage", {}).get("parent_id")
        try:
            parents = walk(parent, data_dir) if parent else []
        except KeyError:  # the parent's stage output is not on disk here
            parents = [(Path("?"), {"id": parent, "lineage": {"stage": "(not found on disk)"}})]
        lines.append(format_chain([(shard, example), *parents]))
    return "\n".join(lines)


def run_of_row(row: dict[str, Any]) -> str | None:
    """The evaluation run a row of data/eval belongs to, else None."""
    stage = str(row.get("lineage", {}).get("stage") or "")
    return str(row["run"]) if stage.startswith("evaluate") and row.get("run") else None
