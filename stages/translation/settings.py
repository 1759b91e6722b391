"""The settings translate@LANG runs with: the shared block, one language's overrides, and the two merged.

A library module: stages/translate.py (the stage) holds the params section and builds a LanguageSettings per
language; stages/translation/pipeline.py runs on one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stages.checks import ParamsError, check_choice, check_range
from stages.decont import BenchmarkSources, DecontConfig
from stages.languages.translate import DOCTEST_MODES, TERMINOLOGY_MODES
from stages.llm import LLMParams, Sampling
from stages.translation.rounds import RoundPolicy


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
    # Stop strings added to every language's own (MultiPL-E's): an instruct model ends a completion by closing a
    # Markdown fence, which is never code and would otherwise be judged a SyntaxError. () adds none.
    extra_stop: tuple[str, ...] = ("\n```",)
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
    # Where each language's funnel, funnel plot and decontamination evidence go (translate-LANG.json in each),
    # the runtime manifest the stage depends on, and the generation records (timings; not DVC outs).
    funnel_dir: str = "reports/funnel"
    plot_dir: str = "reports/plots"
    decontamination_dir: str = "reports/decontamination"
    runtime_manifest: str = "data/manifest/runtime.json"
    generation_log_dir: str = "logs/generation"

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

    @property
    def funnel_path(self) -> str:
        return str(Path(self.shared.funnel_dir) / f"{self.report_name}.json")

    @property
    def plot_path(self) -> str:
        return str(Path(self.shared.plot_dir) / f"{self.report_name}.json")

    @property
    def decontamination_path(self) -> str:
        return str(Path(self.shared.decontamination_dir) / f"{self.report_name}.json")

    @property
    def generation_log(self) -> str:
        return str(Path(self.shared.generation_log_dir) / f"{self.report_name}.json")

    def reads(self) -> list[str]:
        benchmark_dirs = sorted({str(Path(p).parent) for p in self.shared.decontaminate.benchmarks.multipl_e})
        return [self.shared.input_dir, *benchmark_dirs, self.shared.runtime_manifest, self.shared.model_dir]

    def writes(self) -> list[str]:
        return [str(self.out_dir), self.decontamination_path, self.funnel_path, self.plot_path]
