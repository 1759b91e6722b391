"""CodeM's own source: Python seed instructions evolved into harder LANG instructions, then answered.

CodeM (Zan et al., 2023) made each language's set by having GPT-3.5 evolve CodeAlpaca's Python seed instructions
into that language (Evol-Instruct's in-depth evolution: one added constraint or requirement) and answer them. Here
the configured model does both steps through the generation layer, greedily, with a seed cap per language. CodeM
did not check its answers; here an answer whose code does not load in LANG's runtime (its definitions run in the
sandbox, with no tests) is dropped as `does_not_load`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stages.checks import check_range
from stages.languages.execute import run_program
from stages.llm import Sampling
from stages.records import Funnel, child_row, read_rows

log = logging.getLogger(__name__)

KIND = "codem_evolved"
TEMPLATE_VERSION = (
    "codem-evolve-1"  # part of every completion's cache key: bump when a prompt's wording changes
)
# Drop reasons (funnel names).
NO_INSTRUCTION = "no_instruction"  # the seed row has no instruction text
EVOLVE_EMPTY = "evolve_empty"  # the evolved instruction is empty or too short to be a task
NO_CODE = "no_code"  # the answer holds no code
DOES_NOT_LOAD = "does_not_load"  # the answer's code fails to load (compile, define) in LANG's runtime

EVOLVE = (
    "Rewrite the programming task below into a slightly harder task to be solved in {language}. Add exactly one "
    "new constraint or requirement, keep it self-contained and solvable by one {language} function, and give the "
    "function's name. Reply with the new task only, without any code.\n\nTask:\n{instruction}"
)
ANSWER = (
    "{instruction}\n\nWrite the solution as one complete {language} file in a single ```{fence} code block."
)
MIN_INSTRUCTION_CHARS = 20


@dataclass(frozen=True)
class EvolveParams:
    # The model that evolves and answers (prepare_model's folder; dvc.yaml lists it as codem_data's dep).
    model_dir: str = "models/base"
    # The Python seed instructions (extract_instructions' rows, decontaminated).
    seeds_dir: str = "data/clean/instructions"
    # Seeds evolved per language: the first by row id (a stable choice when rows are added elsewhere).
    max_seeds: int = 4
    # Greedy, as the data is one answer per instruction. Evolved instructions are short; answers are whole files.
    instruction_tokens: int = 96
    answer_tokens: int = 256

    def __post_init__(self) -> None:
        check_range("codem.evolve.max_seeds", self.max_seeds, 1)
        check_range("codem.evolve.instruction_tokens", self.instruction_tokens, 1)
        check_range("codem.evolve.answer_tokens", self.answer_tokens, 1)


def seeds(params: EvolveParams) -> list[dict[str, Any]]:
    rows = sorted(read_rows(params.seeds_dir), key=lambda row: str(row["id"]))
    return rows[: params.max_seeds]


def evolved_rows(
    params: EvolveParams,
    language: str,
    display: str,
    generator: Any,
    executor: Any,
    sandbox: Any,
    funnel: Funnel,
    stage: str,
) -> Iterator[dict[str, Any]]:
    """Evolve each seed into a LANG task, answer it, keep the answers whose code loads; every drop counted."""
    kept = []
    for row in seeds(params):
        funnel.seen()
        if str(row.get("instruction") or "").strip():
            kept.append(row)
        else:
            funnel.drop(NO_INSTRUCTION, row["id"])
    tasks = [EVOLVE.format(language=display, instruction=str(row["instruction"]).strip()) for row in kept]
    said = generator.generate(
        tasks, 1, greedy(params.instruction_tokens), chat=True, template_version=TEMPLATE_VERSION
    )
    evolved = [(row, reply[0].text.strip()) for row, reply in zip(kept, said, strict=True)]
    for row, text in evolved:
        if len(text) < MIN_INSTRUCTION_CHARS:
            funnel.drop(EVOLVE_EMPTY, row["id"])
    evolved = [(row, text) for row, text in evolved if len(text) >= MIN_INSTRUCTION_CHARS]
    asks = [ANSWER.format(instruction=text, language=display, fence=language) for _, text in evolved]
    answers = generator.generate(
        asks, 1, greedy(params.answer_tokens), chat=True, template_version=TEMPLATE_VERSION
    )
    coded = []
    for (row, text), reply in zip(evolved, answers, strict=True):
        code = reply[0].text.strip()
        if code:
            coded.append((row, text, code + "\n"))
        else:
            funnel.drop(NO_CODE, row["id"])
    run = functools.partial(run_program, sandbox=dataclasses.asdict(sandbox))
    verdicts = executor.map(run, [{"language": language, "program": code} for *_, code in coded])
    for (row, text, code), verdict in zip(coded, verdicts, strict=True):
        if verdict["status"] != "OK":
            funnel.drop(DOES_NOT_LOAD, row["id"])
            continue
        funnel.kept()
        payload = {"instruction": text, "input": "", "output": code, "language": language, "kind": KIND}
        yield child_row(row, payload, stage=stage)


def greedy(max_tokens: int) -> Sampling:
    return Sampling(temperature=0.0, top_p=1.0, max_tokens=max_tokens, seed=0)
