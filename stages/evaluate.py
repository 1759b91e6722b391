"""Stage `evaluate@RUN`: score one model in one language on the compiled benchmark, as MultiPL-E scores it.

A run (an entry of `evaluate.runs`) names a model, a language, a sampling mode, a prompt format and a problem
subset. Completions come from the generation layer (cached: a killed evaluation resumes with every finished
completion kept), or from a folder of MultiPL-E completion files made elsewhere (`source: completions`, scored
only). Each program runs in the sandbox with its language's limits; results are cached by program text.

Outputs: `data/eval/RUN/` (one row per completion: problem, completion, program, status, exit code, the start
of stdout/stderr, tokens generated; no timings or paths) and `reports/eval/RUN.json` (pass@k for every k the n
allows with a bootstrap 95% interval over problems, counts per status, mean tokens per completion, the model's
identity, the benchmark's hash, and the run's timings). `polyforge eval` prints every run as a table; the
report stage draws them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.checks import ParamsError, check_choice, check_range
from stages.common import code_version
from stages.evaluation.modes import MODES
from stages.evaluation.prompts import FORMATS, TEMPLATES, UNDECODABLE
from stages.records import Funnel, child_row, write_rows
from stages.records.io import read_jsonl, sha256_file, write_json
from stages.stage import Context

log = logging.getLogger(__name__)
STAGE = "evaluate"
SOURCES = ("model", "endpoint", "completions")
RUN_NAME = re.compile(r"[A-Za-z0-9_-]+")
WEIGHT_FILES = ("*.safetensors", "*.bin", "*.gguf")


class EvaluationError(RuntimeError):
    """A run that cannot be scored as configured: the message names the run and the thing at fault."""


@dataclass(frozen=True)
class EvalRun:
    # A model folder (models/NAME, with identity.json) for `source: model` and `endpoint`; a folder of MultiPL-E
    # `<name>.json.gz` completion files for `source: completions`. DVC tracks it as the run's dependency.
    model: str
    # The benchmark language: data/benchmark/<language>.jsonl.
    language: str
    # model: generate with the llm section's backend (hf, vllm); endpoint: an OpenAI-compatible server
    # (llm.openai: `vllm serve models/NAME` serves the folder under its path); completions: score files only.
    source: str = "model"
    # A sampling preset: pass@1 (n=20, T=0.2), greedy (n=1, T=0), pass@10 / pass@100 (n=200, T=0.8).
    mode: str = "greedy"
    # completion (MultiPL-E), instruction (CodeM: Alpaca pre-filled with the signature, or the chat template)
    # or edit_sequence (LintSeq: instruction + "\n<|diff|>", decoded by stages.editseq.apply_edits).
    format: str = "completion"
    template: str = "alpaca"  # for `instruction`: alpaca | chat
    # The problems: the first `limit` of the benchmark file (0 = all), or the `problems` named.
    limit: int = 0
    problems: tuple[str, ...] = ()
    # Overrides of the mode (0 = the mode's): completions per problem, new tokens per completion.
    n: int = 0
    max_tokens: int = 0
    # Another run (the base model, same language and problems) the report compares this one with, paired by
    # problem.
    reference: str = ""

    def __post_init__(self) -> None:
        from stages import languages

        check_choice("evaluate.runs.language", self.language, languages.names())
        check_choice("evaluate.runs.source", self.source, SOURCES)
        check_choice("evaluate.runs.mode", self.mode, MODES)
        check_choice("evaluate.runs.format", self.format, FORMATS)
        check_choice("evaluate.runs.template", self.template, TEMPLATES)
        check_range("evaluate.runs.limit", self.limit, 0)
        check_range("evaluate.runs.n", self.n, 0)
        check_range("evaluate.runs.max_tokens", self.max_tokens, 0)


@dataclass(frozen=True)
class EvaluateParams:
    # name -> run; `dvc repro evaluate@NAME` runs one. Names are [A-Za-z0-9_-].
    runs: dict[str, EvalRun] = field(default_factory=dict)
    # The compiled benchmark (build_benchmark): one <language>.jsonl per language.
    benchmark_dir: str = "data/benchmark"
    # Seed of the samplers and of the bootstrap.
    seed: int = 0
    # The runtime manifest (input_manifest): the generating software's versions decide the completions.
    runtime_manifest: str = "data/manifest/runtime.json"
    # Rows per run (out_root/RUN) and metrics per run (metrics_root/RUN.json).
    out_root: str = "data/eval"
    metrics_root: str = "reports/eval"

    def __post_init__(self) -> None:
        for name, run in self.runs.items():
            if not RUN_NAME.fullmatch(name):
                raise ParamsError(
                    f"evaluate.runs: run name {name!r} may hold only letters, digits, '_' and '-'"
                )
            if run.reference and run.reference not in self.runs:
                raise ParamsError(
                    f"evaluate.runs.{name}.reference: {run.reference!r} is not a run "
                    f"(runs: {', '.join(sorted(self.runs))})"
                )

    def run(self, name: str) -> EvalRun:
        if name not in self.runs:
            known = ", ".join(sorted(self.runs)) or "none"
            raise ParamsError(f"evaluate: no run named {name!r} in evaluate.runs (runs: {known})")
        return self.runs[name]

    def benchmark_file(self, name: str) -> str:
        return f"{self.benchmark_dir}/{self.run(name).language}.jsonl"

    def reads(self, name: str) -> list[str]:
        return [self.run(name).model, self.benchmark_file(name), self.runtime_manifest]

    def writes(self, name: str) -> list[str]:
        return [f"{self.out_root}/{name}", f"{self.metrics_root}/{name}.json"]


def select_problems(rows: list[dict[str, Any]], run: EvalRun, where: str) -> list[dict[str, Any]]:
    if run.problems:
        by_name = {row["name"]: row for row in rows}
        unknown = [p for p in run.problems if p not in by_name]
        if unknown:
            raise EvaluationError(f"{where}: problems not in the benchmark: {', '.join(unknown)}")
        return [by_name[p] for p in run.problems]
    return rows[: run.limit] if run.limit else rows


def check_model_dir(path: str, where: str) -> None:
    folder = Path(path)
    if not folder.is_dir():
        raise EvaluationError(
            f"{where}: model folder {path} does not exist (prepare_model or train makes it)"
        )
    if not any(any(folder.glob(pattern)) for pattern in WEIGHT_FILES):
        raise EvaluationError(
            f"{where}: model folder {path} holds no weights ({', '.join(WEIGHT_FILES)}); "
            "prepare_model or train writes them"
        )


def generated(
    problems: list[dict[str, Any]], run: EvalRun, params: EvaluateParams, ctx: Context, where: str
) -> tuple[list[list[dict[str, Any]]], dict[str, Any]]:
    """Per problem, its completions as {text, tokens, finish_reason}; and the model's identity."""
    from stages.evaluation import prompts
    from stages.llm import make_generator

    mode = MODES[run.mode]
    sampling = dataclasses.replace(mode.sampling(params.seed), max_tokens=run.max_tokens or mode.max_tokens)
    llm = dataclasses.replace(ctx.llm, backend="openai") if run.source == "endpoint" else ctx.llm
    if run.source == "model":
        check_model_dir(run.model, where)
    built = [prompts.make_prompt(p, run.language, run.format, run.template) for p in problems]
    out: list[list[dict[str, Any]]] = [[] for _ in problems]
    with make_generator(llm, run.model, ctx.common.cache_path("completions")) as gen:
        # Prompts differ in chat flag and stop strings only between formats, so one call per distinct pair.
        groups: dict[tuple[bool, tuple[str, ...]], list[int]] = {}
        for i, prompt in enumerate(built):
            groups.setdefault((prompt.chat, prompt.stop), []).append(i)
        for (chat, stop), indices in groups.items():
            results = gen.generate(
                [built[i].text for i in indices],
                run.n or mode.n,
                sampling,
                stop=stop,
                chat=chat,
                template_version=prompts.TEMPLATE_VERSION,
            )
            for i, completions in zip(indices, results, strict=True):
                out[i] = [
                    {"text": c.text, "tokens": c.tokens, "finish_reason": c.finish_reason}
                    for c in completions
                ]
        identity = {"identity": gen.identity, "key": gen.model_key, "stats": gen.stats.as_dict()}
    return out, identity


