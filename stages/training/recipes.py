"""Training recipes: named presets taken from the papers (shared/reference/), each a frozen `Recipe`.

An experiment names a preset and may override any of its fields (`recipe: {preset: lintseq, overrides: {...}}`);
the merged recipe is validated like a params section, so a typo fails before anything runs. README "Training
recipes" lists every place a preset deviates from its paper and why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from stages.checks import ParamsError, check_choice, check_range
from stages.params import build

PACKING = ("none", "wrapped", "bfd")
PRECISIONS = ("fp32", "bf16", "bf16-mixed", "fp16-mixed")
SCHEDULERS = ("cosine", "linear", "constant", "constant_with_warmup")
OPTIMIZERS = ("adamw_torch", "adamw_torch_fused")


@dataclass(frozen=True)
class LoraSpec:
    # LoRA through peft (an option no paper used): rank, scaling numerator, dropout, and which modules get adapters
    # ("all-linear": every linear layer but the output head, peft's shorthand). The saved model is merged.
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("all-linear",)

    def __post_init__(self) -> None:
        check_range("recipe.lora.r", self.r, 1)
        check_range("recipe.lora.dropout", self.dropout, 0.0, 1.0)


@dataclass(frozen=True)
class Recipe:
    # The paper and section the values come from (recorded in the model's identity).
    source: str = ""
    # Loss on the completion only (the prompt's labels masked), else on every token of the training text.
    completion_only_loss: bool = False
    # "wrapped": concatenate texts with EOS separators and cut into max_length windows (MultiPL-T's causal LM
    # on files; no padding at all); "bfd": best-fit-decreasing bins, each example whole (padding-free needs
    # flash-attention to pay off); "none": one example per row, padded, truncated at max_length.
    packing: str = "wrapped"
    max_length: int = 2048
    # Epochs over the training split; `epochs_per_sequence` divides them by the data's edit sequences per program
    # (LintSeq: s sequences get 10/s epochs, so optimizer steps match the baseline's 10).
    epochs: float = 1.0
    epochs_per_sequence: bool = False
    # Examples per optimizer step over every process, and per process and micro-step (the rest is accumulation).
    global_batch: int = 8
    per_device_batch: int = 8
    learning_rate: float = 3e-5
    lr_scheduler: str = "cosine"
    # Warmup: steps when >= 1, a fraction of all steps when < 1.
    warmup: float = 10
    weight_decay: float = 0.0
    # "fp32"; "bf16" (bf16 weights and optimizer state); "bf16-mixed"/"fp16-mixed" (fp32 master weights and
    # autocast).
    precision: str = "bf16-mixed"
    optimizer: str = "adamw_torch_fused"
    max_grad_norm: float = 1.0
    # Liger's fused kernels (RMSNorm, RoPE, SwiGLU, fused linear cross-entropy) where CUDA and liger-kernel exist.
    liger: bool = True
    gradient_checkpointing: bool = False
    # A checkpoint at the end of every epoch (both papers kept one per epoch and reported the best).
    save_each_epoch: bool = True
    # Add LintSeq's `<|diff|>` as an ordinary (not special) token, as the reference's --diff_experiment 1 does.
    add_diff_token: bool = False
    # 0: train for `epochs`; else stop after this many optimizer steps.
    max_steps: int = 0
    lora: LoraSpec | None = None

    def __post_init__(self) -> None:
        check_choice("recipe.packing", self.packing, PACKING)
        check_choice("recipe.precision", self.precision, PRECISIONS)
        check_choice("recipe.lr_scheduler", self.lr_scheduler, SCHEDULERS)
        check_choice("recipe.optimizer", self.optimizer, OPTIMIZERS)
        check_range("recipe.max_length", self.max_length, 8)
        check_range("recipe.epochs", self.epochs, 0.0)
        check_range("recipe.per_device_batch", self.per_device_batch, 1)
        check_range("recipe.global_batch", self.global_batch, 1)
        check_range("recipe.learning_rate", self.learning_rate, 0.0, 1.0)
        check_range("recipe.warmup", self.warmup, 0.0)
        check_range("recipe.weight_decay", self.weight_decay, 0.0)
        check_range("recipe.max_steps", self.max_steps, 0)
        if self.global_batch % self.per_device_batch:
            raise ParamsError(
                f"recipe: global_batch {self.global_batch} is not a multiple of per_device_batch "
                f"{self.per_device_batch}"
            )

    def accumulation(self, world_size: int) -> int:
        """Micro-steps per optimizer step for `world_size` processes; the global batch must split evenly."""
        per_step = self.per_device_batch * world_size
        if self.global_batch % per_step:
            raise ParamsError(
                f"recipe: global_batch {self.global_batch} does not split over {world_size} process(es) x "
                f"per_device_batch {self.per_device_batch}"
            )
        return self.global_batch // per_step

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# MultiPL-T (Cassano et al., OOPSLA 2024), reference S8: causal LM on `content`, packed to 2048 with EOS
# separators, cosine, AdamW, bf16, a checkpoint each epoch.
MULTIPL_T_1B = Recipe(
    source="MultiPL-T S8, StarCoderBase-1B: global batch 8, lr 3e-5, warmup 10, 7 epochs",
    completion_only_loss=False,
    packing="wrapped",
    max_length=2048,
    epochs=7,
    global_batch=8,
    per_device_batch=8,
    learning_rate=3e-5,
    lr_scheduler="cosine",
    warmup=10,
)
MULTIPL_T_15B = dataclasses.replace(
    MULTIPL_T_1B,
    source="MultiPL-T S8, StarCoderBase-15B: global batch 32 (8 GPUs x 1 x 4), lr 2e-5, warmup 10, "
    "10 epochs (Lua, Racket, OCaml; 6 for Julia and R)",
    epochs=10,
    global_batch=32,
    per_device_batch=1,
    learning_rate=2e-5,
    gradient_checkpointing=True,
)
# CodeM (Zan et al., 2023), reference B3/B4 (unverified against the PDF): Alpaca prompt, loss presumably on the
# response, fp16, per-GPU batch 2 x accumulation 4, lr 2e-5 cosine, 30 warmup steps; epochs not confirmed.
CODEM = Recipe(
    source="CodeM B4: per-GPU batch 2 x accumulation 4, lr 2e-5 cosine, 30 warmup steps, fp16 (epochs unstated)",
    completion_only_loss=True,
    packing="wrapped",
    max_length=2048,
    epochs=3,
    global_batch=8,
    per_device_batch=2,
    learning_rate=2e-5,
    lr_scheduler="cosine",
    warmup=30,
    precision="bf16-mixed",
)
# LintSeq (Piterbarg et al., ICLR 2025), reference A4: instruction tokens masked, truncation 1024, linear
# schedule, warmup ratio 0.001, weight decay 0.01, global batch 512, a checkpoint each epoch; 10 epochs for the
# baseline and 10/s for s edit sequences per program; lr per model (TinyCodeLM-150M, the size of SmolLM2-135M:
# 3e-4 at 1 GPU x 16).
LINTSEQ_BASELINE = Recipe(
    source="LintSeq A4 baseline: 10 epochs, linear, warmup ratio 0.001, weight decay 0.01, global batch 512, "
    "lr 3e-4 (TinyCodeLM-150M)",
    completion_only_loss=True,
    packing="none",
    max_length=1024,
    epochs=10,
    global_batch=512,
    per_device_batch=16,
    learning_rate=3e-4,
    lr_scheduler="linear",
    warmup=0.001,
    weight_decay=0.01,
)
LINTSEQ = dataclasses.replace(
    LINTSEQ_BASELINE,
    source="LintSeq A4 edit sequences: the baseline's 10 epochs divided by s (2 for s=5), `<|diff|>` added as "
    "an ordinary token",
    epochs_per_sequence=True,
    add_diff_token=True,
)

PRESETS: dict[str, Recipe] = {
    "multipl-t-1b": MULTIPL_T_1B,
    "multipl-t-15b": MULTIPL_T_15B,
    "codem": CODEM,
    "lintseq": LINTSEQ,
    "lintseq-baseline": LINTSEQ_BASELINE,
}


@dataclass(frozen=True)
class RecipeChoice:
    # A preset name (stages/training/recipes.py PRESETS) and the fields it overrides.
    preset: str = "multipl-t-1b"
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_choice("recipe.preset", self.preset, PRESETS)
        self.resolve()  # fail at load on a bad override, not at train time

    def resolve(self, **caps: Any) -> Recipe:
        """The preset with the overrides applied, then `caps` (the train section's bounds), validated."""
        merged = {**dataclasses.asdict(PRESETS[self.preset]), **self.overrides}
        if merged.get("lora") is not None and not isinstance(merged["lora"], dict):
            merged["lora"] = dataclasses.asdict(merged["lora"])
        recipe = build(Recipe, merged, where=f"recipe {self.preset}")
        return cap(recipe, **caps)


def cap(
    recipe: Recipe, *, max_steps: int = 0, max_length: int = 0, max_global_batch: int = 0, precision: str = ""
) -> Recipe:
    """Bound a recipe's cost (the embedded default: a few steps of short sequences on a CPU)."""
    changes: dict[str, Any] = {}
    if max_steps and (recipe.max_steps == 0 or recipe.max_steps > max_steps):
        changes["max_steps"] = max_steps
    if max_length and recipe.max_length > max_length:
        changes["max_length"] = max_length
    if max_global_batch and recipe.global_batch > max_global_batch:
        changes["global_batch"] = max_global_batch
        changes["per_device_batch"] = min(recipe.per_device_batch, max_global_batch)
        if max_global_batch % changes["per_device_batch"]:
            changes["per_device_batch"] = 1
    if precision:
        changes["precision"] = precision
    return dataclasses.replace(recipe, **changes) if changes else recipe
