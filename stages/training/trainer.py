"""Run one training job with TRL's SFTTrainer: the recipe as an SFTConfig, resume from the newest checkpoint,
save the model folder (safetensors, tokenizer, chat template, identity.json), the metrics and the loss curves.

Runs in every process of a launch (one, or one per rank under `accelerate launch`); only the main process
writes the outputs. Heavy imports stay inside the functions, so importing this module is instant.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from stages.editseq.diffs import DIFF_TOKEN
from stages.llm.identity import IDENTITY_FILE, save_tokenizer
from stages.records.io import atomic_dir, sha256_file, write_json
from stages.training.checkpoints import latest_checkpoint
from stages.training.dataset import META_FILE
from stages.training.job import Job
from stages.training.recipes import Recipe

log = logging.getLogger(__name__)
COLUMNS = ("prompt", "completion")


def use_cuda(device: str) -> bool:
    import torch

    return device != "cpu" and torch.cuda.is_available()


def liger_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("liger_kernel") is not None


def load_splits(data_dir: str) -> dict[str, Any]:
    """The dataset's splits as `datasets` loads them, prompt and completion only (TRL's prompt-completion)."""
    from datasets import load_dataset

    splits = {}
    for split in ("train", "validation"):
        files = sorted(str(p) for p in (Path(data_dir) / split).glob("*.parquet"))
        if files:
            data = load_dataset("parquet", data_files={split: files}, split=split)
            if len(data):
                splits[split] = data.select_columns(list(COLUMNS))
    return splits


def epochs(recipe: Recipe, meta: dict[str, Any]) -> float:
    """The recipe's epochs; LintSeq's are divided by the data's sequences per program (10 / s)."""
    if recipe.epochs_per_sequence and meta.get("sequences_per_program", 0) > 1:
        return recipe.epochs / float(meta["sequences_per_program"])
    return recipe.epochs


def sft_config(job: Job, world_size: int, meta: dict[str, Any], has_eval: bool) -> Any:
    from trl import SFTConfig

    recipe = job.recipe
    cuda = use_cuda(job.device)
    if job.checkpoint_steps:  # resumable checkpoints every N steps take the place of the per-epoch ones
        # only the newest is needed to resume (SmolLM2's with optimizer state is ~1.6 GB)
        save = {"save_strategy": "steps", "save_steps": job.checkpoint_steps, "save_total_limit": 1}
    else:
        save = {"save_strategy": "epoch" if recipe.save_each_epoch else "no"}
    if not has_eval:
        evaluation = {"eval_strategy": "no"}
    elif job.eval_steps:
        evaluation = {"eval_strategy": "steps", "eval_steps": job.eval_steps}
    else:
        evaluation = {"eval_strategy": "epoch"}
    return SFTConfig(
        output_dir=job.checkpoint_dir,
        num_train_epochs=epochs(recipe, meta),
        max_steps=recipe.max_steps or -1,
        per_device_train_batch_size=recipe.per_device_batch,
        per_device_eval_batch_size=recipe.per_device_batch,
        gradient_accumulation_steps=recipe.accumulation(world_size),
        learning_rate=recipe.learning_rate,
        lr_scheduler_type=recipe.lr_scheduler,
        warmup_steps=recipe.warmup if recipe.warmup < 1 else int(recipe.warmup),
        weight_decay=recipe.weight_decay,
        max_grad_norm=recipe.max_grad_norm,
        optim=recipe.optimizer if cuda or recipe.optimizer != "adamw_torch_fused" else "adamw_torch",
        bf16=recipe.precision == "bf16-mixed",
        fp16=recipe.precision == "fp16-mixed",
        use_cpu=not cuda,
        use_liger_kernel=recipe.liger and cuda and liger_available(),
        max_length=recipe.max_length,
        packing=recipe.packing != "none",
        packing_strategy=recipe.packing if recipe.packing != "none" else "bfd",
        completion_only_loss=recipe.completion_only_loss,
        seed=job.seed,
        data_seed=job.seed,
        logging_steps=1,
        report_to=[],
        disable_tqdm=True,
        dataloader_num_workers=0,
        save_only_model=False,
        **save,
        **evaluation,
        # passed only when on: transformers 5 warns that the name is going (activation_checkpointing)
        **({"gradient_checkpointing": True} if recipe.gradient_checkpointing else {}),
    )


def load_model(job: Job) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(job.base_dir)
    dtype = torch.bfloat16 if job.recipe.precision == "bf16" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(job.base_dir, dtype=dtype, attn_implementation="sdpa")
    if job.recipe.add_diff_token and DIFF_TOKEN not in tokenizer.get_vocab():
        # An ordinary token, not a special one, so decoding with skip_special_tokens keeps it (the reference).
        tokenizer.add_tokens([DIFF_TOKEN])
        model.resize_token_embeddings(len(tokenizer), pad_to_multiple_of=16)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def peft_config(recipe: Recipe) -> Any:
    if recipe.lora is None:
        return None
    from peft import LoraConfig

    modules = recipe.lora.target_modules
    return LoraConfig(
        r=recipe.lora.r,
        lora_alpha=recipe.lora.alpha,
        lora_dropout=recipe.lora.dropout,
        target_modules=modules[0] if modules == ("all-linear",) else list(modules),
        task_type="CAUSAL_LM",
    )


