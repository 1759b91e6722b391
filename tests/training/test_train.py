"""train@EXPERIMENT on a tiny Llama: the stage's outputs, a SIGKILL mid-run resumed to the same weights, and
`accelerate launch --num_processes 2 --cpu` equal to one process with the same global batch."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, instruction_rows

from stages.params import build
from stages.records import write_rows
from stages.stage import Context
from stages.training.config import TrainingParams
from stages.training.job import Job
from stages.training.recipes import RecipeChoice

STEPS = 20
# Patches SFTTrainer to SIGKILL its own process at the end of step KILL_AT_STEP: a real kill, mid-run, after
# the checkpoint of step 10 and before the one of step 15.
KILLER = """
import os, signal, sys
import trl
from transformers import TrainerCallback

class Kill(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == int(os.environ["KILL_AT_STEP"]):
            os.kill(os.getpid(), signal.SIGKILL)

original = trl.SFTTrainer.__init__
def patched(self, *args, **kwargs):
    original(self, *args, **kwargs)
    self.add_callback(Kill())
trl.SFTTrainer.__init__ = patched

from stages.training.worker import main
main([sys.argv[1]])
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, tiny_model) -> Path:
    """A built SFT dataset of 60 small programs (causal-LM text) for the tiny model."""
    from stages.build_sft import run

    tmp = tmp_path_factory.mktemp("sft")
    write_rows(tmp / "pairs", instruction_rows(60))
    params = build(
        TrainingParams,
        {
            "experiments": {
                "files": {
                    "model": tiny_model.name,
                    "data": [{"rows": str(tmp / "pairs"), "format": "text", "fields": {"text": "output"}}],
                    "recipe": {"preset": "multipl-t-1b"},
                }
            },
            "sft": {
                "out_root": str(tmp),
                "validation_fraction": 0.2,
                "funnel_dir": str(tmp),
                "decontamination_dir": str(tmp),
            },
            "train": {"models_root": str(tiny_model.parent)},
        },
        where="training",
    )
    run(params.sft_stage(), Context(), "files")
    return tmp / "files"


def job(tmp: Path, model: Path, data: Path, name: str, **recipe_changes) -> Job:
    recipe = RecipeChoice("multipl-t-1b", {"learning_rate": 1e-3, "warmup": 2}).resolve(
        max_steps=STEPS, max_length=64, max_global_batch=4, precision="fp32"
    )
    recipe = dataclasses.replace(recipe, **recipe_changes)
    return Job(
        experiment=name,
        base_dir=str(model),
        data_dir=str(data),
        out_dir=str(tmp / "models" / name),
        metrics=str(tmp / f"{name}.json"),
        plot=str(tmp / f"{name}-loss.json"),
        eval_plot=str(tmp / f"{name}-eval.json"),
        checkpoint_dir=str(tmp / "checkpoints" / name),
        recipe=recipe,
        threads=1,
        device="cpu",
        checkpoint_steps=5,
    )


def weights(folder: str | Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(Path(folder) / "model.safetensors"))


def worker(job_file: Path, env: dict | None = None, script: str | None = None) -> subprocess.CompletedProcess:
    command = (
        [sys.executable, "-c", script, str(job_file)]
        if script
        else [sys.executable, "-m", "stages.training.worker", str(job_file)]
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_stage_trains_and_saves_a_loadable_model_with_identity_and_curves(
    tmp_path, tiny_model, dataset, monkeypatch
):
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer

    from stages.training.trainer import train

    evaluations = []
    evaluate = Trainer.evaluate
    monkeypatch.setattr(
        Trainer, "evaluate", lambda self, *a, **k: evaluations.append(1) or evaluate(self, *a, **k)
    )
    done = job(tmp_path, tiny_model, dataset, "files", add_diff_token=True)
    metrics = train(done)
    out = Path(done.out_dir)
    assert metrics["steps"] == STEPS and metrics["train_loss_last"] < metrics["train_loss_first"]
    assert metrics["eval_loss"] is not None
    identity = json.loads((out / "identity.json").read_text())
    assert (
        identity["base_model"]["name"].startswith("tiny-llama") and identity["recipe"]["max_steps"] == STEPS
    )
    assert set(identity["packages"]) >= {"torch", "transformers", "trl", "peft"}
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert "<|diff|>" in tokenizer.get_vocab() and "<|diff|>" not in tokenizer.all_special_tokens
    assert model.get_input_embeddings().weight.shape[0] % 16 == 0 and tokenizer.chat_template
    curve = json.loads(Path(done.plot).read_text())
    assert [row["step"] for row in curve] == list(range(1, STEPS + 1))
    evals = json.loads(Path(done.eval_plot).read_text())
    assert evals[-1]["step"] == STEPS and evals[-1]["eval_loss"] == metrics["eval_loss"]
    # One pass over the validation rows per scheduled point (each epoch's end here): none again after the last.
    assert len(evaluations) == len(evals)


def test_sigkill_mid_run_resumes_to_the_uninterrupted_weights(tmp_path, tiny_model, dataset):
    straight = job(tmp_path, tiny_model, dataset, "straight")
    killed = job(tmp_path, tiny_model, dataset, "killed")
    first = worker(straight.write(tmp_path / "straight.json"))
    assert first.returncode == 0, first.stderr[-3000:]
    cut = worker(killed.write(tmp_path / "killed.json"), {"KILL_AT_STEP": "13"}, KILLER)
    assert cut.returncode == -signal.SIGKILL, cut.stderr[-3000:]
    saved = sorted(p.name for p in Path(killed.checkpoint_dir).glob("checkpoint-*"))
    # only the newest step checkpoint is kept (it is all a resume needs)
    assert saved == ["checkpoint-10"] and not Path(killed.out_dir).exists()
    resumed = worker(tmp_path / "killed.json")
    assert resumed.returncode == 0 and "resuming killed from" in resumed.stderr, resumed.stderr[-3000:]
    a, b = weights(straight.out_dir), weights(killed.out_dir)
    assert a.keys() == b.keys()
    assert all((a[k] == b[k]).all() for k in a), "resumed weights differ from the uninterrupted run's"
    assert json.loads(Path(killed.plot).read_text()) == json.loads(Path(straight.plot).read_text())


def test_accelerate_two_cpu_processes_equal_one_process(tmp_path, tiny_model, dataset):
    from stages.training.launch import accelerate_command

    single = job(tmp_path, tiny_model, dataset, "single", max_steps=5, per_device_batch=4)  # 1 epoch
    ranks = job(tmp_path, tiny_model, dataset, "ranks", max_steps=5, per_device_batch=2)
    one = worker(single.write(tmp_path / "single.json"))
    assert one.returncode == 0, one.stderr[-3000:]
    command = accelerate_command(
        str(ROOT / "stages/training/accelerate/cpu.yaml"), 2, ranks.write(tmp_path / "r.json")
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    two = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    metrics = json.loads(Path(ranks.metrics).read_text())
    assert metrics["world_size"] == 2 and metrics["steps"] == 5
    # Within an epoch the two see the same global batches: equal losses, weights equal to float noise (measured:
    # 7.5e-9 after 5 steps). At an epoch's partial last batch 2 ranks pad (even_batches) and the runs part.
    losses = [[row["loss"] for row in json.loads(Path(j.plot).read_text())] for j in (single, ranks)]
    assert losses[0] == pytest.approx(losses[1], abs=1e-5)
    a, b = weights(single.out_dir), weights(ranks.out_dir)
    worst = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert worst < 1e-6, f"2 ranks vs 1 process: max abs weight difference {worst}"
