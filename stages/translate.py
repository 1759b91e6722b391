"""Stage `translate@LANG`: MultiPL-T's translation step for one target language.

`scripts/stage translate LANG` builds, for every tested Python function, the LANG prompt with the canonical
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

import dataclasses
import logging
from dataclasses import dataclass, field

from stages import languages
from stages.checks import ParamsError, check_choice, check_range
from stages.records import Funnel
from stages.stage import Context
from stages.translation.settings import LanguageOverrides, LanguageSettings, SharedTranslateParams

log = logging.getLogger(__name__)


def multipl_t_languages(installed_only: bool = False) -> tuple[str, ...]:
    """MultiPL-T's targets, as the language modules declare them (only those setup.sh installs, if asked)."""
    return tuple(
        name
        for name in languages.names()
        if languages.get(name).translate_defaults.multipl_t
        and (languages.get(name).debian_packages or not installed_only)
    )


@dataclass(frozen=True)
class TranslateParams:
    # The languages of the translate@LANG matrix (dvc.yaml reads this list). Embedded default: the MultiPL-T
    # targets whose runtime scripts/setup.sh installs; add julia where `julia` is installed.
    languages: tuple[str, ...] = field(default_factory=lambda: multipl_t_languages(installed_only=True))
    # Settings every language uses (SharedTranslateParams documents each one).
    shared: SharedTranslateParams = field(default_factory=SharedTranslateParams)
    # One entry per language that may be listed (an empty mapping uses the shared values): each translate@LANG
    # depends on its own entry only (LanguageOverrides documents the keys).
    per_language: dict[str, LanguageOverrides] = field(
        default_factory=lambda: {name: LanguageOverrides() for name in multipl_t_languages()}
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
        lang = languages.get(name)
        # null keys: the language's own defaults (stages/languages/NAME.py), then the shared values
        d = lang.translate_defaults
        sampling = self.shared.sampling
        max_tokens = round(sampling.max_tokens * d.max_tokens_scale) if o.max_tokens is None else o.max_tokens
        check_range(f"translate.per_language.{name}.max_tokens", max_tokens, 1)
        if max_tokens != sampling.max_tokens:
            sampling = dataclasses.replace(sampling, max_tokens=max_tokens)
        wall_s = (
            o.wall_s if o.wall_s is not None else d.wall_s if d.wall_s is not None else self.shared.wall_s
        )
        check_range(f"translate.per_language.{name}.wall_s", wall_s, 0.1)
        stop = (*(lang.stop_tokens if o.stop is None else o.stop), *self.shared.extra_stop)
        return LanguageSettings(name, self.shared, self.shared.policy(o), sampling, tuple(stop), wall_s)

    def reads(self, language: str) -> list[str]:
        return self.for_language(language).reads()

    def writes(self, language: str) -> list[str]:
        return self.for_language(language).writes()


def run(params: TranslateParams, ctx: Context, language: str) -> Funnel:
    """translate@LANG with the configured model, executor and sandbox; writes every output."""
    from stages.translation.pipeline import run_language

    settings = params.for_language(language)
    return run_language(settings, ctx.common, settings.shared.llm or ctx.llm, ctx.sandbox)
