"""Stage `translate@LANG`: MultiPL-T's translation step for one target language.

`python -m stages.translate LANG` builds, for every tested Python function, the LANG prompt with the canonical
Python as a comment and the function's passing asserts compiled to LANG tests; draws candidates in rounds
(adaptive: a function stops once it has `keep_per_function` de-duplicated passing translations); runs each with
its tests in the sandbox (status OK only); keeps passing programs cut before the harness, without the Python
comment, exact- and ROUGE-L-de-duplicated and decontaminated. Outputs, per language:
`data/translated/LANG/rows` (full rows), `data/translated/LANG/sft` (prompt/completion),
`reports/funnel/translate-LANG.json`, `reports/plots/translate-LANG.json`,
`reports/decontamination/translate-LANG.json`; the generation record (timings) goes to
`logs/generation/translate-LANG.json`, outside DVC.

Each translate@LANG depends on `translate.shared` and `translate.per_language.LANG` only (plus the shared
`llm`/`sandbox` sections), so adding a language to `translate.languages` runs that language alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path

from stages import languages
from stages.decont import BenchmarkSources, DecontConfig
from stages.languages.translate import DOCTEST_MODES, TERMINOLOGY_MODES
from stages.llm import LLMParams, Sampling
from stages.params import ParamsError, check_choice, check_range, load_section
from stages.translation.rounds import RoundPolicy

log = logging.getLogger("translate")

SECTION = "translate"


@dataclass(frozen=True)
class LanguageOverrides:
    """`translate.per_language.LANG`: what differs for one language (null: the shared value)."""

    # Candidates per function for this language.
    n: int | None = None
    # Translations kept per function before it stops drawing (0: no cap, draw all n).
    keep_per_function: int | None = None
    # Most new tokens per candidate (typed targets spell more).
    max_tokens: int | None = None
    # Stop strings; null: the language's MultiPL-E stop tokens.
    stop: tuple[str, ...] | None = None
    # Wall-clock seconds per candidate run (slow-starting runtimes may need more).
    wall_s: float | None = None


@dataclass(frozen=True)
class SharedTranslateParams:
    """`translate.shared`: settings every language uses."""

    # Tested functions (generate_tests' output) and the root of the per-language outputs (dvc.yaml outs).
    input_dir: str = "data/tested"
    out_root: str = "data/translated"
    # The model that translates: prepare_model's folder ("" with `llm.backend: openai` and a served model name).
    model_dir: str = "models/base"
    # At most this many functions are translated (0: all), in input order.
    max_functions: int = 0
    # Candidates per function (MultiPL-T: 50).
    n: int = 50
    # Candidates drawn per function per round; a function is judged after each round (n: one round, fixed-n).
    round_size: int = 10
    # Stop a function once this many of its passing translations survive de-dup; also the most kept per
    # function (0: MultiPL-T's schedule: draw all n, keep every survivor).
    keep_per_function: int = 0
    # Stop a function after this many rounds without one passing candidate (0: never give up).
    give_up_rounds: int = 0
    # MultiPL-T: temperature 0.8, top_p 0.95, 512 tokens.
    sampling: Sampling = field(default_factory=lambda: Sampling(temperature=0.8, top_p=0.95, max_tokens=512))
    # MultiPL-T's "canonical solution in the prompt": the Python body as a comment above the LANG header.
    canonical_in_prompt: bool = True
    # `>>>` examples in docstrings: "transform" (MultiPL-T), "keep" or "remove".
    doctests: str = "transform"
    # Python terms in prose: "reworded" (MultiPL-T) or "verbatim".
    terminology: str = "reworded"
    # ROUGE-L (rougeLsum F) at or above which a passing translation is a near duplicate of one kept before it
    # for the same function (MultiPL-T: 0.6).
    rouge_threshold: float = 0.6
    # Passing translations containing any of these are dropped (MultiPL-T drops TODO).
    banned_words: tuple[str, ...] = ("TODO",)
    # Wall-clock seconds per candidate run (MultiPL-E: 15 s; the sandbox section's CPU limit still applies).
    wall_s: float = 15.0
    # Decontamination of the kept rows: HumanEval and the compiled benchmark, on the training program.
    decontaminate: DecontConfig = field(
        default_factory=lambda: DecontConfig(
            benchmarks=BenchmarkSources(multipl_e=("data/benchmark/*.jsonl",)), fields=("program",)
        )
    )
    # A model for translation only (e.g. a big model behind vLLM or an OpenAI-compatible server), with the same
    # keys as the `llm` section; null: the `llm` section.
    llm: LLMParams | None = None

    def __post_init__(self) -> None:
        check_range("translate.shared.max_functions", self.max_functions, 0)
        check_choice("translate.shared.doctests", self.doctests, DOCTEST_MODES)
        check_choice("translate.shared.terminology", self.terminology, TERMINOLOGY_MODES)
        if not 0.0 < self.rouge_threshold <= 1.0:
            raise ParamsError(f"translate.shared.rouge_threshold: {self.rouge_threshold!r} is outside (0, 1]")
        check_range("translate.shared.wall_s", self.wall_s, 0.1)
        self.policy()  # n, round_size, keep_per_function, give_up_rounds

    def policy(self, overrides: LanguageOverrides | None = None) -> RoundPolicy:
        o = overrides or LanguageOverrides()
        try:
            return RoundPolicy(
                n=self.n if o.n is None else o.n,
                round_size=self.round_size,
                keep_per_function=self.keep_per_function
                if o.keep_per_function is None
                else o.keep_per_function,
                give_up_rounds=self.give_up_rounds,
            )
        except ParamsError as exc:
            raise ParamsError(f"translate: {exc}") from None


@dataclass(frozen=True)
class LanguageSettings:
    """Everything translate@LANG runs with: the shared settings with the language's overrides applied."""

    language: str
    shared: SharedTranslateParams
    policy: RoundPolicy
    sampling: Sampling
    stop: tuple[str, ...]
    wall_s: float

    @property
    def out_dir(self) -> Path:
        return Path(self.shared.out_root) / self.language

    @property
    def stage(self) -> str:
        return f"translate@{self.language}"

    @property
    def report_name(self) -> str:
        return f"translate-{self.language}"


