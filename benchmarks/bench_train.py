"""Training speed: the stage's SFTTrainer configuration of each preset against a plain loop, same data and precision.

    .venv/bin/python benchmarks/bench_train.py                       # CPU: a tiny Qwen2 shape, a few steps
    python benchmarks/bench_train.py --shape 1.5b --seq 2048 --batch 8 --steps 20   # one GPU (H200: bf16 dense 989 TFLOP/s)

The model is built from a config (random init, no download): `tiny` or Qwen2.5-Coder-1.5B's shape. The data is
random token documents of varied length (pre-tokenised, so tokenisation is not timed), with a completion mask
over each document's second half for the completion-only presets. For each preset the script runs, in this
process, (1) a plain loop with the preset's precision policy: the packed windows the trainer would see, fused
AdamW where CUDA has it, forward/backward/step, no padding; and (2) SFTTrainer configured exactly as
train@EXPERIMENT configures it (stages.training.trainer.sft_config), with the preset's packing, loss and kernels,
at the given sequence length and batch. It prints real (non-pad) tokens/s, MFU (CUDA) and peak memory of each,
and the trainer's share of the plain loop's tokens/s.

Standalone where only torch, transformers, trl, datasets and liger-kernel exist (a bare GPU node): it imports the
project's training library, which needs nothing else at import time.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHAPES = {
    # Qwen2.5-Coder-1.5B (config.json of the published model)
    "1.5b": dict(
        hidden_size=1536,
        intermediate_size=8960,
        num_hidden_layers=28,
        num_attention_heads=12,
        num_key_value_heads=2,
        vocab_size=151936,
        tie_word_embeddings=True,
    ),
    "tiny": dict(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=1024,
        tie_word_embeddings=True,
    ),
}
PEAK_TFLOPS = 989.0  # H200 / H100 SXM dense bf16


def build_model(shape: str, seq: int, dtype):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(**SHAPES[shape], max_position_embeddings=max(seq, 512), attn_implementation="sdpa")
    return Qwen2ForCausalLM(config).to(dtype=dtype)


def documents(n: int, seq: int, vocab: int, seed: int = 0) -> list[dict]:
    """Random documents of 1/8 to 1 sequence length, with a completion mask over their second half."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        length = rng.randint(max(8, seq // 8), seq)
        ids = [rng.randrange(3, vocab) for _ in range(length)]
        rows.append({"input_ids": ids, "completion_mask": [0] * (length // 2) + [1] * (length - length // 2)})
    return rows


class Counter:
    """Counts real tokens per forward (attention-mask ones, or every id when there is no mask: padding-free)."""

    def __init__(self) -> None:
        self.tokens = 0
        self.on = False

    def __call__(self, module, args, kwargs):
        if self.on and module.training:
            mask = kwargs.get("attention_mask")
            ids = kwargs.get("input_ids", args[0] if args else None)
            self.tokens += int(mask.sum()) if mask is not None else int(ids.numel())


def sync():
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def peak_reset():
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_gb() -> float | None:
    import torch

    return torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None


def plain_loop(
    shape: str, seq: int, batch: int, steps: int, warmup: int, precision: str, rows: list[dict]
) -> dict:
    import torch

    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    weights = torch.bfloat16 if precision == "bf16" else torch.float32
    autocast = {"bf16-mixed": torch.bfloat16, "fp16-mixed": torch.float16}.get(precision)
    model = build_model(shape, seq, weights).to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-5, fused=cuda)
    stream = [t for row in rows for t in row["input_ids"]]
    windows = [stream[i : i + seq] for i in range(0, len(stream) - seq, seq)]
    peak_reset()
    tokens, start = 0, 0.0
    for step in range(warmup + steps):
        if step == warmup:
            sync()
            start = time.perf_counter()
        chunk = [windows[(step * batch + b) % len(windows)] for b in range(batch)]
        ids = torch.tensor(chunk, device=device)
        with torch.autocast(device, dtype=autocast, enabled=autocast is not None and cuda):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= warmup:
            tokens += ids.numel()
    sync()
    seconds = time.perf_counter() - start
    params = sum(p.numel() for p in model.parameters())
    del model, optimizer
    return {"tokens_s": tokens / seconds, "params": params, "peak_gb": peak_gb()}


def trainer_run(
    preset: str, shape: str, seq: int, batch: int, steps: int, warmup: int, precision: str, rows
) -> dict:
    import torch
    from datasets import Dataset
    from transformers import PreTrainedTokenizerFast, TrainerCallback
    from trl import SFTTrainer

    from stages.training.job import Job
    from stages.training.recipes import PRESETS
    from stages.training.trainer import sft_config

    recipe = dataclasses.replace(
        PRESETS[preset],
        max_length=seq,
        per_device_batch=batch,
        global_batch=batch,
        max_steps=warmup + steps,
        precision=precision,
        save_each_epoch=False,
    )
    with tempfile.TemporaryDirectory() as tmp:
        job = Job("bench", "", "", "", "", "", "", tmp, recipe, device="auto")
        config = sft_config(job, 1, {}, has_eval=False)
        config.logging_steps = 10**6
        vocab = SHAPES[shape]["vocab_size"]
        tokenizer = _tokenizer(PreTrainedTokenizerFast, vocab)
        model = build_model(shape, seq, torch.bfloat16 if precision == "bf16" else torch.float32)
        counter = Counter()
        model.register_forward_pre_hook(counter, with_kwargs=True)
        timing: dict[str, float] = {}

        class Clock(TrainerCallback):
            def on_step_begin(self, args, state, control, **kwargs):
                if state.global_step == warmup:
                    sync()
                    timing["start"] = time.perf_counter()
                    counter.on = True
                    peak_reset()

            def on_step_end(self, args, state, control, **kwargs):
                if state.global_step == warmup + steps:
                    sync()
                    timing["end"] = time.perf_counter()
                    counter.on = False

        data = Dataset.from_list(
            rows if recipe.completion_only_loss else [{"input_ids": r["input_ids"]} for r in rows]
        )
        trainer = SFTTrainer(model=model, args=config, train_dataset=data, processing_class=tokenizer)
        trainer.add_callback(Clock())
        trainer.train()
        params = sum(p.numel() for p in trainer.model.parameters())
        result = {
            "tokens_s": counter.tokens / (timing["end"] - timing["start"]),
            "params": params,
            "peak_gb": peak_gb(),
            "packing": recipe.packing,
            "liger": config.use_liger_kernel,
            "completion_only": recipe.completion_only_loss,
        }
        del trainer, model
        return result


def _tokenizer(cls, vocab: int):
    """A word-level tokenizer over ids 0..vocab-1 (only its special tokens matter: the data is pre-tokenised)."""
    from tokenizers import Tokenizer, models

    words = {"<pad>": 0, "<eos>": 1, "<unk>": 2, **{f"t{i}": i for i in range(3, vocab)}}
    tok = Tokenizer(models.WordLevel(vocab=words, unk_token="<unk>"))
    return cls(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")


def mfu(tokens_s: float, params: int, cuda: bool) -> str:
    return f"{6 * params * tokens_s / (PEAK_TFLOPS * 1e12):.2f}" if cuda else "n/a"


def main(argv: list[str] | None = None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), default="tiny")
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--documents", type=int, default=0, help="0: enough for every step")
    parser.add_argument("--presets", nargs="+", default=["multipl-t-1b", "codem", "lintseq"])
    parser.add_argument("--precision", default="", help="override every preset's (CPU default: fp32)")
    args = parser.parse_args(argv)

    cuda = torch.cuda.is_available()
    n = args.documents or 4 * args.batch * (args.steps + args.warmup + 2)
    rows = documents(n, args.seq, SHAPES[args.shape]["vocab_size"])
    where = torch.cuda.get_device_name(0) if cuda else f"CPU ({torch.get_num_threads()} threads)"
    print(
        f"# bench_train: shape {args.shape}, seq {args.seq}, batch {args.batch}, {args.steps} timed steps "
        f"after {args.warmup}, on {where}; torch {torch.__version__}"
    )
    print("| preset | precision | configuration | tokens/s | MFU | peak GB | of the plain loop |")
    print("|---|---|---|---|---|---|---|")
    from stages.training.recipes import PRESETS

    for preset in args.presets:
        precision = args.precision or (PRESETS[preset].precision if cuda else "fp32")
        base = plain_loop(args.shape, args.seq, args.batch, args.steps, args.warmup, precision, rows)
        run = trainer_run(preset, args.shape, args.seq, args.batch, args.steps, args.warmup, precision, rows)
        gb = lambda r: f"{r['peak_gb']:.1f}" if r["peak_gb"] is not None else "n/a"  # noqa: E731
        print(
            f"| {preset} | {precision} | plain loop | {base['tokens_s']:,.0f} | {mfu(base['tokens_s'], base['params'], cuda)} "
            f"| {gb(base)} | 100% |"
        )
        what = f"SFTTrainer, packing {run['packing']}, liger {run['liger']}, completion-only {run['completion_only']}"
        print(
            f"| {preset} | {precision} | {what} | {run['tokens_s']:,.0f} | {mfu(run['tokens_s'], run['params'], cuda)} "
            f"| {gb(run)} | {run['tokens_s'] / base['tokens_s']:.0%} |"
        )


if __name__ == "__main__":
    main()