def scored_completions(
    problems: list[dict[str, Any]], known: set[str], run: EvalRun, where: str
) -> tuple[list[list[dict[str, Any]]], dict[str, Any]]:
    """Completions read from a folder of MultiPL-E files, for the selected problems that have one. A file for a
    problem the benchmark does not hold means the files were made for another benchmark: an error."""
    from stages.evaluation.multipl_e import completion_files, read_completions

    files = {path.name.removesuffix(".json.gz"): path for path in completion_files(Path(run.model))}
    foreign = sorted(set(files) - known)
    if foreign:
        raise EvaluationError(
            f"{where}: completion files for problems not in the benchmark: {', '.join(foreign)}"
        )
    selected = {p["name"] for p in problems}
    out = []
    for problem in problems:
        data = read_completions(files[problem["name"]]) if problem["name"] in files else {"completions": []}
        out.append([{"text": c, "tokens": 0, "finish_reason": "unknown"} for c in data["completions"]])
    missing = sorted(selected - set(files))
    return out, {"identity": {"completions": run.model}, "problems_without_completions": missing}


def skipped_model(evaluation: EvalRun) -> str | None:
    """The reason train@ gave when it made no model (its identity.json says `skipped`), else None."""
    from stages.llm.identity import IDENTITY_FILE

    identity = Path(evaluation.model) / IDENTITY_FILE
    if evaluation.source == "completions" or not identity.exists():
        return None
    reason = json.loads(identity.read_text()).get("skipped")
    return str(reason) if reason else None