@dataclass(frozen=True)
class TranslateParams:
    # The languages of the translate@LANG matrix (dvc.yaml reads this list). Embedded default: the MultiPL-T
    # targets whose runtime scripts/setup.sh installs; add julia where `julia` is installed.
    languages: tuple[str, ...] = ("lua", "racket", "ocaml", "r")
    # Settings every language uses (SharedTranslateParams documents each one).
    shared: SharedTranslateParams = field(default_factory=SharedTranslateParams)
    # One entry per language that may be listed (an empty mapping uses the shared values): each translate@LANG
    # depends on its own entry only (LanguageOverrides documents the keys).
    per_language: dict[str, LanguageOverrides] = field(
        default_factory=lambda: {
            name: LanguageOverrides() for name in ("lua", "racket", "ocaml", "r", "julia")
        }
    )

    def __post_init__(self) -> None:
        registered = languages.names()
        for name in [*self.languages, *self.per_language]:
            check_choice("translate.languages / translate.per_language", name, registered)
        if "python" in self.languages:
            raise ParamsError("translate.languages: 'python' is the source language; list target languages")
        if len(set(self.languages)) != len(self.languages):
            raise ParamsError(f"translate.languages lists a language twice: {list(self.languages)}")
        missing = [name for name in self.languages if name not in self.per_language]
        if missing:
            raise ParamsError(
                f"translate.per_language has no entry for {', '.join(missing)}: add `{missing[0]}: {{}}` "
                "(each translate@LANG depends on translate.per_language.LANG)"
            )
        for name in self.per_language:
            self.for_language(name)

    def for_language(self, name: str) -> LanguageSettings:
        if name not in self.per_language:
            known = ", ".join(self.per_language) or "none"
            raise ParamsError(f"translate: no translate.per_language entry for {name!r}; entries: {known}")
        o = self.per_language[name]
        sampling = self.shared.sampling
        if o.max_tokens is not None:
            check_range(f"translate.per_language.{name}.max_tokens", o.max_tokens, 1)
            sampling = dataclasses.replace(sampling, max_tokens=o.max_tokens)
        wall_s = self.shared.wall_s if o.wall_s is None else o.wall_s
        check_range(f"translate.per_language.{name}.wall_s", wall_s, 0.1)
        stop = languages.get(name).stop_tokens if o.stop is None else o.stop
        return LanguageSettings(name, self.shared, self.shared.policy(o), sampling, tuple(stop), wall_s)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stages.translate", description=__doc__.splitlines()[0])
    parser.add_argument("language", help="a language listed in translate.per_language, e.g. lua")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from stages.common import CommonParams
    from stages.sandbox import SandboxParams
    from stages.translation.pipeline import run_stage

    params: TranslateParams = load_section(SECTION)
    settings = params.for_language(args.language)
    common: CommonParams = load_section("common")
    llm: LLMParams = settings.shared.llm or load_section("llm")
    sandbox: SandboxParams = load_section("sandbox")
    run_stage(settings, common, llm, sandbox)


if __name__ == "__main__":
    main()
