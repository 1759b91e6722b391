"""MultiPL-E's own per-problem files, so our runs can be read by its tools and its runs scored by ours.

- `<name>.json.gz`: name, language (MultiPL-E's short name), temperature, top_p, max_tokens, prompt, tests,
  completions[], stop_tokens.
- `<name>.results.json.gz`: the same plus results[], each {program, stdout, stderr, exit_code, status,
  timestamp}. We do not keep timestamps (rows stay byte-reproducible): exported results carry 0.

`score_dir` is MultiPL-E's evaluator on such a folder: program = the file's own prompt + completion + "\\n" +
its own tests, results written beside as `<name>.results.json.gz` (files that already have results are read, not
rerun), pass@k per problem as `pass_k.py` computes it.

`pass_k.py` reports pass@1 for files at temperature 0.2, pass@10 and pass@100 at 0.8, and raises on any other
temperature. A greedy run (temperature 0) is exported with temperature 0.2, the value under which `pass_k.py`
reports pass@1 (for n = 1 its estimator is the fraction solved, which is greedy's pass@1), and its real decoding
in `polyforge_decoding`; any other temperature is refused.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

COMPLETION_FIELDS = (
    "name",
    "language",
    "temperature",
    "top_p",
    "max_tokens",
    "prompt",
    "tests",
    "stop_tokens",
)
RESULT_FIELDS = ("program", "stdout", "stderr", "exit_code", "status")


class CompletionFileError(ValueError):
    """A MultiPL-E file that cannot be scored: the message names the file and what is wrong."""


def language_for(short: str) -> str:
    """Our language name for MultiPL-E's short name ("rkt" -> "racket")."""
    from stages import languages

    for name in languages.names():
        if languages.REGISTRY.load(name).multipl_e_name == short or name == short:
            return name
    raise CompletionFileError(f"unknown language {short!r} (known: {', '.join(languages.names())})")


def read_gz(path: Path) -> dict[str, Any]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CompletionFileError(f"{path}: not a gzipped JSON file ({exc})") from exc
    if not isinstance(data, dict):
        raise CompletionFileError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def write_gz(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    # mtime=0: the same content gives the same bytes
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
        f.write(json.dumps(data, indent=2, ensure_ascii=False).encode())
    tmp.replace(path)


def require(data: Mapping[str, Any], fields: Iterable[str], where: str) -> None:
    missing = [f for f in fields if f not in data]
    if missing:
        raise CompletionFileError(f"{where}: missing field(s) {', '.join(missing)}")


def completion_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise CompletionFileError(f"{directory}: not a directory of MultiPL-E completion files")
    found = sorted(p for p in directory.glob("*.json.gz") if not p.name.endswith(".results.json.gz"))
    if not found:
        raise CompletionFileError(f"{directory}: no <name>.json.gz completion files")
    return found


def read_completions(path: Path) -> dict[str, Any]:
    data = read_gz(path)
    require(data, ("name", "language", "prompt", "tests", "completions"), str(path))
    if not isinstance(data["completions"], list) or not all(isinstance(c, str) for c in data["completions"]):
        raise CompletionFileError(f"{path}: `completions` must be a list of strings")
    return data


# temperature -> the temperature `pass_k.py` accepts for it (the k it reports: 0.2 -> pass@1, 0.8 -> 10 and 100)
PASS_K_TEMPERATURE = {0.0: 0.2, 0.2: 0.2, 0.8: 0.8}


def pass_k_temperature(temperature: float) -> float:
    """The temperature an exported file states, so that MultiPL-E's `pass_k.py` reads it."""
    if float(temperature) not in PASS_K_TEMPERATURE:
        raise CompletionFileError(
            f"temperature {temperature}: MultiPL-E's pass_k.py reads only 0.2 (pass@1) and 0.8 (pass@10, "
            "pass@100) runs; export a run of mode greedy, pass@1, pass@10 or pass@100, or score this one with "
            "`polyforge eval`"
        )
    return PASS_K_TEMPERATURE[float(temperature)]


def export(
    rows: list[Mapping[str, Any]],
    problems: Mapping[str, Mapping[str, Any]],
    run: Mapping[str, Any],
    out: Path,
) -> int:
    """Write one pair of files per problem from a run's rows (in completion order). Returns the problem count."""
    temperature = pass_k_temperature(run["temperature"])
    out.mkdir(parents=True, exist_ok=True)
    by_problem: dict[str, list[Mapping[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["problem"], r["index"])):
        by_problem.setdefault(row["problem"], []).append(row)
    for name, group in by_problem.items():
        problem = problems[name]
        base = {
            "name": name,
            "language": problem["language"],
            "temperature": temperature,
            "top_p": run["top_p"],
            "max_tokens": run["max_tokens"],
            "prompt": problem["prompt"],
            "tests": problem["tests"],
            "completions": [r["completion"] for r in group],
            "stop_tokens": list(problem["stop_tokens"]),
        }
        if temperature != run["temperature"]:
            base["polyforge_decoding"] = {"temperature": run["temperature"], "top_p": run["top_p"]}
        results = [
            {**{f: r[f] for f in RESULT_FIELDS}, "program": r["program"] or "", "timestamp": 0} for r in group
        ]
        write_gz(out / f"{name}.json.gz", base)
        write_gz(out / f"{name}.results.json.gz", {**base, "results": results})
    return len(by_problem)


def score_dir(directory: Path, sandbox: Mapping[str, Any], workers: int = 0) -> list[dict[str, Any]]:
    """Score every completion file of `directory` as MultiPL-E's evaluator does; rows as the stage writes them."""
    from stages.evaluation.prompts import program
    from stages.languages.execute import run_program

    rows: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=workers or None) as pool:
        for path in completion_files(directory):
            data = read_completions(path)
            results_path = path.with_name(path.name.removesuffix(".json.gz") + ".results.json.gz")
            if results_path.exists():  # scored before: read, not rerun
                scored = read_gz(results_path)
                require(scored, ("results",), str(results_path))
                results = scored["results"]
            else:
                language = language_for(data["language"])
                programs = [program(data, "completion", "alpaca", c) for c in data["completions"]]
                items = [{"language": language, "program": p} for p in programs]
                verdicts = pool.map(lambda item: run_program(item, dict(sandbox)), items)
                results = [
                    {**{k: v[k] for k in RESULT_FIELDS if k != "program"}, "program": p, "timestamp": 0}
                    for p, v in zip(programs, verdicts, strict=True)
                ]
                write_gz(results_path, {**data, "results": results})
            rows += [
                {"problem": data["name"], "index": i, "status": r["status"], "tokens": 0}
                for i, r in enumerate(results)
            ]
    return rows
