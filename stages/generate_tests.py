"""Stage `generate_tests`: MultiPL-T step 1. The model writes `assert` tests for each clean function; each assert
runs on its own in the sandbox; functions with no passing assert, or whose passing asserts cover less than
`coverage_min` percent of their own lines, or kill less than `mutation_min` of the function's mutants
(stages/testgen/mutation.py), are dropped; so are functions whose body returns a constant (`trivial`, before
the model is asked: nothing to test), and suites too small for a score to mean anything (fewer than
`min_asserts` distinct passing asserts, or fewer than `min_mutants` mutants left to count).

Coverage deviates from MultiPL-T on purpose: MultiPL-T measured the whole file (function plus asserts, so the
asserts' own lines inflated the figure); we measure the function's own executable lines only.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from stages.checks import check_choice, check_range
from stages.common import code_version
from stages.llm import Sampling
from stages.records import Funnel, child_row, read_rows, write_rows
from stages.records.io import write_json
from stages.stage import Context
from stages.testgen.asserts import parse_asserts
from stages.testgen.check import check_function, prelude_of
from stages.testgen.mutants import returns_constant
from stages.testgen.prompt import completion_text, prompt_for

log = logging.getLogger(__name__)
STAGE = "generate_tests"


@dataclass(frozen=True)
class GenerateTestsParams:
    # Clean functions to write tests for (decontaminate's output) and where tested functions go.
    input_dir: str = "data/clean/functions"
    out_dir: str = "data/tested"
    # The prepared base model (prepare_model's output).
    model_dir: str = "models/base"
    # At most this many functions get tests (0: all), picked by `select`: "shortest" (fewest lines first: a
    # small model tests short functions best), or "first" (input order, i.e. by source file).
    max_functions: int = 0
    select: str = "shortest"
    # At most this many functions from one source file (0: no bound), so a small selection is not one module's
    # helpers (the shortest stdlib functions are all in operator.py).
    max_per_file: int = 2
    # Completions per function (MultiPL-T: 5).
    n: int = 5
    # MultiPL-T: temperature 0.2, top_p 0.95, 512 tokens.
    sampling: Sampling = field(default_factory=lambda: Sampling(temperature=0.2, top_p=0.95, max_tokens=512))
    # Prompt the model raw (MultiPL-T's completion prompt ending in `assert NAME(`) or through its chat template
    # (for chat-only models).
    chat: bool = False
    # Generation stops at any of these (raw prompts; the asserts end before the next definition or prose).
    stop: tuple[str, ...] = ("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n```")
    # Wall-clock seconds for one assert (MultiPL-T gave each 30 s; the asserts of small functions take ms).
    assert_wall_s: float = 5.0
    # Keep functions whose passing asserts cover at least this percent of their own lines (MultiPL-T: 90).
    coverage_min: float = 90.0
    # Keep functions whose passing asserts kill at least this fraction of the function's mutants, those
    # presumed equivalent left out (stages/testgen/mutation.py; not in MultiPL-T, which stops at coverage).
    # 0 keeps every function and still records the score. Default from the embedded run (README, "Test
    # generation"): of its 7 functions with passing asserts, the 3 scoring 0.6-0.87 each left a non-equivalent
    # mutant alive, and a translation kept by those asserts was wrong there (a Lua `_is_leap` at 0.87 fails
    # 1900; an R `three_way_cmp` at 0.67 returns 1 for (1, 1)); 0.9 drops all three.
    mutation_min: float = 0.9
    # A score counts only over at least this many distinct passing asserts (else `few_asserts`). 2 is the
    # fewest that can tell a function from a constant: the embedded run kept `neg` on `neg(1) == -1` alone,
    # which `return -1`, `return -abs(a)` and `return a - 2` all pass.
    min_asserts: int = 2
    # ... and over at least this many mutants not presumed equivalent (killed + survived; else `few_mutants`).
    # With 1-2 mutants (the embedded run's `neg`, `iselement`) a score is 0, 0.5 or 1: one lucky kill reads as
    # a strong suite. 3 is what the smallest real function gets from the operators (`return -a`: `neg`,
    # `return None`, a seen constant, `abs`), so only functions with almost nothing to mutate are left out.
    min_mutants: int = 3
    # At most this many mutants per function (evenly spread over the body when there are more).
    max_mutants: int = 50
    # Extra inputs, shaped like the observed arguments, on which a surviving mutant must agree with the
    # original to be presumed equivalent (and not counted).
    equivalence_inputs: int = 200
    # Wall-clock seconds for one mutant's run of all passing asserts (at most assert_wall_s): what ends a mutant
    # that loops forever, a kill.
    mutant_wall_s: float = 1.0
    # The funnel, the runtime manifest the stage depends on (input_manifest's output), and where the generation
    # record (timings, cache figures: not a DVC out) goes.
    funnel: str = "reports/funnel/generate_tests.json"
    # Coverage and mutation score of every function with a passing assert, kept or not (a DVC scatter plot).
    plot: str = "reports/plots/generate_tests.json"
    runtime_manifest: str = "data/manifest/runtime.json"
    generation_log: str = "logs/generation/generate_tests.json"

    def reads(self) -> list[str]:
        return [self.input_dir, self.runtime_manifest, self.model_dir]

    def writes(self) -> list[str]:
        return [self.out_dir, self.funnel, self.plot]

    def __post_init__(self) -> None:
        check_range("generate_tests.max_functions", self.max_functions, 0)
        check_choice("generate_tests.select", self.select, ("shortest", "first"))
        check_range("generate_tests.max_per_file", self.max_per_file, 0)
        check_range("generate_tests.n", self.n, 1)
        check_range("generate_tests.assert_wall_s", self.assert_wall_s, 0.1)
        check_range("generate_tests.coverage_min", self.coverage_min, 0.0, 100.0)
        check_range("generate_tests.mutation_min", self.mutation_min, 0.0, 1.0)
        check_range("generate_tests.min_asserts", self.min_asserts, 1)
        check_range("generate_tests.min_mutants", self.min_mutants, 0)
        check_range("generate_tests.max_mutants", self.max_mutants, 1)
        check_range("generate_tests.equivalence_inputs", self.equivalence_inputs, 0)
        check_range("generate_tests.mutant_wall_s", self.mutant_wall_s, 0.1)

    def mutation(self) -> dict[str, Any]:
        """What the mutation analysis of each function is given (part of every cached verdict's key)."""
        return {
            "max_mutants": self.max_mutants,
            "equivalence_inputs": self.equivalence_inputs,
            "mutant_wall_s": self.mutant_wall_s,
        }


def select_functions(params: GenerateTestsParams, funnel: Funnel | None = None) -> list[dict[str, Any]]:
    """The functions to write tests for; those whose body returns a constant are dropped as `trivial` (counted
    in `funnel`) before they take a place in the selection."""
    rows: Iterable[dict[str, Any]] = read_rows(params.input_dir)
    if params.select == "shortest":
        rows = sorted(rows, key=lambda r: (r["code"].count("\n"), len(r["code"]), r["id"]))
    per_file: Counter[str] = Counter()
    chosen = []
    for row in rows:
        source = row["lineage"]["source"]
        where = f"{source.get('repo')}/{source.get('path')}"
        if params.max_per_file and per_file[where] >= params.max_per_file:
            continue
        if returns_constant(row["code"], row["name"]):
            if funnel is not None:
                funnel.seen()
                funnel.drop("trivial", row["id"])
            continue
        per_file[where] += 1
        chosen.append(row)
        if len(chosen) == params.max_functions:
            break
    return chosen


def distinct_asserts(tests: Iterable[str]) -> int:
    """Passing asserts that differ as code (not in layout or quotes)."""
    forms = set()
    for test in tests:
        try:
            forms.add(ast.dump(ast.parse(test)))
        except SyntaxError:
            forms.add(test)
    return len(forms)


def verdict(
    result: dict[str, Any] | None,
    coverage_min: float,
    mutation_min: float = 0.0,
    min_asserts: int = 1,
    min_mutants: int = 0,
) -> str | None:
    """Why a function's judged asserts do not keep it (None: kept)."""
    if result is None:
        return "no_parsed_assert"
    if not result["passing"]:
        return "no_passing_assert"
    if distinct_asserts(result["passing"]) < min_asserts:
        return "few_asserts"
    if result["coverage"] < coverage_min:
        return "low_coverage"
    mutation = result["mutation"]
    if mutation is not None and mutation["killed"] + len(mutation["survived"]) < min_mutants:
        return "few_mutants"
    if mutation is not None and mutation["score"] < mutation_min:
        return "low_mutation_score"
    return None


def drop_reason(result: dict[str, Any] | None, params: GenerateTestsParams) -> str | None:
    return verdict(result, params.coverage_min, params.mutation_min, params.min_asserts, params.min_mutants)


def tested_rows(
    functions: list[dict[str, Any]],
    results: Iterable[dict[str, Any] | None],
    params: GenerateTestsParams,
    funnel: Funnel,
    kept: dict[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The kept functions as rows of this stage; `kept` collects input id -> kept row id."""
    judged = funnel.sift(
        zip(functions, results, strict=True),
        lambda pair: drop_reason(pair[1], params),
        example=lambda pair: pair[0]["id"],
    )
    for row, result in judged:
        child = child_row(
            row,
            {
                "name": row["name"],
                "code": row["code"],
                "imports": row.get("imports") or [],
                "prompt": row.get("prompt", ""),
                "signature": row.get("signature", ""),
                "docstring": row.get("docstring", ""),
                "tests": result["passing"],
                "failed_tests": result["failing"],
                "coverage": result["coverage"],
                # killed / (killed + surviving), presumed-equivalent mutants left out
                "mutation_score": result["mutation"]["score"],
                "mutants": result["mutation"]["mutants"],
                "mutants_killed": result["mutation"]["killed"],
                "mutants_equivalent": result["mutation"]["equivalent"],
                # operator, line (from the function's first line), col, before, after: targets for new tests
                "surviving_mutants": result["mutation"]["survived"],
                "param_types": result["param_types"],
                "return_type": result["return_type"],
            },
            stage=STAGE,
        )
        if kept is not None:
            kept[row["id"]] = child["id"]
        yield child


def scatter(
    functions: list[dict[str, Any]],
    results: list[dict[str, Any] | None],
    params: GenerateTestsParams,
    kept: dict[str, str],
) -> list[dict[str, Any]]:
    """One point per function with a passing assert: its coverage against its mutation score, keyed by the id
    of the row the stage wrote for it (None when dropped: `reason` says why; `parent_id` is the input row)."""
    return [
        {
            "id": kept.get(row["id"]),
            "parent_id": row["id"],
            "name": row["name"],
            "coverage": result["coverage"],
            "mutation_score": result["mutation"]["score"],
            "mutants": result["mutation"]["mutants"],
            "mutants_counted": result["mutation"]["killed"] + len(result["mutation"]["survived"]),
            "asserts": distinct_asserts(result["passing"]),
            "kept": row["id"] in kept,
            "reason": drop_reason(result, params),
        }
        for row, result in zip(functions, results, strict=True)
        if result is not None and result["passing"]
    ]


def run(params: GenerateTestsParams, ctx: Context) -> Funnel:
    from stages.executors import make_executor
    from stages.llm import make_generator

    funnel = Funnel(STAGE, params.funnel)
    functions = select_functions(params, funnel)
    log.info("writing tests for %d functions (%d samples each)", len(functions), params.n)

    prompts = [prompt_for(prelude_of(r), r["name"], params.chat) for r in functions]
    template = prompts[0][1] if prompts else ""
    with make_generator(ctx.llm, params.model_dir, ctx.common.cache_path("completions")) as gen:
        completions = gen.generate(
            [p for p, _ in prompts], params.n, params.sampling, params.stop, params.chat, template
        )
        gen.write_record(params.generation_log)

    items: list[dict[str, Any] | None] = []
    parsed_total = 0
    for row, samples in zip(functions, completions, strict=True):
        asserts = parse_asserts(
            (completion_text(c.text, row["name"], params.chat) for c in samples), row["name"]
        )
        parsed_total += len(asserts)
        item = {
            "prelude": prelude_of(row),
            "name": row["name"],
            "asserts": asserts,
            "assert_wall_s": params.assert_wall_s,
            "mutation": params.mutation(),
        }
        items.append(item if asserts else None)
    todo = [item for item in items if item is not None]
    # Each worker builds the sandbox once from these params; they are part of every cached verdict's key.
    judge = functools.partial(check_function, sandbox=dataclasses.asdict(ctx.sandbox))
    with make_executor(ctx.common) as executor:
        cache = f"generate_tests.check-{code_version('stages.generate_tests')}"
        checked = iter(list(executor.map(judge, todo, cache=cache)))
    results = [next(checked) if item is not None else None for item in items]

    kept: dict[str, str] = {}
    written = write_rows(
        params.out_dir, tested_rows(functions, results, params, funnel, kept), ctx.common.shard_rows
    )
    done = [r for r in results if r is not None]
    write_json(params.plot, scatter(functions, results, params, kept))
    funnel.note("asserts_parsed", parsed_total)
    funnel.note("asserts_passing", sum(len(r["passing"]) for r in done))
    funnel.note("functions_with_passing_assert", sum(1 for r in done if r["passing"]))
    funnel.note("functions_kept", written)
    funnel.note("coverage_min", params.coverage_min)
    funnel.note("mutation_min", params.mutation_min)
    funnel.note("min_asserts", params.min_asserts)
    funnel.note("min_mutants", params.min_mutants)
    analysed = [r["mutation"] for r in done if r["passing"]]
    funnel.note("mutants", sum(m["mutants"] for m in analysed))
    funnel.note("mutants_killed", sum(m["killed"] for m in analysed))
    funnel.note("mutants_equivalent", sum(m["equivalent"] for m in analysed))
    log.info(
        "%d of %d functions kept (>= 1 passing assert, coverage >= %s, mutation score >= %s)",
        written,
        len(functions),
        params.coverage_min,
        params.mutation_min,
    )
    return funnel
