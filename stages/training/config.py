"""The `training` params section: experiments, and the settings of `build_sft@EXPERIMENT` and `train@EXPERIMENT`.

An experiment is a name, a base model (a name under `model.models`, prepared into models/NAME), a data recipe
(sources: a row directory, a formatter, an optional cap and weight) and a training recipe (a preset plus
overrides). Both stages read the one section, each through its own view (`sft_stage()`, `train_stage()`), which
names the paths that stage reads and writes.

DVC cannot interpolate a list into `deps`, so every `build_sft@X` depends on the sources of every experiment:
on the output root of each (`data/translated` for `data/translated/lua/rows`, `data/codem` for
`data/codem/lua`), which dvc.yaml lists once, so a preset that adds languages needs no dvc.yaml change. A build
whose own sources did not change writes the same bytes again, so its `train@X`, which depends on its own dataset
only, does not rerun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stages.checks import ParamsError, check_choice, check_range
from stages.decont import BenchmarkSources, DecontConfig
from stages.training.formats import FORMATS
from stages.training.recipes import Recipe, RecipeChoice

LAUNCHERS = ("python", "accelerate")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class DataSource:
    # A row directory (any stage's output), and how its rows become examples (stages/training/formats.py).
    rows: str = "data/lintseq"
    format: str = "lintseq"
    # Column renames for the format's logical fields (e.g. {text: content}); missing ones keep the defaults.
    fields: dict[str, str] = field(default_factory=dict)
    # At most this many rows (0: all), the ones whose id hashes lowest: stable when rows are added.
    cap: int = 0
    # Training copies of each row: 2.0 doubles the source, 0.5 keeps half (by id hash); validation keeps one.
    weight: float = 1.0

    def __post_init__(self) -> None:
        check_choice("training.experiments.data.format", self.format, FORMATS)
        unknown = sorted(set(self.fields) - set(FORMATS[self.format].fields))
        if unknown:
            raise ParamsError(
                f"training.experiments.data.fields: {unknown} are not fields of format {self.format!r}; "
                f"known: {', '.join(sorted(FORMATS[self.format].fields))}"
            )
        check_range("training.experiments.data.cap", self.cap, 0)
        check_range("training.experiments.data.weight", self.weight, 0.0)

    def columns(self) -> dict[str, str]:
        return {**FORMATS[self.format].fields, **self.fields}


@dataclass(frozen=True)
class Experiment:
    # The base model: a name under `model.models` (its folder is models/NAME).
    model: str = "smollm2"
    data: tuple[DataSource, ...] = ()
    recipe: RecipeChoice = field(default_factory=RecipeChoice)

    def __post_init__(self) -> None:
        if not self.data:
            raise ParamsError("training.experiments: an experiment needs at least one data source")


@dataclass(frozen=True)
class SFTSettings:
    # Datasets go to out_root/EXPERIMENT/{train,validation}/ (Parquet shards) with meta.json.
    out_root: str = "data/sft"
    # Fraction of examples (by a hash of the split key: stable when rows are added) held out for eval loss.
    validation_fraction: float = 0.05
    # Decontamination of every example against the benchmarks (the prompt, the completion and the clean program).
    decontaminate: DecontConfig = field(
        default_factory=lambda: DecontConfig(
            benchmarks=BenchmarkSources(multipl_e=("data/benchmark/*.jsonl",)),
            fields=("prompt", "completion", "program"),
        )
    )
    funnel_dir: str = "reports/funnel"
    decontamination_dir: str = "reports/decontamination"

    def __post_init__(self) -> None:
        check_range("training.sft.validation_fraction", self.validation_fraction, 0.0, 0.5)


@dataclass(frozen=True)
class TrainSettings:
    # "python": one process; "accelerate": `accelerate launch --config_file accelerate_config` (multi-GPU DDP,
    # FSDP, DeepSpeed ZeRO-3: stages/training/accelerate/).
    launcher: str = "python"
    accelerate_config: str = "stages/training/accelerate/ddp.yaml"
    # Processes for `accelerate launch` (0: the config's num_processes).
    num_processes: int = 0
    device: str = "auto"
    # torch CPU threads (fixed, so a CPU run repeats itself exactly whatever the core count).
    threads: int = 2
    # Bounds on every experiment's recipe (0 / "": the recipe's own): the embedded default trains a few steps
    # of short sequences on a CPU, in fp32.
    max_steps: int = 0
    max_length: int = 0
    max_global_batch: int = 0
    precision: str = ""
    # A resumable checkpoint every this many optimizer steps, besides the recipe's per-epoch ones (0: none).
    checkpoint_steps: int = 0
    # Eval loss on the validation split every this many steps (0: at the end of each epoch).
    eval_steps: int = 0
    # Eval loss on at most this many validation rows (0: all): the split is chosen by id hash, so its first rows
    # are a fixed sample. The embedded default's eval would otherwise cost more than its 10 training steps.
    max_eval_rows: int = 0
    # Trained models go to models_root/EXPERIMENT (beside the base models); metrics and the loss and eval-loss
    # curves (DVC plots) below. The runtime manifest: package versions decide the weights.
    models_root: str = "models"
    metrics_dir: str = "reports/train"
    plot_dir: str = "reports/plots"
    runtime_manifest: str = "data/manifest/runtime.json"

    def __post_init__(self) -> None:
        check_choice("training.train.launcher", self.launcher, LAUNCHERS)
        check_choice("training.train.device", self.device, DEVICES)
        check_range("training.train.threads", self.threads, 1)
        for name in (
            "max_steps",
            "max_length",
            "max_global_batch",
            "checkpoint_steps",
            "eval_steps",
            "max_eval_rows",
            "num_processes",
        ):
            check_range(f"training.train.{name}", getattr(self, name), 0)
        if self.precision:
            check_choice(
                "training.train.precision", self.precision, ("fp32", "bf16", "bf16-mixed", "fp16-mixed")
            )

    def recipe(self, experiment: Experiment) -> Recipe:
        """The experiment's recipe with this section's bounds applied."""
        return experiment.recipe.resolve(
            max_steps=self.max_steps,
            max_length=self.max_length,
            max_global_batch=self.max_global_batch,
            precision=self.precision,
        )


def dependency_root(rows: str) -> str:
    """The directory dvc.yaml lists for a source: a relative path's first two parts (`data/translated` for
    `data/translated/lua/rows`: one stage family's output root), any other path as it is."""
    parts = Path(rows).parts
    return str(Path(*parts[:2])) if not Path(rows).is_absolute() and len(parts) > 2 else rows


