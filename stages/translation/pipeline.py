"""translate@LANG from tested functions to written outputs: tasks, adaptive rounds, rows, decontamination.

`translate()` takes the generator and the executor as arguments (the stage passes the real ones; tests may pass
their own), and returns the rows and the funnel; `run_language()` wires in the configured ones, writes every
output and returns the funnel (the stage entry point writes it to `settings.funnel_path`). The funnel counts candidates: rows_in are the candidates drawn, rows_out the translations written, and
each candidate that is not written is dropped under one reason (its status, a duplicate, a decontamination
match). Function-level figures (functions in, prompts built, tests compiled, ...) are notes beside the counts.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Protocol

from stages import languages
from stages.common import code_version
from stages.languages.base import Language, Untranslatable
from stages.languages.execute import run_program
from stages.records import Funnel, read_rows, write_rows
from stages.records.io import write_json
from stages.translation.dedup import BANNED_WORD, EXACT_DUPLICATE, KEPT, NEAR_DUPLICATE, RougeL, Selector
from stages.translation.rounds import BEYOND_QUOTA, NOT_PASSING, FunctionDraw, Sample, run_rounds
from stages.translation.rows import clean, funnel_plot, sft_view, translation_row
from stages.translation.runner import check_runtime
from stages.translation.settings import LanguageSettings
from stages.translation.tasks import TEMPLATE_VERSION, TranslationTask, build_task

if TYPE_CHECKING:
    from stages.common import CommonParams
    from stages.decont import DecontReport
    from stages.llm import Completion, LLMParams, Sampling
    from stages.sandbox import SandboxParams

log = logging.getLogger(__name__)


class CompletionSource(Protocol):
    """What `translate` needs of a generator (stages.llm.Generator has it)."""

    def generate(
        self,
        prompts: Sequence[str],
        n: int,
        sampling: Sampling,
        stop: Sequence[str] = (),
        chat: bool = False,
        template_version: str = "",
        first_index: int = 0,
    ) -> list[list[Completion]]: ...


class ProgramRunner(Protocol):
    """What `translate` needs of an executor (stages.executors.Executor has it)."""

    def map(self, fn: Any, items: Iterable[Any], *, cache: str | None = None) -> Iterable[Any]: ...


@dataclass
class Translated:
    rows: list[dict[str, Any]]
    funnel: Funnel
    draws: list[FunctionDraw]
    tasks: list[TranslationTask]


def verdict_cache() -> str:
    """The executor cache of program verdicts, named after the code that judges them (the worker's import
    closure), so a verdict never outlives that code."""
    return f"translate.run-{code_version('stages.languages.execute')}"


def build_tasks(
    lang: Language, functions: Sequence[dict[str, Any]], settings: LanguageSettings, funnel: Funnel
) -> tuple[list[TranslationTask], list[dict[str, Any]]]:
    """A task per translatable function (and its parent row); the rest are counted by reason."""
    tasks: list[TranslationTask] = []
    parents: list[dict[str, Any]] = []
    dropped: Counter[str] = Counter()
    tests_dropped: Counter[str] = Counter()
    for row in functions:
        try:
            task = build_task(
                lang,
                row,
                doctests=settings.shared.doctests,
                terminology=settings.shared.terminology,
                canonical=settings.shared.canonical_in_prompt,
            )
        except Untranslatable as exc:
            dropped[exc.reason] += 1
            log.debug("%s: %s dropped: %s", lang.name, row.get("name"), exc)
            continue
        tasks.append(task)
        parents.append(row)
        tests_dropped.update(reason for _, reason in task.tests_dropped)
    funnel.note("functions_in", len(functions))
    funnel.note("prompts_built", len(tasks))
    funnel.note("functions_dropped", dict(sorted(dropped.items())))
    funnel.note("tests_compiled", sum(len(t.tests_kept) for t in tasks))
    funnel.note("tests_dropped", dict(sorted(tests_dropped.items())))
    return tasks, parents


def satisfiable(
    lang: Language,
    tasks: list[TranslationTask],
    parents: list[dict[str, Any]],
    settings: LanguageSettings,
    executor: ProgramRunner,
    run: Any,
    funnel: Funnel,
) -> tuple[list[TranslationTask], list[dict[str, Any]]]:
    """The tasks whose compiled tests the oracle passes. Model-written asserts that no program can pass (two that
    ask one call for different values, a harness that does not type-check) would reject every translation at
    the cost of its draws: those functions are dropped as `oracle_failed` before any is drawn."""
    items = [{"language": lang.name, "program": task.oracle, "wall_s": settings.wall_s} for task in tasks]
    passed = [result["status"] == "OK" for result in executor.map(run, items, cache=verdict_cache())]
    failed = [task.name for task, ok in zip(tasks, passed, strict=True) if not ok]
    if failed:
        log.warning("%s: %d function(s) whose tests no program passes: %s", lang.name, len(failed), failed)
        dropped = {**funnel.extra.get("functions_dropped", {}), "oracle_failed": len(failed)}
        funnel.note("functions_dropped", dict(sorted(dropped.items())))
    funnel.note("oracle_failed", len(failed))
    keep = [i for i, ok in enumerate(passed) if ok]
    return [tasks[i] for i in keep], [parents[i] for i in keep]


def translate(
    lang: Language,
    functions: Sequence[dict[str, Any]],
    settings: LanguageSettings,
    generator: CompletionSource,
    executor: ProgramRunner,
    sandbox: SandboxParams,
) -> Translated:
    """Draw, run and select translations of `functions` (data/tested rows) into `lang`."""
    funnel = Funnel(settings.stage, settings.funnel_path)
    tasks, parents = build_tasks(lang, functions, settings, funnel)
    # Each worker builds the sandbox once from these params; they are part of every cached verdict's key.
    run = functools.partial(run_program, sandbox=dataclasses.asdict(sandbox))
    tasks, parents = satisfiable(lang, tasks, parents, settings, executor, run, funnel)
    statuses: Counter[str] = Counter()

    def draw(active: list[int], first: int, count: int) -> list[list[Sample]]:
        prompts = [tasks[i].prompt for i in active]
        completions = generator.generate(
            prompts, count, settings.sampling, settings.stop, False, TEMPLATE_VERSION, first_index=first
        )
        items = [
            {"language": lang.name, "program": tasks[i].program(c.text), "wall_s": settings.wall_s}
            for i, samples in zip(active, completions, strict=True)
            for c in samples
        ]
        results = iter(list(executor.map(run, items, cache=verdict_cache())))
        out: list[list[Sample]] = []
        for i, samples in zip(active, completions, strict=True):
            judged = []
            for c in samples:
                result = next(results)
                statuses[result["status"]] += 1
                cleaned = clean(lang, tasks[i], c.text)
                judged.append(
                    Sample(c.index, result["status"] == "OK", cleaned.dedup_text, (c, result, cleaned))
                )
            out.append(judged)
        log.info(
            "%s: round from sample %d: %d functions drew %d candidates, %d passing so far",
            lang.name,
            first,
            len(active),
            len(items),
            statuses["OK"],
        )
        return out

    rouge = RougeL() if tasks else None
    policy = settings.policy
    draws = run_rounds(
        len(tasks),
        policy,
        draw,
        lambda: Selector(settings.shared.rouge_threshold, settings.shared.banned_words, rouge),
    )

    rows = []
    for task, parent, state in zip(tasks, parents, draws, strict=True):
        for sample in state.kept:
            completion, result, cleaned = sample.payload
            rows.append(
                translation_row(
                    parent,
                    task,
                    cleaned,
                    stage=settings.stage,
                    status=result["status"],
                    index=sample.index,
                    cache_key=completion.key,
                    finish_reason=completion.finish_reason,
                )
            )
    _count(funnel, tasks, draws, statuses)
    return Translated(rows, funnel, draws, tasks)


def _count(
    funnel: Funnel, tasks: list[TranslationTask], draws: list[FunctionDraw], statuses: Counter[str]
) -> None:
    outcomes: Counter[str] = Counter()
    for task, state in zip(tasks, draws, strict=True):
        outcomes.update(state.outcomes)
        funnel.seen(state.drawn)
        for reason, count in state.outcomes.items():
            if reason not in (KEPT, NOT_PASSING):
                funnel.drop(reason, task.function_id, n=count)
    for status, count in statuses.items():
        if status != "OK":
            funnel.drop(f"status_{status}", None, n=count)
    drawn = sum(s.drawn for s in draws)
    passing = sum(s.passing for s in draws)
    offered = passing - outcomes[BEYOND_QUOTA]
    after_exact = offered - outcomes[BANNED_WORD] - outcomes[EXACT_DUPLICATE]
    funnel.note("candidates_generated", drawn)
    funnel.note("passing", passing)
    funnel.note("pass_rate", round(passing / drawn, 4) if drawn else 0.0)
    funnel.note("statuses", dict(sorted(statuses.items())))
    funnel.note("beyond_keep_per_function", outcomes[BEYOND_QUOTA])
    funnel.note("after_exact_dedup", after_exact)
    funnel.note("after_dedup", after_exact - outcomes[NEAR_DUPLICATE])
    funnel.note("functions_with_translation", sum(1 for s in draws if s.kept))
    funnel.note("stop_reasons", dict(sorted(Counter(s.stopped or "" for s in draws).items())))
    kept = sum(len(s.kept) for s in draws)
    funnel.note("candidates_per_kept", round(drawn / kept, 2) if kept else None)


def decontaminate(
    rows: list[dict[str, Any]], settings: LanguageSettings, funnel: Funnel
) -> tuple[list[dict[str, Any]], DecontReport]:
    """The rows that match no benchmark; each drop counted in the funnel with its method."""
    from stages.decont.core import Decontaminator, DecontReport, reason

    report = DecontReport(settings.report_name, Decontaminator.from_config(settings.shared.decontaminate))
    clean_rows = list(report.filter(rows, settings.language))
    for drop in report.drops:
        funnel.drop(reason(drop["method"]), drop["id"])
    funnel.note("decontaminated", len(report.drops))
    return clean_rows, report


def select_functions(settings: LanguageSettings) -> list[dict[str, Any]]:
    limit = settings.shared.max_functions or None
    return list(islice(read_rows(settings.shared.input_dir), limit))


def write_outputs(
    rows: list[dict[str, Any]], funnel: Funnel, settings: LanguageSettings, shard_rows: int
) -> None:
    written = write_rows(settings.out_dir / "rows", rows, shard_rows)
    write_rows(settings.out_dir / "sft", sft_view(rows), shard_rows)
    funnel.kept(written)
    funnel.note("rows", written)
    extra = funnel.extra
    steps = [
        ("functions in", extra["functions_in"]),
        ("prompts built", extra["prompts_built"]),
        ("candidates generated", extra["candidates_generated"]),
        ("passing", extra["passing"]),
        ("after exact dedup", extra["after_exact_dedup"]),
        ("after ROUGE-L dedup", extra["after_dedup"]),
        ("after decontamination", written),
    ]
    write_json(settings.plot_path, funnel_plot(steps))


def run_language(
    settings: LanguageSettings, common: CommonParams, llm: LLMParams, sandbox: SandboxParams
) -> Funnel:
    """translate@LANG with the configured model, executor and sandbox; writes every output."""
    from stages.executors import make_executor
    from stages.llm import make_generator

    lang = languages.get(settings.language)
    probe = check_runtime(lang, sandbox)  # a missing runtime fails here, before any generation
    log.info("%s: runtime %s", lang.name, probe["versions"] or lang.runtime)
    functions = select_functions(settings)
    log.info(
        "%s: %d tested functions; up to %d candidates each in rounds of %d (keep %s per function)",
        lang.name,
        len(functions),
        settings.policy.n,
        settings.policy.round_size,
        settings.policy.keep_per_function or "all",
    )
    cache = common.cache_path("completions")
    with (
        make_generator(llm, settings.shared.model_dir, cache) as generator,
        make_executor(common) as executor,
    ):
        result = translate(lang, functions, settings, generator, executor, sandbox)
        generator.write_record(settings.generation_log)  # timings and cache figures: a log, not a DVC out
    rows, report = decontaminate(result.rows, settings, result.funnel)
    report.write(settings.decontamination_path)
    result.funnel.note("runtime", probe["versions"])
    write_outputs(rows, result.funnel, settings, common.shard_rows)
    extra = result.funnel.extra
    if not rows:
        log.warning(
            "%s: no translation kept (%d candidates, %d passing): an honest result for a small model; "
            "the outputs are written empty",
            lang.name,
            extra["candidates_generated"],
            extra["passing"],
        )
    log.info(
        "%s: %d functions -> %d prompts -> %d candidates -> %d passing -> %d rows",
        lang.name,
        extra["functions_in"],
        extra["prompts_built"],
        extra["candidates_generated"],
        extra["passing"],
        len(rows),
    )
    return result.funnel
