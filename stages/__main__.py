"""The `polyforge` command: inspect what the pipeline made.

polyforge funnel              every stage's rows in / out / dropped per reason
polyforge lineage ID          walk a row back through its parents to its source
polyforge decontamination     every decontamination report, merged
polyforge params [FILE]       validate a params file (every section) and print it resolved
polyforge show PATH [-n N]    print rows of a stage output (shard dir or file) as JSON lines
polyforge preset FILE         merge a preset (e.g. params/gpu.yaml) into params.yaml, validated first
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys


def _funnel(args: argparse.Namespace) -> int:
    from stages.records.funnel import format_funnels, read_funnels

    print(format_funnels(read_funnels(args.dir)))
    return 0


def _lineage(args: argparse.Namespace) -> int:
    from stages.records.lineage import format_chain, walk

    try:
        chain = walk(args.id, args.data)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    print(format_chain(chain))
    return 0


def _decontamination(args: argparse.Namespace) -> int:
    from stages.decont.report import format_reports

    print(format_reports(args.dir))
    return 0


def _params(args: argparse.Namespace) -> int:
    from stages.params import ParamsError, load_all

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="polyforge", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("funnel", help="print every stage's funnel")
    p.add_argument("--dir", default="reports/funnel")
    p.set_defaults(func=_funnel)

    p = sub.add_parser("lineage", help="walk a row back to its source")
    p.add_argument("id")
    p.add_argument("--data", default="data")
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

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