def curves(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Loss and eval-loss per step (one row per step that logged either), for the DVC plot."""
    by_step: dict[int, dict[str, Any]] = {}
    for entry in history:
        for key in ("loss", "eval_loss"):
            if key in entry:
                by_step.setdefault(int(entry["step"]), {"step": int(entry["step"])})[key] = round(
                    float(entry[key]), 6
                )
    return [by_step[s] for s in sorted(by_step)]


def final_eval_loss(trainer: Any) -> float:
    """The eval loss at the last step: the one the schedule already logged there (the end of an epoch, or of
    max_steps), else a new evaluation. On a CPU one pass over the validation rows costs as much as a few steps."""
    logged = [e for e in trainer.state.log_history if "eval_loss" in e]
    if logged and logged[-1].get("step") == trainer.state.global_step:
        return float(logged[-1]["eval_loss"])
    return float(trainer.evaluate()["eval_loss"])


def train(job: Job) -> dict[str, Any]:
    """Train, save and report; returns the metrics (on every rank)."""
    import torch
    from transformers import set_seed
    from trl import SFTTrainer

    torch.set_num_threads(job.threads)
    set_seed(job.seed)
    meta = json.loads((Path(job.data_dir) / META_FILE).read_text())
    splits = load_splits(job.data_dir)
    if job.max_eval_rows and len(splits.get("validation", ())) > job.max_eval_rows:
        splits["validation"] = splits["validation"].select(range(job.max_eval_rows))
    model, tokenizer = load_model(job)
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    config = sft_config(job, world_size, meta, "validation" in splits)
    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=splits["train"],
        eval_dataset=splits.get("validation"),
        processing_class=tokenizer,
        peft_config=peft_config(job.recipe),
    )
    resume = latest_checkpoint(job.checkpoint_dir)
    if resume is not None:
        log.info("resuming %s from %s", job.experiment, resume)
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    eval_loss = final_eval_loss(trainer) if "validation" in splits else None
    history = curves(trainer.state.log_history)
    losses = [row["loss"] for row in history if "loss" in row]
    metrics = {
        "experiment": job.experiment,
        "skipped": None,
        "steps": trainer.state.global_step,
        "epochs": round(float(trainer.state.epoch or 0.0), 4),
        "train_loss_first": losses[0] if losses else None,
        "train_loss_last": losses[-1] if losses else None,
        "eval_loss": round(float(eval_loss), 6) if eval_loss is not None else None,
        "world_size": world_size,
    }
    save(job, trainer, tokenizer, metrics, history)
    return metrics


def save(
    job: Job, trainer: Any, tokenizer: Any, metrics: dict[str, Any], history: list[dict[str, Any]]
) -> None:
    """The model folder, written beside its place by every rank (sharded states gather there), then renamed by
    the main process; metrics and curves by the main process."""
    staging = Path(f"{job.out_dir}.saving")
    if trainer.is_world_process_zero() and staging.exists():
        shutil.rmtree(staging)
    trainer.accelerator.wait_for_everyone()
    if job.recipe.lora is not None:
        merged = trainer.model.merge_and_unload()
        if trainer.is_world_process_zero():
            merged.save_pretrained(staging, safe_serialization=True)
    else:
        trainer.save_model(str(staging))
    trainer.accelerator.wait_for_everyone()
    if not trainer.is_world_process_zero():
        return
    for leftover in ("training_args.bin",):
        (staging / leftover).unlink(missing_ok=True)
    save_tokenizer(tokenizer, staging)
    with atomic_dir(job.out_dir) as tmp:
        for path in sorted(staging.iterdir()):
            shutil.move(str(path), tmp / path.name)
        write_json(tmp / IDENTITY_FILE, identity(job, tmp, tokenizer, metrics))
    shutil.rmtree(staging, ignore_errors=True)
    write_json(job.metrics, metrics)
    write_json(job.plot, [{"step": r["step"], "loss": r["loss"]} for r in history if "loss" in r])
    write_json(
        job.eval_plot, [{"step": r["step"], "eval_loss": r["eval_loss"]} for r in history if "eval_loss" in r]
    )


def identity(job: Job, folder: Path, tokenizer: Any, metrics: dict[str, Any]) -> dict[str, Any]:
    from dataclasses import asdict

    from stages.environment import package_versions

    base = json.loads((Path(job.base_dir) / IDENTITY_FILE).read_text())
    weights = sorted(folder.glob("*.safetensors"))
    return {
        "name": job.experiment,
        "made_by": f"train@{job.experiment}: TRL SFTTrainer",
        "base_model": {k: base.get(k) for k in ("name", "source", "weights_sha256")},
        **job.identity,
        "recipe": asdict(job.recipe),
        "steps": metrics["steps"],
        "has_chat_template": bool(getattr(tokenizer, "chat_template", None)),
        "weights_sha256": {w.name: sha256_file(w) for w in weights},
        "packages": package_versions(("torch", "transformers", "trl", "accelerate", "datasets", "peft")),
    }