def _check(experiments: dict[str, Experiment], name: str) -> Experiment:
    if name not in experiments:
        raise ParamsError(
            f"unknown experiment {name!r}; training.experiments has: {', '.join(sorted(experiments))}"
        )
    return experiments[name]


@dataclass(frozen=True)
class SFTStage:
    """What build_sft@EXPERIMENT reads and writes."""

    experiments: dict[str, Experiment]
    settings: SFTSettings
    models_root: str

    def experiment(self, name: str) -> Experiment:
        return _check(self.experiments, name)

    def out_dir(self, name: str) -> str:
        return f"{self.settings.out_root}/{name}"

    def model_dir(self, name: str) -> str:
        return f"{self.models_root}/{self.experiment(name).model}"

    def funnel(self, name: str) -> str:
        return f"{self.settings.funnel_dir}/build_sft-{name}.json"

    def decontamination(self, name: str) -> str:
        return f"{self.settings.decontamination_dir}/build_sft-{name}.json"

    def reads(self, name: str) -> list[str]:
        sources = {dependency_root(source.rows) for e in self.experiments.values() for source in e.data}
        benchmarks = {str(Path(p).parent) for p in self.settings.decontaminate.benchmarks.multipl_e}
        return sorted(sources | benchmarks | {self.model_dir(name)})

    def writes(self, name: str) -> list[str]:
        return [self.out_dir(name), self.funnel(name), self.decontamination(name)]


@dataclass(frozen=True)
class TrainStage:
    """What train@EXPERIMENT reads and writes."""

    experiments: dict[str, Experiment]
    settings: TrainSettings
    sft_root: str

    def experiment(self, name: str) -> Experiment:
        return _check(self.experiments, name)

    def data_dir(self, name: str) -> str:
        return f"{self.sft_root}/{name}"

    def base_dir(self, name: str) -> str:
        return f"{self.settings.models_root}/{self.experiment(name).model}"

    def out_dir(self, name: str) -> str:
        return f"{self.settings.models_root}/{name}"

    def metrics(self, name: str) -> str:
        return f"{self.settings.metrics_dir}/{name}.json"

    def plot(self, name: str) -> str:
        return f"{self.settings.plot_dir}/train-{name}.json"

    def eval_plot(self, name: str) -> str:
        return f"{self.settings.plot_dir}/train-{name}-eval.json"

    def reads(self, name: str) -> list[str]:
        return [self.data_dir(name), self.base_dir(name), self.settings.runtime_manifest]

    def writes(self, name: str) -> list[str]:
        return [self.out_dir(name), self.metrics(name), self.plot(name), self.eval_plot(name)]


@dataclass(frozen=True)
class TrainingParams:
    # Experiments by name (a name is also the trained model's folder, models/NAME, so it must differ from every
    # base model's name). The embedded default declares three small ones; params/gpu.yaml and the experiments
    # issue add the papers' own.
    experiments: dict[str, Experiment] = field(default_factory=dict)
    sft: SFTSettings = field(default_factory=SFTSettings)
    train: TrainSettings = field(default_factory=TrainSettings)

    def __post_init__(self) -> None:
        for name, experiment in self.experiments.items():
            if not name or "/" in name or name.startswith("."):
                raise ParamsError(f"training.experiments: {name!r} is not a usable folder name")
            self.train.recipe(experiment)  # the bounded recipe must validate too

    def sft_stage(self) -> SFTStage:
        return SFTStage(self.experiments, self.sft, self.train.models_root)

    def train_stage(self) -> TrainStage:
        return TrainStage(self.experiments, self.train, self.sft.out_root)
