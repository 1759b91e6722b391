"""Stage `codem_data@LANG`: CodeM's instruction set for one language (Zan et al., 2023), from selectable sources.

- `translations`: the validated MultiPL-T translations into LANG (`translate@LANG`), each turned into an
  instruction from its Python function's docstring (stages/codem/instructions.py). Execution-validated, which
  CodeM's GPT-3.5 answers were not.
- `evolved`: CodeM's own method (stages/codem/evolve.py): the model evolves Python seed instructions into harder
  LANG instructions and answers them; answers whose code does not load in LANG's runtime are dropped.
- `published`: CodeM's own data for LANG through `datasets` (stages/codem/published.py); its schema is read, not
  assumed, and a missing file or an unknown schema fails naming what was found.

CodeM's Python set is CodeAlpaca, which `extract_instructions` already provides (`data/clean/instructions`): an
experiment names that directory directly. Outputs: `data/codem/LANG` (rows with instruction, input, output,
language, kind; lineage back to the translation and its source file) and `reports/funnel/codem_data-LANG.json`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stages.checks import ParamsError, check_choice
from stages.codem.evolve import EvolveParams
from stages.codem.published import FILES as PUBLISHED_FILES
from stages.codem.published import PublishedParams, published_rows
from stages.records import Funnel, read_rows, write_rows
from stages.stage import Context

log = logging.getLogger(__name__)
STAGE = "codem_data"
SOURCES = ("translations", "evolved", "published")


@dataclass(frozen=True)
class CodemParams:
    # The languages of the codem_data@LANG matrix; each must be a translate@LANG language (its rows are read).
    languages: tuple[str, ...] = ("lua",)
    # Which sources fill each language's set, in this order (`published` needs network or a local copy).
    sources: tuple[str, ...] = ("translations",)
    # translate@LANG's output root (rows under ROOT/LANG/rows) and generate_tests' rows (the docstrings).
    translated_root: str = "data/translated"
    tested_dir: str = "data/tested"
    published: PublishedParams = field(default_factory=PublishedParams)
    # The `evolved` source: which model evolves and answers, the seeds and their cap, token budgets.
    evolve: EvolveParams = field(default_factory=EvolveParams)
    out_root: str = "data/codem"
    funnel_dir: str = "reports/funnel"

    def __post_init__(self) -> None:
        from stages import languages

        for name in self.languages:
            check_choice("codem.languages", name, languages.names())
        for source in self.sources:
            check_choice("codem.sources", source, SOURCES)
        if not self.sources:
            raise ParamsError(f"codem.sources: name at least one of {', '.join(SOURCES)}")

    def translations(self, language: str) -> str:
        return f"{self.translated_root}/{language}/rows"

    def reads(self, language: str) -> list[str]:
        return [self.translations(language), self.tested_dir, self.evolve.seeds_dir, self.evolve.model_dir]

    def writes(self, language: str) -> list[str]:
        return [f"{self.out_root}/{language}", f"{self.funnel_dir}/{STAGE}-{language}.json"]


def translation_rows(params: CodemParams, language: str, funnel: Funnel) -> Iterator[dict[str, Any]]:
    from stages.codem.instructions import instruction_rows

    rows = params.translations(language)
    if not Path(rows).exists():
        raise FileNotFoundError(
            f"codem_data@{language}: {rows} does not exist: list {language} in translate.languages too"
        )
    parents = {row["id"]: row for row in read_rows(params.tested_dir)}
    return instruction_rows(read_rows(rows), parents, language, funnel, f"{STAGE}@{language}")


def evolved(params: CodemParams, ctx: Context, language: str, funnel: Funnel) -> list[dict[str, Any]]:
    from stages.codem.evolve import evolved_rows
    from stages.executors import make_executor
    from stages.languages import display_name
    from stages.llm import make_generator

    with (
        make_generator(ctx.llm, params.evolve.model_dir, ctx.common.cache_path("completions")) as generator,
        make_executor(ctx.common) as executor,
    ):
        rows = evolved_rows(
            params.evolve,
            language,
            display_name(language),
            generator,
            executor,
            ctx.sandbox,
            funnel,
            f"{STAGE}@{language}",
        )
        return list(rows)


def run(params: CodemParams, ctx: Context, language: str) -> Funnel:
    funnel = Funnel(f"{STAGE}@{language}", f"{params.funnel_dir}/{STAGE}-{language}.json")
    sources = []
    for source in params.sources:
        sub = Funnel(f"{STAGE}@{language}:{source}")
        if source == "published" and language not in PUBLISHED_FILES:
            # CodeM published 7 programming languages; the MultiPL-T ones get their set from translations alone
            funnel.note("published", f"CodeM published no {language} set")
            continue
        if source == "translations":
            made = list(translation_rows(params, language, sub))
        elif source == "evolved":
            made = evolved(params, ctx, language, sub)
        else:
            made = list(published_rows(params.published, language, sub, f"{STAGE}@{language}"))
        sources.append((source, sub, made))
    for source, sub, _ in sources:
        funnel.seen(sub.rows_in)
        funnel.kept(sub.rows_out)
        for reason, count in sub.dropped.items():
            funnel.drop(f"{source}_{reason}", sub.examples.get(reason), count)
        funnel.note(f"rows_{source}", sub.rows_out)
    rows = list(itertools.chain.from_iterable(made for *_, made in sources))
    write_rows(f"{params.out_root}/{language}", rows, ctx.common.shard_rows)
    if not rows:
        log.warning("codem_data@%s: no rows (experiments on it will be skipped as empty_sources)", language)
    return funnel
