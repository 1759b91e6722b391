"""The `polyforge` command: inspect what the pipeline made.

polyforge funnel              every stage's rows in / out / dropped per reason
polyforge lineage ID          walk a row back through its parents to its source
polyforge lineage RUN         an evaluation run -> its model -> the dataset and sources that trained it
polyforge decontamination     every decontamination report, merged
polyforge params [FILE]       validate a params file (every section) and print it resolved
polyforge show PATH [-n N]    print rows of a stage output (shard dir or file) as JSON lines
polyforge preset FILE         merge a preset (e.g. params/gpu.yaml) into params.yaml, validated first
polyforge eval                every evaluation run's pass@k as a table (reports/eval/*.json)
polyforge eval --score DIR    score MultiPL-E completion files made elsewhere (results written beside them)
polyforge export multipl-e RUN DIR   an evaluation run as MultiPL-E's <name>.json.gz / .results.json.gz files
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path


def _funnel(args: argparse.Namespace) -> int:
    from stages.records.funnel import format_funnels, read_funnels

    print(format_funnels(read_funnels(args.dir)))
    return 0


def _lineage(args: argparse.Namespace) -> int:
    """A row (any stage's, a training example's) walked to its source file; an evaluation run, or one of its
    rows, traced to the model it scored and the data that trained that model."""
    from stages.experiments.lineage import run_of_row
    from stages.records.lineage import format_chain, walk

    if (Path(args.eval) / f"{args.id}.json").is_file():
        print(_trace_run(args.id, args))
        return 0
    try:
        chain = walk(args.id, args.data)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    print(format_chain(chain))
    run = run_of_row(chain[0][1])
    if run and (Path(args.eval) / f"{run}.json").is_file():
        print(_trace_run(run, args))
    return 0


def _trace_run(run: str, args: argparse.Namespace) -> str:
    from stages.catalog import load_section
    from stages.experiments.lineage import trace_run

    training = load_section("training", args.params)
    model = Path(json.loads((Path(args.eval) / f"{run}.json").read_text()).get("model", "")).name
    experiment = training.experiments.get(model)
    sources = [dataclasses.asdict(s) for s in experiment.data] if experiment else None
    return trace_run(run, args.eval, training.sft.out_root, sources, args.data)


def _decontamination(args: argparse.Namespace) -> int:
    from stages.decont.report import format_reports

    print(format_reports(args.dir))
    return 0


def _params(args: argparse.Namespace) -> int:
    from stages.catalog import load_all
    from stages.params import ParamsError

    try:
        sections = load_all(args.file)
    except ParamsError as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 1
    resolved = {name: dataclasses.asdict(value) for name, value in sections.items()}
    print(json.dumps(resolved, indent=2, default=dict))
    return 0


def _show(args: argparse.Namespace) -> int:
    from itertools import islice

    from stages.records.io import read_rows

    shown = 0
    for row in islice(read_rows(args.path), args.n):
        print(json.dumps(row, ensure_ascii=False))
        shown += 1
    if not shown:  # an empty output (a small model may keep no translation) is worth saying, not silence
        print(f"{args.path}: no rows", file=sys.stderr)
    return 0


def _preset(args: argparse.Namespace) -> int:
    from stages.params import ParamsError
    from stages.presets import apply_preset

    try:
        keys = apply_preset(args.file, args.params)
    except ParamsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{args.params}: set {len(keys)} key(s) from {args.file}: {', '.join(keys)}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from stages.evaluation.summary import table
    from stages.params import ParamsError, build

    if args.score:
        from stages.evaluation.multipl_e import CompletionFileError, score_dir
        from stages.evaluation.summary import summarise
        from stages.params import read_yaml
        from stages.sandbox import SandboxParams

        try:
            # the sandbox settings of the params file when there is one, else the defaults
            sandbox = read_yaml(args.params).get("sandbox", {}) if Path(args.params).exists() else {}
            rows = score_dir(Path(args.score), dataclasses.asdict(build(SandboxParams, sandbox, "sandbox")))
        except (CompletionFileError, ParamsError) as exc:
            print(exc, file=sys.stderr)
            return 1
        n = min((v["n"] for v in summarise(rows)["per_problem"].values()), default=0)
        print(table([{"run": args.score, "n": n, **summarise(rows)}]))
        return 0
    from stages.experiments.runs import read_runs

    metrics = [r.metrics for r in read_runs(args.dir)]
    if not metrics:
        print(f"{args.dir}: no evaluation metrics (run `dvc repro evaluate`)", file=sys.stderr)
        return 1
    print(table(metrics))
    return 0


def _export(args: argparse.Namespace) -> int:
    from stages.catalog import load_section
    from stages.evaluate import EvaluateParams
    from stages.evaluation.modes import MODES
    from stages.evaluation.multipl_e import CompletionFileError, export
    from stages.params import ParamsError
    from stages.records.io import read_jsonl, read_rows

    try:
        params: EvaluateParams = load_section("evaluate", args.params)
        run = params.run(args.run)
    except ParamsError as exc:
        print(exc, file=sys.stderr)
        return 1
    rows_dir = Path(params.out_root) / args.run
    if not rows_dir.exists():
        print(f"{rows_dir}: no rows (run `dvc repro evaluate@{args.run}` first)", file=sys.stderr)
        return 1
    mode = MODES[run.mode]
    settings = {
        "temperature": mode.temperature,
        "top_p": mode.top_p,
        "max_tokens": run.max_tokens or mode.max_tokens,
    }
    problems = {p["name"]: p for p in read_jsonl(params.benchmark_file(args.run))}
    try:
        written = export(list(read_rows(rows_dir)), problems, settings, Path(args.dir))
    except CompletionFileError as exc:
        print(f"{args.run}: {exc}", file=sys.stderr)
        return 1
    print(f"{args.dir}: {written} problems in MultiPL-E's format")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="polyforge", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("funnel", help="print every stage's funnel")
    p.add_argument("--dir", default="reports/funnel")
    p.set_defaults(func=_funnel)

    p = sub.add_parser("lineage", help="walk a row back to its source; trace an evaluation run to its data")
    p.add_argument(
        "id", help="a row id (any stage's, a training example's, an evaluation row's) or a run name"
    )
    p.add_argument("--data", default="data")
    p.add_argument("--eval", default="reports/eval", help="the evaluation runs' metrics")
    p.add_argument("--params", default="params.yaml")
    p.set_defaults(func=_lineage)

    p = sub.add_parser("decontamination", help="print all decontamination reports merged")
    p.add_argument("--dir", default="reports/decontamination")
    p.set_defaults(func=_decontamination)

    p = sub.add_parser("params", help="validate a params file")
    p.add_argument("file", nargs="?", default="params.yaml")
    p.set_defaults(func=_params)

    p = sub.add_parser("show", help="print rows as JSON lines")
    p.add_argument("path")
    p.add_argument("-n", type=int, default=10, help="rows to print (default 10)")
    p.set_defaults(func=_show)

    p = sub.add_parser("preset", help="merge a preset into params.yaml")
    p.add_argument("file")
    p.add_argument("--params", default="params.yaml")
    p.set_defaults(func=_preset)

    p = sub.add_parser("eval", help="print every evaluation run, or score MultiPL-E files made elsewhere")
    p.add_argument("--dir", default="reports/eval")
    p.add_argument("--score", metavar="DIR", help="a folder of MultiPL-E <name>.json.gz completion files")
    p.add_argument("--params", default="params.yaml", help="whose sandbox section runs --score")
    p.set_defaults(func=_eval)

    p = sub.add_parser("export", help="write an evaluation run in another tool's format")
    p.add_argument("format", choices=["multipl-e"])
    p.add_argument("run", help="an evaluate.runs name")
    p.add_argument("dir")
    p.add_argument("--params", default="params.yaml")
    p.set_defaults(func=_export)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