def run_settings(name: str, evaluation: EvalRun) -> dict[str, Any]:
    mode = MODES[evaluation.mode]
    return {
        "run": name,
        "model": evaluation.model,
        "source": evaluation.source,
        "language": evaluation.language,
        "mode": evaluation.mode,
        "format": evaluation.format,
        "template": evaluation.template if evaluation.format == "instruction" else None,
        "n": evaluation.n or mode.n,
        "temperature": mode.temperature,
        "top_p": mode.top_p,
        "max_tokens": evaluation.max_tokens or mode.max_tokens,
        "reference": evaluation.reference or None,
    }


def run(params: EvaluateParams, ctx: Context, name: str) -> list[Funnel]:
    """Score run `name`; its metrics are the stage's report (it drops nothing, so it has no funnel)."""
    from stages.evaluation import prompts
    from stages.evaluation.summary import summarise
    from stages.executors import make_executor
    from stages.languages.execute import run_program

    evaluation = params.run(name)
    where = f"evaluate@{name}"
    benchmark = params.benchmark_file(name)
    if not Path(benchmark).exists():
        raise EvaluationError(
            f"{where}: benchmark file {benchmark} does not exist (build_benchmark writes it)"
        )
    every = list(read_jsonl(benchmark))
    problems = select_problems(every, evaluation, where)

    skipped = skipped_model(evaluation)
    if skipped:  # train@ found no data for this experiment: a stated "no data", not an error
        write_rows(f"{params.out_root}/{name}", [], ctx.common.shard_rows)
        write_json(
            f"{params.metrics_root}/{name}.json",
            {**run_settings(name, evaluation), "skipped": skipped, "problems": 0, "pass": {}, "statuses": {}},
        )
        log.warning("%s: skipped: %s", where, skipped)
        return []

    started = time.perf_counter()
    if evaluation.source == "completions":
        answers, model = scored_completions(problems, {p["name"] for p in every}, evaluation, where)
    else:
        answers, model = generated(problems, evaluation, params, ctx, where)
    generation_s = time.perf_counter() - started

    # Every (problem, completion) pair, with its program (None: an edit sequence that decodes to nothing).
    pairs = [
        (
            problem,
            index,
            answer,
            prompts.program(problem, evaluation.format, evaluation.template, answer["text"]),
        )
        for problem, answered in zip(problems, answers, strict=True)
        for index, answer in enumerate(answered)
    ]
    items = [{"language": evaluation.language, "program": p} for *_, p in pairs if p is not None]
    started = time.perf_counter()
    with make_executor(ctx.common) as executor:
        runner = functools.partial(run_program, sandbox=dataclasses.asdict(ctx.sandbox))
        cache = f"evaluate-{code_version('stages.evaluate')}"
        results = iter(list(executor.map(runner, items, cache=cache)))
    execution_s = time.perf_counter() - started

    rows, walls = [], []
    for problem, index, answer, program in pairs:
        result = next(results) if program is not None else None
        if result is not None:
            walls.append(result["wall_s"])
        payload = {
            "run": name,
            "problem": problem["name"],
            "language": evaluation.language,
            "index": index,
            "completion": answer["text"],
            "program": program,
            "status": result["status"] if result else UNDECODABLE,
            "exit_code": result["exit_code"] if result else None,
            "stdout": result["stdout"] if result else "",
            "stderr": result["stderr"] if result else "",
            "tokens": answer["tokens"],
            "finish_reason": answer["finish_reason"],
        }
        rows.append(child_row(problem, payload, stage=STAGE))
    write_rows(f"{params.out_root}/{name}", rows, ctx.common.shard_rows)

    metrics = {
        **run_settings(name, evaluation),
        **summarise(rows, seed=params.seed),
        "model_identity": model,
        "benchmark": {"file": benchmark, "sha256": sha256_file(benchmark)},
        "seconds": {
            "generation": round(generation_s, 2),
            "execution": round(execution_s, 2),
            "programs_per_s": round(len(items) / execution_s, 2) if execution_s > 0 else None,
            "mean_program_wall_s": round(sum(walls) / len(walls), 4) if walls else None,
        },
    }
    write_json(f"{params.metrics_root}/{name}.json", metrics)
    first = metrics["pass"].get("pass@1", {})
    log.info(
        "%s: %s on %d %s problems: pass@1 %.3f [%.3f, %.3f]; statuses %s",
        where,
        evaluation.model,
        metrics["problems"],
        evaluation.language,
        first.get("estimate", float("nan")),
        first.get("low", float("nan")),
        first.get("high", float("nan")),
        metrics["statuses"],
    )
    return []
