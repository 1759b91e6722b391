"""Stage `train@EXPERIMENT`: fine-tune the experiment's base model on its dataset with TRL's SFTTrainer.

The recipe is the experiment's preset with its overrides (stages/training/recipes.py), bounded by the
`training.train` caps (the embedded default: 10 steps of <= 256 tokens at batch <= 4 on a CPU). The stage writes
a job file and runs the worker in this process (`launcher: python`) or under `accelerate launch` with the chosen
config (`launcher: accelerate`: DDP, FSDP, DeepSpeed ZeRO-3, or CPU processes).

Checkpoints live under the cache dir (never in DVC's outs, which DVC deletes before a rerun), keyed by the base
model, the dataset's hash, the recipe, the launch shape and the training code, so a killed run resumes where its
last checkpoint left it and a changed recipe starts afresh. Outputs: models/EXPERIMENT (safetensors, tokenizer,
chat template, identity.json), the metrics and the loss / eval-loss curves (a DVC plot).

A skipped dataset (build_sft found no rows) gives a skipped model: identity.json with `skipped` and the reason,
no weights; the metrics say the same.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
from pathlib import Path
from typing import Any

from stages.common import code_version
from stages.llm.identity import IDENTITY_FILE
from stages.records.io import atomic_dir, write_json
from stages.stage import Context
from stages.training.checkpoints import checkpoint_key, data_hash, latest_checkpoint
from stages.training.config import TrainStage
from stages.training.dataset import META_FILE
from stages.training.job import Job
from stages.training.launch import accelerate_command, world_size

log = logging.getLogger(__name__)


def write_skipped(params: TrainStage, name: str, reason: str) -> None:
    with atomic_dir(params.out_dir(name)) as tmp:
        write_json(
            tmp / IDENTITY_FILE, {"name": name, "skipped": reason, "base_model": params.base_dir(name)}
        )
    write_json(params.metrics(name), {"experiment": name, "skipped": reason})
    write_json(params.plot(name), [])
    write_json(params.eval_plot(name), [])
    log.warning("train@%s: skipped (%s)", name, reason)


def make_job(params: TrainStage, ctx: Context, name: str) -> Job:
    settings = params.settings
    recipe = settings.recipe(params.experiment(name))
    meta = json.loads((Path(params.data_dir(name)) / META_FILE).read_text())
    digest = data_hash(params.data_dir(name))
    launch: dict[str, Any] = {
        "launcher": settings.launcher,
        "world_size": world_size(settings.launcher, settings.accelerate_config, settings.num_processes),
        "device": settings.device,
        "threads": settings.threads,
        "checkpoint_steps": settings.checkpoint_steps,
        "seed": ctx.common.seed,
    }
    if settings.launcher == "accelerate":
        launch["config"] = Path(settings.accelerate_config).read_text()
    key = checkpoint_key(
        params.base_dir(name), digest, dataclasses.asdict(recipe), launch, code_version("stages.train")
    )
    return Job(
        experiment=name,
        base_dir=params.base_dir(name),
        data_dir=params.data_dir(name),
        out_dir=params.out_dir(name),
        metrics=params.metrics(name),
        plot=params.plot(name),
        eval_plot=params.eval_plot(name),
        checkpoint_dir=str(ctx.common.cache_path("training", f"{name}-{key}")),
        recipe=recipe,
        seed=ctx.common.seed,
        threads=settings.threads,
        device=settings.device,
        checkpoint_steps=settings.checkpoint_steps,
        eval_steps=settings.eval_steps,
        max_eval_rows=settings.max_eval_rows,
        identity={
            "data": {
                "sha256": digest,
                "rows": meta["rows"],
                "tokens": meta["tokens"],
                "licenses": meta["licenses"],
            },
            "checkpoint_key": key,
            "launch": {k: v for k, v in launch.items() if k != "config"}
            | (
                {"accelerate_config": settings.accelerate_config} if settings.launcher == "accelerate" else {}
            ),
        },
    )


def run(params: TrainStage, ctx: Context, name: str) -> list:
    """Train (or skip) one experiment; training drops no rows, so there is no funnel."""
    meta = json.loads((Path(params.data_dir(name)) / META_FILE).read_text())
    if meta.get("skipped"):
        write_skipped(params, name, meta["skipped"])
        return []
    job = make_job(params, ctx, name)
    latest_checkpoint(job.checkpoint_dir, clean=True)
    job_file = job.write(Path(job.checkpoint_dir) / "job.json")
    if params.settings.launcher == "python":
        from stages.training.trainer import train

        train(job)
    else:
        command = accelerate_command(
            params.settings.accelerate_config, params.settings.num_processes, job_file
        )
        log.info("launching: %s", " ".join(command))
        subprocess.run(command, check=True)
    return []
