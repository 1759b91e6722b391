"""The experiments every params file declares resolve: models, experiments, evaluation runs and their references,
the sources' producing stages and dvc.yaml's deps; the GPU preset declares every experiment at paper scale."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from stages.catalog import section_class
from stages.params import build, read_yaml
from stages.presets import merge
from stages.training.config import dependency_root

ROOT = Path(__file__).resolve().parents[2]
FILES = ["params.yaml", *sorted(p.name for p in (ROOT / "params").glob("*.yaml"))]
GRAPH = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def sections(name: str) -> dict:
    data = read_yaml(ROOT / "params.yaml")
    if name != "params.yaml":
        merge(data, read_yaml(ROOT / "params" / name))
    return {key: build(section_class(key), raw, where=key) for key, raw in data.items()}


def produced(s: dict) -> set[str]:
    """Row directories some stage writes under these params."""
    return {
        s["decontaminate"].out_root + "/instructions",
        s["decontaminate"].out_root + "/functions",
        s["lintseq"].out_dir,
        *(f"{s['translate'].shared.out_root}/{lang}/rows" for lang in s["translate"].languages),
        *(f"{s['codem'].out_root}/{lang}" for lang in s["codem"].languages),
    }


@pytest.mark.parametrize("name", FILES)
def test_every_experiment_model_and_run_resolves(name):
    s = sections(name)
    models, experiments, runs = s["model"].models, s["training"].experiments, s["evaluate"].runs
    deps = set(GRAPH["build_sft"]["do"]["deps"])
    for exp, experiment in experiments.items():
        assert experiment.model in models, f"{exp}: base model {experiment.model!r} is not in model.models"
        for source in experiment.data:
            assert source.rows in produced(s), f"{exp}: no stage writes {source.rows} under {name}"
            assert dependency_root(source.rows) in deps, (
                f"{exp}: dvc.yaml build_sft deps lack the root of {source.rows}"
            )
        assert any(Path(r.model).name == exp for r in runs.values()), f"{exp}: no evaluation run scores it"
    for run_name, run in runs.items():
        folder = Path(run.model)
        assert folder.parent == Path(s["model"].root) and (
            folder.name in models or folder.name in experiments
        ), f"{run_name}: {run.model} is neither a base model nor an experiment"
        if run.reference:
            reference = runs[run.reference]
            assert reference.language == run.language, (
                f"{run_name}: reference {run.reference} in another language"
            )
            assert Path(reference.model).name in models or Path(reference.model).name in experiments
    assert set(s["codem"].languages) <= set(s["translate"].languages), "codem_data@LANG reads translate@LANG"


def test_the_embedded_default_declares_the_issue_s_pairs():
    s = sections("params.yaml")
    runs = s["evaluate"].runs
    pairs = {(Path(r.model).name, r.language) for r in runs.values()}
    for exp in ("base", "codem-python", "codem-mixed"):
        assert {(exp, lang) for lang in ("python", "lua", "javascript")} <= pairs
    assert {
        ("multiplt-lua", "lua"),
        ("multiplt-lua", "python"),
        ("lintseq", "python"),
        ("baseline", "python"),
    } <= pairs
    sampled = {name: r for name, r in runs.items() if r.mode != "greedy"}
    assert set(sampled) == {"lintseq-python", "baseline-python"}
    # two samples of 5 problems each: a pass@k curve of two points (k = 1, 2) for the pair
    assert {(r.n, r.limit) for r in sampled.values()} == {(2, 5)}
    for (
        name,
        run,
    ) in runs.items():  # a trained model's run is paired with the base model's (or the baseline's)
        if Path(run.model).name != "base":
            assert run.reference, f"{name}: no reference"


def test_the_gpu_preset_is_the_papers_scale():
    s = sections("gpu.yaml")
    train = s["training"].train
    assert (train.max_steps, train.max_length, train.max_global_batch, train.precision) == (0, 0, 0, "")
    for exp in s["training"].experiments.values():  # recipes resolve with no caps
        assert train.recipe(exp).max_steps == 0
    assert all(r.limit == 0 and not r.problems for r in s["evaluate"].runs.values())
    experiments = set(s["training"].experiments)
    assert {f"multiplt-{lang}" for lang in ("lua", "racket", "ocaml", "r", "julia")} <= experiments
    codem = ("python", "javascript", "typescript", "c", "cpp", "java", "go")
    assert {f"codem-{lang}" for lang in codem} | {"codem-mixed", "lintseq", "baseline"} <= experiments
    matrix = {(Path(r.model).name, r.language) for r in s["evaluate"].runs.values() if r.mode == "greedy"}
    assert {(f"codem-{a}", b) for a in (*codem, "mixed") for b in codem} <= matrix
    assert set(codem) - {"python"} <= set(s["translate"].languages)
