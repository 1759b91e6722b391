"""Every stage in one list: its dvc.yaml name, its params section, its params class and its `run`.

`scripts/stage NAME [ARG]` runs a stage through `stage_main` here; the params loader by section name
(`load_section`, `load_all`), the dvc.yaml check (tests/test_stage_pattern.py) and the README's stage table
(checked there) all read `STAGES`. Targets are "module:attribute" strings (stages/registry.py), imported when
asked for, so `--help` stays instant.

This module names every stage module, so nothing a stage runs may import it (that would close an import cycle
through every stage): only the CLI, the README tools, tests and benchmarks do. Libraries take their checks
from `stages.checks` and load a section with its class through `stages.params`.

A stage owns the section of its own name, except five sections older than this rule; renaming one would move
every key of every params file and preset, so each keeps its name, for this reason:
- `model` (prepare_model@NAME): it declares the models themselves, which other sections name by key.
- `extract` (extract_functions): it configures the extraction (sources, filters, dedup), also read by
  input_manifest for the sources to fingerprint.
- `instructions` (extract_instructions): it configures the instruction dataset, also read by input_manifest for
  a local CodeAlpaca file to fingerprint.
- `benchmark` (build_benchmark): it describes the compiled benchmark (`data/benchmark`) that evaluate scores on.
- `codem` (codem_data@LANG): it names the method (CodeM), as `training`'s experiments name their data recipes.
One section serves two stages: `training` serves build_sft@X and train@X, because an experiment (its base
model, its data recipe, its training recipe) is declared once and both read it, each through its own view
(`sft_stage`, `train_stage`) with its own reads() and writes(). `common`, `llm` and `sandbox` belong to no
stage: every stage may read them through its Context.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from stages.params import DEFAULT_PARAMS, ParamsError, build, read_yaml
from stages.params import load_section as load_as
from stages.records.funnel import Funnel
from stages.registry import Registry
from stages.stage import Context, setup_logging


@dataclass(frozen=True)
class Stage:
    # The dvc.yaml stage (a foreach/matrix stage runs as NAME@KEY) and the module `scripts/stage NAME` runs.
    name: str
    # Its params.yaml section and that section's dataclass ("module:Class").
    section: str
    params: str
    # Its run(params, ctx[, argument]) -> Funnel | list[Funnel] ("module:function").
    run: str
    # One positional command-line argument passed to run after the context (translate@LANG's language).
    argument: str | None = None
    # A method of the section's params that returns this stage's own params, for a shared section.
    view: str | None = None


# In the order data flows (the README's stage table follows it). Targets are literal strings, so the import
# closure (stages/code_deps.py) sees every edge.
STAGES: tuple[Stage, ...] = (
    Stage(
        "prepare_model",
        "model",
        "stages.prepare_model:ModelParams",
        "stages.prepare_model:run",
        argument="name",
    ),
    Stage(
        "input_manifest",
        "input_manifest",
        "stages.input_manifest:ManifestParams",
        "stages.input_manifest:run",
    ),
    Stage(
        "extract_functions",
        "extract",
        "stages.extract_functions:ExtractParams",
        "stages.extract_functions:run",
    ),
    Stage(
        "extract_instructions",
        "instructions",
        "stages.extract_instructions:InstructionParams",
        "stages.extract_instructions:run",
    ),
    Stage(
        "build_benchmark", "benchmark", "stages.build_benchmark:BenchmarkParams", "stages.build_benchmark:run"
    ),
    Stage("decontaminate", "decontaminate", "stages.decontaminate:DecontParams", "stages.decontaminate:run"),
    Stage(
        "generate_tests",
        "generate_tests",
        "stages.generate_tests:GenerateTestsParams",
        "stages.generate_tests:run",
    ),
    Stage(
        "translate",
        "translate",
        "stages.translate:TranslateParams",
        "stages.translate:run",
        argument="language",
    ),
    Stage("lintseq", "lintseq", "stages.lintseq:LintSeqParams", "stages.lintseq:run"),
    Stage(
        "codem_data", "codem", "stages.codem_data:CodemParams", "stages.codem_data:run", argument="language"
    ),
    Stage(
        "build_sft",
        "training",
        "stages.training.config:TrainingParams",
        "stages.build_sft:run",
        argument="experiment",
        view="sft_stage",
    ),
    Stage(
        "train",
        "training",
        "stages.training.config:TrainingParams",
        "stages.train:run",
        argument="experiment",
        view="train_stage",
    ),
    Stage("evaluate", "evaluate", "stages.evaluate:EvaluateParams", "stages.evaluate:run", argument="run"),
    Stage("eval_report", "eval_report", "stages.eval_report:EvalReportParams", "stages.eval_report:run"),
    Stage("report", "report", "stages.report:ReportParams", "stages.report:run"),
)
BY_NAME = {stage.name: stage for stage in STAGES}

# Sections that no stage owns, read through every stage's Context.
SHARED = {
    "common": "stages.common:CommonParams",
    "llm": "stages.llm.config:LLMParams",
    "sandbox": "stages.sandbox.limits:SandboxParams",
}

# section -> its dataclass: the shared ones, then the stages' in their order. An unknown name is a ParamsError.
SECTIONS: Registry[type] = Registry(
    "params section", {**SHARED, **{s.section: s.params for s in STAGES}}, error=ParamsError
)


def section_class(name: str) -> type:
    return SECTIONS.load(name)


def load_section(name: str, path: str | os.PathLike[str] = DEFAULT_PARAMS) -> Any:
    """Section `name` of the params file at `path`, as its registered dataclass."""
    return load_as(name, section_class(name), path)


def load_all(path: str | os.PathLike[str] = DEFAULT_PARAMS) -> dict[str, Any]:
    """Validate every section of a params file; unknown sections fail like unknown keys."""
    data = read_yaml(path)
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ParamsError(
            f"{path}: unknown section(s) {', '.join(unknown)}; known sections: {', '.join(sorted(SECTIONS))}"
        )
    return {name: build(section_class(name), data[name], where=name) for name in data}


def stage_params(stage: Stage, path: str | os.PathLike[str] = DEFAULT_PARAMS) -> Any:
    """The params `stage` runs with: its section (through its view, for a shared one)."""
    section = load_section(stage.section, path)
    return getattr(section, stage.view)() if stage.view else section


def stage_main(name: str, argv: list[str] | None = None) -> None:
    """Run stage `name` as dvc.yaml does: load its params and the shared sections, set up logging, run it,
    write every funnel it returns."""
    if name not in BY_NAME:
        raise SystemExit(f"unknown stage {name!r}; known: {', '.join(BY_NAME)}")
    stage = BY_NAME[name]
    parser = argparse.ArgumentParser(prog=f"scripts/stage {name}")
    if stage.argument:
        parser.add_argument(stage.argument)
    parsed = parser.parse_args([] if argv is None else argv)
    extra = [getattr(parsed, stage.argument)] if stage.argument else []
    setup_logging()
    # Before torch loads: idle OpenMP threads sleep instead of spinning, so torch with 2 threads on a busy
    # 2-core machine does not collapse (measured: spinning made it ~25x slower than 1 thread on small matmuls).
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    run = Registry("stage", {name: stage.run}).load(name)
    funnels = run(stage_params(stage), Context.load(), *extra)
    for funnel in [funnels] if isinstance(funnels, Funnel) else funnels:
        if funnel.path is None:
            raise RuntimeError(f"{name}: run() returned a funnel with no path ({funnel.stage})")
        funnel.write(funnel.path)


if __name__ == "__main__":
    import sys

    stage_main(sys.argv[1], sys.argv[2:])
