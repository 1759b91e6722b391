"""The one stage pattern. Every module that dvc.yaml runs (`scripts/stage NAME`) has the same three parts:

    @dataclass(frozen=True)
    class ExampleParams:                  # its params.yaml section, validated at load
        input_dir: str = "data/in"        # every path the stage reads and writes is a field
        out_dir: str = "data/out"
        funnel: str = "reports/funnel/example.json"

        def reads(self) -> list[str]:     # what dvc.yaml lists as its data deps ...
            return [self.input_dir]

        def writes(self) -> list[str]:    # ... and as its outs (tests/test_stage_pattern.py checks both)
            return [self.out_dir, self.funnel]

    def run(params: ExampleParams, ctx: Context) -> Funnel:
        funnel = Funnel("example")        # rows kept, or dropped under a named reason (Funnel.sift)
        ...                               # write the outputs; a test calls run() directly
        return funnel

    main = stage_main("example", run)     # load params, set up logging, run, write the funnel(s)

Stage modules import libraries (stages/records, stages/llm, ...); libraries never import stage modules.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stages.common import CommonParams
from stages.llm.config import LLMParams
from stages.params import DEFAULT_PARAMS, load_section
from stages.records.funnel import Funnel
from stages.sandbox.limits import SandboxParams

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


@dataclass(frozen=True)
class Context:
    """The sections every stage may use beside its own: shared settings, the model backend, the sandbox."""

    common: CommonParams = field(default_factory=CommonParams)
    llm: LLMParams = field(default_factory=LLMParams)
    sandbox: SandboxParams = field(default_factory=SandboxParams)

    @classmethod
    def load(cls, path: str | os.PathLike[str] = DEFAULT_PARAMS) -> Context:
        return cls(
            common=load_section("common", path=path),
            llm=load_section("llm", path=path),
            sandbox=load_section("sandbox", path=path),
        )


def setup_logging(level: int = logging.INFO) -> None:
    """One format for every stage's log (DVC shows it as the stage runs)."""
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr, force=True)


Run = Callable[..., Funnel | Sequence[Funnel]]


def stage_main(
    section: str, run: Run, *, argument: str | None = None, view: str | None = None
) -> Callable[[list[str] | None], None]:
    """The `main` of a stage module: load `section` and the shared ones, run, write every funnel it returns.

    `argument` names one positional command-line argument passed to `run` after the context (translate@LANG
    takes its language this way). `view` names a method of the section's params that returns this stage's own
    params (with its reads() and writes()), for stages that share a section (build_sft and train share
    `training`, where the experiments are declared)."""

    def main(argv: list[str] | None = None) -> None:
        extra: list[Any] = []
        if argument or argv:
            parser = argparse.ArgumentParser(prog=f"scripts/stage {section}")
            if argument:
                parser.add_argument(argument)
            parsed = parser.parse_args(argv)
            if argument:
                extra.append(getattr(parsed, argument))
        setup_logging()
        params = load_section(section)
        if view:
            params = getattr(params, view)()
        funnels = run(params, Context.load(), *extra)
        for funnel in [funnels] if isinstance(funnels, Funnel) else funnels:
            if funnel.path is None:
                raise RuntimeError(f"{section}: run() returned a funnel with no path ({funnel.stage})")
            funnel.write(funnel.path)

    main.section = section  # type: ignore[attr-defined]  # which params section runs it (tests read it)
    main.view = view  # type: ignore[attr-defined]
    return main
